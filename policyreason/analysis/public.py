"""Is a resource or trust policy public? S3 Block Public Access's definition, decided exactly.

A policy is public when some request it allows comes from "anyone": a caller that is none of
the principals the policy names and whose identifying keys (aws:PrincipalOrgID, aws:SourceArn,
aws:SourceVpce...) hold none of the policy's fixed values, from a source IP outside every
narrow range the policy names (`analysis/scope.py`). Caller-controlled keys (aws:Referer,
aws:UserAgent) are not pinning keys, so the solver is free to send whatever they require.
The answer is a witness request, a proof (unsat), or unknown with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policyreason.analysis.evaluate import context_of, statement_matches
from policyreason.analysis.questions import public
from policyreason.analysis.scope import pins_of, written_keys
from policyreason.analysis.search import Searcher
from policyreason.ir.answer import Answer, Status
from policyreason.ir.policy import Effect, Policy, PolicyKind
from policyreason.ir.request import Request
from policyreason.ir.resource_type import RESOURCE_TYPES, ResourceType, resource_type
from policyreason.ir.scope import Pins, PrincipalClass, PrincipalKind, Scope
from policyreason.ir.template import names_in, show
from policyreason.smt.encode_scope import service_actions
from policyreason.smt.limits import DEFAULT_RLIMIT


def infer_resource_type(policy: Policy) -> ResourceType | None:
    """The resource type a resource or trust policy is attached to, read off its Resource ARNs
    (or, for `"Resource": "*"`, the one service its Allow actions name); None if unclear."""
    if policy.kind is PolicyKind.TRUST:
        return resource_type("AWS::IAM::Role")
    found: set[ResourceType] = set()
    services: set[str] = set()
    for stmt in policy.statements:
        for pattern in stmt.resources or ():
            guess = _from_arn(pattern.text)
            if guess is not None:
                found.add(guess)
        if stmt.effect is Effect.ALLOW and not stmt.not_action:
            services.update(p.text.partition(":")[0].lower() for p in stmt.actions)
    if len(found) == 1:
        return found.pop()
    if not found and len(services) == 1:
        service = services.pop()
        return next((t for t in RESOURCE_TYPES if t.services == (service,)), None)
    return None


def _from_arn(arn: str) -> ResourceType | None:
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    service, rest = parts[2].lower(), parts[5]
    head = rest.split("/", 1)[0].split(":", 1)[0]
    if service == "s3":
        return resource_type("AWS::S3::AccessPoint" if head == "accesspoint" else "AWS::S3::Bucket")
    if service == "lambda":
        return resource_type(
            "AWS::Lambda::LayerVersion" if head == "layer" else "AWS::Lambda::Function"
        )
    if service == "dynamodb":
        stream = "/stream/" in rest
        return resource_type("AWS::DynamoDB::Stream" if stream else "AWS::DynamoDB::Table")
    if service == "codeartifact":
        name = "AWS::CodeArtifact::Domain" if head == "domain" else "AWS::CodeArtifact::Repository"
        return resource_type(name)
    return next((t for t in RESOURCE_TYPES if t.arn_service == service), None)


@dataclass(frozen=True)
class PublicResult:
    """The answer to "can anyone get in?": witnessed (public, with the request), proven (not
    public), unknown or error; its reason in the question's words."""

    answer: Answer[Request]
    resource_type: ResourceType | None
    statements: tuple[int, ...] = ()  # indexes of the Allow statements the witness uses

    @property
    def public(self) -> bool | None:
        """True with a witness, False proven, None undecided."""
        if self.answer.status is Status.WITNESSED:
            return True
        return False if self.answer.status is Status.PROVEN else None

    @property
    def witness(self) -> Request | None:
        return self.answer.witness

    @property
    def reason(self) -> str:
        return self.answer.reason

    @property
    def queries(self) -> int:
        return self.answer.queries

    def to_json(self) -> dict[str, Any]:
        """The documented JSON answer of `policyreason public`."""
        return {
            "public": self.public,
            "status": self.answer.status.value,
            "reason": self.reason,
            "resource_type": self.resource_type.name if self.resource_type else None,
            "witness": self.witness.to_json() if self.witness else None,
            "statements": list(self.statements),
            "assumptions": list(self.answer.assumptions),
        }


def anyone_scope(policy: Policy, rtype: ResourceType | None) -> Scope:
    """The cell of requests from anyone, restricted to the resource type's actions."""
    return Scope(
        principal=PrincipalClass(kind=PrincipalKind.ANYONE),
        pins=pins_of(policy),
        services=rtype.services if rtype else (),
    )


def public_access(
    policy: Policy,
    rtype: ResourceType | None = None,
    rlimit: int | None = DEFAULT_RLIMIT,
) -> PublicResult:
    """Decide whether the policy grants anyone access (see the module docstring)."""
    if rtype is None and policy.kind.has_principal:
        rtype = infer_resource_type(policy)
    scope = anyone_scope(policy, rtype)
    actions = [service_actions(scope.services)] if scope.services else []
    search = Searcher([policy], rlimit, actions=actions).find(public(policy, scope), 1)
    if search.status is Status.PROVEN:
        return PublicResult(search.with_reason(_pinned_reason(policy, scope.pins, rtype)), rtype)
    if search.witness is None:
        return PublicResult(search, rtype)
    used = granting_statements(policy, search.witness)
    return PublicResult(
        search.with_reason(_public_reason(policy, search.witness, used)), rtype, used
    )


def granting_statements(policy: Policy, req: Request) -> tuple[int, ...]:
    """Indexes of the Allow statements that apply to the request."""
    ctx = context_of(req)
    return tuple(
        i
        for i, s in enumerate(policy.statements)
        if s.effect is Effect.ALLOW and statement_matches(s, req, ctx)
    )


def _who(req: Request) -> str:
    if req.principal_type is None:
        return "an anonymous caller"
    if req.principal_account:
        return f"a principal of account {req.principal_account} the policy does not name"
    return f"{req.principal_type.value} principal {req.principal}"


def _public_reason(policy: Policy, req: Request, used: tuple[int, ...]) -> str:
    labels = ", ".join(policy.statements[i].label for i in used)
    return f"{labels} lets {_who(req)} call {req.action} on {req.resource}{req.when()}"


def _pinned_reason(policy: Policy, pins: Pins, rtype: ResourceType | None) -> str:
    scope = f" to {rtype.name}" if rtype else ""
    written = written_keys(policy)
    fixed = [*pins.accounts, *pins.arns, *(v for _k, v in pins.others)]
    fixed += [f"{written.get(k, k)} = {', '.join(v)}" for k, v in pins.keys]
    fixed += [f"aws:SourceIp in {c}" for c in pins.source_ips]
    if not fixed:
        return f"no request from anyone is allowed{scope}"
    every = " for every value of its template values" if names_in(policy) else ""
    shown = dict.fromkeys(show(v) for v in fixed)
    return f"every grant{scope} is pinned to fixed values{every}: " + "; ".join(shown)
