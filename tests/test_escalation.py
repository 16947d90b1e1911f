"""Privilege escalation as joint paths (PR604).

A path is one caller's set of requests that must all be allowed together. Each test below pairs
a policy that takes a path with a tempting negative: a policy that allows every action of the
path, each on its own, yet not the path (a condition or resource that breaks it). The catalogue
tests build a positive policy from each path's required permissions; the export tests check a
principal's whole policy set as the unit; hypothesis holds the solver's proofs against concrete
witness sets.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyreason.analysis.escalation.paths as paths
from policyreason.analysis.escalation.joint import Joint
from policyreason.analysis.escalation.paths import (
    ANY_CALLER,
    IN_GROUP,
    POLICY_ATTACHED,
    Caller,
    Cuts,
    _Question,
    cut,
    path_answer,
    plan,
    request_key,
)
from policyreason.analysis.evaluate import Decision, evaluate
from policyreason.analysis.findings import Status as FindingStatus
from policyreason.analysis.questions import resources_are
from policyreason.analysis.real_request import is_real
from policyreason.checks import CheckContext, run_checks
from policyreason.data.escalation import catalogue
from policyreason.gate import evaluate as run_gate
from policyreason.inputs import load_file
from policyreason.ir.answer import Answer, Status
from policyreason.ir.policy import PolicyKind, PolicySet, PrincipalType
from policyreason.ir.request import Request
from policyreason.run.options import RunOptions
from policyreason.smt.limits import DEFAULT_RLIMIT
from tests.strategies import requests, to_policy

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "corpora" / "pathfinding-cloud"
PATHS = {p.id: p for p in catalogue()}
ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def allow(
    actions: str | list[str], resource: str | list[str] = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def deny(actions: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resource, **extra}


def policies(*statements: dict[str, Any]) -> PolicySet:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return PolicySet(identity=(to_policy(doc),))


def ask(ps: PolicySet, path_id: str, caller: Caller = ANY_CALLER) -> Answer[Request] | None:
    return path_answer(ps, PATHS[path_id], caller)


def witnessed(ps: PolicySet, path_id: str, caller: Caller = ANY_CALLER) -> Answer[Request]:
    answer = ask(ps, path_id, caller)
    assert answer is not None and answer.status is Status.WITNESSED, answer
    for req in answer.witnesses:
        assert is_real(req), req
        assert evaluate(ps, req).decision is Decision.ALLOWED, req
    return answer


def proven(ps: PolicySet, path_id: str, caller: Caller = ANY_CALLER) -> None:
    """The question was asked (every action has some Allow) and the solver proved it."""
    answer = ask(ps, path_id, caller)
    assert answer is not None and answer.status is Status.PROVEN, answer


def context(req: Request, key: str) -> tuple[str, ...]:
    return next((v for k, v in req.context.items() if k.lower() == key.lower()), ())


LAMBDA = ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]


# -- the joint rule ------------------------------------------------------------------------------


def test_passrole_for_ec2_is_no_lambda_path() -> None:
    to_ec2 = {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    tempting = policies(
        allow("iam:PassRole", Condition=to_ec2),
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
    )
    # Each action alone is allowed (the old per-action probe reported the path), but no role
    # reaches Lambda: no Allow lets iam:PassRole carry it, which needs no question ...
    assert ask(tempting, "lambda-001") is None
    # ... and which the solver proves.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "_pinned_out", lambda stmt, pins: False)
        proven(tempting, "lambda-001")
    to_lambda = {"StringLike": {"iam:PassedToService": "lambda.*"}}
    found = witnessed(
        policies(allow("iam:PassRole", Condition=to_lambda), allow(LAMBDA[1:])), "lambda-001"
    )
    passrole = found.witnesses[0]
    assert context(passrole, "iam:PassedToService") == ("lambda.amazonaws.com",)
    assert found.assumptions == PATHS["lambda-001"].requires


@pytest.mark.slow
def test_the_function_invoked_is_the_function_created() -> None:
    fn = f"arn:aws:lambda:*:{ACCOUNT}:function"
    tempting = policies(
        allow("iam:PassRole"),
        allow("lambda:CreateFunction", f"{fn}:dev-*"),
        allow("lambda:InvokeFunction", f"{fn}:prod-*"),
    )
    proven(tempting, "lambda-001")
    same = policies(
        allow("iam:PassRole"),
        allow("lambda:CreateFunction", f"{fn}:dev-*"),
        allow("lambda:InvokeFunction", f"{fn}:dev-*"),
    )
    _passrole, create, invoke = witnessed(same, "lambda-001").witnesses
    assert create.resource == invoke.resource and ":function:dev-" in create.resource


def test_one_caller_makes_every_request() -> None:
    def team(name: str) -> dict[str, Any]:
        return {"StringEquals": {"aws:PrincipalTag/team": name}}

    tempting = policies(
        allow("iam:PassRole", Condition=team("ml")),
        allow(LAMBDA[1:], Condition=team("web")),
    )
    proven(tempting, "lambda-001")
    found = witnessed(
        policies(
            allow("iam:PassRole", Condition=team("ml")), allow(LAMBDA[1:], Condition=team("ml"))
        ),
        "lambda-001",
    )
    assert {context(r, "aws:PrincipalTag/team") for r in found.witnesses} == {("ml",)}
    assert len({(r.principal, r.principal_arn) for r in found.witnesses}) == 1
    # A user name tested in two statements: one user cannot be both.
    by_name = policies(
        allow("iam:PassRole", Condition={"StringEquals": {"aws:username": "alice"}}),
        allow(LAMBDA[1:], Condition={"StringEquals": {"aws:username": "bob"}}),
    )
    proven(by_name, "lambda-001")


def test_a_set_valued_principal_key_is_one_set_across_requests() -> None:
    # One request needs an org path under o-a, the other every org path under o-b: each alone
    # is possible, together they are not (the two requests declare the key with different
    # numbers of slots).
    any_a = {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a/*"}}
    all_b = {
        "ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "o-b/*"},
        "Null": {"aws:PrincipalOrgPaths": "false"},
    }
    proven(
        policies(allow("iam:PassRole", Condition=any_a), allow(LAMBDA[1:], Condition=all_b)),
        "lambda-001",
    )
    found = witnessed(
        policies(allow("iam:PassRole", Condition=any_a), allow(LAMBDA[1:], Condition=any_a)),
        "lambda-001",
    )
    assert len({context(r, "aws:PrincipalOrgPaths") for r in found.witnesses}) == 1


def test_self_modification_acts_on_the_callers_own_role() -> None:
    found = witnessed(policies(allow("iam:PutRolePolicy", "arn:aws:iam::*:role/app-*")), "iam-005")
    (req,) = found.witnesses
    assert found.assumptions == ()
    assert req.principal is not None and ":assumed-role/app-" in req.principal
    assert req.resource == req.principal_arn
    # The caller may change other roles, not its own: no self-escalation, but changing another
    # role and assuming it stays possible (if its trust policy allows).
    managed = "arn:aws:iam::*:role/managed-*"
    not_own = policies(
        allow(
            "iam:PutRolePolicy",
            managed,
            Condition={"ArnNotLike": {"aws:PrincipalArn": managed}},
        ),
        allow("sts:AssumeRole"),
    )
    proven(not_own, "iam-005")
    other = witnessed(not_own, "iam-017")
    put, assume = other.witnesses
    assert put.resource == assume.resource != put.principal_arn
    assert other.assumptions == PATHS["iam-017"].requires


@pytest.mark.slow
def test_self_service_on_ones_own_user_is_not_access_to_another() -> None:
    own = "arn:aws:iam::*:user/${aws:username}"
    self_service = policies(
        allow(["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"], own)
    )
    for path_id in ("iam-002", "iam-004", "iam-006"):
        proven(self_service, path_id)
    (req,) = witnessed(policies(allow("iam:PutUserPolicy", own)), "iam-007").witnesses
    assert req.resource == req.principal and ":user/" in req.resource


def test_paths_for_users_are_asked_for_users() -> None:
    roles_only = {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}
    proven(policies(allow("iam:PutUserPolicy", Condition=roles_only)), "iam-007")
    (req,) = witnessed(policies(allow("iam:PutRolePolicy")), "iam-005").witnesses
    assert req.principal is not None and ":assumed-role/" in req.principal


def test_attaching_administrator_needs_nothing_else_another_policy_is_assumed() -> None:
    found = witnessed(policies(allow("iam:AttachUserPolicy")), "iam-008")
    assert found.assumptions == ()
    assert context(found.witnesses[0], "iam:PolicyARN") == (ADMIN,)
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    limited = policies(
        allow("iam:AttachUserPolicy", Condition={"ArnEquals": {"iam:PolicyARN": readonly}})
    )
    found = witnessed(limited, "iam-008")
    assert context(found.witnesses[0], "iam:PolicyARN") == (readonly,)
    (assumed,) = found.assumptions
    assert "managed policy the caller may attach" in assumed


def test_a_caller_held_to_a_principal_arn_pattern_is_that_caller_with_readable_values() -> None:
    """The role a self-modification's Allow holds aws:PrincipalArn to is the caller of the
    witness (not a solver's `000000000000` and session `A`), and a StringLike `*` on a tag
    gets a value, not the `*` no tag may carry (the shape of AWS's QuickSetup boundaries)."""
    condition = {
        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Automation-*"},
        "StringLike": {"aws:PrincipalTag/team": "*"},
        "ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
    }
    ps = policies(allow("iam:AttachRolePolicy", "arn:aws:iam::*:role/*", Condition=condition))
    (req,) = witnessed(ps, "iam-009").witnesses
    assert req.principal_arn == "arn:aws:iam::111122223333:role/Automation-example"
    assert context(req, "aws:PrincipalTag/team") == ("example",)
    assert context(req, "aws:PrincipalArn") == ()  # derived from the caller, never sent


def test_group_paths_assume_membership_for_a_lone_policy() -> None:
    found = witnessed(policies(allow("iam:PutGroupPolicy")), "iam-011")
    assert found.assumptions == (IN_GROUP,)
    found = witnessed(policies(allow("iam:CreatePolicyVersion")), "iam-001")
    assert found.assumptions == (POLICY_ATTACHED,)


def test_ec2_authorizes_every_resource_an_instance_uses() -> None:
    to_ec2 = {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    instances_only = policies(
        allow("iam:PassRole", Condition=to_ec2),
        allow("ec2:RunInstances", "arn:aws:ec2:*:*:instance/*"),
    )
    # No statement can allow RunInstances on the image: decided before any question.
    assert ask(instances_only, "ec2-001") is None
    found = witnessed(
        policies(allow("iam:PassRole", Condition=to_ec2), allow("ec2:RunInstances")), "ec2-001"
    )
    kinds = [r.resource.split(":", 5)[5].split("/")[0] for r in found.witnesses[1:]]
    assert kinds == ["instance", "image", "network-interface", "security-group", "subnet"]


@pytest.mark.slow
def test_keys_that_name_another_steps_resource() -> None:
    dev = f"arn:aws:lambda:*:{ACCOUNT}:function:dev-*"
    prod = f"arn:aws:lambda:*:{ACCOUNT}:function:prod-*"
    tempting = policies(
        allow(["iam:PassRole", "lambda:CreateFunction"], ["*"]),
        deny("lambda:CreateFunction", prod),
        allow(
            "lambda:CreateEventSourceMapping",
            Condition={"ArnLike": {"lambda:FunctionArn": prod}},
        ),
    )
    proven(tempting, "lambda-002")
    fine = policies(
        allow(["iam:PassRole", "lambda:CreateFunction"]),
        allow(
            "lambda:CreateEventSourceMapping", Condition={"ArnLike": {"lambda:FunctionArn": dev}}
        ),
    )
    _passrole, create, mapping = witnessed(fine, "lambda-002").witnesses
    assert context(mapping, "lambda:FunctionArn") == (create.resource,)
    # The stack runs as the role passed: a CreateStack limited to other roles is no path.
    cfn = policies(
        allow("iam:PassRole", "arn:aws:iam::*:role/cfn-*"),
        allow(
            "cloudformation:CreateStack",
            Condition={"ArnLike": {"cloudformation:RoleArn": "arn:aws:iam::*:role/other-*"}},
        ),
    )
    proven(cfn, "cloudformation-001")


# -- the catalogue -------------------------------------------------------------------------------


# Wildcards that name a service in plain text, those that name none (`*:PassRole`), and one
# with a policy variable (never taken to name an action under NotAction).
_CUT_ACTIONS = [
    "iam:PassRole",
    "iam:Pass*",
    "iam:*ole",
    "*",
    "lambda:Create*",
    "s3:GetObject",
    "*:PassRole",
    "ia?:Create*",
    "iam*:PassRole",
    "IAM:Create*",
    "iam:Pass${aws:PrincipalTag/action}",
]
_ASKED = ["iam:PassRole", "lambda:CreateFunction", "iam:CreateRole", "s3:GetObject"]


@st.composite
def _cut_documents(draw: st.DrawFn) -> dict[str, Any]:
    statements = [
        {
            "Effect": draw(st.sampled_from(["Allow", "Deny"])),
            draw(st.sampled_from(["Action", "Action", "NotAction"])): draw(
                st.lists(st.sampled_from(_CUT_ACTIONS), min_size=1, max_size=2)
            ),
            "Resource": "*",
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    return {"Version": "2012-10-17", "Statement": statements}


@given(
    st.lists(_cut_documents(), min_size=1, max_size=2),
    st.none() | _cut_documents(),
    st.lists(_cut_documents(), max_size=2),
    st.lists(st.sampled_from([*_ASKED, "IAM:passrole", "ec2:RunInstances"]), min_size=1),
)
def test_the_quick_allow_test_agrees_with_the_cut(
    identity: list[dict[str, Any]],
    boundary: dict[str, Any] | None,
    session: list[dict[str, Any]],
    actions: list[str],
) -> None:
    """A path is dropped before any cut when no Allow names one of its actions; that happens
    exactly when the cut finds nothing for the action, whether Cuts decided it with the
    catalogue's actions (the first action asked) or on its own (an action no path takes)."""
    policies = PolicySet(
        identity=tuple(to_policy(d) for d in identity),
        boundary=None if boundary is None else to_policy(boundary, PolicyKind.BOUNDARY),
        session=tuple(to_policy(d, PolicyKind.SESSION) for d in session),
    )
    cuts = Cuts(policies)
    for action in actions:
        assert cuts.may_allow(action) is (cut(policies, action) is not None), action


@given(
    st.lists(_cut_documents(), min_size=1, max_size=2),
    st.none() | _cut_documents(),
    st.lists(_cut_documents(), max_size=2),
    st.sampled_from(_ASKED),
)
def test_the_cut_decides_a_request_as_the_whole_policies_do(
    identity: list[dict[str, Any]],
    boundary: dict[str, Any] | None,
    session: list[dict[str, Any]],
    action: str,
) -> None:
    """Guesses and polish judge candidates over the statements that can apply to the action;
    that must be the evaluator's decision over every statement."""
    policies = PolicySet(
        identity=tuple(to_policy(d) for d in identity),
        boundary=None if boundary is None else to_policy(boundary, PolicyKind.BOUNDARY),
        session=tuple(to_policy(d, PolicyKind.SESSION) for d in session),
    )
    req = Request(
        action=action,
        resource="*",
        principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s",
        principal_type=PrincipalType.AWS,
        principal_account=ACCOUNT,
        principal_arn=f"arn:aws:iam::{ACCOUNT}:role/r",
    )
    whole = evaluate(policies, req).decision is Decision.ALLOWED
    narrowed = cut(policies, action)
    assert whole is (narrowed is not None and evaluate(narrowed, req).decision is Decision.ALLOWED)


@given(requests(), requests(), st.sampled_from(["resource", "context", "bindings", "copy", None]))
def test_a_request_is_judged_once_under_a_key_only_it_has(
    first: Request, second: Request, change: str | None
) -> None:
    """Cuts remember whether each request is real and allowed under its `request_key`: two
    requests share a key exactly when they are equal."""
    if change == "resource":
        second = first.model_copy(update={"resource": first.resource + "x"})
    elif change == "context":
        second = first.model_copy(update={"context": {**first.context, "aws:SourceIp": ("1",)}})
    elif change == "bindings":
        second = first.model_copy(update={"bindings": {"t": "v"}})
    elif change == "copy":
        second = first.model_copy(update={"context": dict(first.context)})
    assert (request_key(first) == request_key(second)) is (first == second)


def test_catalogue_is_the_65_published_paths_with_attribution() -> None:
    assert len(PATHS) == 65
    data = resources.files("policyreason.data")
    assert "Apache License" in data.joinpath("LICENSE-pathfinding-cloud.txt").read_text()
    assert "Datadog" in data.joinpath("NOTICE-pathfinding-cloud.txt").read_text()
    assert json.loads(data.joinpath("escalation_paths.json").read_text())["source"].startswith(
        "DataDog/pathfinding.cloud"
    )


@pytest.mark.skipif(not SOURCE.is_dir(), reason="needs ../shared/corpora/pathfinding-cloud")
def test_shipped_catalogue_is_what_the_script_generates() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_escalation_data", ROOT / "scripts" / "gen_escalation_data.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # dataclasses look their module up while it loads
    spec.loader.exec_module(script)
    shipped = json.loads(
        resources.files("policyreason.data").joinpath("escalation_paths.json").read_text()
    )
    assert script.build(SOURCE) == shipped
    ids = {p.stem for p in (SOURCE / "paths").glob("*/*.yaml")}
    assert ids == set(PATHS)


def test_the_docs_list_every_path_with_what_it_assumes() -> None:
    text = (ROOT / "docs" / "escalation.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    for path in PATHS.values():
        assert path.id in rows, path.id
        assert all(r in rows[path.id] for r in path.requires), path.id


@pytest.mark.parametrize("path_id", sorted(PATHS))
def test_every_path_is_found_from_its_required_permissions(path_id: str) -> None:
    path = PATHS[path_id]
    ps = policies(allow(list(path.actions)))
    found = witnessed(ps, path_id)
    planned = plan(path)
    assert [r.action for r in found.witnesses] == [p.action for p in planned]
    extra = [a for a in found.assumptions if a not in path.requires]
    assert set(found.assumptions) >= set(path.requires)
    assert set(extra) <= {IN_GROUP, POLICY_ATTACHED}


@pytest.mark.parametrize("path_id", sorted(PATHS))
def test_every_permission_of_a_path_is_needed(path_id: str) -> None:
    path = PATHS[path_id]
    for missing in path.actions:
        rest = [a for a in path.actions if a != missing]
        ps = policies(allow(rest)) if rest else policies(allow("s3:GetObject"))
        answer = ask(ps, path_id)
        assert answer is None or answer.status is Status.PROVEN, (path_id, missing)


# -- one finding per policy or per principal -----------------------------------------------------


def test_one_finding_for_a_broad_policy_no_flood() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [allow("*"), deny(["iam:CreateUser", "organizations:*", "account:*"])],
    }
    found = [f for f in run_checks(to_policy(doc), enabled=["PR604"], context=CheckContext())]
    (finding,) = found
    assert finding.status is FindingStatus.WITNESSED
    assert len(finding.details["paths"]) > 20
    assert "iam-007" in finding.details["paths"] and "lambda-001" in finding.details["paths"]
    # The paths the policies decide alone come first in the message.
    assert finding.message.startswith("privilege escalation: ")
    assert "from its policies alone" in finding.message.split(";")[0]
    requests = finding.details["paths"]["lambda-001"]["requests"]
    assert [r["action"] for r in requests.values()] == LAMBDA


def test_administrator_is_asked_once_for_pr603_and_pr604(monkeypatch: pytest.MonkeyPatch) -> None:
    """PR604 leaves an administrator policy to PR603, which has just asked the same."""
    import policyreason.analysis.privilege as privilege

    asked: list[object] = []
    original = privilege._full_admin

    def counted(policy: Any, rlimit: int | None) -> Any:
        asked.append(policy)
        return original(policy, rlimit)

    monkeypatch.setattr(privilege, "_full_admin", counted)
    admin = to_policy({"Version": "2012-10-17", "Statement": [allow("*")]})
    found = list(run_checks(admin, enabled=["PR603", "PR604"], context=CheckContext()))
    assert [f.rule_id for f in found] == ["PR603"]
    assert asked == [admin]


def _export(tmp_path: Path, **lists: Any) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(lists, indent=2))
    return path


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _user(name: str, inline: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "UserName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "UserPolicyList": [
            {"PolicyName": f"{name}-{i}", "PolicyDocument": d} for i, d in enumerate(inline or [])
        ],
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "Tags": [],
        **fields,
    }


def _escalations(path: Path) -> dict[str, Any]:
    report = run_gate([load_file(path)], RunOptions())
    out: dict[str, Any] = {}
    for item in report.findings:
        if item.finding.rule_id == "PR604":
            assert item.document not in out, "one finding per principal"
            out[item.document] = item.finding
    return out


def test_a_path_split_across_a_user_policy_and_a_group_policy(tmp_path: Path) -> None:
    to_lambda = {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    passrole = _doc(
        allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-*", Condition=to_lambda)
    )
    no_invoke = _doc(allow(["iam:PassRole", "lambda:CreateFunction"]))
    export = _export(
        tmp_path,
        UserDetailList=[
            _user("dev", [passrole], GroupList=["builders"]),
            _user("solo", [passrole]),
            _user(
                "boxed",
                [passrole],
                GroupList=["builders"],
                PermissionsBoundary={
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/no-invoke",
                },
            ),
        ],
        GroupDetailList=[
            {
                "GroupName": "builders",
                "Arn": f"arn:aws:iam::{ACCOUNT}:group/builders",
                "GroupPolicyList": [
                    {
                        "PolicyName": "functions",
                        "PolicyDocument": _doc(
                            allow(["lambda:CreateFunction", "lambda:InvokeFunction"])
                        ),
                    }
                ],
                "AttachedManagedPolicies": [],
            }
        ],
        Policies=[
            {
                "PolicyName": "no-invoke",
                "Arn": f"arn:aws:iam::{ACCOUNT}:policy/no-invoke",
                "DefaultVersionId": "v1",
                "PolicyVersionList": [
                    {"Document": no_invoke, "VersionId": "v1", "IsDefaultVersion": True}
                ],
            }
        ],
    )
    found = _escalations(export)
    assert set(found) == {"user/dev"}
    dev = found["user/dev"]
    assert set(dev.details["paths"]) == {"lambda-001"}
    requests = list(dev.details["paths"]["lambda-001"]["requests"].values())
    assert {r["principal"] for r in requests} == {f"arn:aws:iam::{ACCOUNT}:user/dev"}
    assert requests[0]["resource"].startswith(f"arn:aws:iam::{ACCOUNT}:role/app-")
    # The finding sits on the user's entry in the export.
    assert dev.span.file.endswith("export.json") and dev.span.line > 1


def test_export_principals_decide_groups_policies_tags_and_accounts(tmp_path: Path) -> None:
    group_arn = f"arn:aws:iam::{ACCOUNT}:group/ops"
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/ops-managed"
    admin_tag = {"StringEquals": {"aws:PrincipalTag/level": "admin"}}
    export = _export(
        tmp_path,
        UserDetailList=[
            _user("member", GroupList=["ops"]),
            _user("outsider", [_doc(allow("iam:AttachGroupPolicy", group_arn))]),
            _user(
                "tagged",
                [_doc(allow("iam:PutUserPolicy", Condition=admin_tag))],
                Tags=[{"Key": "level", "Value": "admin"}],
            ),
            _user(
                "untagged",
                [_doc(allow("iam:PutUserPolicy", Condition=admin_tag))],
                Tags=[{"Key": "level", "Value": "dev"}],
            ),
            _user(
                "elsewhere",
                [
                    _doc(
                        allow(LAMBDA[1:]), allow("iam:PassRole", "arn:aws:iam::444455556666:role/*")
                    )
                ],
            ),
        ],
        GroupDetailList=[
            {
                "GroupName": "ops",
                "Arn": group_arn,
                "GroupPolicyList": [
                    {
                        "PolicyName": "g",
                        "PolicyDocument": _doc(allow("iam:AttachGroupPolicy", group_arn)),
                    }
                ],
                "AttachedManagedPolicies": [{"PolicyName": "ops-managed", "PolicyArn": policy_arn}],
            }
        ],
        Policies=[
            {
                "PolicyName": "ops-managed",
                "Arn": policy_arn,
                "DefaultVersionId": "v1",
                "PolicyVersionList": [
                    {
                        "Document": _doc(allow("iam:CreatePolicyVersion", policy_arn)),
                        "VersionId": "v1",
                        "IsDefaultVersion": True,
                    }
                ],
            }
        ],
    )
    found = _escalations(export)
    member = found["user/member"].details["paths"]
    # A group the user is in, a policy attached to it through that group: decided, no "if".
    assert member["iam-010"]["assuming"] == [] and member["iam-001"]["assuming"] == []
    assert member["iam-010"]["requests"]["1"]["resource"] == group_arn
    assert member["iam-001"]["requests"]["1"]["resource"] == policy_arn
    # The same permission on a group the user is not in is no self-escalation.
    assert "user/outsider" not in found
    # Tags are the user's own.
    assert "iam-007" in found["user/tagged"].details["paths"]
    assert "user/untagged" not in found
    # Roles of another account cannot be passed by a user of this one.
    assert "user/elsewhere" not in found


def test_a_principal_whose_boundary_is_missing_is_undecided(tmp_path: Path) -> None:
    export = _export(
        tmp_path,
        UserDetailList=[
            _user(
                "bounded",
                [_doc(allow("iam:PutUserPolicy"))],
                PermissionsBoundary={
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/absent",
                },
            )
        ],
    )
    finding = _escalations(export)["user/bounded"]
    assert finding.status is FindingStatus.UNKNOWN
    assert "policy/absent is not in the export" in finding.message


def test_export_checks_principals_not_each_policy_for_escalation() -> None:
    export = ROOT / "examples" / "authorization-details" / "account-123456789012.json"
    report = run_gate([load_file(export)], RunOptions())
    documents = {i.document for i in report.findings if i.finding.rule_id == "PR604"}
    assert documents <= {"user/alice", "user/ci-bot", "role/web-instance", "role/partner-audit"}
    # ci-bot's NotAction iam:* leaves it no iam:PassRole: only paths on existing resources.
    ci = next(
        i.finding
        for i in report.findings
        if i.document == "user/ci-bot" and i.finding.rule_id == "PR604"
    )
    assert ci.details["paths"] and all(
        not any(r["action"] == "iam:PassRole" for r in p["requests"].values())
        for p in ci.details["paths"].values()
    )


# -- proofs against concrete witness sets ---------------------------------------------------------

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUNCTIONS = [
    f"arn:aws:lambda:*:{ACCOUNT}:function:dev-*",
    f"arn:aws:lambda:*:{ACCOUNT}:function:prod-*",
    "*",
]
ROLES = [f"arn:aws:iam::{ACCOUNT}:role/app-*", f"arn:aws:iam::{ACCOUNT}:role/ExampleRole", "*"]
CONDITIONS: list[dict[str, Any]] = [
    {},
    {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
    {"StringEquals": {"aws:PrincipalTag/team": "web"}},
    {"StringEquals": {"aws:PrincipalType": "User"}},
    {"StringLike": {"iam:PassedToService": "lambda.*"}},
    {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
]


@st.composite
def lambda_policies(draw: st.DrawFn) -> PolicySet:
    statements = []
    for _ in range(draw(st.integers(1, 4))):
        actions = draw(st.lists(st.sampled_from(LAMBDA), min_size=1, max_size=3, unique=True))
        pool = ROLES if actions == ["iam:PassRole"] else FUNCTIONS
        resource = draw(st.sampled_from(pool))
        effect = draw(st.sampled_from(["Allow", "Allow", "Deny"]))
        stmt = {"Effect": effect, "Action": actions, "Resource": resource}
        condition = draw(st.sampled_from(CONDITIONS))
        if condition:
            stmt["Condition"] = condition
        statements.append(stmt)
    return policies(*statements)


def _concrete_sets() -> list[list[Request]]:
    """Witness candidates for lambda-001 over the vocabulary of `lambda_policies`."""
    out: list[list[Request]] = []
    callers = [
        (f"arn:aws:iam::{ACCOUNT}:user/ExampleUser", None),
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/ExampleRole/s",
            f"arn:aws:iam::{ACCOUNT}:role/ExampleRole",
        ),
    ]
    for principal, principal_arn in callers:
        for team in (None, "ml", "web"):
            for role in (
                f"arn:aws:iam::{ACCOUNT}:role/app-x",
                f"arn:aws:iam::{ACCOUNT}:role/other",
            ):
                for fn in ("dev-x", "prod-x", "x"):
                    base = {
                        "principal": principal,
                        "principal_arn": principal_arn,
                        "principal_type": "AWS",
                        "principal_account": ACCOUNT,
                        "resource_account": ACCOUNT,
                    }
                    ctx: dict[str, tuple[str, ...]] = {
                        "aws:CurrentTime": ("2026-01-01T00:00:00Z",),
                        "aws:EpochTime": ("1767225600",),
                        "aws:SecureTransport": ("true",),
                    }
                    if team:
                        ctx["aws:PrincipalTag/team"] = (team,)
                    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{fn}"
                    out.append(
                        [
                            Request(
                                action="iam:PassRole",
                                resource=role,
                                context={**ctx, "iam:PassedToService": ("lambda.amazonaws.com",)},
                                **base,
                            ),
                            Request(
                                action="lambda:CreateFunction",
                                resource=function,
                                context=ctx,
                                **base,
                            ),
                            Request(
                                action="lambda:InvokeFunction",
                                resource=function,
                                context=ctx,
                                **base,
                            ),
                        ]
                    )
    return out


CONCRETE = _concrete_sets()


@pytest.mark.slow
@PROPERTY
@given(ps=lambda_policies())
def test_a_proof_leaves_no_concrete_witness_set(ps: PolicySet) -> None:
    answer = ask(ps, "lambda-001")
    question = _Question(ps, PATHS["lambda-001"], ANY_CALLER, relaxed=False)
    passing = [c for c in CONCRETE if all(is_real(r) for r in c) and not question.check(c)]
    if answer is None or answer.status is Status.PROVEN:
        assert passing == [], passing[0]
    else:
        assert answer.status is Status.WITNESSED
        assert not question.check(list(answer.witnesses))


@pytest.mark.slow
@PROPERTY
@given(
    ps=lambda_policies(),
    order=st.permutations([f"lambda-00{i}" for i in range(1, 7)]),
)
def test_paths_of_one_policy_answer_as_each_path_asked_alone(
    ps: PolicySet, order: list[str]
) -> None:
    """The paths of one policy share Cuts: the requests judged, the ARNs that the statements
    for a request's action name, the whole check of what is shown. Each path's answer, in any
    order, is the one it gets with Cuts of its own."""
    cuts = Cuts(ps)
    for path_id in order:
        shared = path_answer(ps, PATHS[path_id], ANY_CALLER, cuts=cuts)
        alone = path_answer(ps, PATHS[path_id], ANY_CALLER)
        if shared is None or alone is None:
            assert shared is alone, path_id
            continue
        assert (shared.status, shared.witnesses, shared.assumptions, shared.reason) == (
            alone.status,
            alone.witnesses,
            alone.assumptions,
            alone.reason,
        ), path_id


# Most drawn policies ask nothing (an action no Allow names): more examples than PROPERTY.
@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ps=lambda_policies(), path_id=st.sampled_from(["lambda-001", "lambda-002", "lambda-006"]))
def test_a_proof_over_every_resource_leaves_no_witness_with_the_resources_fixed(
    ps: PolicySet, path_id: str
) -> None:
    """The solver is asked over every resource first and, only when that is not proven, with
    the resources fixed to the ones the policies name, whose witness is then shown. Asking the
    narrowed question first gives the same answer because a proof over every resource leaves
    the narrowed question no witness."""
    question = _Question(ps, PATHS[path_id], ANY_CALLER, relaxed=False)
    if not question.possible:
        return
    assert question.parts is not None
    narrowed = question.question.and_(resources_are(question.fixed_resources()))
    whole = Joint(question.parts).find(question.question, question.complete, DEFAULT_RLIMIT)
    fixed = Joint(question.parts).find(narrowed, question.complete, DEFAULT_RLIMIT // 4)
    if whole.status is Status.PROVEN:
        assert fixed.status is not Status.WITNESSED, fixed
    if fixed.status is Status.WITNESSED:
        assert whole.status is not Status.PROVEN, whole


PASSED_TO: list[dict[str, Any]] = [
    {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "glue.amazonaws.com"]}},
    {"StringEquals": {"iam:PassedToService": "LAMBDA.amazonaws.com"}},
    {"StringEqualsIgnoreCase": {"iam:PassedToService": "LAMBDA.amazonaws.com"}},
    {"StringLike": {"iam:PassedToService": ["lambda.*", "elasticmapreduce.*"]}},
    {"StringLike": {"iam:PassedToService": "*.amazonaws.com.cn"}},
    {"StringNotEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    {"StringNotLike": {"iam:PassedToService": "ec2.*"}},
    {"StringEqualsIfExists": {"iam:PassedToService": "datapipeline.amazonaws.com"}},
    {"ForAnyValue:StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    {"ForAllValues:StringLike": {"iam:PassedToService": "ec2.*"}},
    {"Null": {"iam:PassedToService": "true"}},
    {
        "StringEquals": {
            "iam:PassedToService": "ec2.amazonaws.com",
            "aws:PrincipalTag/team": "ml",
        }
    },
]


@st.composite
def passed_to_policies(draw: st.DrawFn) -> PolicySet:
    statements = [allow(["lambda:*", "datapipeline:*"], "*")]
    for _ in range(draw(st.integers(1, 3))):
        make = draw(st.sampled_from([allow, allow, deny]))
        condition = draw(st.sampled_from(PASSED_TO))
        role = draw(st.sampled_from(["arn:aws:iam::*:role/app-*", "*"]))
        statements.append(make("iam:PassRole", role, Condition=condition))
    return policies(*statements)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ps=passed_to_policies(), path_id=st.sampled_from(["lambda-001", "datapipeline-001"]))
def test_a_path_the_pinned_service_rules_out_is_one_the_solver_proves(
    ps: PolicySet, path_id: str
) -> None:
    """A path whose iam:PassRole no Allow lets carry the service it passes the role to
    (`_pinned_out`) ends before its guesses and the solver: that is when asking them proves
    it (or needs no question); any other path gets the answer it would without the cut."""
    quick = ask(ps, path_id)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "_pinned_out", lambda stmt, pins: False)
        slow = ask(ps, path_id)
    if quick is None:
        assert slow is None or slow.status is Status.PROVEN, slow
        return
    assert slow is not None
    assert (quick.status, quick.witnesses, quick.assumptions, quick.reason) == (
        slow.status,
        slow.witnesses,
        slow.assumptions,
        slow.reason,
    )


ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
ATTACHED: list[dict[str, Any]] = [
    {"ArnEquals": {"iam:PolicyARN": ADMIN_POLICY}},
    {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
    {"ArnLike": {"iam:PolicyARN": "arn:aws:iam::*:policy/Admin*"}},
    {"ArnLike": {"iam:PolicyARN": "arn:aws:iam::*:policy/service-role/*"}},
    {"ArnNotEquals": {"iam:PolicyARN": ADMIN_POLICY}},
    {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/administratoraccess"}},
    {"StringLike": {"iam:PolicyArn": "arn:aws:iam::aws:policy/Admin*"}},
    {"StringEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/Other"}},
    {"ArnEqualsIfExists": {"iam:PolicyARN": "arn:aws:iam::aws:policy/Other"}},
    {"ArnLike": {"iam:PolicyARN": "*"}},
    {"ArnLike": {"iam:PolicyARN": "arn:aws:iam::aws:*"}},
]


@st.composite
def attach_policies(draw: st.DrawFn) -> PolicySet:
    statements = [allow(["sts:AssumeRole", "iam:CreateAccessKey"])]
    for _ in range(draw(st.integers(1, 3))):
        make = draw(st.sampled_from([allow, allow, deny]))
        actions = draw(st.sampled_from(["iam:AttachRolePolicy", "iam:Attach*"]))
        condition = draw(st.sampled_from(ATTACHED))
        statements.append(make(actions, "*", Condition=condition))
    return policies(*statements)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ps=attach_policies(), path_id=st.sampled_from(["iam-009", "iam-014", "iam-015"]))
def test_a_path_whose_dropped_pin_no_allow_meets_is_asked_without_it(
    ps: PolicySet, path_id: str
) -> None:
    """An attach path whose policy no Allow lets be AdministratorAccess skips the question
    with that pin, which the solver would prove, for the one without it: the answer is the
    one asking both gives."""
    quick = ask(ps, path_id)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "_pinned_out", lambda stmt, pins: False)
        slow = ask(ps, path_id)
    assert (quick is None) is (slow is None)
    if quick is not None and slow is not None:
        assert (quick.status, quick.witnesses, quick.assumptions, quick.reason) == (
            slow.status,
            slow.witnesses,
            slow.assumptions,
            slow.reason,
        )


def test_a_pinned_service_compared_with_a_policy_variable_is_left_to_the_solver() -> None:
    """Which service `${aws:PrincipalTag/service}` names is the caller's: no cut, a question
    (the solver finds the caller with the tag)."""
    ps = policies(
        allow(["lambda:*"]),
        allow(
            "iam:PassRole",
            Condition={"StringEquals": {"iam:PassedToService": "${aws:PrincipalTag/service}"}},
        ),
    )
    found = witnessed(ps, "lambda-001")
    assert context(found.witnesses[0], "aws:PrincipalTag/service") == ("lambda.amazonaws.com",)


def test_a_readable_value_is_kept_as_it_is() -> None:
    """A region already `us-east-1` is not offered as `us-east-1example`."""
    from policyreason.analysis.escalation.paths import _readable

    req = Request(
        action="lambda:InvokeFunction",
        resource=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f",
    )
    candidates = list(_readable(req))
    assert candidates and not any("us-east-1example" in c for c in candidates)
