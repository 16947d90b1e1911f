"""Checks the solver decides: public and external access, full administrator access,
privilege-escalation paths, redundant statements.

Each wraps one question of `analysis/` and turns its answer into findings: a witness (or a
proof) backs every finding, and an unknown answer is a finding with status UNKNOWN and the
reason, never silence.
"""

from __future__ import annotations

from collections.abc import Iterator

from policyreason.analysis.external import external_access
from policyreason.analysis.findings import Finding, Severity, Status
from policyreason.analysis.privilege import escalation_paths, full_admin
from policyreason.analysis.public import granting_statements, public_access, resource_type
from policyreason.analysis.redundancy import redundant_statements
from policyreason.checks import CheckContext, check
from policyreason.ir.answer import Status as Outcome
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.span import Span

_ACCESS_KINDS = (PolicyKind.RESOURCE, PolicyKind.TRUST)
_IDENTITY_KINDS = (PolicyKind.IDENTITY, PolicyKind.SESSION)


def _grant_span(policy: Policy, index: int) -> Span:
    """Where a grant is made: the statement's Principal if it has one, else the statement."""
    stmt = policy.statements[index]
    return stmt.principal.span if stmt.principal is not None else stmt.span


def _unknown(ctx: CheckContext, span: Span, what: str, reason: str) -> Finding:
    finding = ctx.report(span, f"could not decide {what}: {reason}")
    return finding.model_copy(update={"status": Status.UNKNOWN})


@check(
    id="PR601",
    severity=Severity.SECURITY_WARNING,
    title="Public access",
    fix="Name the principals, or pin the grant with aws:PrincipalOrgID, aws:SourceArn, "
    "aws:SourceVpce or a narrow aws:SourceIp range.",
    kinds=_ACCESS_KINDS,
)
def public(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The policy lets anyone reach the resource, by S3 Block Public Access's definition: some
    allowed request comes from a caller the policy does not name, whose aws:PrincipalOrgID,
    aws:SourceArn, aws:SourceAccount, aws:SourceVpc(e)... hold none of the policy's fixed
    values, from outside every narrow aws:SourceIp range. Conditions on aws:Referer or
    aws:UserAgent do not help: the caller sets them. Decided by the solver, with a witness."""
    rtype = resource_type(ctx.resource_type) if ctx.resource_type else None
    result = public_access(policy, rtype)
    if result.public is None:
        yield _unknown(ctx, policy.span, "whether the policy is public", result.reason)
    elif result.public and result.witness is not None:
        finding = ctx.report(
            _grant_span(policy, result.statements[0]),
            result.reason,
            statements=list(result.statements),
        )
        yield finding.model_copy(
            update={"status": Status.WITNESSED, "witness": result.witness.to_json()}
        )


@check(
    id="PR602",
    severity=Severity.WARNING,
    title="Access from outside the zone of trust",
    fix="Remove the grant, or add the account or organization to the zone of trust if it is yours.",
    kinds=_ACCESS_KINDS,
)
def external(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """With a zone of trust configured (`--zone-of-trust` or `zone-of-trust` in the
    configuration), each class of access the policy grants to principals outside it, as IAM
    Access Analyzer reports it: a principal, the fixed condition values restricting it, and
    the actions, with a witness request. Public classes are PR601's and not repeated here."""
    if ctx.zone is None or ctx.zone.empty:
        return
    rtype = resource_type(ctx.resource_type) if ctx.resource_type else None
    result = external_access(policy, ctx.zone, rtype)
    if not result.complete:
        yield _unknown(ctx, policy.span, "every external access", result.reason)
    for found in result.findings:
        if found.public:
            continue
        fixed = found.condition_values(policy)
        conditions = ", ".join(f"{k}={v}" for k, v in fixed.items())
        message = f"{found.principal} may call {', '.join(found.actions(policy))}" + (
            f" when {conditions}" if conditions else ""
        )
        finding = ctx.report(
            _grant_span(policy, found.statements[0]),
            message,
            principal=str(found.principal),
            conditions=fixed,
            actions=found.actions(policy),
        )
        yield finding.model_copy(
            update={"status": Status.WITNESSED, "witness": found.witnesses[0].to_json()}
        )


@check(
    id="PR603",
    severity=Severity.SECURITY_WARNING,
    title="Equivalent to full administrator access",
    fix="Grant the services and actions the principal needs instead of everything.",
    kinds=_IDENTITY_KINDS,
)
def administrator(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The policy allows every action on every resource in every context, exactly like
    AdministratorAccess — however it is written (`*`, NotAction with nothing excluded, one
    statement per service...). Proven by the solver: no request is denied."""
    result = full_admin(policy)
    span = policy.statements[result.statement].span if result.statement is not None else None
    if result.admin is None:
        yield _unknown(
            ctx, span or policy.span, "whether the policy is full administrator", result.reason
        )
    elif result.admin and span is not None:
        finding = ctx.report(span, "the policy allows every request (proven)")
        yield finding.model_copy(update={"status": Status.PROVEN})


@check(
    id="PR604",
    severity=Severity.SECURITY_WARNING,
    title="Privilege escalation path",
    fix="Remove one of the path's actions, or scope it to resources that cannot lead to more "
    "permissions (and add iam:PassedToService conditions to iam:PassRole).",
    kinds=_IDENTITY_KINDS,
)
def escalation(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The policy allows every action of a known privilege-escalation path (iam:PassRole with
    lambda:CreateFunction and lambda:InvokeFunction, iam:CreatePolicyVersion,
    iam:AttachUserPolicy, iam:UpdateAssumeRolePolicy with sts:AssumeRole, ...) on resources it
    does not name: the principal can make itself more powerful. One witness request per
    action of the path, each found by the solver and re-checked."""
    if policy.kind is PolicyKind.IDENTITY and full_admin(policy).admin:
        return  # already administrator: PR603 says it, and escalation adds nothing
    for result in escalation_paths(policy):
        actions = " + ".join(result.path.actions)
        if result.unknown:
            yield _unknown(ctx, policy.span, f"escalation path {actions}", result.unknown)
            continue
        first = next(iter(result.witnesses.values()))
        granting = granting_statements(policy, first)
        span = policy.statements[granting[0]].span if granting else policy.span
        finding = ctx.report(
            span,
            f"{actions}: {result.path.how}",
            path=result.path.name,
            witnesses={a: w.to_json() for a, w in result.witnesses.items()},
        )
        yield finding.model_copy(update={"status": Status.WITNESSED, "witness": first.to_json()})


@check(
    id="PR605",
    severity=Severity.SUGGESTION,
    title="Redundant statement",
    fix="Remove the statement: the others already allow (or deny) everything it does.",
)
def redundant(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Removing the statement leaves the policy allowing exactly the same requests: proven by
    the solver, not guessed from text, so a statement made redundant by a wildcard in another
    one, or by a broader resource, is found. Only proven cases are reported."""
    for result in redundant_statements(policy):
        if result.search.status is Outcome.PROVEN:
            stmt = policy.statements[result.index]
            finding = ctx.report(stmt.span, f"{stmt.label} changes nothing (proven)")
            yield finding.model_copy(update={"status": Status.PROVEN})
