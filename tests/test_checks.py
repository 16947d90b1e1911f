"""Lint checks: each fires on a bad policy and stays quiet on the corrected one."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyreason.analysis.escalation.paths import path_answer
from policyreason.analysis.findings import Finding, Status
from policyreason.checks import CheckContext, all_checks, run_checks
from policyreason.data.escalation import EscalationPath, Step, Target
from policyreason.ir.answer import Status as Outcome
from policyreason.ir.policy import Policy, PolicyKind, PolicySet
from policyreason.ir.severity import Severity
from policyreason.parse.policy import parse_policy_text
from tests.corpus import CORPUS, solver_sample

DATA = Path(__file__).resolve().parent / "data" / "checks"

IDT, R, T, RCP = PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
OIDC_GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"


def stmt(**fields: Any) -> dict[str, Any]:
    """An Allow of s3:GetObject on one bucket's objects, with `fields` overriding."""
    body: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::reports/*",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def res(**fields: Any) -> dict[str, Any]:
    """A resource-policy statement: `stmt` with a principal from another account."""
    return stmt(**({"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}} | fields))


def trust(**fields: Any) -> dict[str, Any]:
    """A trust-policy statement: sts:AssumeRole for one account, no Resource."""
    base = {
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
        "Resource": None,
    }
    return stmt(**(base | fields))


def rcp(**fields: Any) -> dict[str, Any]:
    """An RCP statement: Deny of s3:GetObject to everyone."""
    return stmt(**({"Effect": "Deny", "Principal": "*", "Resource": "*"} | fields))


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return out


def cond(op: str, key: str, *values: str) -> dict[str, Any]:
    return {op: {key: list(values) if len(values) > 1 else values[0]}}


def parse(document: dict[str, Any] | str, kind: PolicyKind) -> tuple[Policy, str]:
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    parsed = parse_policy_text(text, "policy.json", kind)
    assert parsed.policy is not None, parsed.diagnostics
    return parsed.policy, text


def findings(
    document: dict[str, Any] | str, kind: PolicyKind, rule: str, context: CheckContext | None = None
) -> list[Finding]:
    policy, text = parse(document, kind)
    context = context or CheckContext(source=text)
    return run_checks(policy, enabled=[rule], context=context)


# (rule, kind, bad, good): the good policy fixes exactly what the bad one gets wrong.
CASES: list[tuple[str, PolicyKind, dict[str, Any] | str, dict[str, Any] | str]] = [
    # -- syntax ---------------------------------------------------------------------------------
    ("PR101", IDT, doc(stmt(), version=None), doc(stmt())),
    (
        "PR102",
        IDT,
        doc(stmt(Resource="arn:aws:s3:::home/${aws:username}/*"), version="2008-10-17"),
        doc(stmt(Resource="arn:aws:s3:::home/${aws:username}/*")),
    ),
    ("PR103", IDT, doc(stmt(), version="2008-10-17"), doc(stmt())),
    ("PR104", IDT, doc(stmt(Sid="A"), stmt(Sid="A")), doc(stmt(Sid="A"), stmt(Sid="B"))),
    ("PR105", IDT, doc(stmt(Sid="read reports")), doc(stmt(Sid="ReadReports"))),
    ("PR106", IDT, doc(stmt(Sid="")), doc(stmt())),
    ("PR108", IDT, doc(), doc(stmt())),
    (
        "PR109",
        IDT,
        doc(stmt(Sid="A"), stmt(Sid="B")),
        doc(stmt(Sid="A"), stmt(Sid="B", Action="s3:PutObject")),
    ),
    ("PR110", RCP, doc(rcp(Effect="Allow")), doc(rcp())),
    ("PR111", RCP, doc(rcp(Principal={"AWS": ACCOUNT})), doc(rcp())),
    ("PR112", T, doc(trust(Resource="*")), doc(trust())),
    (
        "PR113",
        R,
        doc(stmt(Effect="Deny", NotPrincipal={"AWS": ROLE})),
        doc(
            stmt(
                Effect="Deny",
                Principal="*",
                Condition=cond("ArnNotEquals", "aws:PrincipalArn", ROLE),
            )
        ),
    ),
    # -- actions --------------------------------------------------------------------------------
    ("PR201", IDT, doc(stmt(Action="nosuchservice:GetThing")), doc(stmt())),
    ("PR202", IDT, doc(stmt(Action="s3:GetObjekt")), doc(stmt())),
    ("PR203", IDT, doc(stmt(Action="s3:GetFoo*")), doc(stmt(Action="s3:Get*"))),
    (
        "PR204",
        IDT,
        doc(stmt(Action="es:CreateElasticsearchDomain", Resource="*")),
        doc(stmt(Action="es:CreateDomain", Resource="*")),
    ),
    ("PR205", IDT, doc(stmt(Action=["s3:GetObject", "S3:getobject"])), doc(stmt())),
    (
        "PR206",
        IDT,
        doc(stmt(Action=["s3:Get*", "s3:GetObject"])),
        doc(stmt(Action=["s3:Get*", "s3:PutObject"])),
    ),
    ("PR207", IDT, doc(stmt(Action="*", Resource="*")), doc(stmt())),
    ("PR208", IDT, doc(stmt(Action="s3:*")), doc(stmt(Action="s3:Get*"))),
    (
        "PR209",
        IDT,
        doc(stmt(Action=None, NotAction="iam:*", Resource="*")),
        doc(stmt(Effect="Deny", Action=None, NotAction="iam:*", Resource="*")),
    ),
    ("PR210", IDT, doc(stmt(Action="*:GetObject")), doc(stmt())),
    ("PR211", RCP, doc(rcp(Action="ec2:RunInstances")), doc(rcp())),
    ("PR212", T, doc(trust(Action="s3:GetObject")), doc(trust())),
    ("PR213", IDT, doc(stmt(Action="s3:GetObject ")), doc(stmt())),
    # -- conditions -----------------------------------------------------------------------------
    (
        "PR301",
        IDT,
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIpp", "203.0.113.0/24"))),
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    ),
    (
        "PR302",
        IDT,
        doc(stmt(Action="s3:ListBucket", Condition=cond("StringLike", "s3:prefixx", "home/*"))),
        doc(stmt(Action="s3:ListBucket", Condition=cond("StringLike", "s3:prefix", "home/*"))),
    ),
    (
        "PR303",
        IDT,
        doc(stmt(Condition=cond("StringLike", "s4:prefix", "home/*"))),
        doc(stmt(Condition=cond("StringLike", "s3:prefix", "home/*"))),
    ),
    (
        "PR304",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "ec2:Region", "us-east-1"))),
        doc(stmt(Condition=cond("StringEquals", "s3:ExistingObjectTag/team", "blue"))),
    ),
    (
        "PR305",
        IDT,
        doc(stmt(Condition=cond("DateGreaterThan", "aws:SourceIp", "2024-01-01T00:00:00Z"))),
        doc(stmt(Condition=cond("DateGreaterThan", "aws:CurrentTime", "2024-01-01T00:00:00Z"))),
    ),
    (
        "PR306",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:CurrentTime", "2024-01-01"))),
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalOrgID", "o-abcdefghij"))),
    ),
    (
        "PR307",
        IDT,
        doc(stmt(Condition=cond("ArnLike", "aws:PrincipalOrgID", "o-*"))),
        doc(stmt(Condition=cond("ArnLike", "aws:SourceArn", "arn:aws:sns:*:*:t"))),
    ),
    (
        "PR308",
        IDT,
        doc(stmt(Condition=cond("StringLike", "aws:SourceArn", "arn:aws:sns:*:*:t"))),
        doc(stmt(Condition=cond("ArnLike", "aws:SourceArn", "arn:aws:sns:*:*:t"))),
    ),
    (
        "PR309",
        IDT,
        doc(stmt(Condition=cond("ForAllValues:StringEquals", "aws:SourceVpc", "vpc-1a2b"))),
        doc(stmt(Condition=cond("ForAllValues:StringEquals", "aws:TagKeys", "team"))),
    ),
    (
        "PR310",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:TagKeys", "team"))),
        doc(stmt(Condition=cond("ForAllValues:StringEquals", "aws:TagKeys", "team"))),
    ),
    (
        "PR311",
        IDT,
        doc(stmt(Condition=cond("ForAllValues:StringEquals", "aws:TagKeys", "team"))),
        doc(
            stmt(
                Condition={
                    "ForAllValues:StringEquals": {"aws:TagKeys": "team"},
                    "Null": {"aws:TagKeys": "false"},
                }
            )
        ),
    ),
    (
        "PR312",
        IDT,
        doc(stmt(Condition=cond("ForAnyValue:StringNotEquals", "aws:TagKeys", "team"))),
        doc(stmt(Condition=cond("ForAllValues:StringNotEquals", "aws:TagKeys", "team"))),
    ),
    (
        "PR313",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalTag/team", "blue*"))),
        doc(stmt(Condition=cond("StringLike", "aws:PrincipalTag/team", "blue*"))),
    ),
    (
        "PR314",
        IDT,
        doc(stmt(Condition=cond("StringLike", "aws:PrincipalTag/team", "blue"))),
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalTag/team", "blue"))),
    ),
    (
        "PR315",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalTag/team", "blue", "blue"))),
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalTag/team", "blue", "red"))),
    ),
    (
        "PR317",
        IDT,
        doc(
            stmt(
                Action="kms:CreateKey",
                Resource="*",
                Condition=cond("StringEquals", "kms:CustomerMasterKeySpec", "RSA_2048"),
            )
        ),
        doc(
            stmt(
                Action="kms:CreateKey",
                Resource="*",
                Condition=cond("StringEquals", "kms:KeySpec", "RSA_2048"),
            )
        ),
    ),
    (
        "PR318",
        IDT,
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp ", "203.0.113.0/24"))),
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    ),
    (
        "PR319",
        IDT,
        doc(stmt(Resource="arn:aws:s3:::home/${aws:usernme}/*")),
        doc(stmt(Resource="arn:aws:s3:::home/${aws:username}/*")),
    ),
    (
        "PR320",
        IDT,
        doc(stmt(Resource="arn:aws:s3:::home/${aws:TagKeys}/*")),
        doc(stmt(Resource="arn:aws:s3:::home/${aws:PrincipalTag/team}/*")),
    ),
    (
        "PR321",
        IDT,
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"))),
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    ),
    (
        "PR322",
        IDT,
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp", "0.0.0.0/0"))),
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    ),
    (
        "PR323",
        IDT,
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp", "203.0.113.7/24"))),
        doc(stmt(Condition=cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    ),
    (
        "PR324",
        IDT,
        doc(stmt(Effect="Deny", Condition=cond("Bool", "aws:MultiFactorAuthPresent", "false"))),
        doc(
            stmt(
                Effect="Deny",
                Condition=cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false"),
            )
        ),
    ),
    (
        "PR325",
        IDT,
        doc(stmt(Effect="Deny", Condition=cond("Bool", "aws:SecureTransport", "true"))),
        doc(stmt(Effect="Deny", Condition=cond("Bool", "aws:SecureTransport", "false"))),
    ),
    (
        "PR326",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:ResourceAccount", "12345"))),
        doc(stmt(Condition=cond("StringEquals", "aws:ResourceAccount", ACCOUNT))),
    ),
    (
        "PR327",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalOrgID", "my-org"))),
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalOrgID", "o-abcdefghij"))),
    ),
    (
        "PR328",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalOrgPaths", "o-abcdefghij/r-ab12"))),
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalOrgPaths", "o-abcdefghij/r-ab12/"))),
    ),
    (
        "PR329",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:RequestedRegion", "Ireland"))),
        doc(stmt(Condition=cond("StringEquals", "aws:RequestedRegion", "eu-west-1"))),
    ),
    (
        "PR342",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:SourceVpce", "vpc-1a2b3c4d"))),
        doc(stmt(Condition=cond("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d"))),
    ),
    (
        "PR330",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:SourceVpc", "vpce-1a2b3c4d"))),
        doc(stmt(Condition=cond("StringEquals", "aws:SourceVpc", "vpc-1a2b3c4d"))),
    ),
    (
        "PR331",
        IDT,
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalType", "Role"))),
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalType", "AssumedRole"))),
    ),
    (
        "PR332",
        IDT,
        doc(stmt(Condition=cond("ArnLike", "aws:SourceArn", "reports"))),
        doc(stmt(Condition=cond("ArnLike", "aws:SourceArn", "arn:aws:s3:::reports"))),
    ),
    (
        "PR333",
        IDT,
        doc(
            stmt(
                Action="kms:DescribeKey",
                Resource="*",
                Condition=cond("ForAnyValue:StringEquals", "aws:TagKeys", "team"),
            )
        ),
        doc(
            stmt(
                Action="kms:CreateKey",
                Resource="*",
                Condition=cond("ForAnyValue:StringEquals", "aws:TagKeys", "team"),
            )
        ),
    ),
    # -- resources ------------------------------------------------------------------------------
    ("PR401", IDT, doc(stmt(Resource="arn:aws-moon:s3:::reports/*")), doc(stmt())),
    ("PR402", IDT, doc(stmt(Resource="arn:aws:s4:::reports/*")), doc(stmt())),
    (
        "PR403",
        IDT,
        doc(stmt(Action="lambda:InvokeFunction", Resource=FUNCTION.replace("us-east-1", "east"))),
        doc(stmt(Action="lambda:InvokeFunction", Resource=FUNCTION)),
    ),
    (
        "PR404",
        IDT,
        doc(stmt(Action="lambda:InvokeFunction", Resource=FUNCTION.replace(ACCOUNT, "12345"))),
        doc(stmt(Action="lambda:InvokeFunction", Resource=FUNCTION)),
    ),
    (
        "PR405",
        IDT,
        doc(stmt(Action="iam:PassRole", Resource=ROLE.replace("iam::", "iam:us-east-1:"))),
        doc(stmt(Action="iam:PassRole", Resource=ROLE)),
    ),
    ("PR406", IDT, doc(stmt(Resource="arn:aws:s3:::reports/* ")), doc(stmt())),
    (
        "PR407",
        IDT,
        doc(stmt(Resource=["arn:aws:s3:::reports/*", TABLE])),
        doc(stmt(Resource=["arn:aws:s3:::reports/*", "arn:aws:s3:::logs/*"])),
    ),
    (
        "PR408",
        IDT,
        doc(stmt(Action=["dynamodb:GetItem", "lambda:InvokeFunction"], Resource=TABLE)),
        doc(stmt(Action=["dynamodb:GetItem", "lambda:InvokeFunction"], Resource=[TABLE, FUNCTION])),
    ),
    (
        "PR409",
        IDT,
        doc(stmt(Action="s3:ListAllMyBuckets", Resource="arn:aws:s3:::reports")),
        doc(stmt(Action="s3:ListAllMyBuckets", Resource="*")),
    ),
    ("PR410", IDT, doc(stmt(Resource="arn:aws:s3:::reports")), doc(stmt())),
    (
        "PR411",
        IDT,
        doc(stmt(Resource=["arn:aws:s3:::reports/*", "arn:aws:s3:::reports/*"])),
        doc(stmt(Resource=["arn:aws:s3:::reports/*", "arn:aws:s3:::logs/*"])),
    ),
    (
        "PR412",
        IDT,
        doc(stmt(Resource=["arn:aws:s3:::reports/*", "arn:aws:s3:::reports/2024.csv"])),
        doc(stmt(Resource=["arn:aws:s3:::reports/*", "arn:aws:s3:::logs/2024.csv"])),
    ),
    (
        "PR413",
        IDT,
        doc(stmt(Resource=None, NotResource="arn:aws:s3:::secrets/*")),
        doc(stmt(Effect="Deny", Resource=None, NotResource="arn:aws:s3:::secrets/*")),
    ),
    ("PR414", IDT, doc(stmt(Resource="arn:aws:s3:::Team_Reports/*")), doc(stmt())),
    # -- security -------------------------------------------------------------------------------
    ("PR502", R, doc(stmt(NotPrincipal={"AWS": ROLE})), doc(res())),
    (
        "PR503",
        IDT,
        doc(stmt(Action="iam:PassRole", Resource="*")),
        doc(stmt(Action="iam:PassRole", Resource=ROLE)),
    ),
    (
        "PR505",
        IDT,
        doc(stmt(Condition=cond("Bool", "aws:SecureTransport", "false"))),
        doc(stmt(Condition=cond("Bool", "aws:SecureTransport", "true"))),
    ),
    (
        "PR506",
        IDT,
        doc(stmt(Action="iam:*", Resource="*")),
        doc(stmt(Action="iam:Get*", Resource="*")),
    ),
    (
        "PR508",
        T,
        doc(
            trust(
                Principal={"Federated": OIDC_GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition=cond(
                    "StringEquals", "token.actions.githubusercontent.com:aud", "sts.amazonaws.com"
                ),
            )
        ),
        doc(
            trust(
                Principal={"Federated": OIDC_GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition=cond(
                    "StringLike", "token.actions.githubusercontent.com:sub", "repo:acme/app:*"
                ),
            )
        ),
    ),
    (
        "PR509",
        T,
        doc(
            trust(
                Principal={"Federated": "cognito-identity.amazonaws.com"},
                Action="sts:AssumeRoleWithWebIdentity",
            )
        ),
        doc(
            trust(
                Principal={"Federated": "cognito-identity.amazonaws.com"},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition=cond(
                    "StringEquals", "cognito-identity.amazonaws.com:aud", "us-east-1:1234-abcd"
                ),
            )
        ),
    ),
    (
        "PR510",
        R,
        doc(stmt(Principal={"Service": "sns.amazonaws.com"}, Action="s3:PutObject")),
        doc(
            stmt(
                Principal={"Service": "sns.amazonaws.com"},
                Action="s3:PutObject",
                Condition=cond("StringEquals", "aws:SourceAccount", ACCOUNT),
            )
        ),
    ),
    (
        "PR512",
        IDT,
        doc(stmt(Condition=cond("StringLike", "aws:PrincipalAccount", "1234*"))),
        doc(stmt(Condition=cond("StringEquals", "aws:PrincipalAccount", ACCOUNT))),
    ),
    (
        "PR513",
        IDT,
        doc(stmt(Action="sts:AssumeRole", Resource="*")),
        doc(stmt(Action="sts:AssumeRole", Resource=ROLE)),
    ),
    (
        "PR514",
        IDT,
        doc(stmt(Action="secretsmanager:GetSecretValue", Resource="*")),
        doc(
            stmt(
                Action="secretsmanager:GetSecretValue",
                Resource=f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app-*",
            )
        ),
    ),
    (
        "PR601",
        R,
        doc(stmt(Principal="*")),
        doc(
            stmt(
                Principal="*", Condition=cond("StringEquals", "aws:PrincipalOrgID", "o-abcdefghij")
            )
        ),
    ),
    (
        "PR601",
        T,
        doc(trust(Principal="*")),
        doc(
            trust(
                Principal="*", Condition=cond("StringEquals", "aws:PrincipalOrgID", "o-abcdefghij")
            )
        ),
    ),
    (
        "PR601",
        R,
        doc(stmt(Principal="*", Condition=cond("StringLike", "aws:Referer", "https://acme/*"))),
        doc(stmt(Principal="*", Condition=cond("StringEquals", "aws:SourceVpce", "vpce-1a2b"))),
    ),
    (
        "PR603",
        IDT,
        doc(stmt(Action="*", Resource="*")),
        doc(stmt(Action="*", Resource="*"), stmt(Effect="Deny", Action="iam:*", Resource="*")),
    ),
    (
        "PR604",
        IDT,
        doc(stmt(Action="iam:PutUserPolicy", Resource="*")),
        doc(stmt(Action="iam:PutUserPolicy", Resource=ROLE)),
    ),
    (
        "PR604",
        IDT,
        doc(
            stmt(
                Action=["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                Resource="*",
            )
        ),
        doc(stmt(Action=["iam:PassRole", "lambda:CreateFunction"], Resource="*")),
    ),
    (
        "PR605",
        IDT,
        doc(stmt(Action="s3:Get*"), stmt(Action="s3:GetObject")),
        doc(stmt(Action="s3:Get*"), stmt(Action="s3:PutObject")),
    ),
]


@pytest.mark.parametrize(("rule", "kind", "bad", "good"), CASES, ids=[f"{c[0]}" for c in CASES])
def test_check_fires_on_bad_and_not_on_good(
    rule: str, kind: PolicyKind, bad: dict[str, Any], good: dict[str, Any]
) -> None:
    hits = findings(bad, kind, rule)
    assert hits, f"{rule} did not fire"
    assert {f.rule_id for f in hits} == {rule}
    assert all(f.span.line > 0 for f in hits)
    assert findings(good, kind, rule) == []


def test_registry_metadata() -> None:
    infos = all_checks()
    assert len(infos) >= 60
    assert [i.id for i in infos] == sorted(i.id for i in infos)
    for info in infos:
        assert info.title and info.fix and info.help != info.title, info.id
        assert info.severity in Severity
    by_severity = Counter(i.severity for i in infos)
    assert all(by_severity[s] > 0 for s in Severity)


def test_redundant_resource_wildcard_cover_and_disjoint_patterns() -> None:
    covered = doc(
        stmt(
            Action="ec2:StartInstances",
            Resource=["arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:*:instance/i-*"],
        )
    )
    (hit,) = findings(covered, IDT, "PR412")
    assert "arn:aws:ec2:us-east-1:*:instance/i-*" in hit.message
    # Disjoint patterns are never sent to the solver, and never reported.
    disjoint = doc(
        stmt(
            Action="ec2:StartInstances",
            Resource=["arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:*:volume/*"],
        )
    )
    assert findings(disjoint, IDT, "PR412") == []


def test_resource_patterns_overlap_segment_by_segment() -> None:
    from policyreason.analysis.redundancy import _may_overlap
    from policyreason.parse.pattern import parse_pattern

    def overlap(a: str, b: str) -> bool:
        return _may_overlap(parse_pattern(a), parse_pattern(b))

    assert not overlap("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:*:volume/*")
    assert not overlap("arn:aws:s3:::*a", "arn:aws:s3:::*b")
    assert not overlap("arn:aws:ec2:us-east-1:*:*", "arn:aws:ec2:eu-*:*:*")
    assert overlap("arn:aws:s3:::a?c", "arn:aws:s3:::*d*")
    assert overlap("arn:aws:s3:::*a*", "arn:aws:s3:::*b*")
    assert overlap("*", "arn:aws:s3:::x")


def test_resource_pattern_containment_is_sound() -> None:
    from policyreason.analysis.redundancy import _shape, _shape_contains
    from policyreason.parse.pattern import parse_pattern

    def contains(outer: str, inner: str) -> bool:
        return _shape_contains(_shape(parse_pattern(outer)), _shape(parse_pattern(inner)))

    assert contains("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:*:instance/i-*")
    assert contains("arn:aws:iam::1:role/jane*", "arn:aws:iam::1:role/jane-*")
    assert contains("arn:aws:s3:::b/?x", "arn:aws:s3:::b/?x")
    assert contains("arn:aws:s3:::b/?x", "arn:aws:s3:::b/ax")
    assert not contains("arn:aws:s3:::b/ax", "arn:aws:s3:::b/?x")
    assert not contains("arn:aws:s3:::b/?", "arn:aws:s3:::b/*")
    assert not contains("arn:aws:iam::1:role/jane-*", "arn:aws:iam::1:role/jane*")
    # A `*` of a middle segment stays in its segment.
    assert not contains("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:*:volume/*")
    # A literal `?` (written `${?}`) is not a wildcard.
    assert not contains("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/a")


_ARNISH = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(["arn:aws:s3:::", "arn:aws:ec2:*:*:", "arn:aws:iam::1:", "*", ""]),
    st.text(alphabet="ab/*?:", max_size=6),
)
# With the escapes `${*}` and `${?}` (a literal `*` or `?`, which no glob spells).
_ARNISH_ESCAPED = st.builds(
    lambda head, tail: head + "".join(tail),
    st.sampled_from(["arn:aws:s3:::", "arn:aws:ec2:*:*:", "*", ""]),
    st.lists(st.sampled_from(["a", "/", "*", "?", ":", "${*}", "${?}"]), max_size=6),
)


@given(st.one_of(_ARNISH, _ARNISH_ESCAPED), st.one_of(_ARNISH, _ARNISH_ESCAPED))
def test_the_head_and_glob_tests_agree_with_the_automata(a: str, b: str) -> None:
    """The literal-head tests that settle most pairs of a long Resource list answer as the
    segment automata do, but where those cannot tell (patterns of different shapes), and two
    literal heads neither of which starts the other leave no string to share. So do the tests
    on the patterns' globs (regular expressions where one side is literal)."""
    from policyreason.analysis.redundancy import (
        _globs_overlap,
        _parts_contain,
        _parts_overlap,
        _shape,
        _shape_contains,
        _shapes_overlap,
    )
    from policyreason.ir.pattern import arn_segments
    from policyreason.parse.pattern import parse_pattern

    pa, pb = parse_pattern(a), parse_pattern(b)
    sa, sb = _shape(pa), _shape(pb)
    automata = _parts_overlap(pa.parts, pb.parts)
    if sa.glob is not None and sb.glob is not None:
        assert _globs_overlap(sa.glob, sb.glob) is automata
    if not (pa.is_match_all or pb.is_match_all):
        quick = _shapes_overlap(sa, sb)
        shapes_differ = len(arn_segments(pa)) != len(arn_segments(pb))
        assert quick is automata or (automata and shapes_differ)
    if not pa.is_match_all:
        assert _shape_contains(sa, sb) is _parts_contain(pa.parts, pb.parts)


@given(
    st.text(alphabet="s3:gG*?", max_size=7),
    st.text(alphabet="s3:gG*?", max_size=7),
)
def test_the_action_head_test_agrees_with_the_automaton(a: str, b: str) -> None:
    """Two action patterns whose literal heads part (neither starts the other) share no
    action name: the head test answers as the search of both patterns does."""
    from policyreason.analysis.redundancy import _actions_overlap, _glob_overlap, _tokens
    from policyreason.parse.pattern import parse_pattern

    pa, pb = parse_pattern(a), parse_pattern(b)
    assert _actions_overlap(pa, pb) is _glob_overlap(_tokens(pa.parts), _tokens(pb.parts))


_TOKENS = st.lists(st.sampled_from(["a", "b", "/", None, "?any"]), max_size=7)


@given(_TOKENS, _TOKENS)
def test_segment_containment_agrees_with_a_plain_search(
    outer: list[str | None], inner: list[str | None]
) -> None:
    """Containment of one segment in another, the wildcards of `inner` read as symbols: a
    `*` of `outer` takes any run of them, its `?` any one but a `*`, a literal only itself."""
    from functools import cache

    from policyreason.analysis.redundancy import _ANY, _glob_contains

    outer = [_ANY if t == "?any" else t for t in outer]
    inner = [_ANY if t == "?any" else t for t in inner]

    @cache
    def matches(i: int, j: int) -> bool:
        if i == len(outer):
            return j == len(inner)
        tok = outer[i]
        if tok is None:
            return any(matches(i + 1, k) for k in range(j, len(inner) + 1))
        if j == len(inner):
            return False
        fits = inner[j] is not None if tok is _ANY else inner[j] == tok
        return fits and matches(i + 1, j + 1)

    assert _glob_contains(outer, inner) is matches(0, 0)


def test_null_equivalence_refuted_by_the_conditions_own_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import policyreason.analysis.null_equivalence as nulls

    def no_solver(*args: object, **kwargs: object) -> object:
        raise AssertionError("the solver was asked")

    monkeypatch.setattr(nulls, "Searcher", no_solver)
    conditions = {
        "ForAllValues:StringEquals": {"aws:TagKeys": ["Name", "Team"]},
        "StringLikeIfExists": {"iam:PassedToService": "ec2.amazon*"},
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs-?*"},
    }
    policy = doc(stmt(Condition=conditions))
    assert findings(policy, IDT, "PR606") == []
    assert findings(policy, IDT, "PR607") == []


def test_duplicate_key_under_one_operator() -> None:
    text = (DATA / "duplicate_condition_key.json").read_text()
    hits = findings(text, IDT, "PR316")
    assert [f.span.line for f in hits] == [11]
    fixed = text.replace('"aws:PrincipalTag/team": "red"', '"aws:PrincipalTag/unit": "red"')
    assert findings(fixed, IDT, "PR316") == []


def test_size_quota_depends_on_where_the_policy_lives() -> None:
    actions = [f"s3:GetObjectVersion{i:04d}" for i in range(120)]
    policy = doc(stmt(Action=actions))
    # About 3,500 characters: fine as a managed policy, too big inline on a user.
    assert findings(policy, IDT, "PR107") == []
    (hit,) = findings(policy, IDT, "PR107", CheckContext(attachment="user"))
    assert hit.details["quota"] == 2048
    assert 3000 < hit.details["size"] < 4000


def test_size_ignores_whitespace_outside_strings() -> None:
    policy = doc(stmt(Action=[f"s3:GetObjectVersion{i:04d}" for i in range(90)]))
    compact = json.dumps(policy, separators=(",", ":"))
    padded = json.dumps(policy, indent=8)
    sizes = []
    for text in (compact, padded, None):
        parsed, _ = parse(compact, IDT)
        context = CheckContext(source=text, attachment="user")
        (hit,) = run_checks(parsed, enabled=["PR107"], context=context)
        sizes.append(hit.details["size"])
    # Without the source the size is rebuilt from the IR, which writes lists for single values.
    assert sizes[0] == sizes[1] == len(compact)
    assert abs(sizes[2] - len(compact)) < 20


def test_findings_point_at_the_offending_value() -> None:
    policy = doc(
        stmt(
            Action=["s3:GetObject", "s3:GetObjekt"],
            Condition=cond("StringEquals", "aws:PrincipalTag/team", "blue", "red*"),
        )
    )
    text = json.dumps(policy, indent=2)
    parsed, _ = parse(text, IDT)
    lines = text.splitlines()
    by_rule = {f.rule_id: f for f in run_checks(parsed, enabled=["PR202", "PR313"])}
    assert '"s3:GetObjekt"' in lines[by_rule["PR202"].span.line - 1]
    assert '"red*"' in lines[by_rule["PR313"].span.line - 1]
    assert by_rule["PR313"].fix and "StringLike" in by_rule["PR313"].fix


def test_enabled_and_disabled_select_checks() -> None:
    parsed, _ = parse(doc(stmt(Action="*", Resource="*"), version=None), IDT)
    everything = {f.rule_id for f in run_checks(parsed)}
    assert {"PR101", "PR207"} <= everything
    assert {f.rule_id for f in run_checks(parsed, enabled=["PR101"])} == {"PR101"}
    assert "PR101" not in {f.rule_id for f in run_checks(parsed, disabled=["PR101"])}


def test_kind_specific_checks_skip_other_kinds() -> None:
    parsed, _ = parse(doc(stmt(Effect="Allow", Principal="*", Resource="*")), R)
    assert run_checks(parsed, enabled=["PR110", "PR111"]) == []


def test_admin_message_names_administrator_access() -> None:
    (hit,) = findings(doc(stmt(Action="*", Resource="*")), IDT, "PR207")
    assert "administrator" in hit.message
    (scoped,) = findings(doc(stmt(Action="*")), IDT, "PR207")
    assert "administrator" not in scoped.message


def test_s3_bucket_action_on_object_arn() -> None:
    bad = doc(stmt(Action="s3:ListBucket", Resource="arn:aws:s3:::reports/*"))
    (hit,) = findings(bad, IDT, "PR410")
    assert "buckets" in hit.message
    good = doc(stmt(Action="s3:ListBucket", Resource="arn:aws:s3:::reports"))
    assert findings(good, IDT, "PR410") == []


def test_resource_fit_allows_wildcards_across_segments() -> None:
    # `arn:aws:s3:::*` names buckets and objects alike; no mismatch either way.
    for action in ("s3:GetObject", "s3:ListBucket"):
        policy = doc(stmt(Action=action, Resource="arn:aws:s3:::*"))
        assert findings(policy, IDT, "PR408") == []
        assert findings(policy, IDT, "PR410") == []


PASS_A_ROLE = EscalationPath(
    id="pass-a-role",
    name="iam:PassRole",
    category="test",
    summary="pass another role to any service",
    caller=None,
    steps=(Step("iam:PassRole", (("role",),), Target.OTHER),),
    requires=(),
    source_file="",
)


def _passes_any_role(path: Path) -> bool:
    parsed = parse_policy_text(path.read_text(encoding="utf-8"), path.name, PolicyKind.IDENTITY)
    assert parsed.policy is not None
    search = path_answer(PolicySet(identity=(parsed.policy,)), PASS_A_ROLE)
    return search is not None and search.status is Outcome.WITNESSED


@pytest.mark.slow
@pytest.mark.parametrize("part", range(4))
def test_managed_policy_corpus_runs_clean(part: int, capsys: pytest.CaptureFixture[str]) -> None:
    counts: Counter[str] = Counter()
    unknown_services: set[str] = set()
    files = solver_sample("AdministratorAccess")[part::4]
    flagged: dict[str, set[str]] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        parsed = parse_policy_text(text, path.name, PolicyKind.IDENTITY)
        assert parsed.policy is not None, path.name
        for finding in run_checks(parsed.policy, context=CheckContext(source=text)):
            counts[finding.rule_id] += 1
            flagged.setdefault(finding.rule_id, set()).add(path.stem)
            if finding.rule_id == "PR201":
                unknown_services.add(finding.details["service"].lower())
            if finding.status is Status.UNKNOWN:
                # An unknown is never silent: it says what could not be decided and why.
                assert "could not decide" in finding.message and ": " in finding.message
    with capsys.disabled():
        print("\nfindings per check over AWS managed policies:")
        for rule, count in sorted(counts.items()):
            print(f"  {rule} {count}")
    # AWS's own policies still name retired services (DeepLens, DeepRacer, ...) that the
    # reference no longer lists, so PR201 does fire; but never for a service the reference has,
    # and never for the everyday services.
    assert unknown_services.isdisjoint({"s3", "ec2", "iam", "kms", "sts", "lambda", "dynamodb"})
    # Every global key AWS uses in its own policies is known, and no operator is used on a key of
    # an incompatible type: the reference and global key table agree with AWS's practice.
    assert counts["PR301"] == 0
    assert counts["PR305"] == 0
    # The solver-backed checks: AdministratorAccess (only) is full administrator, and every
    # policy that allows iam:PassRole on `*` syntactically (PR503) also lets the solver pass a
    # role the policy does not name.
    assert flagged.get("PR603", set()) == {"AdministratorAccess"} & {f.stem for f in files}
    passing = {
        name for name in flagged.get("PR503", set()) if _passes_any_role(CORPUS / f"{name}.json")
    }
    assert passing == flagged.get("PR503", set())
    # Managed policies are identity policies: no principal, trust or RCP checks can fire.
    assert not any(counts[r] for r in ("PR110", "PR111", "PR112", "PR508", "PR601", "PR602"))


_ARN_TOKENS = st.lists(
    st.sampled_from(
        [("char", "a"), ("char", "/"), ("any", ""), ("not", "/"), ("not", "a")]
    ).flatmap(lambda t: st.booleans().map(lambda star: (t[0], t[1], star and t[0] != "char"))),
    max_size=6,
)


@given(_ARN_TOKENS, _ARN_TOKENS)
def test_segment_overlap_agrees_with_a_plain_search(
    a: list[tuple[str, str, bool]], b: list[tuple[str, str, bool]]
) -> None:
    """Two token sequences of ARN segments (a resource pattern's, a format's) overlap when
    some string matches both: the settling of equal sequences and of the tokens at either end
    answers as a search of every way to match both does."""
    from functools import cache

    from policyreason.checks.iam_resources import Token, tokens_overlap

    ta, tb = tuple(Token(*t) for t in a), tuple(Token(*t) for t in b)

    def fits(token: Token, ch: str) -> bool:
        return token.kind == "any" or (token.char == ch) is (token.kind == "char")

    @cache
    def both(i: int, j: int) -> bool:
        # Some string matches ta[i:] and tb[j:]: its first character from "a", "/", "b".
        if i < len(ta) and ta[i].star and both(i + 1, j):
            return True
        if j < len(tb) and tb[j].star and both(i, j + 1):
            return True
        if i == len(ta) or j == len(tb):
            return i == len(ta) and j == len(tb)
        return any(
            fits(ta[i], ch)
            and fits(tb[j], ch)
            and (
                both(i + (not ta[i].star), j + (not tb[j].star))
                if not (ta[i].star and tb[j].star)
                else both(i + 1, j) or both(i, j + 1)
            )
            for ch in "a/b"
        )

    assert tokens_overlap(ta, tb) is both(0, 0)


def test_fingerprints_of_a_document_are_each_findings_own() -> None:
    """Fingerprinting a document's findings together (a statement normalised once) gives each
    finding the fingerprint it has alone."""
    from policyreason.baseline import fingerprint, fingerprints
    from policyreason.parse.json_spans import parse_json

    bad = doc(
        stmt(Action=["s3:GetObject", "s3:GetObject", "s3:getobject"], Resource=["*", "*"]),
        stmt(Sid="A", Action="iam:PassRole", Resource="*"),
    )
    policy, text = parse(bad, IDT)
    found = run_checks(policy, context=CheckContext(source=text))
    assert len({f.span.line for f in found}) > 2
    root = parse_json(text, "policy.json")
    together = fingerprints(found, "policy", root)
    assert together == [fingerprint(f, "policy", root) for f in found]
    assert len(set(together)) == len(together)


def test_each_check_runs_with_its_own_rule_in_the_context() -> None:
    """Each rule's context is the caller's with that rule as the running one."""
    from dataclasses import replace

    from policyreason.parse.json_spans import parse_json

    root = parse_json("{}")
    base = CheckContext(source="{}", root=root, attachment="user", resource_type="s3")
    for info in all_checks()[:3]:
        running = base.running(info)
        assert running == replace(base, current=info)
        assert running.current is info and running.root is root
        assert base.current is None


# Action-like texts, with the characters case folding treats specially: the Kelvin sign folds
# to "k" and the long s to "s" under the regex's IGNORECASE, not under str.lower().
_COVER_TEXT = st.text(alphabet="sSkK:gG*?\u212a\u017f\n", max_size=9)


@given(_COVER_TEXT, _COVER_TEXT, st.booleans())
def test_text_covers_agrees_with_the_wildcard_regex(
    general: str, text: str, ignore_case: bool
) -> None:
    """A pattern without `?` compared as text matches what its regex matches."""
    from policyreason.checks import text_covers
    from policyreason.data.reference import wildcard_regex

    regex = wildcard_regex(general, ignore_case)
    assert text_covers(general, text, ignore_case) is (regex.fullmatch(text) is not None)


# Pattern texts with the pieces whose parts differ from their characters: escapes, policy
# variables and template values.
_PATTERN_TEXT = st.lists(
    st.sampled_from(
        [
            "*",
            "?",
            ":",
            "s",
            "3",
            "/",
            "$",
            "{",
            "}",
            "${*}",
            "${?}",
            "${aws:username}",
            "${AWS::Region}",
            "arn:aws:s3:::",
            "arn:aws:iam::1:",
        ]
    ),
    max_size=6,
).map("".join)


@given(_PATTERN_TEXT, st.booleans(), st.booleans(), st.booleans())
def test_the_text_tests_before_the_parts_agree_with_the_parts(
    text: str, variables: bool, lower: bool, wildcards: bool
) -> None:
    """The rules test a pattern's text before its parts (a wildcard needs `*` or `?` in the
    text, `*` alone has no colon, a literal service segment `s3` is `:s3:` in the text, a
    variable needs `$`): each text test is implied by what the parts say, however the pattern
    is read (an action, a resource, a condition value of any operator)."""
    from policyreason.checks import action_text, is_star
    from policyreason.checks.iam_actions import _has_variable
    from policyreason.checks.iam_resources import _literal_segment
    from policyreason.errors import PatternError
    from policyreason.parse.pattern import parse_pattern

    try:
        pattern = parse_pattern(text, variables=variables, lower=lower, wildcards=wildcards)
    except PatternError:
        return
    if pattern.has_wildcard:
        assert action_text(text).wildcard
    if is_star(pattern):
        assert ":" not in text and pattern.is_match_all
    else:
        assert not pattern.is_match_all
    if _literal_segment(pattern, 2) == "s3":
        assert ":s3:" in text
    if "$" not in text:
        assert not _has_variable(text) and not pattern.has_variable


_ACTION_TEXTS = st.lists(
    st.sampled_from(
        [
            "s3:GetObject",
            "s3:List*",
            "s3:ListAllMyBuckets",
            "ec2:Describe*",
            "ec2:RunInstances",
            "apigateway:GET",
            "elasticloadbalancing:Create*",
            "iam:PassRole",
            "lambda:*",
            "dynamodb:GetItem",
            "ses:SendEmail",
            "sts:AssumeRole",
            "kms:Decrypt",
        ]
    ),
    min_size=1,
    max_size=4,
)
_RESOURCE_TEXT = st.one_of(
    st.sampled_from(
        [
            "arn:aws:s3:::reports/*",
            "arn:aws:s3:::reports",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:iam::1:role/app",
            "arn:aws:dynamodb:us-east-1:1:table/t",
            "arn:*:*:*:*:*",
            "arn:aws:apigateway:*::/restapis/*",
            "arn:aws:lambda:*:1:function:f",
            "*/x",
            "arn:aws:ses:*:1:identity/*",
            "arn:aws:kms:*:1:key/*",
            "arn:aws:s3:::*",
        ]
    ),
    st.text(alphabet="arn:aws3*/ec", max_size=16),
)


