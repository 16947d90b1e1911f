"""IR models the reader makes from values it has already checked, without pydantic's validation.

Reading the managed policies makes over a hundred thousand Spans and tens of thousands of
located Patterns. Pydantic's validating constructor costs about 0.9 us a Span and 1.5 us a
Pattern (as does `model_copy`, which gave each cached pattern its span); setting the instance's
state directly costs about 0.6 us. `built` does what `BaseModel.model_construct` does for a
model given every field, with no aliases, extra or private attributes (the models built here),
without model_construct's loop over the fields, which makes it slower than validating.
`tests/test_parse_built.py` holds what it builds equal to the validated models.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from policyreason.ir.pattern import Pattern
from policyreason.ir.span import Span

M = TypeVar("M", bound=BaseModel)

_new = object.__new__
_set = object.__setattr__


def built(cls: type[M], fields: dict[str, Any]) -> M:
    """An instance of `cls` holding `fields`: every field of the model, in the model's order,
    each a value its validation would keep as it is."""
    model: M = _new(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", set(fields))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def span(file: str, line: int, column: int, end_line: int, end_column: int) -> Span:
    """Span(file=..., line=..., ...) for a reader's own positions."""
    return built(
        Span,
        {
            "file": file,
            "line": line,
            "column": column,
            "end_line": end_line,
            "end_column": end_column,
        },
    )


def located(pattern: Pattern, where: Span) -> Pattern:
    """`pattern` (a parsed one, perhaps shared through a cache) placed at `where`."""
    return built(Pattern, {"text": pattern.text, "parts": pattern.parts, "span": where})
