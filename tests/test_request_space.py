"""The request space groups formats only where no registered pattern tells them apart: two
typings of one cell must look alike to every resource pattern, whatever its wildcards (a
wildcard partition or region before a spelled-out service included)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyreason.data.requests import ArnFormat, typings
from policyreason.ir.pattern import Pattern
from policyreason.parse.pattern import parse_pattern
from policyreason.smt.globs import format_tokens, overlap, pattern_tokens
from policyreason.smt.request_space import RequestSpace

ACTIONS = (
    "sqs:SendMessage",
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "ec2:RunInstances",
    "iam:PassRole",
    "sns:Publish",
    "dynamodb:GetItem",
    "cloudformation:CreateStack",
)
SEGMENTS = (
    ["aws", "*"],
    ["s3", "sqs", "cloudformation", "*", "s?s"],
    ["", "*", "eu-*-2"],
    ["", "*"],
    ["*", "b/*", "orders-*", "role/app", "stack/app-*"],
)


@st.composite
def arn_patterns(draw: st.DrawFn) -> str:
    return "arn:" + ":".join(draw(st.sampled_from(options)) for options in SEGMENTS)


def _pattern(text: str) -> Pattern:
    return parse_pattern(text, variables=False)


def _seen(pattern: Pattern, fmt: ArnFormat) -> bool:
    """Some ARN of the format could match the pattern."""
    return not fmt.wildcard and overlap(pattern_tokens(pattern), format_tokens(fmt))


@pytest.mark.slow  # several CPU-seconds: the whole suite, not the fast loop
@settings(max_examples=100, deadline=None)
@given(
    patterns=st.lists(arn_patterns(), min_size=1, max_size=4),
    actions=st.lists(st.sampled_from([*ACTIONS, "s3:*", "*"]), min_size=1, max_size=3),
)
def test_typings_of_one_cell_look_alike_to_every_pattern(
    patterns: list[str], actions: list[str]
) -> None:
    resources = [_pattern(p) for p in patterns]
    space = RequestSpace([[_pattern(a.lower()) for a in actions]], resources, [])
    by_cell: dict[int, list[ArnFormat]] = {}
    for action in ACTIONS:
        for typing in typings(action):
            cell = space.cell_of(typing)
            assert cell is not None
            by_cell.setdefault(cell, []).append(typing.format)
    for cell, formats in by_cell.items():
        representative = space.cells[cell].typing.format
        assert {f.wildcard for f in formats} == {representative.wildcard}
        for pattern in resources:
            want = _seen(pattern, representative)
            assert all(_seen(pattern, f) == want for f in formats), (pattern.text, cell)
