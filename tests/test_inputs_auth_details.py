"""`aws iam get-account-authorization-details`: documents to lint and per-principal policy sets."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

from policyreason.inputs import InputType, load_file
from policyreason.ir.diagnostic import Level
from policyreason.ir.policy import PolicyKind

EXPORT = (
    Path(__file__).resolve().parent.parent
    / "examples"
    / "authorization-details"
    / "account-123456789012.json"
)


def test_documents_are_inline_trust_and_customer_managed_policies() -> None:
    source = load_file(EXPORT)
    assert source.input_type is InputType.AUTHORIZATION_DETAILS
    kinds = {d.name: d.kind for d in source.documents}
    assert kinds == {
        "policy/developer-boundary (v2)": PolicyKind.IDENTITY,
        "policy/deploy-everything (v1)": PolicyKind.IDENTITY,
        "group/developers inline dev-sandbox": PolicyKind.IDENTITY,
        "user/alice inline self-service": PolicyKind.IDENTITY,
        "role/web-instance trust policy": PolicyKind.TRUST,
        "role/web-instance inline read-assets": PolicyKind.IDENTITY,
        "role/partner-audit trust policy": PolicyKind.TRUST,
    }


def test_default_version_only() -> None:
    source = load_file(EXPORT)
    boundary = next(d for d in source.documents if d.name.startswith("policy/developer-boundary"))
    policy = boundary.parsed.policy
    assert policy is not None
    # v1 (Action "*") is not the default version and is not read.
    assert len(policy.statements) == 2
    lines = EXPORT.read_text().splitlines()
    assert '"Effect": "Allow"' in lines[policy.statements[0].keys["Effect"].line - 1]


def test_principal_policy_sets_include_groups_managed_and_boundary() -> None:
    principals = {p.name: p for p in load_file(EXPORT).principals}
    assert set(principals) == {
        "user/alice",
        "user/ci-bot",
        "role/web-instance",
        "role/partner-audit",
    }
    alice = principals["user/alice"]
    assert alice.arn == "arn:aws:iam::123456789012:user/alice"
    # Own inline, AWS managed ReadOnlyAccess, and the developers group's inline policy.
    assert {p.name for p in alice.policies.identity} == {
        "user/alice inline self-service",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "group/developers inline dev-sandbox",
    }
    assert alice.policies.boundary is not None
    assert alice.policies.boundary.kind is PolicyKind.BOUNDARY
    assert principals["user/ci-bot"].policies.boundary is None


def test_managed_policy_missing_from_the_export_is_a_warning() -> None:
    source = load_file(EXPORT)
    (warning,) = source.diagnostics
    assert warning.level is Level.WARNING
    assert "SecurityAudit" in warning.message
    (audit,) = [p for p in source.principals if p.name == "role/partner-audit"]
    assert audit.policies.identity == ()


def test_url_encoded_documents_from_the_raw_api(tmp_path: Path) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    export = {
        "RoleDetailList": [
            {
                "RoleName": "raw",
                "Arn": "arn:aws:iam::123456789012:role/raw",
                "AssumeRolePolicyDocument": urllib.parse.quote(
                    json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": "ec2.amazonaws.com"},
                                    "Action": "sts:AssumeRole",
                                }
                            ],
                        }
                    )
                ),
                "RolePolicyList": [
                    {"PolicyName": "p", "PolicyDocument": urllib.parse.quote(json.dumps(document))}
                ],
            }
        ]
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, indent=2))
    source = load_file(path)
    assert [d.parsed.policy is not None for d in source.documents] == [True, True]
    (role,) = source.principals
    assert len(role.policies.identity) == 1
