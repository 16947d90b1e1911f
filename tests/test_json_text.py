"""`report.json_text.indented` writes what `json.dumps(value, indent=2)` writes."""

from __future__ import annotations

import json
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyreason.report.json_text import indented


class Level(StrEnum):
    HIGH = "high"


class Count(IntEnum):
    ONE = 1


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and the infinities too
    st.text(),  # control characters, quotes, backslashes, non-ASCII, surrogates
    st.sampled_from([Level.HIGH, Count.ONE]),
)
KEYS = st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEYS, inner, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(VALUES, st.booleans())
def test_indented_is_json_dumps_with_an_indent_of_two(value: Any, ensure_ascii: bool) -> None:
    assert indented(value, ensure_ascii) == json.dumps(value, indent=2, ensure_ascii=ensure_ascii)


@pytest.mark.parametrize("value", [{1j: 1}, [object()], {"a": {1, 2}}])
def test_what_json_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, indent=2)
    with pytest.raises(TypeError):
        indented(value)
