"""Condition keys compared with operators of every family, their own type's or another's
(PR306): `compare` answers each, a witness is a request AWS could send (a Bool key carries
`true` or `false`, a time key the form AWS writes it in), and a comparison the encoding cannot
make is unknown with its reason, never a traceback."""

from __future__ import annotations

import json

import pytest

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.real_request import problems
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.parse.policy import parse_policy_text

KEYS = [
    "aws:AssumedRoot",  # Bool
    "aws:CurrentTime",  # Date
    "aws:EpochTime",  # Date, also read by Numeric operators
    "aws:TokenIssueTime",  # Date
    "aws:MultiFactorAuthAge",  # Numeric
    "aws:SourceIp",  # IPAddress
    "aws:PrincipalOrgPaths",  # ArrayOfString
    "aws:SourceArn",  # ARN
]
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


@pytest.mark.parametrize("key", KEYS)
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