@given(_ACTION_TEXTS, _RESOURCE_TEXT)
def test_resource_fits_the_gathered_formats_as_it_fits_each_action(
    actions: list[str], resource: str
) -> None:
    """PR407 and PR408 match a resource against the ARN formats of all the actions of a
    statement, gathered once: it fits them when it fits one of the actions, each matched
    against the formats of its own resource types (the rules' test before)."""
    from policyreason.checks.iam_resources import (
        _MERGED_PREFIXES,
        _fits_formats,
        _parts_overlap_format,
        _pattern_formats,
    )
    from policyreason.data import reference as ref
    from policyreason.parse.pattern import parse_pattern

    pattern = parse_pattern(resource)

    def fits_action(action: ref.Action) -> bool:
        svc = ref.service(action.service)
        assert svc is not None
        if action.service in _MERGED_PREFIXES:
            types = svc.resource_types.values()
            return any(
                _parts_overlap_format(pattern.parts, f) for t in types for f in t.arn_formats
            )
        for rt in action.resource_types:
            rtype = svc.resource_types.get(rt.name)
            if rtype is None or any(
                _parts_overlap_format(pattern.parts, f) for f in rtype.arn_formats
            ):
                return True
        return False

    each = any(fits_action(a) for text in actions for a in ref.actions_matching(text))
    gathered = [_pattern_formats(text) for text in actions]
    if any(formats is None for formats in gathered):
        assert each
        return
    formats = tuple(f for found in gathered if found is not None for f in found)
    assert _fits_formats(pattern, formats) is each


@given(_ARN_TOKENS, _ARN_TOKENS)
def test_overlapping_segments_have_heads_one_of_which_starts_the_other(
    a: list[tuple[str, str, bool]], b: list[tuple[str, str, bool]]
) -> None:
    """The shape rules skip an ARN format whose resource segment's literal head and the
    pattern's both fail to start the other: such segments never overlap."""
    from policyreason.checks.iam_resources import Token, _head, tokens_overlap

    ta, tb = tuple(Token(*t) for t in a), tuple(Token(*t) for t in b)
    if tokens_overlap(ta, tb):
        head_a, head_b = _head(ta), _head(tb)
        assert head_a.startswith(head_b) or head_b.startswith(head_a)
