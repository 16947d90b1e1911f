"""The request search asked one cell at a time, and resource patterns matched format by format:
both must give the answers of the plain encoding. The split is held to the open question on
generated policies; the per-format match to the evaluator's whole-ARN match."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.evaluate import allows, arn_match
from policyreason.analysis.questions import more_permissive
from policyreason.analysis.search import Searcher
from policyreason.data.requests import PARTITIONS, ArnFormat
from policyreason.ir.answer import Status
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.parse.policy import parse_policy_text
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.limits import DEFAULT_RLIMIT
from policyreason.smt.session import Session, Verdict
from tests.strategies import ACTION_PATTERNS, policy_documents, to_policy

# ARN patterns segment by segment: literals, wildcards inside and across a segment, variables
# (with and without a default), and a resource part with `:` and `/`.
TEAM = "${aws:PrincipalTag/team}"
SEGMENTS = (
    ["aws", "*", "aws-cn", "a?s", "aws*"],
    ["s3", "sqs", "ec2", "iam", "*", "s?s", "s3*"],
    ["", "*", "us-east-1", "eu-*-2", "us-?ast-1", TEAM],
    ["", "*", "111122223333", "1111*", TEAM],
    [
        "*", "b/*", "orders-*", "instance/*", "role/app", "b/a?c", "orders-dlq", "b",
        f"b/{TEAM}/*", "*/app", "x:y*", "accesspoint/*/object/*", "role/*/app",
        "${aws:PrincipalTag/team, 'none'}/*",
    ],
)  # fmt: skip
SHORT = ["arn:aws:s3*", "arn:*:sqs:*", "arn:aws:iam::*", f"arn:aws:s3:::b/{TEAM}"]
# Values for a format's variables (each used where the variable's kind allows it).
VALUES = ["b", "a/c", "x:y", "orders-dlq", "app", "eu-west-2", "us-east-1", "abc", "i-1", "ops"]
ACCOUNTS = ["111122223333", "444455556666"]


@st.composite
def arn_patterns(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(SHORT))
    return "arn:" + ":".join(draw(st.sampled_from(options)) for options in SEGMENTS)


def _policy(actions: list[str], resources: list[str]) -> Policy:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions}]}
    doc["Statement"][0]["Resource"] = resources
    parsed = parse_policy_text(json.dumps(doc), "generated.json")
    assert parsed.policy is not None
    return parsed.policy


def _filled(fmt: ArnFormat, values: list[str]) -> str:
    """An ARN of the format, its variables taken in turn from `values` where they fit."""
    if fmt.wildcard:
        return "*"
    out: list[str] = []
    turn = 0
    for comp in fmt.components:
        text = ""
        for piece in comp:
            if isinstance(piece, str):
                text += piece
                continue
            fits = {
                "partition": PARTITIONS,
                "account": ACCOUNTS,
                "segment": [v for v in values if not set(v) & set(":/")] or ["s"],
                "any": values,
            }[piece.kind]
            text += fits[turn % len(fits)]
            turn += 1
        out.append(text)
    return ":".join(out)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pattern=arn_patterns(),
    actions=st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3),
    values=st.lists(st.sampled_from(VALUES), min_size=3, max_size=6),
    team=st.sampled_from([None, "ops", "b", "us-east-1", "111122223333", "a/c"]),
)
def test_matching_format_by_format_agrees_with_the_evaluator(
    pattern: str, actions: list[str], values: list[str], team: str | None
) -> None:
    """For an ARN of each cell's format, the per-format match holds exactly when the
    evaluator's whole-ARN match does (and its negation exactly when it does not)."""
    policy = _policy(actions, [pattern])
    p = policy.statements[0].resources[0]  # type: ignore[index]
    session = Session()
    enc = PolicyEncoder(session.tm, [policy])
    session.add(enc.domain())
    f, req = enc.f, enc.request
    ctx = {} if team is None else {"aws:principaltag/team": (team,)}
    pins = []
    if "aws:principaltag/team" in enc.keys:
        kv = enc.keys["aws:principaltag/team"]
        pins.append(f.eq(kv.count, f.integer(0 if team is None else 1)))
        pins += [f.eq(kv.slots[0], f.string(team))] if team is not None else []
    for cell in enc.space.cells:
        arn = _filled(cell.typing.format, values)
        pinned = [*pins, f.eq(req.cell, f.integer(cell.index)), f.eq(req.resource, f.string(arn))]
        expected = arn_match(p, arn, ctx)
        match = enc.resource_match(p)
        for goal, want in ((match, expected), (f.not_(match), not expected)):
            result = session.check(goal, *pinned)
            assert result.verdict is (Verdict.SAT if want else Verdict.UNSAT), (arn, want)


