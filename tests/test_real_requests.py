"""Every witness is a request AWS could receive, and proofs range over exactly those requests.

Each test reproduces a way witnesses used to go wrong (an action "", an S3 object ARN with an
empty key, `arn:` as a resource, an anonymous caller with an organization id, ...) or a proof
that rested on a bound of the encoding (two values for a multivalued key)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.evaluate import allows
from policyreason.analysis.public import public_access
from policyreason.analysis.real_request import is_real, problems
from policyreason.data.requests import PRINCIPAL_FAMILY, iam_principal
from policyreason.ir.policy import Policy, PolicyKind, PrincipalType
from policyreason.ir.request import Request
from policyreason.parse.policy import parse_policy_text

ACCOUNT = "111122223333"


def policy(*statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    parsed = parse_policy_text(json.dumps(doc), "t.json", kind)
    assert parsed.policy is not None
    return parsed.policy


def get_object_if(operator: str, key: str, value: str) -> Policy:
    """An Allow of s3:GetObject on every resource under one condition."""
    condition = {operator: {key: value}}
    return policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}
    )


NOTHING = {"Effect": "Deny", "Action": "*", "Resource": "*"}


def witnesses(old: Policy, new: Policy) -> list[Request]:
    result = compare(old, new, witnesses=5)
    assert result.verdict is not CompareVerdict.UNKNOWN, result.reason
    return [*result.new_access.witnesses, *result.lost_access.witnesses]


def assert_real(ws: list[Request]) -> None:
    assert ws
    for w in ws:
        assert is_real(w), (w.to_json(), problems(w))


def test_not_action_witnesses_name_real_actions() -> None:
    old = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    new = policy({"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Resource": "*"})
    ws = witnesses(old, new)
    assert_real(ws)
    assert all(w.action.lower().startswith("s3:") for w in ws)


def test_resources_have_the_format_the_action_takes() -> None:
    everything = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    nothing = policy({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"})
    ws = witnesses(nothing, everything)
    assert_real(ws)
    for w in ws:
        if w.action == "s3:GetObject":
            bucket, _, key = w.resource.removeprefix("arn:aws:s3:::").partition("/")
            assert bucket and key  # never `arn:aws:s3:::b/`


def test_an_action_that_takes_no_resource_type_acts_on_star() -> None:
    only_arns = policy({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:*"})
    star = policy({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"})
    # `arn:*` names no resource of an action that takes none: only `*` grants it.
    result = compare(only_arns, star)
    assert result.verdict is CompareVerdict.MORE_PERMISSIVE
    assert [w.resource for w in result.new_access.witnesses] == ["*"]


def test_access_no_real_action_could_use_is_not_access() -> None:
    old = policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
    new = policy({"Effect": "Allow", "Action": ["s3:Get*", "s3:Getx*"], "Resource": "*"})
    assert compare(old, new).verdict is CompareVerdict.EQUIVALENT


def test_resource_account_is_the_arns_account() -> None:
    queue = "arn:aws:sqs:us-east-1:111122223333:orders"
    new = policy({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue})
    ws = witnesses(policy(NOTHING), new)
    assert_real(ws)
    assert all(w.resource_account == ACCOUNT for w in ws)


def test_anonymous_and_service_callers_carry_no_principal_keys() -> None:
    bucket = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        },
        kind=PolicyKind.RESOURCE,
    )
    answer = public_access(bucket)
    assert answer.public is True and answer.witness is not None
    w = answer.witness
    assert is_real(w), problems(w)
    if w.principal_type is not PrincipalType.AWS:
        assert not any(k.lower().startswith(PRINCIPAL_FAMILY) for k in w.context)


def test_a_role_is_no_aws_service() -> None:
    """AWS's VPC-endpoint data perimeter: only AWS services and principals of the
    organization. A role can never say aws:PrincipalIsAWSService = true, so it is not public."""
    perimeter = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        },
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}},
        },
        kind=PolicyKind.ENDPOINT,
    )
    answer = public_access(perimeter)
    if answer.witness is not None:
        assert answer.witness.principal_type is PrincipalType.SERVICE
        assert is_real(answer.witness)


def test_principal_keys_follow_the_principal() -> None:
    by_name = policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::home/${aws:username}/*",
        }
    )
    ws = witnesses(policy(NOTHING), by_name)
    assert_real(ws)
    for w in ws:
        who = iam_principal(w.principal or "")
        assert who is not None and who.kind == "User"  # only users have aws:username
        assert w.resource.startswith(f"arn:aws:s3:::home/{who.name}/")


def test_keys_aws_always_sends_are_never_missing() -> None:
    """A Deny unless the request is secure leaves nothing: aws:SecureTransport is always sent,
    so "the key is missing" is no way around it (and no witness needs it missing)."""
    secure_only = policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
    plain = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    result = compare(secure_only, plain)
    assert result.verdict is CompareVerdict.MORE_PERMISSIVE
    for w in result.new_access.witnesses:
        assert w.context["aws:SecureTransport"] == ("false",)
    with_null = get_object_if("Null", "aws:CurrentTime", "true")
    nothing = policy(NOTHING)
    assert compare(nothing, with_null).verdict is CompareVerdict.EQUIVALENT


def test_the_time_compared_as_text_is_the_time_aws_sends() -> None:
    """aws:CurrentTime under a string operator is still the request's time in full: a witness
    never sends `0` or a bare date (decoding one used to fail), and a condition only a bare
    date meets is met by no request."""
    any_time = get_object_if("StringLikeIfExists", "aws:CurrentTime", "*")
    in_2026 = get_object_if("StringLike", "aws:CurrentTime", "2026*")
    ws = witnesses(in_2026, any_time)
    assert_real(ws)
    for w in ws:
        assert "T" in w.context["aws:CurrentTime"][0]
        assert not w.context["aws:CurrentTime"][0].startswith("2026")
    a_date = get_object_if("StringEquals", "aws:CurrentTime", "2026-01-01")
    nothing = policy(NOTHING)
    assert compare(nothing, a_date).verdict is CompareVerdict.EQUIVALENT
    assert not is_real(
        Request(
            principal=f"arn:aws:iam::{ACCOUNT}:user/alice",
            principal_type=PrincipalType.AWS,
            principal_account=ACCOUNT,
            action="s3:ListAllMyBuckets",
            resource="*",
            context={
                "aws:CurrentTime": ("2026-01-01",),
                "aws:EpochTime": ("1767225600",),
                "aws:SecureTransport": ("true",),
            },
        )
    )


@pytest.mark.parametrize(
    ("key", "like", "sent"),
    [
        ("aws:EpochTime", "17*", r"0|[1-9][0-9]{0,10}"),
        ("aws:TokenIssueTime", "20*", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z"),
    ],
)
def test_time_keys_compared_as_text_take_the_form_aws_sends(key: str, like: str, sent: str) -> None:
    """aws:EpochTime is whole seconds and aws:TokenIssueTime a full date-time in a request,
    though a Date key's value may be either in a policy: decoding `2026-01-01` as epoch
    seconds used to fail, and a condition only such a form meets grants nothing."""
    any_value = get_object_if("StringLikeIfExists", key, "*")
    some = get_object_if("StringLike", key, like)
    nothing = policy(NOTHING)
    ws = witnesses(nothing, some) + witnesses(some, any_value)
    assert_real(ws)
    for w in ws:
        assert all(re.fullmatch(sent, v) for v in w.context.get(key, ())), w.context
    other_form = "2026-01-01" if key == "aws:EpochTime" else "1767225600"
    written = get_object_if("StringEquals", key, other_form)
    assert compare(nothing, written).verdict is CompareVerdict.EQUIVALENT


def test_a_set_needs_as_many_values_as_the_policy_tests() -> None:
    """Three ForAnyValue conditions on one multivalued key need a request with three tag keys:
    public, with that request as the witness (two slots per key used to prove "not public")."""
    merged = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {
                "ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": ["a"]},
                "ForAnyValue:StringLike": {"s3:RequestObjectTagKeys": ["b"]},
                "ForAnyValue:StringEqualsIgnoreCase": {"s3:RequestObjectTagKeys": ["c"]},
            },
        },
        kind=PolicyKind.RESOURCE,
    )
    answer = public_access(merged)
    assert answer.public is True, answer.reason
    assert answer.witness is not None and allows(merged, answer.witness)
    tags = {v.lower() for v in answer.witness.context["s3:RequestObjectTagKeys"]}
    assert {"a", "b", "c"} <= tags


def test_compare_tells_sets_of_three_apart() -> None:
    old = policy(
        {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": ["a"]},
                "ForAnyValue:StringLike": {"s3:RequestObjectTagKeys": ["b"]},
                "ForAllValues:StringLike": {"s3:RequestObjectTagKeys": ["a", "b", "c*"]},
            },
        }
    )
    new = policy(
        {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": ["a"]},
                "ForAnyValue:StringLike": {"s3:RequestObjectTagKeys": ["b"]},
                "ForAllValues:StringLike": {"s3:RequestObjectTagKeys": ["a", "b", "c*"]},
                "ForAnyValue:StringNotLike": {"s3:RequestObjectTagKeys": ["a", "b"]},
            },
        }
    )
    # NEW additionally needs a third key (a c-something): strictly less permissive.
    result = compare(old, new)
    assert result.verdict is CompareVerdict.LESS_PERMISSIVE, result.reason
    lost = result.lost_access.witnesses
    assert lost and all(allows(old, w) and not allows(new, w) for w in lost)


@pytest.mark.parametrize(
    "request_json",
    [
        {"action": "s3:GetObject", "resource": "arn:aws:s3:::b/"},
        {"action": "", "resource": "*"},
        {"action": "s3:GetObject", "resource": "arn:"},
        {"action": "s3:AbortMultipartUpload", "resource": "arn:aws:s3:::b"},
    ],
)
def test_the_realness_check_refuses_what_witnesses_used_to_be(
    request_json: dict[str, str],
) -> None:
    base = {
        "context": {
            "aws:CurrentTime": ("2026-01-01T00:00:00Z",),
            "aws:EpochTime": ("1767225600",),
            "aws:SecureTransport": ("true",),
        }
    }
    assert not is_real(Request(**request_json, **base))  # type: ignore[arg-type]
