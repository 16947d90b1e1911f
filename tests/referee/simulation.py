"""policyreason's policies and requests as simulations for the referee.

The referee derives nothing from the principal or the resource (deviations 12 and 14 of
`docs/referee-deviations.md`), so every key policyreason derives (`evaluate.context_of`) is
passed in the context; principal keys never go with anonymous or service callers because
`context_of` gives them none.

A policy goes over as its JSON document: the one the caller hands in (as written) or, for
policies that reach the replay without their text, the document rebuilt from the IR, which keeps
every string as written (`tests/test_referee.py` checks the rebuild against the 1,523 managed
policies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from policyreason.analysis.evaluate import DERIVED_KEYS, condition_holds, context_of
from policyreason.ir.policy import Policy, PolicyKind, PolicySet, Principal, Statement
from policyreason.ir.request import Request
from policyreason.ir.template import bind

# Documents the caller already has, by `id()` of the policy they were parsed into.
Documents = Mapping[int, Any]

# The policy kinds the referee evaluates as identity policies (no Principal element).
IDENTITY_LIKE = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP}
)
# Verdicts of the referee's resource-policy analysis that mean "this policy grants it": to the
# caller itself or, through a Principal naming its account, to the account.
RESOURCE_GRANTS = frozenset({"Allowed", "AllowedForAccount"})
ABAC_PREFIXES = ("aws:resourcetag/", "s3:buckettag/")


class Untranslatable(ValueError):
    """The case has no faithful simulation (e.g. two session policies: the referee takes one)."""


def rebuild(policy: Policy, req: Request | None = None) -> dict[str, Any]:
    """The policy's JSON document from the IR: every text as written, lists for every
    element that may be a list. With a request that holds template values, the document is
    the one that deployment makes: its values written in, and the statements a deployment
    condition leaves out left out."""
    bindings = req.bindings if req is not None else {}

    def text(t: str) -> str:
        return (bind(t, bindings) or t) if bindings else t

    doc: dict[str, Any] = {}
    if policy.version is not None:
        doc["Version"] = policy.version
    if policy.id is not None:
        doc["Id"] = policy.id
    ctx = context_of(req) if req is not None else {}
    doc["Statement"] = [
        _statement(s, text)
        for s in policy.statements
        if req is None or all(condition_holds(c, ctx) for c in s.when)
    ]
    return doc


def _statement(stmt: Statement, text: Callable[[str], str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if stmt.sid is not None:
        out["Sid"] = stmt.sid
    out["Effect"] = stmt.effect.value
    if stmt.principal is not None:
        principal = _principal(stmt.principal, text)
        out["NotPrincipal" if stmt.not_principal else "Principal"] = principal
    out["NotAction" if stmt.not_action else "Action"] = [text(p.text) for p in stmt.actions]
    if stmt.resources is not None:
        resources = [text(p.text) for p in stmt.resources]
        out["NotResource" if stmt.not_resource else "Resource"] = resources
    if stmt.conditions:
        block: dict[str, dict[str, list[str]]] = {}
        for cond in stmt.conditions:
            values = [text(v.text) for v in cond.values]
            block.setdefault(cond.operator_text, {})[cond.key_text] = values
        out["Condition"] = block
    return out


def _principal(principal: Principal, text: Callable[[str], str]) -> Any:
    if principal.anyone and not principal.entries:
        return "*"
    out: dict[str, list[str]] = {}
    if principal.anyone:
        out["AWS"] = ["*"]
    for entry in principal.entries:
        out.setdefault(entry.type.value, []).append(text(entry.value))
    return out


def document(policy: Policy, documents: Documents | None = None, req: Request | None = None) -> Any:
    """The document to hand the referee: the caller's, else the rebuilt one (always rebuilt
    for a request that holds template values: the caller's has the template's text)."""
    if documents is not None and id(policy) in documents and not (req and req.bindings):
        return documents[id(policy)]
    return rebuild(policy, req)


def context_variables(req: Request) -> dict[str, str | list[str]]:
    """The request's context as written plus every key policyreason derives from the
    principal and the resource (one value as a string, several or none as a list)."""
    out: dict[str, str | list[str]] = {}
    derived = context_of(req)
    for key, values in req.context.items():
        if key.lower() not in DERIVED_KEYS:
            out[key] = values[0] if len(values) == 1 else list(values)
    for key in DERIVED_KEYS:
        if key in derived:
            out[key] = derived[key][0]
    return out


def principal_of(req: Request) -> Any:
    """The caller ARN, the service principal, or the driver's anonymous marker."""
    if req.principal is None:
        return {"anonymous": True}
    return req.principal


