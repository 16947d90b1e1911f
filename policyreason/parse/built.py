"""IR models the reader makes from values it has already checked, without pydantic's validation.

Reading the managed policies makes tens of thousands of located Patterns and Statements.
Pydantic's validating constructor costs about 1.5 us a Pattern (as does `model_copy`, which
gave each cached pattern its span); setting the instance's state directly costs about 0.5 us.
`built` does what `BaseModel.model_construct` does for a model with no aliases, extra or private
attributes (the models built here), without model_construct's loop over the fields, which makes
it slower than validating. `tests/test_parse_built.py` holds what it builds equal to the
validated models.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any, TypeVar

from pydantic import BaseModel

from policyreason.ir.pattern import Pattern
from policyreason.ir.span import Span

M = TypeVar("M", bound=BaseModel)

_new = object.__new__
# The setters of a model's four slots, called directly: a third faster than object.__setattr__.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


# A model built here has every field given, so its fields set depends only on its class and
# `defaults`; and pydantic changes no frozen model's set in place (a copy gets its own), so one
# set serves every instance. A set made per instance cost a tenth of reading a policy.
_FIELDS_SETS: dict[tuple[type[BaseModel], Set[str]], set[str]] = {}


def built(cls: type[M], fields: dict[str, Any], defaults: Set[str] = frozenset()) -> M:
    """An instance of the frozen model `cls` holding `fields`: every field of the model, in the
    model's order, each a value its validation would keep as it is. `defaults` names those that
    hold the field's default and were not given (the validating constructor leaves them out of
    the fields set)."""
    model: M = _new(cls)
    _set_dict(model, fields)
    names = _FIELDS_SETS.get((cls, defaults))
    if names is None:
        if not cls.model_config.get("frozen"):
            raise TypeError(f"{cls.__name__} is not frozen: its fields set could change")
        names = _FIELDS_SETS[cls, defaults] = set(fields).difference(defaults)
    _set_fields_set(model, names)
    _set_extra(model, None)
    _set_private(model, None)
    return model


def located(pattern: Pattern, where: Span) -> Pattern:
    """`pattern` (a parsed one, perhaps shared through a cache) placed at `where`."""
    return built(Pattern, {"text": pattern.text, "parts": pattern.parts, "span": where})
