"""Source positions carried by every IR node, so findings point at the user's text."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """A region of a source file; lines and columns are 1-based, the end is exclusive."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def unknown_span(file: str = "<input>") -> Span:
    """A span for values that did not come from a file (generated or synthesised)."""
    return Span(file=file, line=0, column=0, end_line=0, end_column=0)
