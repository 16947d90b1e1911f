"""Regenerate policyreason/data/escalation_paths.json from DataDog's pathfinding.cloud.

Usage: python scripts/gen_escalation_data.py [PATHFINDING_DIR]

PATHFINDING_DIR defaults to ../shared/corpora/pathfinding-cloud beside the repository (its
`paths/<service>/<id>.yaml` files, schema 1.6.0). The YAML gives each path's id, name, category,
description and required permissions; what the YAML says only in prose (which resource each
call acts on, which calls share a resource, which service a role is passed to, what the
account must hold) is written out below, per path, and checked against the YAML and the
service reference: every path of the source must be here with exactly its required
permissions, every action, resource type and condition key must exist. The output is
deterministic. pathfinding.cloud is Apache-2.0: its LICENSE and NOTICE are copied beside the
output.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policyreason.data import reference

REPO = Path(__file__).resolve().parents[1]
DATA_OUT = REPO / "policyreason" / "data"
DEFAULT_SOURCE = REPO.parent / "shared" / "corpora" / "pathfinding-cloud"
SOURCE = "DataDog/pathfinding.cloud at 84dd65c"
FORMAT_VERSION = 1

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
MORE = "more permissions than the caller"


@dataclass
class S:
    """One step as written in the table (see `policyreason/data/escalation.py`)."""

    action: str
    target: str = "any"
    same_as: int | None = None
    pins: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    resources: list[list[str]] | None = None


def passrole(*services: str, to: int = 1) -> S:
    """iam:PassRole of another role to `services` (iam:PassedToService), for the resource of
    step `to` (iam:AssociatedResourceArn, when AWS sends it)."""
    return S(
        "iam:PassRole",
        target="other",
        pins=[{"key": "iam:PassedToService", "values": list(services)}],
        links=[{"key": "iam:AssociatedResourceArn", "step": to, "optional": True}],
    )


def attach(action: str, target: str, same_as: int | None = None) -> S:
    """Attach AdministratorAccess (always there); another policy also works, if it grants
    more."""
    pin = {
        "key": "iam:PolicyARN",
        "values": [ADMIN_POLICY],
        "unless": f"a managed policy the caller may attach has {MORE}",
    }
    return S(action, target=target, same_as=same_as, pins=[pin])


def link(key: str, step: int) -> dict[str, Any]:
    return {"key": key, "step": step}


def role_for(service: str) -> str:
    return f"a role that {service} can assume has {MORE}"


@dataclass
class P:
    """A path's steps, the kind of caller it needs and what it needs of the account."""

    steps: list[S]
    requires: list[str] = field(default_factory=list)
    caller: str | None = None


LAMBDA = role_for("lambda.amazonaws.com")
GLUE = role_for("glue.amazonaws.com")
ECS = role_for("ecs-tasks.amazonaws.com")
SAGEMAKER = role_for("sagemaker.amazonaws.com")
CODEBUILD = role_for("codebuild.amazonaws.com")
EC2 = f"a role in an instance profile that ec2.amazonaws.com can assume has {MORE}"
TRUSTS_CALLER = "the role's trust policy lets the caller assume it"
OTHER_USER = "another IAM user exists (with fewer than two access keys)"
OTHER_ROLE = "another role exists"

