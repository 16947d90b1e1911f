"""Terraform plan JSON: policies inside JSON strings, positions mapped into the plan file."""

from __future__ import annotations

import json
from pathlib import Path

from policyreason.inputs import InputType, load_file
from policyreason.ir.diagnostic import Level
from policyreason.ir.policy import PolicyKind

PLAN = Path(__file__).resolve().parent.parent / "examples" / "terraform" / "plan.json"


def test_every_policy_of_the_plan_is_found() -> None:
    source = load_file(PLAN)
    assert source.input_type is InputType.TERRAFORM_PLAN
    kinds = {d.name: d.kind for d in source.documents}
    assert kinds == {
        "aws_s3_bucket_policy.assets.policy": PolicyKind.RESOURCE,
        "aws_iam_role.deploy.assume_role_policy": PolicyKind.TRUST,
        "aws_iam_role.deploy.inline_policy[invalidate]": PolicyKind.IDENTITY,
        "aws_iam_policy.ci.policy": PolicyKind.IDENTITY,
        "aws_sqs_queue_policy.jobs.policy": PolicyKind.RESOURCE,
        "module.logs.aws_iam_role_policy.reader.policy": PolicyKind.IDENTITY,
        "aws_kms_key.data.policy": PolicyKind.RESOURCE,
    }
    # A resource being deleted is not analysed, even though prior_state still has it.
    assert all("legacy" not in d.name for d in source.documents)
    assert all(d.parsed.policy is not None for d in source.documents)
    # The key policy is known only after apply: no statement read, every answer unknown.
    unread = next(d for d in source.documents if d.name == "aws_kms_key.data.policy")
    assert unread.parsed.policy is not None and unread.parsed.policy.unmodelled


def test_policy_known_only_after_apply_is_a_warning() -> None:
    source = load_file(PLAN)
    (warning,) = source.diagnostics
    assert warning.level is Level.WARNING
    assert "aws_kms_key.data.policy" in warning.message
    lines = PLAN.read_text().splitlines()
    assert '"address": "aws_kms_key.data"' in lines[warning.span.line]


def test_positions_are_exact_in_a_pretty_plan() -> None:
    source = load_file(PLAN)
    doc = next(d for d in source.documents if d.name == "aws_s3_bucket_policy.assets.policy")
    policy = doc.parsed.policy
    assert policy is not None
    principal = policy.statements[0].principal
    assert principal is not None
    line = PLAN.read_text().splitlines()[principal.span.line - 1]
    assert '"policy": "{' in line
    assert line[principal.span.column - 1 : principal.span.end_column - 1] == '\\"*\\"'


def test_positions_are_exact_in_a_one_line_plan(tmp_path: Path) -> None:
    # `terraform show -json` writes the whole plan on one line: the column is what matters.
    one_line = tmp_path / "plan.json"
    one_line.write_text(json.dumps(json.loads(PLAN.read_text())))
    source = load_file(one_line)
    doc = next(d for d in source.documents if d.name == "aws_iam_policy.ci.policy")
    policy = doc.parsed.policy
    assert policy is not None
    text = one_line.read_text()
    everything = policy.statements[1]
    assert everything.sid == "Everything"
    action = everything.keys["Action"]
    assert action.line == 1
    assert text[action.column - 1 : action.end_column - 1] == '\\"Action\\"'
    # The policy had "\n" escapes in it: columns after them still line up.
    assert everything.span.line == 1
    assert text[everything.span.column - 1] == "{"


def test_bad_embedded_policy_is_located(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_policy.bad",
                        "mode": "managed",
                        "type": "aws_iam_policy",
                        "name": "bad",
                        "values": {"policy": '{"Version": "2012-10-17", "Statement": ['},
                    }
                ]
            }
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=1))
    source = load_file(path)
    (error,) = source.diagnostics
    assert error.level is Level.ERROR
    assert "embedded policy" in error.message
    assert '"policy"' in path.read_text().splitlines()[error.span.line - 1]


def test_data_source_documents_and_org_policies(tmp_path: Path) -> None:
    document = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    plan = {
        "format_version": "1.2",
        "prior_state": {
            "values": {
                "root_module": {
                    "resources": [
                        {
                            "address": "data.aws_iam_policy_document.deny",
                            "mode": "data",
                            "type": "aws_iam_policy_document",
                            "values": {"json": document},
                        }
                    ]
                }
            }
        },
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_organizations_policy.guard",
                        "mode": "managed",
                        "type": "aws_organizations_policy",
                        "values": {"type": "SERVICE_CONTROL_POLICY", "content": document},
                    },
                    {
                        "address": "aws_organizations_policy.tags",
                        "mode": "managed",
                        "type": "aws_organizations_policy",
                        "values": {"type": "TAG_POLICY", "content": "{}"},
                    },
                ]
            }
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    kinds = {d.name: d.kind for d in load_file(path).documents}
    assert kinds == {
        "aws_organizations_policy.guard.content": PolicyKind.SCP,
        "data.aws_iam_policy_document.deny.json": PolicyKind.IDENTITY,
    }


def _endpoint_plan(with_version: bool) -> dict[str, object]:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
    resource = {
        "address": "aws_vpc_endpoint.s3",
        "mode": "managed",
        "type": "aws_vpc_endpoint",
        "name": "s3",
        "values": {"service_name": "com.amazonaws.us-east-1.s3", "policy": json.dumps(policy)},
    }
    plan: dict[str, object] = {"planned_values": {"root_module": {"resources": [resource]}}}
    if with_version:
        plan["format_version"] = "1.2"
    return plan


def test_a_plan_without_format_version_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_endpoint_plan(False)))
    source = load_file(path)
    assert source.input_type is InputType.TERRAFORM_PLAN
    (doc,) = source.documents
    assert (doc.name, doc.kind) == ("aws_vpc_endpoint.s3.policy", PolicyKind.ENDPOINT)
    assert doc.parsed.policy is not None


def test_resource_changes_alone_make_a_plan(tmp_path: Path) -> None:
    change = {
        "address": "aws_iam_policy.ci",
        "mode": "managed",
        "type": "aws_iam_policy",
        "change": {"actions": ["create"], "after": {"policy": json.dumps({"Statement": []})}},
    }
    path = tmp_path / "changes.json"
    path.write_text(json.dumps({"resource_changes": [change]}))
    source = load_file(path)
    assert source.input_type is InputType.TERRAFORM_PLAN
    assert [d.name for d in source.documents] == ["aws_iam_policy.ci.policy"]


def test_a_plan_written_by_powershell_is_read(tmp_path: Path) -> None:
    # `terraform show -json plan > plan.json` in Windows PowerShell 5 writes UTF-16 with a mark.
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_endpoint_plan(True), indent=2), encoding="utf-16")
    source = load_file(path)
    assert source.input_type is InputType.TERRAFORM_PLAN
    (doc,) = source.documents
    assert doc.parsed.policy is not None and doc.parsed.policy.statements[0].span.line > 1


def test_ecr_repository_policy_in_a_plan_needs_no_resource(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": ["ecr:BatchGetImage", "s3:GetObject"],
            }
        ],
    }
    resource = {
        "address": "aws_ecr_repository_policy.app",
        "mode": "managed",
        "type": "aws_ecr_repository_policy",
        "values": {"policy": json.dumps(policy)},
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"planned_values": {"root_module": {"resources": [resource]}}}))
    (doc,) = load_file(path).documents
    assert doc.parsed.errors == [] and doc.parsed.policy is not None
