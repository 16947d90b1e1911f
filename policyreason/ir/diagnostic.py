"""Problems found while reading input: always located, never a traceback."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from policyreason.ir.span import Span


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Diagnostic(BaseModel):
    """One located problem in an input file. Errors make the input unusable for analysis.

    `rule_id` and `aa_code` name the lint rule (and IAM Access Analyzer issue code) the
    problem is an instance of, when the gate knows one."""

    model_config = ConfigDict(frozen=True)

    code: str
    level: Level
    message: str
    span: Span
    rule_id: str | None = None
    aa_code: str | None = None

    def __str__(self) -> str:
        return f"{self.span}: {self.level.value}: {self.message} [{self.code}]"
