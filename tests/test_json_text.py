"""`report.json_text.indented` writes the JSON `json.dumps(value, indent=2)` writes."""

from __future__ import annotations

import json
import math
from enum import IntEnum, StrEnum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from policyreason.report.json_text import indented


class Level(StrEnum):
    HIGH = "high"


class Count(IntEnum):
    ONE = 1


# What reports hold: string keys; scalars of every kind, enums among them.
TEXT = st.text()  # control characters, quotes, backslashes, non-ASCII, lone surrogates
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and the infinities too
    TEXT,
    st.sampled_from([Level.HIGH, Count.ONE]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(TEXT, inner, max_size=4),
    ),
    max_leaves=30,
)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values, NaN equal to itself."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_indented_is_json_dumps_with_an_indent_of_two(value: Any) -> None:
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    text = indented(value)
    assert _same(json.loads(text), json.loads(expected))
    # The same layout: a line per value, indented alike (numbers may be spelt otherwise).
    assert [len(line) - len(line.lstrip()) for line in text.splitlines()] == [
        len(line) - len(line.lstrip()) for line in expected.splitlines()
    ]
