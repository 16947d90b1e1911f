"""Remembering a function's last answer, for analyses that several rules ask about one policy
(or one document) one after the other."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def keep_last(function: Callable[P, T]) -> Callable[P, T]:
    """`function`, keeping its last answer with its arguments: a call whose first argument is
    the same object (compared by identity, which a kept object cannot lose, and which costs
    nothing where comparing a policy would walk it) and whose other arguments are equal gets
    that answer."""
    last: list[tuple[object, tuple[object, ...], dict[str, object], T] | None] = [None]

    @wraps(function)
    def kept(*args: P.args, **kwargs: P.kwargs) -> T:
        entry = last[0]  # read once: the arguments and their answer stay together
        first, rest = args[0], args[1:]
        if entry is not None and entry[0] is first and entry[1] == rest and entry[2] == kwargs:
            return entry[3]
        value = function(*args, **kwargs)
        last[0] = (first, rest, kwargs, value)
        return value

    return kept