PATHS: dict[str, P] = {
    "apprunner-001": P(
        [passrole("tasks.apprunner.amazonaws.com"), S("apprunner:CreateService")],
        [role_for("tasks.apprunner.amazonaws.com")],
    ),
    "apprunner-002": P(
        [S("apprunner:UpdateService")], [f"an App Runner service runs as a role with {MORE}"]
    ),
    "bedrock-001": P(
        [
            passrole("bedrock-agentcore.amazonaws.com"),
            S("bedrock-agentcore:CreateCodeInterpreter"),
            S(
                "bedrock-agentcore:StartCodeInterpreterSession",
                resources=[["code-interpreter-custom"]],
            ),
            S(
                "bedrock-agentcore:InvokeCodeInterpreter",
                same_as=2,
                resources=[["code-interpreter-custom"]],
            ),
        ],
        [role_for("bedrock-agentcore.amazonaws.com")],
    ),
    "bedrock-002": P(
        [
            S("bedrock-agentcore:StartCodeInterpreterSession"),
            S("bedrock-agentcore:InvokeCodeInterpreter", same_as=0),
        ],
        [f"a code interpreter runs as a role with {MORE}"],
    ),
    "cloudformation-001": P(
        [
            passrole("cloudformation.amazonaws.com"),
            S("cloudformation:CreateStack", links=[link("cloudformation:RoleArn", 0)]),
        ],
        [role_for("cloudformation.amazonaws.com")],
    ),
    "cloudformation-002": P(
        [S("cloudformation:UpdateStack")], [f"a stack has a service role with {MORE}"]
    ),
    "cloudformation-003": P(
        [
            passrole("cloudformation.amazonaws.com"),
            S("cloudformation:CreateStackSet", links=[link("cloudformation:RoleArn", 0)]),
            S("cloudformation:CreateStackInstances"),
        ],
        [
            "a StackSet administration role that cloudformation.amazonaws.com can assume "
            f"exists, and an execution role it can assume has {MORE}"
        ],
    ),
    "cloudformation-004": P(
        [
            passrole("cloudformation.amazonaws.com"),
            S("cloudformation:UpdateStackSet", links=[link("cloudformation:RoleArn", 0)]),
        ],
        [f"a StackSet exists whose execution role has {MORE}"],
    ),
    "cloudformation-005": P(
        [S("cloudformation:CreateChangeSet"), S("cloudformation:ExecuteChangeSet", same_as=0)],
        [f"a stack has a service role with {MORE}"],
    ),
    "codebuild-001": P(
        [
            passrole("codebuild.amazonaws.com"),
            S("codebuild:CreateProject", links=[link("codebuild:serviceRole", 0)]),
            S("codebuild:StartBuild", same_as=1),
        ],
        [CODEBUILD],
    ),
    "codebuild-002": P(
        [S("codebuild:StartBuild")],
        [f"a CodeBuild project that allows buildspec overrides has a service role with {MORE}"],
    ),
    "codebuild-003": P(
        [S("codebuild:StartBuildBatch")],
        [
            "a CodeBuild project configured for batch builds that allows buildspec overrides "
            f"has a service role with {MORE}"
        ],
    ),
    "codebuild-004": P(
        [
            passrole("codebuild.amazonaws.com"),
            S("codebuild:CreateProject", links=[link("codebuild:serviceRole", 0)]),
            S("codebuild:StartBuildBatch", same_as=1),
        ],
        [CODEBUILD],
    ),
    "datapipeline-001": P(
        [
            passrole("datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com"),
            S("datapipeline:CreatePipeline"),
            S("datapipeline:PutPipelineDefinition"),
            S("datapipeline:ActivatePipeline", same_as=2),
        ],
        [role_for("datapipeline.amazonaws.com or elasticmapreduce.amazonaws.com")],
    ),
    "ec2instanceconnect-003": P(
        [S("ec2-instance-connect:SendSSHPublicKey"), S("ec2:DescribeInstances")],
        [
            "a running EC2 instance with EC2 Instance Connect, reachable over SSH, has a role "
            f"with {MORE}"
        ],
    ),
    "ec2-001": P([passrole("ec2.amazonaws.com"), S("ec2:RunInstances")], [EC2]),
    "ec2-002": P(
        [
            S("ec2:ModifyInstanceAttribute"),
            S("ec2:StopInstances", same_as=0),
            S("ec2:StartInstances", same_as=0),
        ],
        [f"an EC2 instance has a role with {MORE}"],
    ),
    "ec2-003": P([passrole("ec2.amazonaws.com"), S("ec2:RequestSpotInstances")], [EC2]),
    "ec2-004": P(
        [S("ec2:CreateLaunchTemplateVersion"), S("ec2:ModifyLaunchTemplate", same_as=0)],
        [f"a launch template names a role with {MORE}, and instances are launched from it"],
    ),
    "ecs-001": P(
        [
            passrole("ecs-tasks.amazonaws.com", to=2),
            S("ecs:CreateCluster"),
            S("ecs:RegisterTaskDefinition"),
            S("ecs:CreateService", links=[link("ecs:task-definition", 2)]),
        ],
        [ECS],
    ),
    "ecs-002": P(
        [
            passrole("ecs-tasks.amazonaws.com", to=2),
            S("ecs:CreateCluster"),
            S("ecs:RegisterTaskDefinition"),
            S("ecs:RunTask", same_as=2, links=[link("ecs:cluster", 1)]),
        ],
        [ECS],
    ),
    "ecs-003": P(
        [
            passrole("ecs-tasks.amazonaws.com"),
            S("ecs:RegisterTaskDefinition"),
            S("ecs:CreateService", links=[link("ecs:task-definition", 1)]),
        ],
        [ECS, "an ECS cluster exists"],
    ),
    "ecs-004": P(
        [
            passrole("ecs-tasks.amazonaws.com"),
            S("ecs:RegisterTaskDefinition"),
            S("ecs:RunTask", same_as=1),
        ],
        [ECS, "an ECS cluster exists"],
    ),
    "ecs-005": P(
        [
            passrole("ecs-tasks.amazonaws.com"),
            S("ecs:RegisterTaskDefinition"),
            S("ecs:StartTask", same_as=1),
        ],
        [ECS, "an ECS cluster with a registered EC2 container instance exists"],
    ),
    "glue-001": P([passrole("glue.amazonaws.com"), S("glue:CreateDevEndpoint")], [GLUE]),
    "glue-002": P(
        [S("glue:UpdateDevEndpoint")], [f"a Glue development endpoint has a role with {MORE}"]
    ),
    "glue-003": P(
        [passrole("glue.amazonaws.com"), S("glue:CreateJob"), S("glue:StartJobRun", same_as=1)],
        [GLUE],
    ),
    "glue-004": P(
        [passrole("glue.amazonaws.com"), S("glue:CreateJob"), S("glue:CreateTrigger")], [GLUE]
    ),
    "glue-005": P(
        [passrole("glue.amazonaws.com"), S("glue:UpdateJob"), S("glue:StartJobRun", same_as=1)],
        [GLUE, "a Glue job exists"],
    ),
    "glue-006": P(
        [passrole("glue.amazonaws.com"), S("glue:UpdateJob"), S("glue:CreateTrigger")],
        [GLUE, "a Glue job exists"],
    ),
    "iam-001": P([S("iam:CreatePolicyVersion", target="own-policy")]),
    "iam-002": P(
        [S("iam:CreateAccessKey", target="other")],
        [f"another IAM user with fewer than two access keys has {MORE}"],
    ),
    "iam-003": P(
        [S("iam:CreateAccessKey", target="other"), S("iam:DeleteAccessKey", same_as=0)],
        [f"another IAM user has {MORE}"],
    ),
    "iam-004": P(
        [S("iam:CreateLoginProfile", target="other")],
        [f"another IAM user without a console password has {MORE}"],
    ),
    "iam-005": P([S("iam:PutRolePolicy", target="self")], caller="role"),
    "iam-006": P(
        [S("iam:UpdateLoginProfile", target="other")],
        [f"another IAM user with a console password has {MORE}"],
    ),
    "iam-007": P([S("iam:PutUserPolicy", target="self")], caller="user"),
    "iam-008": P([attach("iam:AttachUserPolicy", "self")], caller="user"),
    "iam-009": P([attach("iam:AttachRolePolicy", "self")], caller="role"),
    "iam-010": P([attach("iam:AttachGroupPolicy", "own-group")], caller="user"),
    "iam-011": P([S("iam:PutGroupPolicy", target="own-group")], caller="user"),
    "iam-012": P([S("iam:UpdateAssumeRolePolicy", target="other")], [f"another role has {MORE}"]),
    "iam-013": P(
        [S("iam:AddUserToGroup", target="other-group")],
        [f"a group has {MORE}"],
        caller="user",
    ),
    "iam-014": P(
        [attach("iam:AttachRolePolicy", "other"), S("sts:AssumeRole", same_as=0)],
        [TRUSTS_CALLER],
    ),
    "iam-015": P(
        [attach("iam:AttachUserPolicy", "other"), S("iam:CreateAccessKey", same_as=0)],
        [OTHER_USER],
    ),
    "iam-016": P(
        [S("iam:CreatePolicyVersion"), S("sts:AssumeRole", target="other")],
        ["the policy is attached to the role, and " + TRUSTS_CALLER],
    ),
    "iam-017": P(
        [S("iam:PutRolePolicy", target="other"), S("sts:AssumeRole", same_as=0)],
        [TRUSTS_CALLER],
    ),
    "iam-018": P(
        [S("iam:PutUserPolicy", target="other"), S("iam:CreateAccessKey", same_as=0)],
        [OTHER_USER],
    ),
    "iam-019": P(
        [attach("iam:AttachRolePolicy", "other"), S("iam:UpdateAssumeRolePolicy", same_as=0)],
        [OTHER_ROLE],
    ),
    "iam-020": P(
        [S("iam:CreatePolicyVersion"), S("iam:UpdateAssumeRolePolicy", target="other")],
        ["the policy is attached to the role"],
    ),
    "iam-021": P(
        [S("iam:PutRolePolicy", target="other"), S("iam:UpdateAssumeRolePolicy", same_as=0)],
        [OTHER_ROLE],
    ),
    "lambda-001": P(
        [
            passrole("lambda.amazonaws.com"),
            S("lambda:CreateFunction"),
            S("lambda:InvokeFunction", same_as=1),
        ],
        [LAMBDA],
    ),
    "lambda-002": P(
        [
            passrole("lambda.amazonaws.com"),
            S("lambda:CreateFunction"),
            S("lambda:CreateEventSourceMapping", links=[link("lambda:FunctionArn", 1)]),
        ],
        [LAMBDA, "an event source (a DynamoDB or Kinesis stream, an SQS queue) exists"],
    ),
    "lambda-003": P(
        [S("lambda:UpdateFunctionCode")],
        [f"a Lambda function runs as a role with {MORE}, and something invokes it"],
    ),
    "lambda-004": P(
        [S("lambda:UpdateFunctionCode"), S("lambda:InvokeFunction", same_as=0)],
        [f"a Lambda function runs as a role with {MORE}"],
    ),
    "lambda-005": P(
        [S("lambda:UpdateFunctionCode"), S("lambda:AddPermission", same_as=0)],
        [f"a Lambda function runs as a role with {MORE}"],
    ),
    "lambda-006": P(
        [
            passrole("lambda.amazonaws.com"),
            S("lambda:CreateFunction"),
            S("lambda:AddPermission", same_as=1),
        ],
        [LAMBDA],
    ),
    "sagemaker-001": P(
        [passrole("sagemaker.amazonaws.com"), S("sagemaker:CreateNotebookInstance")], [SAGEMAKER]
    ),
    "sagemaker-002": P(
        [passrole("sagemaker.amazonaws.com"), S("sagemaker:CreateTrainingJob")],
        [SAGEMAKER, "an S3 bucket the job can use exists"],
    ),
    "sagemaker-003": P(
        [passrole("sagemaker.amazonaws.com"), S("sagemaker:CreateProcessingJob")],
        [SAGEMAKER, "an S3 bucket the job can use exists"],
    ),
    "sagemaker-004": P(
        [S("sagemaker:CreatePresignedNotebookInstanceUrl")],
        [f"a notebook instance in service runs as a role with {MORE}"],
    ),
    "sagemaker-005": P(
        [
            S("sagemaker:CreateNotebookInstanceLifecycleConfig"),
            S("sagemaker:StopNotebookInstance"),
            S(
                "sagemaker:UpdateNotebookInstance",
                same_as=1,
                links=[link("sagemaker:NotebookInstanceLifecycleConfigArns", 0)],
            ),
            S("sagemaker:StartNotebookInstance", same_as=1),
        ],
        [f"a notebook instance runs as a role with {MORE}"],
    ),
    "ssm-001": P(
        [S("ssm:StartSession", resources=[["instance"]])],
        [f"a running EC2 instance with the SSM agent has a role with {MORE}"],
    ),
    # SendCommand is authorized on the document run and on each instance it runs on.
    "ssm-002": P(
        [S("ssm:SendCommand", resources=[["instance"], ["document"]])],
        [f"a running EC2 instance with the SSM agent has a role with {MORE}"],
    ),
    "sts-001": P([S("sts:AssumeRole", target="other")], [f"a role with {MORE} trusts the caller"]),
}


