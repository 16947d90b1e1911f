"""Security checks read off the text: NotPrincipal, PassRole and AssumeRole on every resource,
weak federated trust, insecure transport. Public access and escalation paths are decided by
the solver (`semantic.py`)."""

from __future__ import annotations

from collections.abc import Iterator

from policyreason.analysis.findings import Finding, Severity
from policyreason.checks import (
    SENSITIVE_SERVICES,
    CheckContext,
    check,
    is_allow,
    resources_are_star,
    span_of,
    split_action,
    wildcard_covers,
)
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Family, Policy, PolicyKind, PrincipalType, Statement
from policyreason.ir.span import Span

# Keys for which AWS says wildcards have no valid use (IAM User Guide, "Sensitive condition keys").
_SENSITIVE_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:resourceaccount",
        "aws:resourceorgid",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:vpceaccount",
        "aws:vpceorgid",
    }
)
_CONFUSED_DEPUTY_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceowner",
    }
)
_SECRETS = (
    "secretsmanager:getsecretvalue",
    "ssm:getparameter",
    "ssm:getparameters",
    "ssm:getparametersbypath",
    "kms:decrypt",
)
_GITHUB = "token.actions.githubusercontent.com"
_WEB_IDENTITY_HOSTS = (
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
)
_OIDC_CLAIMS = frozenset({"aud", "sub", "oaud", "azp", "amr"})


def _keys(stmt: Statement) -> set[str]:
    return {c.key for c in stmt.conditions}


def _covering(stmt: Statement, targets: tuple[str, ...]) -> Iterator[tuple[Pattern, list[str]]]:
    """Actions of the statement that match any of `targets`, except `*` and `service:*`, which
    the broader checks report."""
    if stmt.not_action:
        return
    for pattern in stmt.actions:
        parts = split_action(pattern)
        if parts is None or parts[1].strip("*") == "":
            continue
        service = parts[0].lower()
        candidates = targets
        if "*" not in service and "?" not in service:
            # Cheap filter: most actions are of other services than the targets.
            candidates = tuple(t for t in targets if t.startswith(service + ":"))
        hit = [t for t in candidates if wildcard_covers(pattern, t, ignore_case=True)]
        if hit:
            yield pattern, hit


