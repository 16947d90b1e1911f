"""The reader's unvalidated models (`parse/built.py`) are the models the validating path makes:
equal, hashing alike, dumping and printing alike; its one-search spans are the spans both ends
found apart give; and a Span in a model validates and dumps as the object it always has."""

from __future__ import annotations

import json
import pickle
from bisect import bisect_right
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from policyreason.errors import PatternError
from policyreason.ir.pattern import Pattern, Text
from policyreason.ir.policy import Condition, ConditionValue, PolicyKind, Statement
from policyreason.ir.span import Span
from policyreason.parse.built import built, located
from policyreason.parse.json_spans import _Source
from policyreason.parse.pattern import parse_pattern
from policyreason.parse.policy import parse_policy_text
from tests.strategies import policy_documents

PROPERTY = settings(max_examples=200, deadline=None)


def _hash(model: BaseModel) -> object:
    try:
        return hash(model)
    except TypeError:  # a statement's `keys` is a dict: it hashes no more than a dict
        return "unhashable"


def _same(fast: BaseModel, slow: BaseModel) -> None:
    assert fast == slow and slow == fast
    assert _hash(fast) == _hash(slow)
    assert repr(fast) == repr(slow)
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.__pydantic_extra__ == slow.__pydantic_extra__
    assert fast.__pydantic_private__ == slow.__pydantic_private__
    assert fast.model_copy(update={}) == slow
    # Results cross to and from worker processes.
    assert pickle.loads(pickle.dumps(fast)) == slow


def test_built_models_have_nothing_built_leaves_out() -> None:
    # `built` sets no private attributes, extra fields or defaults and runs no post-init.
    for cls in (Pattern, Text, Statement, Condition, ConditionValue):
        assert not cls.__private_attributes__
        assert cls.model_config.get("extra") in (None, "ignore", "forbid")
        assert cls.__pydantic_post_init__ is None


def test_models_built_alike_share_a_fields_set_no_change_reaches() -> None:
    where = Span(file="f", line=1, column=1, end_line=1, end_column=2)
    one, two = located(parse_pattern("a"), where), located(parse_pattern("b"), where)
    assert one.model_fields_set is two.model_fields_set
    moved = one.model_copy(update={"text": "c"})
    assert moved.model_fields_set is not one.model_fields_set
    assert two.model_fields_set == set(Pattern.model_fields)
    with pytest.raises(TypeError, match="not frozen"):
        built(Loose, {"x": 1})
    # The scanner's literal runs are the validated ones.
    _same(parse_pattern("arn:*:s3:::b/?").parts[0], Text(text="arn:"))


class Loose(BaseModel):
    x: int


positions = st.integers(min_value=0, max_value=10_000)


@PROPERTY
@given(st.text(max_size=20), positions, positions, positions, positions)
def test_a_span_in_a_model_validates_and_dumps_as_an_object(
    file: str, line: int, column: int, end_line: int, end_column: int
) -> None:
    fields: dict[str, Any] = {
        "file": file,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    }
    where = Span(**fields)
    placed = Pattern(text="a", parts=(), span=fields)
    assert type(placed.span) is Span and placed.span == where
    assert Pattern(text="a", parts=(), span=where).span is where
    assert placed.model_dump()["span"] == fields
    assert json.loads(placed.model_dump_json())["span"] == fields
    assert Pattern.model_validate_json(placed.model_dump_json()) == placed
    assert pickle.loads(pickle.dumps(placed)) == placed
    assert repr(where) == (
        f"Span(file={file!r}, line={line}, column={column}, end_line={end_line}, "
        f"end_column={end_column})"
    )


def test_a_span_missing_a_field_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        Pattern(text="a", parts=(), span={"file": "f", "line": 1})


pattern_texts = st.text(alphabet="ab:*?$/{}'A ,-_", max_size=16)


@PROPERTY
@given(pattern_texts, st.booleans(), st.booleans(), st.booleans(), positions, positions)
def test_located_is_model_copy(
    text: str, variables: bool, lower: bool, wildcards: bool, line: int, column: int
) -> None:
    try:
        pattern = parse_pattern(text, variables, lower, wildcards)
    except PatternError:  # a malformed variable: nothing to place
        return
    _same(pattern, Pattern(text=pattern.text, parts=pattern.parts))
    where = Span(file="p.json", line=line, column=column, end_line=line, end_column=column + 1)
    slow = pattern.model_copy(update={"span": where})
    _same(located(pattern, where), slow)
    # The shared pattern is left as it was.
    assert pattern.span is None


def _two_searches(text: str, start: int, end: int) -> Span:
    """A span as the reader made it before: each end found on its own."""
    lengths = [len(line) + 1 for line in text.split("\n")]
    starts = [0]
    for n in lengths:
        starts.append(starts[-1] + n)

    def position(offset: int) -> tuple[int, int]:
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    (line, column), (end_line, end_column) = position(start), position(end)
    return Span(file="f", line=line, column=column, end_line=end_line, end_column=end_column)


@PROPERTY
@given(st.text(alphabet="a\n\r ", max_size=40), st.data())
def test_source_span_is_both_ends_found_apart(text: str, data: st.DataObject) -> None:
    source = _Source(text, "f")
    start = data.draw(st.integers(min_value=0, max_value=len(text)))
    end = data.draw(st.integers(min_value=start, max_value=len(text)))
    made = source.span(start, end)
    assert type(made) is Span and made == _two_searches(text, start, end)
    assert source.position(start) == (
        _two_searches(text, start, start).line,
        _two_searches(text, start, start).column,
    )


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([PolicyKind.IDENTITY, PolicyKind.RESOURCE]), st.data())
def test_statements_are_the_validated_statements(kind: PolicyKind, data: st.DataObject) -> None:
    document = data.draw(policy_documents(kind))
    parsed = parse_policy_text(json.dumps(document, indent=2), "p.json", kind)
    assert parsed.policy is not None
    for statement in parsed.policy.statements:
        # Every field but `when` is given: a document's statement is in it as written.
        given_fields = {k: getattr(statement, k) for k in Statement.model_fields if k != "when"}
        _same(statement, Statement(**given_fields))
        for condition in statement.conditions:
            fields = {k: getattr(condition, k) for k in Condition.model_fields}
            _same(condition, Condition(**fields))
            for value in condition.values:
                given = {k: getattr(value, k) for k in value.model_fields_set}
                _same(value, ConditionValue(**given))
