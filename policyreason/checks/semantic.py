"""Checks the solver decides: public and external access, full administrator access,
privilege-escalation paths, redundant statements and resources, conditions equivalent to a
Null test.

Each wraps one question of `analysis/` and turns its answer into findings: a witness (or a
proof) backs every finding, and an unknown answer is a finding with status UNKNOWN and the
reason, never silence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from policyreason.analysis.findings import Finding, Status
from policyreason.analysis.null_equivalence import NullForm, null_equivalence
from policyreason.analysis.privilege import full_admin
from policyreason.analysis.redundancy import redundant_resources, redundant_statements
from policyreason.checks import CheckContext, Evidence, check
from policyreason.ir.answer import Status as Outcome
from policyreason.ir.policy import Policy, PolicyKind, PolicySet
from policyreason.ir.resource_type import resource_type
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span

if TYPE_CHECKING:
    from policyreason.analysis.escalation.paths import Caller, PathResult

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
    evidence=Evidence.WITNESS,
)
def public(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The policy lets anyone reach the resource, by S3 Block Public Access's definition: some
    allowed request comes from a caller the policy does not name, whose aws:PrincipalOrgID,
    aws:SourceArn, aws:SourceAccount, aws:SourceVpc(e)... hold none of the policy's fixed
    values, from outside every narrow aws:SourceIp range. Conditions on aws:Referer or
    aws:UserAgent do not help: the caller sets them. Decided by the solver, with a witness.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    """
    from policyreason.analysis.public import public_access

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
    evidence=Evidence.WITNESS,
)
def external(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """With a zone of trust configured (`--zone-of-trust` or `zone-of-trust` in the
    configuration), each class of access the policy grants to principals outside it, as IAM
    Access Analyzer reports it: a principal, the fixed condition values restricting it, and
    the actions, with a witness request. Public classes are PR601's and not repeated here.

    Fails (kind: resource, zone-of-trust: 111122223333):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource, zone-of-trust: 111122223333):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """
    from policyreason.analysis.external import external_access

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
    evidence=Evidence.PROOF,
)
def administrator(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The policy allows every action on every resource in every context, exactly like
    AdministratorAccess — however it is written (`*`, NotAction with nothing excluded, one
    statement per service...). Proven by the solver: no request is denied.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "*"},
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
    """
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
    fix="Remove one of the path's permissions, or scope it so the path's requests cannot all "
    "be made together (name the roles iam:PassRole may pass and add an iam:PassedToService "
    "condition; limit IAM changes to resources that are not the principal's own).",
    kinds=_IDENTITY_KINDS,
    evidence=Evidence.WITNESS,
)
def escalation(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The policy lets the principal it is attached to take a published privilege-escalation
    path (the 65 paths of pathfinding.cloud): every request of the path allowed together, for
    one caller. A path is one solver question over all its requests: iam:PassRole must carry
    iam:PassedToService for the service the path passes the role to, self-modification must
    act on the caller's own user or role, the function invoked must be the one created, and
    so on. One finding lists every path, each with its witness requests and what it assumes
    of the account ("possible, if a role that Lambda can assume has more permissions");
    over an authorization export the unit is each user's and role's whole policy set instead
    (see `check_principal`). Administrator policies are PR603's and not repeated. Changing
    a user's policies is no escalation when the user itself cannot (`aws:PrincipalArn`).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PutUserPolicy",
           "Resource": "arn:aws:iam::111122223333:user/app",
           "Condition": {"ArnNotEquals": {
             "aws:PrincipalArn": "arn:aws:iam::111122223333:user/app"}}}]}
    """
    # The paths' tables are loaded for the first identity policy, not for every check run.
    from policyreason.analysis.escalation.paths import escalation_paths

    if policy.kind is PolicyKind.IDENTITY and full_admin(policy).admin:
        return
    results = escalation_paths(PolicySet(identity=(policy,)))
    finding = _escalation_finding(ctx, results, policy.span, policy)
    if finding is not None:
        yield finding


