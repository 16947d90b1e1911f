"""Condition keys compared with operators of every family, their own type's or another's
(PR306): `compare` answers each, a witness is a request AWS could send (a Bool key carries
`true` or `false`, a time key the form AWS writes it in), the answer agrees with the concrete
evaluator on requests carrying the key or not, and a comparison the encoding cannot make is
unknown with its reason, never a traceback."""

from __future__ import annotations

import json

import pytest

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.evaluate import allows
from policyreason.analysis.real_request import problems
from policyreason.ir.policy import Policy, PolicyKind, PrincipalType
from policyreason.ir.request import Request
from policyreason.parse.policy import parse_policy_text

# Each key with a value of its type as AWS sends it.
KEYS = {
    "aws:AssumedRoot": "true",  # Bool
    "aws:CurrentTime": "2026-01-01T00:00:00Z",  # Date
    "aws:EpochTime": "1767225600",  # Date, also read by Numeric operators
    "aws:TokenIssueTime": "2025-12-31T23:00:00Z",  # Date
    "aws:MultiFactorAuthAge": "3600",  # Numeric
    "aws:SourceIp": "10.1.2.3",  # IPAddress
    "aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/",  # ArrayOfString
    "aws:SourceArn": "arn:aws:s3:::example-bucket",  # ARN
}
TESTS = [
    ("NumericLessThan", "1.5"),
    ("NumericEqualsIfExists", "1700000000"),
    ("DateGreaterThan", "2026-01-01T00:00:00Z"),
    ("IpAddress", "10.0.0.0/8"),
    ("NotIpAddressIfExists", "10.0.0.0/8"),
    ("Bool", "true"),
    ("StringLike", "*"),
    ("StringEquals", "2026-01-01"),
]


def _policy(statement: dict[str, object]) -> Policy:
    doc = {"Version": "2012-10-17", "Statement": [statement]}
    parsed = parse_policy_text(json.dumps(doc), "t.json", PolicyKind.IDENTITY)
    assert parsed.policy is not None
    return parsed.policy


@pytest.mark.parametrize("key", sorted(KEYS))
@pytest.mark.parametrize(("operator", "value"), TESTS)
def test_every_operator_on_every_kind_of_key_is_answered(
    key: str, operator: str, value: str
) -> None:
    base = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    conditional = _policy({**base, "Condition": {operator: {key: value}}})
    nothing = _policy({"Effect": "Deny", "Action": "*", "Resource": "*"})
    for old, new in ((nothing, conditional), (conditional, _policy(base))):
        result = compare(old, new, witnesses=1)
        if result.verdict is CompareVerdict.UNKNOWN:
            assert result.reason, (key, operator)
            continue
        for witness in [*result.new_access.witnesses, *result.lost_access.witnesses]:
            assert not problems(witness), (witness.to_json(), problems(witness))
    # A request with the key and one without: when the evaluator lets either through, the
    # solver may not prove that the condition lets nothing through.
    verdict = compare(nothing, conditional).verdict
    for context in ({}, {key: (KEYS[key],)}):
        if allows(conditional, _request(context)):
            assert verdict in (CompareVerdict.MORE_PERMISSIVE, CompareVerdict.UNKNOWN), context


def _request(context: dict[str, tuple[str, ...]]) -> Request:
    return Request(
        principal="arn:aws:iam::111122223333:user/alice",
        principal_type=PrincipalType.AWS,
        principal_account="111122223333",
        action="s3:GetObject",
        resource="arn:aws:s3:::example-bucket/report.csv",
        resource_account="111122223333",
        context={
            "aws:CurrentTime": ("2026-01-01T00:00:00Z",),
            "aws:EpochTime": ("1767225600",),
            "aws:SecureTransport": ("true",),
            **context,
        },
    )
