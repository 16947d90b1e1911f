"""How bad a finding is: the gate's threshold and every report rank by it."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """IAM Access Analyzer ValidatePolicy's levels, most severe first."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    @property
    def rank(self) -> int:
        """Higher is more severe; used by the gate's `--fail-on` threshold."""
        return {"ERROR": 4, "SECURITY_WARNING": 3, "WARNING": 2, "SUGGESTION": 1}[self.value]