def check_principal(
    name: str,
    policies: PolicySet,
    caller: Caller,
    span: Span,
    ctx: CheckContext,
    missing: str | None = None,
) -> Iterator[Finding]:
    """PR604 for one user or role of an authorization export: its whole policy set (its own
    and its groups' inline and managed policies, its permissions boundary) is the unit, so a
    path split across two policies is found; one finding per principal. `missing` names a
    permissions boundary the export lacks: the answer is then unknown."""
    if missing is not None:
        reason = f"its permissions boundary {missing} is not in the export"
        yield _unknown(ctx, span, f"the escalation paths of {name}", reason)
        return
    from policyreason.analysis.escalation.paths import escalation_paths

    merged = _merged(policies.identity)
    if policies.boundary is None and merged is not None and full_admin(merged).admin:
        return
    finding = _escalation_finding(ctx, escalation_paths(policies, caller), span)
    if finding is not None:
        yield finding


def _merged(policies: Sequence[Policy]) -> Policy | None:
    """Identity policies as one: their statements together mean what the policies do."""
    if not policies:
        return None
    statements = tuple(s for p in policies for s in p.statements)
    return policies[0].model_copy(update={"statements": statements})


MAX_LISTED = 5


def _escalation_finding(
    ctx: CheckContext, results: list[PathResult], span: Span, policy: Policy | None = None
) -> Finding | None:
    """One finding for every path found: the paths that need nothing of the account first."""
    found = sorted(
        (r for r in results if r.answer.status is Outcome.WITNESSED),
        key=lambda r: bool(r.answer.assumptions),
    )
    undecided = [r for r in results if r.answer.status is Outcome.UNKNOWN]
    if not found:
        if not undecided:
            return None
        ids = ", ".join(r.path.id for r in undecided)
        return _unknown(ctx, span, f"escalation paths {ids}", undecided[0].answer.reason)
    sure = [r for r in found if not r.answer.assumptions]
    maybe = [r for r in found if r.answer.assumptions]
    parts = []
    if sure:
        parts.append(f"{_count(sure)} from its policies alone: {_listed(sure)}")
    if maybe:
        parts.append(f"{_count(maybe)} if the account holds what it needs: {_listed(maybe)}")
    message = "privilege escalation: " + "; ".join(parts)
    if undecided:
        message += f" ({_count(undecided)} undecided)"
    first = found[0].answer.witnesses[0]
    if policy is not None:
        from policyreason.analysis.public import granting_statements

        granting = granting_statements(policy, first)
        span = policy.statements[granting[0]].span if granting else span
    finding = ctx.report(
        span,
        message,
        paths={r.path.id: _path_details(r) for r in found},
        undecided={r.path.id: r.answer.reason for r in undecided},
    )
    return finding.model_copy(update={"status": Status.WITNESSED, "witness": first.to_json()})


def _count(results: list[PathResult]) -> str:
    return f"{len(results)} path" + ("s" if len(results) != 1 else "")


def _listed(results: list[PathResult]) -> str:
    shown = [f"{r.path.id} ({r.path.name})" for r in results[:MAX_LISTED]]
    if len(results) > MAX_LISTED:
        shown.append(f"and {len(results) - MAX_LISTED} more")
    return ", ".join(shown)


def _path_details(result: PathResult) -> dict[str, Any]:
    return {
        "name": result.path.name,
        "category": result.path.category,
        "assuming": list(result.answer.assumptions),
        "requests": {str(i + 1): w.to_json() for i, w in enumerate(result.answer.witnesses)},
    }