class CatalogueError(Exception):
    """The table and the source (or the service reference) disagree."""


def default_resources(action: reference.Action) -> list[list[str]]:
    """The requests a call is authorized as, from the reference: EC2 authorizes a call on
    every resource type it marks required (RunInstances: the instance, the image, the subnet,
    ...; "Resource-level permissions for RunInstances" in the EC2 user guide), the call's own
    resource first; other services on one of them; a call with none on `*` or any type."""
    required = [r.name for r in action.resource_types if r.required]
    if not required:
        return [[]]
    if action.service == "ec2" and len(required) > 1:
        own = "instance" if "instance" in required else required[0]
        return [[own]] + [[r] for r in required if r != own]
    return [required]


def _has_key(action: reference.Action, key: str) -> bool:
    keys = {k.lower() for k in action.condition_keys}
    for rt in action.resource_types:
        keys |= {k.lower() for k in rt.condition_keys}
    return key.lower() in keys or reference.global_key(key) is not None


def build_step(path_id: str, index: int, step: S, steps: list[S]) -> dict[str, Any]:
    """One step as package data, checked against the reference."""
    action = reference.action(step.action)
    if action is None:
        raise CatalogueError(f"{path_id}: {step.action} is not in the service reference")
    resources = step.resources if step.resources is not None else default_resources(action)
    known = {r.name for r in action.resource_types}
    for alternatives in resources:
        for name in alternatives:
            if name not in known:
                raise CatalogueError(f"{path_id}: {step.action} takes no {name} resource")
    if step.same_as is not None and not 0 <= step.same_as < index:
        raise CatalogueError(f"{path_id}: step {index} reuses step {step.same_as}")
    out: dict[str, Any] = {"action": action.full_name, "resources": resources}
    target = "same" if step.same_as is not None else step.target
    if target != "any":
        out["target"] = target
    if step.same_as is not None:
        out["same_as"] = step.same_as
    for pin in step.pins:
        if not _has_key(action, pin["key"]):
            raise CatalogueError(f"{path_id}: {step.action} sends no {pin['key']}")
    if step.pins:
        out["pins"] = step.pins
    links = []
    for entry in step.links:
        if not _has_key(action, entry["key"]):
            raise CatalogueError(f"{path_id}: {step.action} sends no {entry['key']}")
        other = entry["step"]
        if not 0 <= other < len(steps) or other == index:
            raise CatalogueError(f"{path_id}: step {index} links to step {other}")
        # A key can only name a resource that has an ARN before the call.
        target_action = reference.action(steps[other].action)
        assert target_action is not None
        named = steps[other].resources
        named = named if named is not None else default_resources(target_action)
        if named[0]:
            links.append(entry)
        elif not entry.get("optional"):
            raise CatalogueError(f"{path_id}: step {other} acts on `*`, no key can name it")
    if links:
        out["links"] = links
    return out


