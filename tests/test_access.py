"""Public and external access, full administrator, redundant statements (escalation paths:
test_escalation.py).

Cases follow the S3 User Guide's "meaning of public" and the false-positive classes syntactic
tools fall into; hypothesis holds the solver's answers to the concrete evaluator and checks
that narrowing a policy never widens what is reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.analysis import questions
from policyreason.analysis.evaluate import allows
from policyreason.analysis.external import assignments, external_access
from policyreason.analysis.privilege import full_admin
from policyreason.analysis.public import anyone_scope, infer_resource_type, public_access
from policyreason.analysis.questions import not_
from policyreason.analysis.real_request import is_real
from policyreason.analysis.redundancy import redundant_statements
from policyreason.analysis.scope import in_scope, parse_zone, pins_of, principal_classes
from policyreason.analysis.search import Searcher
from policyreason.checks import CheckContext, run_checks
from policyreason.cli import main
from policyreason.data import reference
from policyreason.ir.answer import Status
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.request import Request
from policyreason.ir.resource_type import RESOURCE_TYPES, resource_type
from policyreason.ir.scope import PrincipalKind, Scope
from policyreason.smt.encode_scope import scope_term, service_actions
from policyreason.smt.limits import DEFAULT_RLIMIT
from tests.pinning import holds_for
from tests.strategies import policy_documents, requests, to_policy

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "policies"
BUCKET = "arn:aws:s3:::doc-example-bucket"
OWN, PARTNER = "111122223333", "444455556666"


def bucket_policy(*statements: dict[str, Any]) -> Policy:
    return to_policy({"Version": "2012-10-17", "Statement": list(statements)}, PolicyKind.RESOURCE)


def grant(**fields: Any) -> dict[str, Any]:
    """Allow s3:GetObject on the bucket's objects to anyone, with `fields` overriding."""
    base = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    return base | fields


def when(op: str, key: str, *values: str) -> dict[str, Any]:
    return {"Condition": {op: {key: list(values) if len(values) > 1 else values[0]}}}


# (name, statements, public?) — the S3 User Guide's examples and the classic traps.
PUBLIC_CASES: list[tuple[str, list[dict[str, Any]], bool]] = [
    ("anyone", [grant()], True),
    ("one account", [grant(Principal={"AWS": f"arn:aws:iam::{OWN}:root"})], False),
    ("one role", [grant(Principal={"AWS": f"arn:aws:iam::{OWN}:role/Reader"})], False),
    ("vpc endpoint", [grant(**when("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d"))], False),
    ("vpc", [grant(**when("StringEquals", "aws:SourceVpc", "vpc-111bbb22"))], False),
    ("organization", [grant(**when("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"))], False),
    ("organization wildcard", [grant(**when("StringLike", "aws:PrincipalOrgID", "o-*"))], True),
    ("source account", [grant(**when("StringEquals", "aws:SourceAccount", OWN))], False),
    ("not source account", [grant(**when("StringNotEquals", "aws:SourceAccount", OWN))], True),
    (
        "source arn",
        [grant(**when("ArnEquals", "aws:SourceArn", f"arn:aws:sns:us-east-1:{OWN}:t"))],
        False,
    ),
    ("source arn wildcard", [grant(**when("ArnLike", "aws:SourceArn", "arn:aws:sns:*:*:t"))], True),
    (
        "principal arn",
        [grant(**when("ArnEquals", "aws:PrincipalArn", f"arn:aws:iam::{OWN}:role/R"))],
        False,
    ),
    (
        "principal arn, any account",
        [grant(**when("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/R"))],
        True,
    ),
    ("principal account", [grant(**when("StringEquals", "aws:PrincipalAccount", OWN))], False),
    ("narrow public ip", [grant(**when("IpAddress", "aws:SourceIp", "203.0.113.0/24"))], False),
    ("a /8", [grant(**when("IpAddress", "aws:SourceIp", "54.0.0.0/8"))], False),
    ("wider than /8", [grant(**when("IpAddress", "aws:SourceIp", "54.0.0.0/7"))], True),
    ("private range", [grant(**when("IpAddress", "aws:SourceIp", "10.1.0.0/16"))], True),
    ("not an ip range", [grant(**when("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"))], True),
    ("ipv6 /32", [grant(**when("IpAddress", "aws:SourceIp", "2001:db8::/32"))], False),
    ("ipv6 /31", [grant(**when("IpAddress", "aws:SourceIp", "2001:db8::/31"))], True),
    ("referer", [grant(**when("StringLike", "aws:Referer", "https://www.example.com/*"))], True),
    ("user agent", [grant(**when("StringEquals", "aws:UserAgent", "internal-tool"))], True),
    (
        "not principal",
        [grant(Principal=None, NotPrincipal={"AWS": f"arn:aws:iam::{OWN}:root"})],
        True,
    ),
    ("service", [grant(Principal={"Service": "cloudtrail.amazonaws.com"})], False),
    (
        "deny unless endpoint",
        [
            grant(),
            grant(
                Effect="Deny",
                Action="s3:*",
                **when("StringNotEquals", "aws:SourceVpce", "vpce-1a2b3c4d"),
            ),
        ],
        False,
    ),
    (
        "deny of another action only",
        [grant(), grant(Effect="Deny", Action="s3:PutObject")],
        True,
    ),
    ("public, but not for this bucket's actions", [grant(Action="sqs:SendMessage")], False),
]


