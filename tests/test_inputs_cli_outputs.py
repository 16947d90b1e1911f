"""AWS CLI outputs that wrap a policy document, and files in the encodings Windows tools write:
each is read with the right policy kind, and what is nearly a policy is a located error."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.inputs import Document, InputType, LoadOptions, load_file
from policyreason.ir.diagnostic import Level
from policyreason.ir.policy import PolicyKind
from tests.strategies import policy_documents

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32")

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}
IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}
BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-site/*",
        }
    ],
}
QUEUE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "sqs:SendMessage",
            "Resource": "arn:aws:sqs:us-east-1:444455556666:jobs",
        }
    ],
}
ECR = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ],
}
SCP = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}


def _string(doc: dict[str, Any]) -> str:
    return json.dumps(doc)


# (command, its output, expected kind, attachment)
OUTPUTS: list[tuple[str, dict[str, Any], PolicyKind, str]] = [
    (
        "iam get-role",
        {
            "Role": {
                "Path": "/",
                "RoleName": "deploy",
                "Arn": "arn:aws:iam::444455556666:role/deploy",
                "AssumeRolePolicyDocument": TRUST,
                "MaxSessionDuration": 3600,
            }
        },
        PolicyKind.TRUST,
        "role",
    ),
    (
        "iam get-role (URL-encoded)",
        {"Role": {"RoleName": "r", "AssumeRolePolicyDocument": urllib.parse.quote(_string(TRUST))}},
        PolicyKind.TRUST,
        "role",
    ),
    (
        "iam get-role-policy",
        {"RoleName": "r", "PolicyName": "p", "PolicyDocument": IDENTITY},
        PolicyKind.IDENTITY,
        "role",
    ),
    (
        "iam get-user-policy",
        {"UserName": "u", "PolicyName": "p", "PolicyDocument": IDENTITY},
        PolicyKind.IDENTITY,
        "user",
    ),
    (
        "iam get-group-policy",
        {"GroupName": "g", "PolicyName": "p", "PolicyDocument": IDENTITY},
        PolicyKind.IDENTITY,
        "group",
    ),
    (
        "iam get-policy-version",
        {"PolicyVersion": {"Document": IDENTITY, "VersionId": "v2", "IsDefaultVersion": True}},
        PolicyKind.IDENTITY,
        "managed",
    ),
    (
        "iam get-policy-version (URL-encoded)",
        {"PolicyVersion": {"Document": urllib.parse.quote(_string(IDENTITY)), "VersionId": "v1"}},
        PolicyKind.IDENTITY,
        "managed",
    ),
    ("s3api get-bucket-policy", {"Policy": _string(BUCKET)}, PolicyKind.RESOURCE, "managed"),
    (
        "kms get-key-policy",
        {"Policy": _string(QUEUE), "PolicyName": "default"},
        PolicyKind.RESOURCE,
        "managed",
    ),
    (
        "lambda get-policy",
        {"Policy": _string(QUEUE), "RevisionId": "4e9a"},
        PolicyKind.RESOURCE,
        "managed",
    ),
    (
        "sqs get-queue-attributes",
        {"Attributes": {"Policy": _string(QUEUE)}},
        PolicyKind.RESOURCE,
        "managed",
    ),
    (
        "sns get-topic-attributes",
        {"Attributes": {"Policy": _string(QUEUE), "Owner": "444455556666", "TopicArn": "x"}},
        PolicyKind.RESOURCE,
        "managed",
    ),
    (
        "ecr get-repository-policy",
        {"registryId": "444455556666", "repositoryName": "app", "policyText": _string(ECR)},
        PolicyKind.RESOURCE,
        "managed",
    ),
    (
        "secretsmanager get-resource-policy",
        {"ARN": "arn:aws:secretsmanager:x", "Name": "s", "ResourcePolicy": _string(QUEUE)},
        PolicyKind.RESOURCE,
        "managed",
    ),
    (
        "glacier get-vault-access-policy",
        {"policy": {"Policy": _string(QUEUE)}},
        PolicyKind.RESOURCE,
        "managed",
    ),
    (
        "opensearch describe-domain-config",
        {"DomainConfig": {"AccessPolicies": {"Options": _string(QUEUE), "Status": {}}}},
        PolicyKind.RESOURCE,
        "managed",
    ),
    (
        "organizations describe-policy",
        {
            "Policy": {
                "PolicySummary": {"Id": "p-1", "Type": "SERVICE_CONTROL_POLICY"},
                "Content": _string(SCP),
            }
        },
        PolicyKind.SCP,
        "managed",
    ),
]


@pytest.mark.parametrize(
    ("command", "output", "kind", "attachment"), OUTPUTS, ids=[o[0] for o in OUTPUTS]
)
def test_cli_outputs_are_read_with_the_commands_kind(
    tmp_path: Path, command: str, output: dict[str, Any], kind: PolicyKind, attachment: str
) -> None:
    path = tmp_path / "out.json"
    path.write_text(json.dumps(output, indent=2))
    source = load_file(path)
    assert source.input_type is InputType.POLICY, command
    (doc,) = source.documents
    assert doc.parsed.errors == [], [str(d) for d in doc.parsed.diagnostics]
    assert doc.parsed.policy is not None
    assert (doc.kind, doc.attachment, doc.name) == (kind, attachment, "out")


def test_a_given_kind_wins_over_the_commands(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"PolicyVersion": {"Document": IDENTITY, "VersionId": "v1"}}))
    (doc,) = load_file(path, LoadOptions(kind=PolicyKind.BOUNDARY)).documents
    assert doc.kind is PolicyKind.BOUNDARY


def test_a_trust_policy_from_get_role_is_located_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "role.json"
    path.write_text(json.dumps(OUTPUTS[0][1], indent=4))
    (doc,) = load_file(path).documents
    assert doc.parsed.policy is not None
    principal = doc.parsed.policy.statements[0].principal
    assert principal is not None and principal.anyone
    line = path.read_text().splitlines()[principal.span.line - 1]
    assert '"Principal"' in line


def test_cloudwatch_logs_resource_policies_are_each_read(tmp_path: Path) -> None:
    path = tmp_path / "logs.json"
    listed = [
        {"policyName": "route53", "policyDocument": _string(QUEUE)},
        {"policyName": "events", "policyDocument": _string(QUEUE)},
    ]
    path.write_text(json.dumps({"resourcePolicies": listed}))
    names = [d.name for d in load_file(path).documents]
    assert names == ["logs route53", "logs events"]


def test_get_policy_output_says_where_the_document_is(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    meta = {
        "Policy": {"PolicyName": "p", "Arn": "arn:aws:iam::1:policy/p", "DefaultVersionId": "v3"}
    }
    path.write_text(json.dumps(meta))
    (error,) = load_file(path).diagnostics
    assert error.level is Level.ERROR and error.code == "no-document"
    assert "get-policy-version" in error.message


@pytest.mark.parametrize(
    "document",
    [
        {"version": "2012-10-17", "statement": [{"effect": "Allow", "action": "*"}]},
        {"Version": "2012-10-17", "Statements": [{"Effect": "Allow"}]},
        {"Version": "2012-10-17"},
    ],
)
def test_near_misses_are_located_errors_not_skipped_files(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    path = tmp_path / "near.json"
    path.write_text(json.dumps(document, indent=2))
    source = load_file(path)
    assert source.input_type is InputType.POLICY
    errors = [d for d in source.all_diagnostics if d.level is Level.ERROR]
    assert errors and all(d.span.file.endswith("near.json") for d in errors)


# -- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_text_in_the_encodings_windows_tools_write(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(json.dumps(BUCKET, indent=2), encoding=encoding)
    source = load_file(path)
    assert source.diagnostics == ()
    (doc,) = source.documents
    assert doc.parsed.policy is not None
    # Positions count characters, whatever the bytes were.
    assert doc.parsed.policy.statements[0].span.line == 4


def test_binary_files_are_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "blob.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (error,) = load_file(path).diagnostics
    assert error.code == "binary"
    odd = tmp_path / "odd.json"
    odd.write_bytes(b"\xff\xfe" + b"{\x00\x00\xd8")  # a UTF-16 mark, then a broken surrogate
    (error,) = load_file(odd).diagnostics
    assert error.code == "encoding"


def test_an_unrelated_statements_list_is_no_policy(tmp_path: Path) -> None:
    path = tmp_path / "queries.json"
    path.write_text(json.dumps({"statements": ["SELECT 1", {"sql": "SELECT 2"}]}))
    source = load_file(path)
    assert (source.input_type, source.diagnostics) == (None, ())


def _shape(doc: Document) -> list[tuple[object, ...]]:
    policy = doc.parsed.policy
    assert policy is not None, [str(d) for d in doc.parsed.diagnostics]
    return [
        (
            s.effect,
            [a.text for a in s.actions],
            [r.text for r in s.resources or ()],
            [(c.operator_text, c.key, [v.text for v in c.values]) for c in s.conditions],
        )
        for s in policy.statements
    ]


WRAPS = {
    "object": lambda d: {"RoleName": "r", "PolicyName": "p", "PolicyDocument": d},
    "string": lambda d: {"RoleName": "r", "PolicyName": "p", "PolicyDocument": json.dumps(d)},
    "url-encoded": lambda d: {
        "PolicyVersion": {"Document": urllib.parse.quote(json.dumps(d)), "VersionId": "v1"}
    },
}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(policy_documents(), st.sampled_from(sorted(WRAPS)), st.sampled_from(ENCODINGS))
def test_a_wrapped_or_re_encoded_policy_reads_as_the_policy_itself(
    tmp_path: Path, document: dict[str, Any], wrap: str, encoding: str
) -> None:
    raw = tmp_path / "raw.json"
    raw.write_text(json.dumps(document, indent=2))
    (expected,) = load_file(raw).documents
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps(WRAPS[wrap](document), indent=2), encoding=encoding)
    (doc,) = load_file(wrapped).documents
    assert doc.kind is expected.kind is PolicyKind.IDENTITY
    assert _shape(doc) == _shape(expected)
    # The same text in another encoding has the same positions.
    raw.write_text(json.dumps(document, indent=2), encoding=encoding)
    (again,) = load_file(raw).documents
    assert again.parsed.policy == expected.parsed.policy