def resource_account(req: Request) -> str:
    """The resource's account; a resource without one (`*`) is in the caller's account, as
    the evaluator reads it (no account, no cross-account rule)."""
    return req.resource_account or req.principal_account or "000000000000"


def _abac(req: Request) -> bool:
    s3 = req.resource.startswith("arn:") and req.resource.split(":")[2:5] == ["s3", "", ""]
    return s3 and any(k.lower().startswith(ABAC_PREFIXES) for k in req.context)


def base_simulation(req: Request) -> dict[str, Any]:
    """A simulation of the request with no policies yet."""
    sim: dict[str, Any] = {
        "request": {
            "principal": principal_of(req),
            "action": req.action,
            "resource": {"resource": req.resource, "accountId": resource_account(req)},
            "contextVariables": context_variables(req),
        },
        "identityPolicies": [],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }
    if _abac(req):
        # S3 evaluates resource tags only on buckets with ABAC enabled; the witness says so.
        sim["additionalSettings"] = {"s3": {"bucketAbacEnabled": True}}
    return sim


def simulation_of(
    policies: PolicySet, req: Request, documents: Documents | None = None
) -> dict[str, Any]:
    """The whole policy set, each policy in its role. Principal-side policies (identity,
    boundary, session, SCPs) do not apply to an anonymous caller and are left out for one."""
    sim = base_simulation(req)

    def doc(p: Policy) -> Any:
        return document(p, documents, req)

    if req.principal is not None:
        sim["identityPolicies"] = [
            {"name": f"identity-{i}", "policy": doc(p)} for i, p in enumerate(policies.identity)
        ]
        if policies.boundary is not None:
            sim["permissionBoundaryPolicies"] = [
                {"name": "boundary", "policy": doc(policies.boundary)}
            ]
        if len(policies.session) > 1:
            raise Untranslatable("the referee takes one session policy")
        if policies.session:
            sim["sessionPolicy"] = doc(policies.session[0])
        sim["serviceControlPolicies"] = _levels("scp", policies.scps, doc)
    # The referee attaches RCPFullAWSAccess to every level itself and refuses an Allow in an
    # RCP, so the full-access policy AWS attaches (and an export lists) is left to it.
    rcps = tuple(tuple(p for p in level if not _full_access(p)) for level in policies.rcps)
    sim["resourceControlPolicies"] = _levels("rcp", rcps, doc)
    if policies.resource is not None:
        sim["resourcePolicy"] = doc(policies.resource)
    if policies.endpoint is not None:
        sim["vpcEndpointPolicies"] = [{"name": "endpoint", "policy": doc(policies.endpoint)}]
    return sim


def _full_access(policy: Policy) -> bool:
    """The policy is one `Allow * on *` statement (RCPFullAWSAccess)."""
    if len(policy.statements) != 1:
        return False
    s = policy.statements[0]
    return (
        s.effect.value == "Allow"
        and not s.conditions
        and not s.not_action
        and not s.not_resource
        and [p.text for p in s.actions] == ["*"]
        and [p.text for p in s.resources or ()] == ["*"]
    )


def _levels(name: str, levels: tuple[tuple[Policy, ...], ...], doc: Any) -> list[dict[str, Any]]:
    return [
        {
            "orgIdentifier": f"{name}-level-{i}",
            "policies": [
                {"name": f"{name}-{i}-{j}", "policy": doc(p)} for j, p in enumerate(level)
            ],
        }
        for i, level in enumerate(levels)
    ]


def policy_simulation(
    policy: Policy, req: Request, documents: Documents | None = None
) -> dict[str, Any]:
    """One policy on its own in its role (identity-like kinds as an identity policy, the
    others as the resource policy), for the referee's per-policy verdict (`policy_allows`)."""
    sim = base_simulation(req)
    if policy.kind in IDENTITY_LIKE:
        if req.principal is None:
            raise Untranslatable("an anonymous caller has no identity policies")
        sim["identityPolicies"] = [{"name": "policy", "policy": document(policy, documents, req)}]
    else:
        sim["resourcePolicy"] = document(policy, documents, req)
    return sim


def policy_allows(policy: Policy, identity: str | None, resource: str | None) -> bool:
    """The referee's verdict on one policy (from `policy_simulation`): an identity-like policy
    allows when some Allow applies and no Deny; a resource-like one when it grants the caller
    or the caller's account and denies neither."""
    if policy.kind in IDENTITY_LIKE:
        return identity == "Allowed"
    return resource in RESOURCE_GRANTS