def _clean(stmt: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stmt.items() if v is not None}


@pytest.mark.parametrize(
    ("name", "statements", "public"), PUBLIC_CASES, ids=[c[0] for c in PUBLIC_CASES]
)
def test_public_follows_s3_definition(
    name: str, statements: list[dict[str, Any]], public: bool
) -> None:
    policy = bucket_policy(*(_clean(s) for s in statements))
    result = public_access(policy, resource_type("AWS::S3::Bucket"))
    assert result.public is public, result.reason
    if public:
        witness = result.witness
        assert witness is not None and allows(policy, witness)
        assert in_scope(anyone_scope(policy, result.resource_type), witness)
        assert result.statements
    else:
        assert result.witness is None
        assert "pinned" in result.reason or "no request" in result.reason


def test_anonymous_witness_carries_no_principal_keys() -> None:
    policy = bucket_policy(grant(**when("StringLike", "aws:PrincipalOrgID", "o-*")))
    result = public_access(policy)
    assert result.public and result.witness is not None
    if result.witness.principal_type is None:
        assert not any(k.lower().startswith("aws:principal") for k in result.witness.context)


def test_trust_policy_public_unless_pinned() -> None:
    def trust(**fields: Any) -> Policy:
        stmt = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"} | fields
        return to_policy({"Version": "2012-10-17", "Statement": [stmt]}, PolicyKind.TRUST)

    assert public_access(trust()).public is True
    pinned = trust(**when("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"))
    assert public_access(pinned).public is False
    assert infer_resource_type(trust()) == resource_type("AWS::IAM::Role")


def test_resource_types_come_from_the_service_reference() -> None:
    assert len(RESOURCE_TYPES) >= 20
    for rtype in RESOURCE_TYPES:
        for service in rtype.services:
            svc = reference.service(service)
            assert svc is not None and svc.actions, rtype.name
        assert reference.arn_formats(rtype.arn_service, rtype.arn_resource), rtype.name


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        (f"{BUCKET}/*", "AWS::S3::Bucket"),
        (f"arn:aws:s3:us-east-1:{OWN}:accesspoint/ap", "AWS::S3::AccessPoint"),
        (f"arn:aws:kms:us-east-1:{OWN}:key/1234", "AWS::KMS::Key"),
        (f"arn:aws:sqs:us-east-1:{OWN}:q", "AWS::SQS::Queue"),
        (f"arn:aws:lambda:us-east-1:{OWN}:layer:l:1", "AWS::Lambda::LayerVersion"),
        (f"arn:aws:dynamodb:us-east-1:{OWN}:table/t/stream/2024", "AWS::DynamoDB::Stream"),
        (f"arn:aws:secretsmanager:us-east-1:{OWN}:secret:s", "AWS::SecretsManager::Secret"),
    ],
)
def test_resource_type_inferred_from_arns(arn: str, name: str) -> None:
    policy = bucket_policy(grant(Resource=arn, Action="*"))
    rtype = infer_resource_type(policy)
    assert rtype is not None and rtype.name == name


# -- external access ---------------------------------------------------------------------------

