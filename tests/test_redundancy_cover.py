"""PR605's reading of the text: a statement whose Action and Resource the others of its
effect hold, under a subset of its conditions, is redundant without a question to the solver
(`redundancy._unheld`). The solver, asked the same question, proves it; the statements the
text does not settle are asked about the actions it leaves open, with the same answers as about
all of theirs.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyreason.analysis.redundancy as redundancy
from policyreason.ir.answer import Status
from tests.strategies import to_policy

# Patterns that often hold one another: action lists with wildcards and single actions of
# one service; ARNs nested by wildcards, a `?`, a bucket without its objects, a caller's tag.
_ACTIONS = ["s3:GetObject", "s3:Get*", "s3:*", "s3:List*", "s3:ListBucket", "s3:PutObject", "*"]
_RESOURCES = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/x/*",
    "arn:aws:s3:::b*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::b",
    "arn:aws:s3:::b/x?",
    "arn:aws:s3:::${aws:PrincipalTag/team}/*",
]
_CONDITIONS: list[dict[str, Any]] = [
    {},
    {},
    {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:PrincipalTag/team": "ops"}, "Bool": {"aws:SecureTransport": "true"}},
]


@st.composite
def nested_documents(draw: st.DrawFn) -> dict[str, Any]:
    statements = []
    for _ in range(draw(st.integers(2, 4))):
        statement: dict[str, Any] = {
            "Effect": draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"])),
            draw(st.sampled_from(["Action", "Action", "Action", "NotAction"])): draw(
                st.lists(st.sampled_from(_ACTIONS), min_size=1, max_size=2, unique=True)
            ),
            draw(st.sampled_from(["Resource", "Resource", "Resource", "NotResource"])): draw(
                st.lists(st.sampled_from(_RESOURCES), min_size=1, max_size=2, unique=True)
            ),
        }
        condition = draw(st.sampled_from(_CONDITIONS))
        if condition:
            statement["Condition"] = condition
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def _asked(policy: Any) -> dict[int, Status]:
    """Every statement's answer with the text's reading turned off: the solver's, about every
    action of the statement."""
    original = redundancy._unheld
    redundancy._unheld = lambda stmt, peers, known: known(stmt)
    try:
        return {r.index: r.status for r in redundancy.redundant_statements(policy)}
    finally:
        redundancy._unheld = original


@settings(max_examples=150, deadline=None)
@given(doc=nested_documents())
def test_a_statement_the_text_shows_redundant_is_proven_by_the_solver(
    doc: dict[str, Any],
) -> None:
    policy = to_policy(doc)
    found = redundancy.redundant_statements(policy)
    asked = _asked(policy)
    read = {r.index for r in found if r.search is None}
    assert {i: asked.get(i) for i in read} == {i: Status.PROVEN for i in read}
    assert {r.index: r.status for r in found if r.search is not None} == {
        i: s for i, s in asked.items() if i not in read
    }


@pytest.mark.parametrize(
    ("narrow", "unheld"),
    [
        # Held by `s3:Get*` on `b/*`: a narrower action and a narrower pattern.
        ({"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x/*"}, set()),
        # Two statements between them: GetObject by the first, ListBucket by the second.
        ({"Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::b/*"}, set()),
        # The same caller's tag on both sides names the same bucket.
        ({"Action": "s3:GetObject", "Resource": "arn:aws:s3:::${aws:PrincipalTag/team}/*"}, set()),
        # `b*` is more than `b/*` (the bucket `bc`, and `b` itself); ListBucket is held there.
        (
            {"Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::b*"},
            {"s3:getobject"},
        ),
    ],
)
def test_the_text_settles_the_actions_others_hold(narrow: dict[str, Any], unheld: set[str]) -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "Action": "s3:List*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::${aws:PrincipalTag/team}/*",
            },
            {"Effect": "Allow", **narrow},
        ],
    }
    policy = to_policy(doc)
    stmt = policy.statements[3]
    peers = list(policy.statements[:3])
    known = redundancy._known

    def known_of(s: Any) -> frozenset[str]:
        return known(tuple(p.text for p in s.actions))

    assert redundancy._unheld(stmt, peers, known_of) == unheld