@check(
    id="PR605",
    severity=Severity.SUGGESTION,
    title="Redundant statement",
    fix="Remove the statement: the others already allow (or deny) everything it does.",
    aa_code="REDUNDANT_STATEMENT",
    evidence=Evidence.PROOF,
)
def redundant(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Removing the statement leaves the policy allowing exactly the same requests: proven by
    the solver, or shown by other statements whose Action and Resource patterns contain its
    own, never guessed from text, so a statement made redundant by a wildcard in another
    one, or by a broader resource, is found. Only proven cases are reported.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"},
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/2024/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"},
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for result in redundant_statements(policy):
        if result.status is Outcome.PROVEN:
            stmt = policy.statements[result.index]
            finding = ctx.report(stmt.span, f"{stmt.label} changes nothing (proven)")
            yield finding.model_copy(update={"status": Status.PROVEN})


@check(
    id="PR412",
    severity=Severity.SUGGESTION,
    title="Redundant resource",
    fix="Delete the resource; the other patterns of the statement already include it.",
    aa_code="REDUNDANT_RESOURCE",
    evidence=Evidence.PROOF,
)
def redundant_resource(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A Resource pattern whose removal leaves the statement applying to exactly the same
    requests: a literal ARN another pattern of the statement matches, or a pattern the others
    cover together (`role/jane-*` next to `role/jane*`). Decided exactly (the concrete
    evaluator for a literal ARN, the solver for a pattern); only proven cases are reported.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [
            "arn:aws:iam::111122223333:role/jane-admin",
            "arn:aws:iam::111122223333:role/jane-s3only",
            "arn:aws:iam::111122223333:role/jane*"]}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [
            "arn:aws:iam::111122223333:role/jane-admin",
            "arn:aws:iam::111122223333:role/jane-s3only"]}]}
    """
    for found in redundant_resources(policy):
        stmt = policy.statements[found.statement]
        assert stmt.resources is not None
        pattern = stmt.resources[found.position]
        finding = ctx.report(
            pattern.span or stmt.span,
            f"{found.text!r} adds nothing to the other resources of {stmt.label} (proven)",
        )
        yield finding.model_copy(update={"status": Status.PROVEN})


def _null_equivalent(policy: Policy, ctx: CheckContext, form: NullForm) -> Iterator[Finding]:
    for stmt in policy.statements:
        for cond in stmt.conditions:
            found = null_equivalence(cond, only=form)
            if found is not None and found.form is form:
                finding = ctx.report(
                    cond.span,
                    f"{cond.operator_text} on {cond.key_text} only tests whether the key is "
                    f'present: it means "Null": {{"{cond.key_text}": '
                    f'"{found.null_value}"}} (proven)',
                )
                yield finding.model_copy(update={"status": Status.PROVEN})


@check(
    id="PR606",
    severity=Severity.SUGGESTION,
    title="Condition equivalent to Null false",
    fix='Write "Null": {"<key>": "false"} if presence is what you mean; otherwise list the '
    "values the key must have.",
    aa_code="EQUIVALENT_TO_NULL_FALSE",
    evidence=Evidence.PROOF,
)
def equivalent_to_null_false(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The condition holds for every request that carries the key, whatever its value, and for
    none without it (`"StringLike": {"aws:PrincipalTag/team": "*"}`): it only checks that the
    key is present. Often a value was meant to be there. Proven by the solver: a policy
    allowing everything under this condition and one allowing everything under `"Null":
    {key: "false"}` allow the same requests.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringLike": {"aws:PrincipalTag/team": "*"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringLike": {"aws:PrincipalTag/team": "data-*"}}}]}
    """
    yield from _null_equivalent(policy, ctx, NullForm.PRESENT)


@check(
    id="PR607",
    severity=Severity.SUGGESTION,
    title="Condition equivalent to Null true",
    fix='Write "Null": {"<key>": "true"} if absence is what you mean; otherwise list the '
    "values the key must not have.",
    aa_code="EQUIVALENT_TO_NULL_TRUE",
    evidence=Evidence.PROOF,
)
def equivalent_to_null_true(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The condition holds exactly for requests without the key
    (`"StringNotLike": {"aws:PrincipalTag/team": "*"}`): it only checks that the key is
    absent, however it is written. Proven by the solver, as for PR606.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "*"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "data-*"}}}]}
    """
    yield from _null_equivalent(policy, ctx, NullForm.ABSENT)