MIXED = [
    {
        "Sid": "Own",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"},
        "Action": "s3:*",
        "Resource": f"{BUCKET}/*",
    },
    grant(Sid="Partner", Principal={"AWS": f"arn:aws:iam::{PARTNER}:role/Reader"}),
    grant(
        Sid="Org",
        Action="s3:ListBucket",
        **when("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),
    ),
    grant(
        Sid="OtherOrg",
        Action="s3:GetObjectTagging",
        **when("StringEquals", "aws:PrincipalOrgID", "o-zzzzzzzzzz"),
    ),
    grant(Sid="Web", Resource=f"{BUCKET}/public/*"),
    {
        "Sid": "Logs",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{BUCKET}/logs/*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{'source'}"},
            "StringEquals": {"aws:SourceAccount": OWN},
        },
    },
]


def test_findings_cover_external_access_minimally() -> None:
    policy = bucket_policy(*MIXED)
    result = external_access(policy, parse_zone([OWN, "o-a1b2c3d4e5"]))
    assert result.complete
    described = {
        (f.principal.kind, f.principal.value, f.conditions, tuple(sorted(f.actions(policy))))
        for f in result.findings
    }
    assert described == {
        (PrincipalKind.ANYONE, "", (), ("s3:GetObject",)),
        (PrincipalKind.ARN, f"arn:aws:iam::{PARTNER}:role/Reader", (), ("s3:GetObject",)),
        (
            PrincipalKind.ANYONE,
            "",
            (("aws:principalorgid", "o-zzzzzzzzzz"),),
            ("s3:GetObjectTagging",),
        ),
    }
    assert [f.public for f in result.findings].count(True) == 1
    for finding in result.findings:
        assert finding.witnesses
        for witness in finding.witnesses:
            assert allows(policy, witness)
            assert witness.principal_account not in (OWN,)


@pytest.mark.slow
def test_without_a_zone_every_principal_is_external() -> None:
    policy = bucket_policy(*MIXED)
    result = external_access(policy, parse_zone([]))
    kinds = {(f.principal.kind, f.principal.value) for f in result.findings}
    assert (PrincipalKind.ACCOUNT, OWN) in kinds
    assert (PrincipalKind.SERVICE, "logging.s3.amazonaws.com") in kinds


def test_zone_covers_the_service_acting_for_it() -> None:
    policy = bucket_policy(MIXED[-1])
    assert external_access(policy, parse_zone([OWN])).findings == []
    assert external_access(policy, parse_zone([PARTNER])).findings


def test_cross_account_check_needs_a_zone() -> None:
    policy = bucket_policy(*MIXED)
    assert run_checks(policy, enabled=["PR602"]) == []
    zone = parse_zone([OWN, "o-a1b2c3d4e5"])
    hits = run_checks(policy, enabled=["PR602"], context=CheckContext(zone=zone))
    assert {h.details["principal"] for h in hits} == {
        f"arn arn:aws:iam::{PARTNER}:role/Reader",
        "*",
    }
    assert all(h.witness is not None and h.status.value == "witnessed" for h in hits)


# -- admin, redundancy -----------------------------------------------------------------------


def identity(*statements: dict[str, Any]) -> Policy:
    return to_policy({"Version": "2012-10-17", "Statement": list(statements)})


def test_admin_however_written(monkeypatch: pytest.MonkeyPatch) -> None:
    find = Searcher.find
    star = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    assert full_admin(identity(star)).admin is True
    split = [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:*", "NotResource": "arn:aws:iam::*:user/x"},
        {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::*:user/x"},
    ]
    assert full_admin(identity(*split)).admin is True
    # A condition the Allow is held to: a real request without its key shows it (the solver
    # is not asked), and one the condition lets through without the key (IfExists) leaves the
    # question to the solver.
    for operator in ("Bool", "BoolIfExists"):
        mfa = star | {"Condition": {operator: {"aws:MultiFactorAuthPresent": "true"}}}
        asked: list[object] = []

        def counted(self: Searcher, question: Any, asked: list[object] = asked) -> Any:
            asked.append(question)
            return find(self, question)

        with monkeypatch.context() as patch:
            patch.setattr(Searcher, "find", counted)
            result = full_admin(identity(mfa))
        assert result.admin is False and result.witness is not None
        assert is_real(result.witness) and not allows(identity(mfa), result.witness)
        assert bool(asked) is (operator == "BoolIfExists")


def test_a_service_left_out_by_not_action_is_shown_by_a_real_request_the_solver_agrees_with() -> (
    None
):
    power = identity(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"},
    )
    result = full_admin(power)
    assert result.admin is False and result.witness is not None
    assert is_real(result.witness) and not allows(power, result.witness)
    assert result.witness.action.lower().startswith(("iam:", "organizations:"))
    solver = Searcher([power], DEFAULT_RLIMIT, guess=False).find(not_(questions.allows(power)))
    assert solver.status is Status.WITNESSED


def test_redundant_statements_are_proven() -> None:
    broad = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}
    narrow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x/*"}
    other = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::c/*"}
    conditioned = narrow | {"Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    result = redundant_statements(identity(broad, narrow, other, conditioned))
    assert [(r.index, r.status) for r in result] == [
        (1, Status.PROVEN),
        (3, Status.PROVEN),
    ]
    # A Deny covered by a broader Deny is redundant too.
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    small_deny = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"}
    result = redundant_statements(identity(broad, deny, small_deny))
    assert [r.index for r in result if r.status is Status.PROVEN] == [2]


def test_a_statement_naming_a_role_is_not_made_redundant_by_the_account() -> None:
    """AWS's default key policy: the account's root lets identity policies grant access, the
    key administrators' statement grants its role access without one. Only a statement that
    names the callers as directly (here `*`) makes it redundant."""
    account = "arn:aws:iam::111122223333"
    root = {
        "Effect": "Allow",
        "Principal": {"AWS": f"{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    admins = {
        "Effect": "Allow",
        "Principal": {"AWS": f"{account}:role/KeyAdmin"},
        "Action": ["kms:Describe*", "kms:Put*"],
        "Resource": "*",
    }
    key_policy = to_policy(
        {"Version": "2012-10-17", "Statement": [root, admins]}, PolicyKind.RESOURCE
    )
    assert redundant_statements(key_policy) == []
    anyone = root | {"Principal": "*"}
    open_policy = to_policy(
        {"Version": "2012-10-17", "Statement": [anyone, admins]}, PolicyKind.RESOURCE
    )
    assert [(r.index, r.status) for r in redundant_statements(open_policy)] == [(1, Status.PROVEN)]


@pytest.mark.parametrize(
    ("names", "public"),
    [
        # IAM user names hold no `?` or `*`: no caller's name equals these, in any case. The
        # solver spent its whole resource limit on this (unknown) when the key was lower-cased.
        (["al?ce", "a*"], False),
        (["al?ce", "Alice"], True),
    ],
)
def test_a_user_name_compared_ignoring_case_is_decided(names: list[str], public: bool) -> None:
    policy = bucket_policy(
        grant(
            Action=["s3:put*", "iam:PassRole"],
            Resource=[f"{BUCKET}/a?c", f"arn:aws:ec2:*:{OWN}:instance/*"],
            **when("ForAnyValue:StringEqualsIgnoreCase", "aws:username", *names),
        )
    )
    rtype = resource_type("AWS::S3::Bucket")
    result = public_access(policy, rtype)
    assert result.public is public, result.reason
    if public:
        assert result.witness is not None
        assert (result.witness.principal or "").lower().endswith("/alice")
    external = external_access(policy, parse_zone([OWN]), rtype)
    assert external.complete, external.reason
    assert bool(external.findings) is public


# -- properties --------------------------------------------------------------------------------

PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@PROPERTY
@given(
    doc=policy_documents(PolicyKind.RESOURCE), probes=st.lists(requests(), min_size=8, max_size=8)
)
def test_public_agrees_with_evaluator_probes(doc: dict[str, Any], probes: list[Request]) -> None:
    """A proof of "not public" leaves no allowed probe from anyone; a witness is allowed."""
    policy = to_policy(doc, PolicyKind.RESOURCE)
    result = public_access(policy)
    scope = anyone_scope(policy, result.resource_type)
    if result.public is False:
        assert not any(in_scope(scope, p) and allows(policy, p) for p in probes)
    elif result.public:
        assert result.witness is not None and allows(policy, result.witness)


DENIES = st.sampled_from(
    [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        },
    ]
)


@pytest.mark.slow
@PROPERTY
@given(doc=policy_documents(PolicyKind.RESOURCE), deny=DENIES)
def test_adding_a_deny_never_adds_access(doc: dict[str, Any], deny: dict[str, Any]) -> None:
    before = to_policy(doc, PolicyKind.RESOURCE)
    after = to_policy(doc | {"Statement": [*doc["Statement"], deny]}, PolicyKind.RESOURCE)
    _never_wider(before, after)


@pytest.mark.slow
@PROPERTY
@given(doc=policy_documents(PolicyKind.RESOURCE), drop=st.integers(0, 2))
def test_removing_an_allow_never_adds_access(doc: dict[str, Any], drop: int) -> None:
    statements = doc["Statement"]
    allow = [i for i, s in enumerate(statements) if s["Effect"] == "Allow"]
    if not allow:
        return
    index = allow[drop % len(allow)]
    before = to_policy(doc, PolicyKind.RESOURCE)
    kept = [s for i, s in enumerate(statements) if i != index]
    if not kept:
        return
    _never_wider(before, to_policy(doc | {"Statement": kept}, PolicyKind.RESOURCE))


def _never_wider(before: Policy, after: Policy) -> None:
    """`after` allows no more than `before`: it is public only if `before` is, and every
    external finding's witness of `after` is external access `before` grants too."""
    rtype = resource_type("AWS::S3::Bucket")
    if public_access(before, rtype).public is False:
        assert public_access(after, rtype).public is False
    zone = parse_zone([OWN])
    old = external_access(before, zone, rtype)
    new = external_access(after, zone, rtype)
    if old.complete and not old.findings:
        assert new.complete and not new.findings
    for finding in new.findings:
        for witness in finding.witnesses:
            assert allows(after, witness) and allows(before, witness)


# -- command line ------------------------------------------------------------------------------


def test_public_and_findings_commands_on_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["public", str(EXAMPLES / "bucket-org-only.json"), "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["public"] is False and answer["witness"] is None
    assert main(["public", str(EXAMPLES / "bucket-public-website.json"), "--format", "json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["public"] is True and answer["witness"]["context"]["aws:Referer"]
    assert answer["statements"][0]["statement"] == "PublicWebsite"
    code = main(
        [
            "findings",
            str(EXAMPLES),
            "--zone-of-trust",
            OWN,
            "--zone-of-trust",
            "o-a1b2c3d4e5",
            "--format",
            "json",
        ]
    )
    assert code == 1
    answers = {a["document"]: a for a in json.loads(capsys.readouterr().out)}
    assert answers["bucket-org-only"]["findings"] == []
    assert answers["queue-from-topic"]["findings"] == []
    partner = answers["role-trust-partner"]["findings"]
    assert {f["principal"]["value"] for f in partner} == {PARTNER, "lambda.amazonaws.com"}


def test_bad_zone_and_resource_type_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings", str(EXAMPLES), "--zone-of-trust", "12345"]) == 2
    assert "zone of trust" in capsys.readouterr().err
    assert main(["public", str(EXAMPLES), "--resource-type", "AWS::S3::Bukket"]) == 2
    assert "unsupported resource type" in capsys.readouterr().err


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=policy_documents(PolicyKind.RESOURCE),
    req=requests(),
    cell=st.integers(0, 50),
    zone=st.sampled_from([[], [OWN], [PARTNER, "o-a1b2c3d4e5"]]),
)
def test_scope_encoding_matches_in_scope(
    doc: dict[str, Any], req: Request, cell: int, zone: list[str]
) -> None:
    """The solver, pinned to a concrete request, puts it in a cell iff `in_scope` does."""
    policy = to_policy(doc, PolicyKind.RESOURCE)
    pins = pins_of(policy)
    classes = principal_classes(pins)
    fixed = list(assignments(pins))
    scope = Scope(
        principal=classes[cell % len(classes)],
        pins=pins,
        fixed=fixed[cell % len(fixed)],
        outside=parse_zone(zone) if zone else None,
        services=("s3",) if cell % 2 else (),
    )
    actions = [service_actions(scope.services)] if scope.services else []
    in_cell = holds_for([policy], req, lambda enc: scope_term(enc, scope), actions)
    assert in_cell == in_scope(scope, req)