def summary(description: str) -> str:
    """The description's first sentence, on one line."""
    text = " ".join(description.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def build(src: Path) -> dict[str, Any]:
    """The catalogue document from a pathfinding.cloud checkout."""
    files = sorted((src / "paths").glob("*/*.yaml"))
    seen: set[str] = set()
    paths: list[dict[str, Any]] = []
    for file in files:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        path_id = raw["id"]
        spec = PATHS.get(path_id)
        if spec is None:
            raise CatalogueError(f"{path_id}: not in the table of this script")
        seen.add(path_id)
        required = [p["permission"].lower() for p in raw["permissions"]["required"]]
        written = [s.action.lower() for s in spec.steps]
        if written != required:
            raise CatalogueError(f"{path_id}: the table has {written}, the source {required}")
        entry: dict[str, Any] = {
            "id": path_id,
            "name": raw["name"],
            "category": raw["category"],
            "summary": summary(raw["description"]),
            "steps": [build_step(path_id, i, s, spec.steps) for i, s in enumerate(spec.steps)],
            "requires": spec.requires,
            "source_file": file.relative_to(src).as_posix(),
        }
        if spec.caller is not None:
            entry["caller"] = spec.caller
        paths.append(entry)
    missing = sorted(set(PATHS) - seen)
    if missing:
        raise CatalogueError(f"the table has paths the source does not: {', '.join(missing)}")
    return {
        "format": FORMAT_VERSION,
        "source": SOURCE,
        "license": "Apache-2.0 (LICENSE-pathfinding-cloud.txt, NOTICE-pathfinding-cloud.txt)",
        "paths": paths,
    }


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    if not (src / "paths").is_dir():
        print(f"error: {src} has no paths/ folder", file=sys.stderr)
        return 2
    try:
        document = build(src)
    except CatalogueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = DATA_OUT / "escalation_paths.json"
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    shutil.copyfile(src / "LICENSE", DATA_OUT / "LICENSE-pathfinding-cloud.txt")
    shutil.copyfile(src / "NOTICE", DATA_OUT / "NOTICE-pathfinding-cloud.txt")
    print(f"wrote {out.relative_to(REPO)}: {len(document['paths'])} paths")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