@check(
    id="PR502",
    severity=Severity.SECURITY_WARNING,
    title="Allow with NotPrincipal",
    fix="Name the principals in Principal instead of excluding some with NotPrincipal.",
    kinds=(PolicyKind.RESOURCE, PolicyKind.TRUST),
)
def allow_not_principal(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Allow with NotPrincipal grants access to every principal except those listed, anonymous
    callers included."""
    for stmt in policy.statements:
        if is_allow(stmt) and stmt.not_principal and stmt.principal is not None:
            yield ctx.report(stmt.principal.span, f"{stmt.label} allows everyone but a few")


@check(
    id="PR503",
    severity=Severity.SECURITY_WARNING,
    title="iam:PassRole on every role",
    fix="List the role ARNs that may be passed and add an iam:PassedToService condition.",
    kinds=(PolicyKind.IDENTITY, PolicyKind.SESSION),
)
def pass_role_star(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """iam:PassRole with `"Resource": "*"` lets the principal hand any role, administrator roles
    included, to a service it controls: a privilege escalation path."""
    for stmt in policy.statements:
        if not is_allow(stmt) or not resources_are_star(stmt):
            continue
        if "iam:passedtoservice" in _keys(stmt):
            continue
        for pattern, _hit in _covering(stmt, ("iam:passrole",)):
            yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} passes any role")


@check(
    id="PR505",
    severity=Severity.SECURITY_WARNING,
    title="Allow over unencrypted transport",
    fix='Allow only with "aws:SecureTransport": "true", or deny when it is "false".',
)
def allow_insecure_transport(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """An Allow conditioned on aws:SecureTransport being false grants access to plain-HTTP
    requests only."""
    for stmt in policy.statements:
        if not is_allow(stmt):
            continue
        for cond in stmt.conditions:
            if (
                cond.key == "aws:securetransport"
                and cond.op.family is Family.BOOL
                and any(v.flag is False for v in cond.values)
            ):
                yield ctx.report(cond.span, f"{stmt.label} allows requests without TLS")


@check(
    id="PR506",
    severity=Severity.SECURITY_WARNING,
    title="Allow of every IAM, STS or Organizations action",
    fix="Grant only the identity-management actions needed, on specific resources.",
    kinds=(PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.SESSION),
)
def allow_sensitive_service(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """`iam:*`, `sts:*` or `organizations:*` in an Allow lets the principal create users and
    roles, attach policies, assume roles or reshape the organization: full control."""
    for stmt in policy.statements:
        if not is_allow(stmt) or stmt.not_action:
            continue
        for pattern in stmt.actions:
            parts = split_action(pattern)
            if (
                parts is not None
                and parts[1].strip("*") == ""
                and parts[0].lower() in SENSITIVE_SERVICES
            ):
                yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} in {stmt.label}")


def _federated(stmt: Statement) -> Iterator[tuple[str, Span]]:
    if stmt.principal is None or stmt.not_principal:
        return
    for entry in stmt.principal.entries:
        if entry.type is PrincipalType.FEDERATED:
            host = entry.value.split("oidc-provider/", 1)[-1]
            yield host.lower(), entry.span


def _claim_keys(stmt: Statement, host: str) -> dict[str, list[str]]:
    """Claim -> values compared, for condition keys `host:claim`."""
    out: dict[str, list[str]] = {}
    for cond in stmt.conditions:
        prefix, _sep, claim = cond.key.rpartition(":")
        if prefix == host and not cond.op.negated:
            out.setdefault(claim, []).extend(v.text for v in cond.values)
    return out


@check(
    id="PR508",
    severity=Severity.SECURITY_WARNING,
    title="GitHub Actions trust without a subject condition",
    fix='Add "StringLike": {"token.actions.githubusercontent.com:sub": '
    '"repo:ORG/REPO:ref:refs/heads/main"}.',
    kinds=(PolicyKind.TRUST,),
)
def github_oidc_without_sub(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Trusting GitHub's OIDC provider without pinning `token.actions.githubusercontent.com:sub`
    to your repositories lets any GitHub workflow, in any organization, assume the role."""
    for stmt in policy.statements:
        if not is_allow(stmt):
            continue
        for host, span in _federated(stmt):
            if host != _GITHUB:
                continue
            subjects = _claim_keys(stmt, host).get("sub", [])
            if not subjects or any(s.strip("*") in ("", "repo:") for s in subjects):
                yield ctx.report(span, f"{stmt.label} trusts every GitHub repository")


@check(
    id="PR509",
    severity=Severity.SECURITY_WARNING,
    title="Web identity trust without an audience or subject condition",
    fix="Add a condition on <provider>:aud (the client or identity pool id) and, where "
    "available, <provider>:sub.",
    kinds=(PolicyKind.TRUST,),
)
def oidc_without_audience(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Trusting an OIDC provider (Cognito, Google, an EKS cluster...) without a condition on its
    `aud`/`sub` claims lets every identity of that provider assume the role."""
    for stmt in policy.statements:
        if not is_allow(stmt):
            continue
        for host, span in _federated(stmt):
            if host == _GITHUB or ":saml-provider/" in host:
                continue
            oidc = host in _WEB_IDENTITY_HOSTS or "/" in host or "." in host
            if oidc and not (set(_claim_keys(stmt, host)) & _OIDC_CLAIMS):
                yield ctx.report(span, f"{stmt.label} trusts every identity of {host}")


@check(
    id="PR510",
    severity=Severity.WARNING,
    title="Service principal without a source condition (confused deputy)",
    fix="Add aws:SourceArn or aws:SourceAccount so the service acts only for your resources.",
    kinds=(PolicyKind.RESOURCE,),
)
def confused_deputy(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """When a resource policy grants an AWS service principal access, the service can be made to
    use it on behalf of other accounts unless aws:SourceArn/aws:SourceAccount pins the caller."""
    for stmt in policy.statements:
        if not is_allow(stmt) or stmt.principal is None or stmt.not_principal:
            continue
        services = [e for e in stmt.principal.entries if e.type is PrincipalType.SERVICE]
        if services and not (_keys(stmt) & _CONFUSED_DEPUTY_KEYS):
            yield ctx.report(
                stmt.principal.span,
                f"{stmt.label} grants {', '.join(e.value for e in services)} with no source "
                "condition",
            )


@check(
    id="PR512",
    severity=Severity.SECURITY_WARNING,
    title="Wildcard in a sensitive condition key",
    fix="Spell out the account or organization ids.",
)
def wildcard_sensitive_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Account and organization keys (aws:PrincipalAccount, aws:PrincipalOrgID,
    aws:SourceAccount...) identify who is trusted; a wildcard there trusts unknown accounts."""
    for stmt in policy.statements:
        if not is_allow(stmt):
            continue
        for cond in stmt.conditions:
            if cond.key not in _SENSITIVE_KEYS or cond.op.family is not Family.STRING:
                continue
            for value in cond.values:
                if value.pattern is not None and value.pattern.has_wildcard:
                    yield ctx.report(value.span, f"{value.text!r} in {cond.key_text}")


@check(
    id="PR513",
    severity=Severity.WARNING,
    title="sts:AssumeRole on every role",
    fix="List the role ARNs the principal may assume.",
    kinds=(PolicyKind.IDENTITY, PolicyKind.SESSION),
)
def assume_any_role(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """sts:AssumeRole on `"Resource": "*"` lets the principal assume every role whose trust
    policy trusts its account, now and in the future."""
    for stmt in policy.statements:
        if not is_allow(stmt) or not resources_are_star(stmt) or stmt.conditions:
            continue
        for pattern, _hit in _covering(stmt, ("sts:assumerole",)):
            yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} on every role")


@check(
    id="PR514",
    severity=Severity.WARNING,
    title="Secret-reading action on every resource",
    fix="Scope the action to the secrets, parameters or keys the principal needs.",
    kinds=(PolicyKind.IDENTITY, PolicyKind.SESSION),
)
def secrets_on_star(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """secretsmanager:GetSecretValue, ssm:GetParameter* and kms:Decrypt on `"Resource": "*"`
    without conditions read every secret in the account."""
    for stmt in policy.statements:
        if not is_allow(stmt) or not resources_are_star(stmt) or stmt.conditions:
            continue
        for pattern, hit in _covering(stmt, _SECRETS):
            yield ctx.report(
                span_of(pattern, stmt), f"{pattern.text!r} reads every secret", actions=hit
            )
