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


def _statement(
    draw: st.DrawFn,
    effect: str,
    vocabularies: tuple[list[str], list[str], list[dict[str, Any]]],
    plain: int,
) -> dict[str, Any]:
    """A statement of one or two of the actions and resources, each element negated once in
    `plain + 1` draws, under one of the conditions (`{}`: none)."""
    actions, resources, conditions = vocabularies
    statement: dict[str, Any] = {
        "Effect": effect,
        draw(st.sampled_from(["Action"] * plain + ["NotAction"])): draw(
            st.lists(st.sampled_from(actions), min_size=1, max_size=2, unique=True)
        ),
        draw(st.sampled_from(["Resource"] * plain + ["NotResource"])): draw(
            st.lists(st.sampled_from(resources), min_size=1, max_size=2, unique=True)
        ),
    }
    condition = draw(st.sampled_from(conditions))
    if condition:
        statement["Condition"] = condition
    return statement


@st.composite
def nested_documents(draw: st.DrawFn) -> dict[str, Any]:
    statements = [
        _statement(
            draw,
            draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"])),
            (_ACTIONS, _RESOURCES, _CONDITIONS),
            plain=3,
        )
        for _ in range(draw(st.integers(2, 4)))
    ]
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


@pytest.mark.slow
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


# -- a Deny shown needed by a request an Allow spells out ------------------------------------------

_DENY_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:*", "kms:Decrypt", "kms:*"]
_DENY_RESOURCES = ["*", "arn:aws:s3:::b/*", "arn:aws:kms:*:*:key/*", "arn:aws:s3:::*"]
_DENY_CONDITIONS: list[dict[str, Any]] = [
    {},
    {},
    {
        "Null": {"aws:ResourceTag/team": "false", "aws:PrincipalTag/team": "false"},
        "StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"},
    },
    {"Null": {"aws:PrincipalTag/admin": "true"}},
    {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
    {"StringNotLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
    {"Null": {"kms:EncryptionContext:aws:s3:arn": "false"}},
    {"StringNotLikeIfExists": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b*"}},
    {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
]


@st.composite
def deny_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Policies whose Denies, under conditions on tags and keys, repeat one another's actions
    (so PR605 asks about them), after an Allow of the same actions."""
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": draw(
                st.lists(st.sampled_from(_DENY_ACTIONS), min_size=1, max_size=3, unique=True)
            ),
            "Resource": draw(st.sampled_from(["*", *_DENY_RESOURCES])),
        }
    ]
    vocabularies = (_DENY_ACTIONS, _DENY_RESOURCES, _DENY_CONDITIONS)
    for _ in range(draw(st.integers(2, 3))):
        statements.append(_statement(draw, "Deny", vocabularies, plain=2))
    return {"Version": "2012-10-17", "Statement": statements}


@settings(max_examples=100, deadline=None)
@given(doc=deny_documents())
def test_a_guess_for_a_deny_never_changes_a_redundancy_answer(doc: dict[str, Any]) -> None:
    """A question the guesses of `_denied` settle is one the solver, asked, does not prove: a
    guess decides only on a real request the concrete evaluator sees the Deny refuse alone.
    The other questions are asked as before."""
    policy = to_policy(doc)
    guessed = {r.index: r.status for r in redundancy.redundant_statements(policy)}
    original = redundancy._denied
    redundancy._denied = lambda stmt, policy, only: iter(())
    try:
        asked = {r.index: r.status for r in redundancy.redundant_statements(policy)}
    finally:
        redundancy._denied = original
    assert set(guessed) <= set(asked)
    assert {i: asked[i] for i in guessed} == guessed
    assert all(asked[i] is not Status.PROVEN for i in set(asked) - set(guessed))


@pytest.mark.parametrize(
    "deny",
    [
        # A resource of another project than the caller's (the managed permissions boundaries
        # for SageMaker Studio projects): both tags present, with different values.
        {
            "Effect": "Deny",
            "Action": "*",
            "NotResource": "arn:aws:s3:::reports/*",
            "Condition": {
                "Null": {
                    "aws:ResourceTag/project": "false",
                    "aws:PrincipalTag/project": "false",
                    "aws:PrincipalTag/query-role": "true",
                },
                "StringNotEquals": {"aws:ResourceTag/project": "${aws:PrincipalTag/project}"},
            },
        },
        # A key of an encryption context outside the lake, asked through S3: the Deny of other
        # services' calls must not apply (AmazonSecurityLakePermissionsBoundary).
        {
            "Effect": "Deny",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "Null": {"kms:EncryptionContext:aws:s3:arn": "false"},
                "StringNotLikeIfExists": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::lake*"},
            },
        },
    ],
)
def test_a_deny_is_shown_needed_without_the_solver(
    deny: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_solver(*args: object, **kwargs: object) -> object:
        raise AssertionError("the solver was asked")

    monkeypatch.setattr(redundancy, "Searcher", no_solver)
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            deny,
            {"Effect": "Allow", "Action": ["kms:Decrypt", "glue:GetTable"], "Resource": "*"},
            {"Effect": "Deny", "NotAction": ["kms:Decrypt", "glue:GetTable"], "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringNotLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
            },
        ],
    }
    assert redundancy.redundant_statements(to_policy(doc)) == []


# -- the known actions of an action pattern ----------------------------------------------------

_NAMES = ["s3", "S3", "kms", "iam", "nosuchservice", "", "s3:GetObject", "Get", "Object", "*"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from([*_NAMES, ":", "?", "*", "İ", "K", "a", "ı"]),
        min_size=1,
        max_size=6,
    ).map("".join)
)
def test_a_patterns_known_actions_are_those_it_matches(text: str) -> None:
    """`_pattern_known` looks a plain name up directly and lower-cases with `str.lower` where
    it can: the same set as every action `actions_matching` finds, lower-cased as IAM does."""
    from policyreason.data import reference
    from policyreason.ir.pattern import ascii_lower

    expected = frozenset(ascii_lower(a.full_name) for a in reference.actions_matching(text))
    assert redundancy._pattern_known.__wrapped__(text) == expected
