"""Problems found while reading input: always located, never a traceback."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from policyreason.ir.span import Span


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Diagnostic(BaseModel):
    """One located problem in an input file. Errors make the input unusable for analysis."""

    model_config = ConfigDict(frozen=True)

    code: str
    level: Level
    message: str
    span: Span

    def __str__(self) -> str:
        return f"{self.span}: {self.level.value}: {self.message} [{self.code}]"
