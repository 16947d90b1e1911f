"""Findings: what every analysis produces and every reporter consumes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from policyreason.ir.span import Span


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


class Status(StrEnum):
    """How a finding is backed: a solver witness, a proof, a syntactic match, or nothing yet."""

    WITNESSED = "witnessed"
    PROVEN = "proven"
    SYNTACTIC = "syntactic"
    UNKNOWN = "unknown"


class Finding(BaseModel):
    """One reported problem, located in the user's file. `aa_code` is IAM Access Analyzer's
    issue code for the same problem, when it has one."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    aa_code: str | None = None
    severity: Severity
    title: str
    message: str
    span: Span
    status: Status = Status.SYNTACTIC
    fix: str | None = None
    witness: dict[str, Any] | None = None
    details: dict[str, Any] = {}