def _answers(old: Policy, new: Policy, split: bool) -> tuple[Status, Status]:
    searcher = Searcher([old, new], DEFAULT_RLIMIT, split=split)
    gained = searcher.find(more_permissive(new, old), 3)
    lost = searcher.find(more_permissive(old, new), 3)
    for answer, wider, narrower in ((gained, new, old), (lost, old, new)):
        for w in answer.witnesses:
            assert allows(wider, w) and not allows(narrower, w)
    return gained.status, lost.status


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=policy_documents(PolicyKind.RESOURCE),
    new=policy_documents(PolicyKind.RESOURCE),
)
def test_split_search_answers_as_the_open_one(old: dict[str, Any], new: dict[str, Any]) -> None:
    p_old, p_new = to_policy(old, PolicyKind.RESOURCE), to_policy(new, PolicyKind.RESOURCE)
    split = _answers(p_old, p_new, split=True)
    assert Status.UNKNOWN not in split
    assert split == _answers(p_old, p_new, split=False)


def test_split_search_answers_as_the_open_one_on_a_widened_action() -> None:
    old = _policy(["s3:GetObject", "sqs:SendMessage"], ["arn:aws:s3:::b/*", "arn:aws:sqs:*:*:q"])
    new = _policy(["s3:Get*", "sqs:SendMessage"], ["arn:aws:s3:::b/*", "arn:aws:sqs:*:*:q"])
    assert _answers(old, new, split=True) == (Status.WITNESSED, Status.PROVEN)
    assert _answers(old, new, split=False) == (Status.WITNESSED, Status.PROVEN)


def test_a_queue_narrowed_to_some_regions_is_decided() -> None:
    """The issue's example: the new queue ARN pins the name and widens nothing."""
    old = _policy(["sqs:SendMessage"], ["arn:aws:sqs:*:111122223333:orders-*"])
    new = _policy(["sqs:SendMessage"], ["arn:aws:sqs:eu-*-2:111122223333:orders-dlq"])
    result = compare(old, new)
    assert result.verdict is CompareVerdict.LESS_PERMISSIVE
    lost = result.lost_access.witnesses
    assert lost and all(allows(old, w) and not allows(new, w) for w in lost)
    assert compare(new, old).verdict is CompareVerdict.MORE_PERMISSIVE


def test_a_statement_is_one_term_whatever_the_order_of_its_condition_keys() -> None:
    """The same statement with its condition keys written in another order encodes to the same
    term, so that a policy compared with a reformatted copy of itself is settled at once."""
    conditions = {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:ResourceTag/team": "ops"},
        "Bool": {"aws:SecureTransport": "true"},
        "StringLike": {"s3:prefix": "home/*"},
    }
    reordered = {op: dict(reversed(keys.items())) for op, keys in reversed(conditions.items())}
    a, b = (
        to_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": c}
                ],
            }
        )
        for c in (conditions, reordered)
    )
    assert a.statements[0].conditions != b.statements[0].conditions
    enc = PolicyEncoder(Session().tm, [a, b])
    assert enc.statement(a.statements[0]) == enc.statement(b.statements[0])
    assert compare(a, b).verdict is CompareVerdict.EQUIVALENT
