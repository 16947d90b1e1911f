"""Checks the solver decides: public and external access, full administrator access,
privilege-escalation paths, redundant statements and resources, conditions equivalent to a
Null test.

Each wraps one question of `analysis/` and turns its answer into findings: a witness (or a
proof) backs every finding, and an unknown answer is a finding with status UNKNOWN and the
reason, never silence.
"""

from __future__ import annotations

from collections.abc import Iterator

from policyreason.analysis.external import external_access
from policyreason.analysis.findings import Finding, Severity, Status
from policyreason.analysis.null_equivalence import NullForm, null_equivalence
from policyreason.analysis.privilege import escalation_paths, full_admin
from policyreason.analysis.public import granting_statements, public_access, resource_type
from policyreason.analysis.redundancy import redundant_resources, redundant_statements
from policyreason.checks import CheckContext, Evidence, check
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.span import Span
from policyreason.smt.session import Verdict

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
    fix="Remove one of the path's actions, or scope it to resources that cannot lead to more "
    "permissions (and add iam:PassedToService conditions to iam:PassRole).",
    kinds=_IDENTITY_KINDS,
    evidence=Evidence.WITNESS,
)
def escalation(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The policy allows every action of a known privilege-escalation path (iam:PassRole with
    lambda:CreateFunction and lambda:InvokeFunction, iam:CreatePolicyVersion,
    iam:AttachUserPolicy, iam:UpdateAssumeRolePolicy with sts:AssumeRole, ...) on resources it
    does not name: the principal can make itself more powerful. One witness request per
    action of the path, each found by the solver and re-checked.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PutUserPolicy",
           "Resource": "arn:aws:iam::111122223333:user/app"}]}
    """
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
    aa_code="REDUNDANT_STATEMENT",
    evidence=Evidence.PROOF,
)
def redundant(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Removing the statement leaves the policy allowing exactly the same requests: proven by
    the solver, not guessed from text, so a statement made redundant by a wildcard in another
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
        if result.search.verdict is Verdict.UNSAT:
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
