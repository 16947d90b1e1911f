"""PR606/PR607's decision without the solver: a string Like condition listing `*` on a key of
one value only tests the key's presence, so the concrete values tried decide it. The shortcut
must answer as the solver's comparison does, for every operator, qualifier and key kind."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyreason.analysis.null_equivalence as nulls
from policyreason.analysis.evaluate import condition_holds
from policyreason.analysis.null_equivalence import NullForm, null_equivalence, proven_equivalence
from policyreason.ir.policy import Condition
from tests.strategies import to_policy

OPERATORS = [
    "StringLike",
    "StringNotLike",
    "StringLikeIfExists",
    "StringNotLikeIfExists",
    "ForAnyValue:StringLike",
    "ForAllValues:StringLike",
    "ForAnyValue:StringNotLike",
    "ForAllValues:StringNotLike",
]
# Global and service keys of one value, typed as strings or not, and a multivalued one.
KEYS = [
    "aws:PrincipalTag/team",
    "aws:ResourceTag/eks:cluster-name",
    "ec2:ResourceTag/Name",
    "s3:prefix",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:TagKeys",
]
VALUES = st.lists(st.sampled_from(["*", "**", "team-*", "", "?", "a"]), min_size=1, max_size=3)


def condition(operator: str, key: str, values: list[str]) -> Condition:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {operator: {key: values}},
    }
    policy = to_policy({"Version": "2012-10-17", "Statement": [statement]})
    (cond,) = policy.statements[0].conditions
    return cond


@settings(max_examples=60, deadline=None)
@given(operator=st.sampled_from(OPERATORS), key=st.sampled_from(KEYS), values=VALUES)
def test_presence_only_conditions_are_decided_as_the_solver_decides(
    operator: str, key: str, values: list[str]
) -> None:
    cond = condition(operator, key, values)
    found = null_equivalence(cond)
    if not nulls._presence_only(cond) or found is None:
        return  # asked of the solver, or refuted by a value tried, as before the shortcut
    form = NullForm.ABSENT if condition_holds(cond, {}) else NullForm.PRESENT
    assert found == proven_equivalence(cond, form, nulls.QUICK_RLIMIT)


def test_a_star_on_a_key_of_one_value_asks_no_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_solver(*args: object, **kwargs: object) -> object:
        raise AssertionError("the solver was asked")

    monkeypatch.setattr(nulls, "Searcher", no_solver)
    present = condition("StringLike", "aws:ResourceTag/eks:cluster-name", ["*"])
    absent = condition("StringNotLike", "aws:PrincipalTag/team", ["*", "a"])
    assert null_equivalence(present) == nulls.NullEquivalence(NullForm.PRESENT)
    assert null_equivalence(absent) == nulls.NullEquivalence(NullForm.ABSENT)
    assert null_equivalence(absent, only=NullForm.PRESENT) is None
    assert null_equivalence(condition("StringLikeIfExists", "aws:PrincipalTag/team", ["*"])) is None


def test_a_star_on_a_multivalued_key_is_still_asked() -> None:
    assert not nulls._presence_only(condition("ForAnyValue:StringLike", "aws:TagKeys", ["*"]))
    assert not nulls._presence_only(condition("ArnLike", "aws:SourceArn", ["*"]))


def test_a_condition_written_twice_is_asked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[object] = []
    original = nulls.Searcher

    def counted(*args: Any, **kwargs: Any) -> Any:
        asked.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(nulls, "Searcher", counted)
    nulls._proven.cache_clear()
    # A key of many values: a `*` there is asked of the solver.
    first = condition("ForAnyValue:StringLike", "aws:TagKeys", ["*"])
    again = condition("ForAnyValue:StringLike", "aws:TagKeys", ["*"])
    moved = again.span._replace(line=9)
    value = again.values[0].model_copy(update={"span": moved})
    again = again.model_copy(update={"span": moved, "values": (value,)})
    assert again != first
    assert null_equivalence(first) == nulls.NullEquivalence(NullForm.PRESENT)
    assert null_equivalence(again) == nulls.NullEquivalence(NullForm.PRESENT)
    assert len(asked) == 1


# Conditions on values that name policy variables: the solver was asked about each of them
# until a probe gave the variables a value. ARN operators get ARN-shaped values.
STRING_OPERATORS = [
    "StringEquals",
    "StringEqualsIfExists",
    "StringNotEquals",
    "StringNotEqualsIfExists",
    "StringLike",
    "StringNotLikeIfExists",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringLike",
]
ARN_OPERATORS = ["ArnEquals", "ArnLikeIfExists", "ArnNotLike", "ForAllValues:ArnEquals"]
VARIABLE_KEYS = [
    "aws:ResourceAccount",
    "aws:PrincipalTag/team",
    "aws:RequestTag/project",
    "ec2:Vpc",
    "aws:SourceArn",
    "aws:PrincipalArn",
    "identitystore:UserExternalIdIssuers",
    "aws:TagKeys",
    "aws:SourceVpc",
]
STRING_VALUES = ["${aws:PrincipalAccount}", "${aws:PrincipalTag/team}", "${aws:username}-*", "*"]
ARN_VALUES = [
    "arn:aws:ec2:*:*:vpc/${aws:PrincipalTag/vpc}",
    "arn:aws:iam::${aws:PrincipalAccount}:role/?*",
    "arn:aws:iam::*:role/a",
    "*",
]


@st.composite
def variable_conditions(draw: st.DrawFn) -> Condition:
    arn = draw(st.booleans())
    operator = draw(st.sampled_from(ARN_OPERATORS if arn else STRING_OPERATORS))
    values = st.sampled_from(ARN_VALUES if arn else STRING_VALUES)
    key = draw(st.sampled_from(VARIABLE_KEYS))
    return condition(operator, key, draw(st.lists(values, min_size=1, max_size=2, unique=True)))


@settings(max_examples=40, deadline=None)
@given(cond=variable_conditions())
def test_a_probe_meeting_a_variable_refutes_only_what_the_solver_refutes(cond: Condition) -> None:
    original = nulls._variable_probes
    nulls._variable_probes = lambda cond: []
    try:
        asked = null_equivalence(cond)
    finally:
        nulls._variable_probes = original
    assert null_equivalence(cond) == asked


@settings(max_examples=100, deadline=None)
@given(
    operator=st.sampled_from([*OPERATORS, "StringEquals", "ArnLike", "StringNotEqualsIfExists"]),
    key=st.sampled_from(KEYS),
    values=st.lists(
        st.sampled_from(["*", "team-*", "", "a", "${aws:username}", "${aws:PrincipalTag/team}"]),
        min_size=1,
        max_size=2,
    ),
    versions=st.permutations(["2012-10-17", "2008-10-17"]),
)
def test_the_values_tried_are_read_once_a_condition(
    operator: str, key: str, values: list[str], versions: list[str]
) -> None:
    """A condition is tried on the values once as it is read (`_refuted` keeps its answer):
    the answer kept is the one trying them again gives, also where the same text is read
    otherwise (`${aws:username}` is a variable from the 2012-10-17 version on)."""
    for version in versions:
        statement = {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {operator: {key: values}},
        }
        policy = to_policy({"Version": version, "Statement": [statement]})
        (cond,) = policy.statements[0].conditions
        form = NullForm.ABSENT if condition_holds(cond, {}) else NullForm.PRESENT
        wanted = form is NullForm.PRESENT
        probes = [
            *({cond.key: v} for v in nulls._probe_sets(cond)),
            *nulls._variable_probes(cond),
        ]
        tried = any(condition_holds(cond, probe) != wanted for probe in probes)
        assert nulls._refuted(cond, form) is tried
