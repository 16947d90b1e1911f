"""Questions about what an identity policy lets its principal become: full administrator, or
administrator through a known privilege-escalation path.

Both are semantic: "equivalent to AdministratorAccess" is a proof that no request is denied,
and a path is reported only when the solver finds, for every action the path needs, a request
the policy allows on a resource it does not name (a probe ARN built from the action's ARN
format in the service reference) — each re-checked by the concrete evaluator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from policyreason.analysis.evaluate import allows, glob_match
from policyreason.analysis.real_request import is_real
from policyreason.analysis.search import Searcher
from policyreason.analysis.witness import guessed_request
from policyreason.data import reference
from policyreason.ir.answer import Answer, Status
from policyreason.ir.pattern import MATCH_ALL, ascii_lower, literal
from policyreason.ir.policy import Effect, Policy
from policyreason.ir.request import Request
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.factory import Term
from policyreason.smt.session import DEFAULT_RLIMIT

PROBE_ACCOUNT = "999999999999"
PROBE_NAME = "policyreason-probe"


@dataclass(frozen=True)
class EscalationPath:
    """A known way to gain more permissions: every action of `actions` is needed."""

    name: str
    actions: tuple[str, ...]
    how: str


# Published privilege-escalation methods for IAM principals (Rhino Security Labs' list and
# its successors), each as the set of actions it needs.
ESCALATION_PATHS: tuple[EscalationPath, ...] = (
    EscalationPath(
        "create-policy-version", ("iam:CreatePolicyVersion",), "rewrite a managed policy"
    ),
    EscalationPath(
        "set-default-policy-version",
        ("iam:SetDefaultPolicyVersion",),
        "switch a managed policy to a more permissive version",
    ),
    EscalationPath("attach-user-policy", ("iam:AttachUserPolicy",), "attach any policy to a user"),
    EscalationPath(
        "attach-group-policy", ("iam:AttachGroupPolicy",), "attach any policy to a group"
    ),
    EscalationPath(
        "attach-role-policy",
        ("iam:AttachRolePolicy", "sts:AssumeRole"),
        "attach any policy to a role, then assume it",
    ),
    EscalationPath("put-user-policy", ("iam:PutUserPolicy",), "write an inline user policy"),
    EscalationPath("put-group-policy", ("iam:PutGroupPolicy",), "write an inline group policy"),
    EscalationPath(
        "put-role-policy",
        ("iam:PutRolePolicy", "sts:AssumeRole"),
        "write an inline role policy, then assume the role",
    ),
    EscalationPath("add-user-to-group", ("iam:AddUserToGroup",), "join a privileged group"),
    EscalationPath(
        "update-assume-role-policy",
        ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
        "trust yourself in a privileged role, then assume it",
    ),
    EscalationPath("create-access-key", ("iam:CreateAccessKey",), "make keys for another user"),
    EscalationPath(
        "create-login-profile", ("iam:CreateLoginProfile",), "set a console password for a user"
    ),
    EscalationPath(
        "update-login-profile",
        ("iam:UpdateLoginProfile",),
        "change another user's console password",
    ),
    EscalationPath(
        "pass-role-ec2",
        ("iam:PassRole", "ec2:RunInstances"),
        "start an instance with a privileged role",
    ),
    EscalationPath(
        "pass-role-lambda",
        ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
        "create and invoke a function that runs as a privileged role",
    ),
    EscalationPath(
        "pass-role-lambda-event-source",
        ("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        "create a function with a privileged role and trigger it from an event source",
    ),
    EscalationPath(
        "update-function-code",
        ("lambda:UpdateFunctionCode",),
        "replace the code of a function that runs as a privileged role",
    ),
    EscalationPath(
        "pass-role-glue",
        ("iam:PassRole", "glue:CreateDevEndpoint"),
        "create a Glue endpoint with a privileged role",
    ),
    EscalationPath(
        "update-glue-endpoint",
        ("glue:UpdateDevEndpoint",),
        "add your SSH key to a Glue endpoint with a privileged role",
    ),
    EscalationPath(
        "pass-role-cloudformation",
        ("iam:PassRole", "cloudformation:CreateStack"),
        "create a stack that runs as a privileged role",
    ),
    EscalationPath(
        "pass-role-datapipeline",
        ("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
        "run a pipeline as a privileged role",
    ),
    EscalationPath(
        "assume-any-role", ("sts:AssumeRole",), "assume every role that trusts the account"
    ),
)


@dataclass
class AdminResult:
    """`admin` True: proven to allow every request; False with a witness of a request it
    does not allow; None: unknown with the reason."""

    admin: bool | None
    reason: str = ""
    witness: Request | None = None
    statement: int | None = None  # the broad Allow statement that makes it possible


def full_admin(policy: Policy, rlimit: int | None = DEFAULT_RLIMIT) -> AdminResult:
    """Whether the policy allows every action on every resource in every context."""
    broad = _broad_statement(policy)
    if broad is None:
        return AdminResult(False, "no Allow statement covers every action and resource")
    search = Searcher([policy], rlimit).find(
        lambda enc: enc.f.not_(enc.allows(policy)), lambda r: not allows(policy, r)
    )
    if search.status is Status.UNKNOWN:
        return AdminResult(None, search.reason, statement=broad)
    if search.status is Status.PROVEN:
        return AdminResult(True, "every request is allowed (proven)", statement=broad)
    return AdminResult(False, "some request is not allowed", search.witnesses[0], broad)


def _broad_statement(policy: Policy) -> int | None:
    """A cheap necessary condition: the first Allow statement naming every action (or using
    NotAction) and every resource (or using NotResource)."""
    for index, stmt in enumerate(policy.statements):
        if stmt.effect is not Effect.ALLOW:
            continue
        every_action = stmt.not_action or any(p.text.strip("*") == "" for p in stmt.actions)
        every_resource = (
            stmt.resources is None
            or stmt.not_resource
            or any(p.text.strip("*") == "" for p in stmt.resources)
        )
        if every_action and every_resource:
            return index
    return None


@dataclass
class PathResult:
    """One escalation path the policy enables: a witness per action; or the reason it is
    unknown."""

    path: EscalationPath
    witnesses: dict[str, Request]
    unknown: str = ""


def escalation_paths(policy: Policy, rlimit: int | None = DEFAULT_RLIMIT) -> list[PathResult]:
    """Every known path whose actions the policy all allows on resources it does not name;
    paths the solver could not decide are returned with `unknown` set."""
    answers: dict[str, Answer[Request] | None] = {}

    def ask(action: str) -> Answer[Request] | None:
        if action not in answers:
            answers[action] = probe_action(policy, action, rlimit)
        return answers[action]

    out: list[PathResult] = []
    for path in ESCALATION_PATHS:
        witnesses: dict[str, Request] = {}
        unknown = ""
        for action in path.actions:
            search = ask(action)
            if search is None or search.status is Status.PROVEN:
                break
            if search.status is Status.UNKNOWN:
                unknown = f"{action}: {search.reason}"
            else:
                witnesses[action] = search.witnesses[0]
        else:
            out.append(PathResult(path, witnesses, unknown))
    return out


def relevant_to(policy: Policy, action: str) -> Policy | None:
    """The policy cut down to the statements whose Action could match `action` (exact: the
    others never apply to a request for it); None when no Allow statement is left."""
    name = ascii_lower(action)
    kept = tuple(
        s
        for s in policy.statements
        if s.not_action or any(p.has_variable or glob_match(p, name, {}) for p in s.actions)
    )
    if not any(s.effect is Effect.ALLOW for s in kept):
        return None
    return policy.model_copy(update={"statements": kept})


def probe_action(
    policy: Policy, action: str, rlimit: int | None = DEFAULT_RLIMIT
) -> Answer[Request] | None:
    """Whether the policy allows `action` on its probe resource; None when no statement
    could (no query needed)."""
    small = relevant_to(policy, action)
    if small is None:
        return None
    resource = probe_resource(action)
    name = ascii_lower(action)
    # A guessed request the concrete evaluator accepts is a witness without a solver call.
    guesses = [None, *small.statements]
    for stmt in guesses:
        candidate = guessed_request(action, resource or "*", PROBE_ACCOUNT, stmt)
        if is_real(candidate) and allows(policy, candidate):
            return Answer.witnessed([candidate])
    action_pattern = literal(name)
    resource_pattern = literal(resource) if resource is not None else MATCH_ALL

    def goal(enc: PolicyEncoder) -> Term:
        f = enc.f
        return f.and_(
            [
                enc.allows(small),
                enc.action_in([action_pattern]),
                enc.resource_in([resource_pattern]),
            ]
        )

    def check(req: Request) -> bool:
        return (
            ascii_lower(req.action) == name
            and (resource is None or req.resource == resource)
            and allows(policy, req)
        )

    searcher = Searcher([small], rlimit, actions=[(action_pattern,)], resources=[resource_pattern])
    return searcher.find(goal, check)


@cache
def probe_resource(action: str) -> str | None:
    """An ARN of the action's first resource type that no policy names: the partition `aws`,
    region us-east-1, account 999999999999, every other part `policyreason-probe`. None when
    the reference gives the action no resource type (it acts on `*`)."""
    found = reference.action(action)
    if found is None:
        return None
    # A required resource type is one every call names (RunInstances: an instance, not the
    # optional capacity reservation listed first).
    ordered = sorted(found.resource_types, key=lambda r: not r.required)
    for listed in ordered:
        for fmt in reference.arn_formats(found.service, listed.name):
            return _fill(fmt)
    return None


def _fill(fmt: str) -> str:
    fixed = {"partition": "aws", "region": "us-east-1", "account": PROBE_ACCOUNT}

    def value(match: re.Match[str]) -> str:
        return fixed.get(match.group(1).lower(), PROBE_NAME)

    return re.sub(r"\$\{([^}]*)\}", value, fmt)
