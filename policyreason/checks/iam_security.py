"""Security checks read off the text: NotPrincipal, PassRole and AssumeRole on every resource,
weak federated trust, insecure transport. Public access and escalation paths are decided by
the solver (`semantic.py`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from policyreason.analysis.findings import Finding
from policyreason.checks import (
    SENSITIVE_SERVICES,
    CheckContext,
    action_text,
    check,
    element_span,
    is_allow,
    notable_actions,
    resources_are_star,
    span_of,
    wildcard_covers,
)
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import (
    Family,
    Policy,
    PolicyKind,
    PrincipalEntry,
    PrincipalType,
    Statement,
)
from policyreason.ir.severity import Severity
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
        facts = action_text(pattern.text)
        parts = facts.parts
        if parts is None or facts.every_action:
            continue
        # Cheap filter: most actions are of other services than the targets.
        candidates = targets if facts.service_wildcard else _of_service(parts[0], targets)
        if not candidates:
            continue
        hit = [t for t in candidates if wildcard_covers(pattern, t, ignore_case=True)]
        if hit:
            yield pattern, hit


@lru_cache(maxsize=1 << 12)
def _of_service(service: str, targets: tuple[str, ...]) -> tuple[str, ...]:
    """The targets (lower case) of the service an action names."""
    prefix = service.lower() + ":"
    return tuple(t for t in targets if t.startswith(prefix))


@check(
    id="PR502",
    severity=Severity.SECURITY_WARNING,
    title="Allow with NotPrincipal",
    fix="Name the principals in Principal instead of excluding some with NotPrincipal.",
    kinds=(PolicyKind.RESOURCE, PolicyKind.TRUST),
    aa_code="ALLOW_WITH_NOT_PRINCIPAL",
)
def allow_not_principal(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Allow with NotPrincipal grants access to every principal except those listed, anonymous
    callers included.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt in policy.statements:
        if is_allow(stmt) and stmt.not_principal and stmt.principal is not None:
            yield ctx.report(stmt.principal.span, f"{stmt.label} allows everyone but a few")


@check(
    id="PR505",
    severity=Severity.SECURITY_WARNING,
    title="Allow over unencrypted transport",
    fix='Allow only with "aws:SecureTransport": "true", or deny when it is "false".',
)
def allow_insecure_transport(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """An Allow conditioned on aws:SecureTransport being false grants access to plain-HTTP
    requests only.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
    """
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
    roles, attach policies, assume roles or reshape the organization: full control.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        if not is_allow(stmt) or stmt.not_action:
            continue
        for pattern, facts in notable:
            parts = facts.parts
            if parts is not None and facts.every_action and parts[0].lower() in SENSITIVE_SERVICES:
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
    to your repositories lets any GitHub workflow, in any organization, assume the role.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated":
             "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud":
             "sts.amazonaws.com"}}}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated":
             "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub":
             "repo:acme/app:ref:refs/heads/main"}}}]}
    """
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
    `aud`/`sub` claims lets every identity of that provider assume the role.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
           "Action": "sts:AssumeRoleWithWebIdentity"}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud":
             "eu-west-1:1234-abcd"}}}]}
    """
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
    aa_code="RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
)
def confused_deputy(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """When a resource policy grants an AWS service principal access, the service can be made to
    use it on behalf of other accounts unless aws:SourceArn/aws:SourceAccount pins the caller
    (the confused deputy problem). Access Analyzer suggests the condition; this rule warns,
    because without it another account's resource can make the service act on yours.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
           "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:orders"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
           "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:orders",
           "Condition": {"ArnEquals": {"aws:SourceArn":
             "arn:aws:sns:eu-west-1:111122223333:order-events"}}}]}
    """
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
    aws:SourceAccount...) identify who is trusted; a wildcard there trusts unknown accounts.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringLike": {"aws:PrincipalAccount": "1111*"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}}]}
    """
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
    policy trusts its account, now and in the future.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sts:AssumeRole",
           "Resource": "arn:aws:iam::111122223333:role/app"}]}
    """
    for stmt in policy.statements:
        if not is_allow(stmt) or stmt.conditions or not resources_are_star(stmt):
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
    without conditions read every secret in the account.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
           "Resource": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app-*"}]}
    """
    for stmt in policy.statements:
        if not is_allow(stmt) or stmt.conditions or not resources_are_star(stmt):
            continue
        for pattern, hit in _covering(stmt, _SECRETS):
            yield ctx.report(
                span_of(pattern, stmt), f"{pattern.text!r} reads every secret", actions=hit
            )


@check(
    id="PR515",
    severity=Severity.ERROR,
    title="Federated principal in a resource policy",
    fix="Grant the role the federated users assume, or move the grant to the role's trust policy.",
    kinds=(PolicyKind.RESOURCE,),
    aa_code="FEDERATED_PRINCIPAL_NOT_SUPPORTED",
)
def federated_in_resource_policy(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Federated identities act through the role they assume; only a role trust policy names
    an identity provider as principal. In a resource policy the grant applies to no caller.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app-users"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt in policy.statements:
        if stmt.principal is None:
            continue
        for entry in stmt.principal.entries:
            if entry.type is PrincipalType.FEDERATED:
                yield ctx.report(
                    entry.span, f"{entry.value!r} cannot be a resource policy principal"
                )


@check(
    id="PR516",
    severity=Severity.ERROR,
    title="NotPrincipal in a role trust policy",
    fix="Name the trusted principals in Principal.",
    kinds=(PolicyKind.TRUST,),
    aa_code="ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
)
def trust_not_principal(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A role trust policy says who may assume the role with Principal; NotPrincipal is not
    accepted there.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"},
           "Action": "sts:AssumeRole"}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]}
    """
    for stmt in policy.statements:
        if stmt.not_principal and stmt.principal is not None:
            yield ctx.report(stmt.principal.span, f"{stmt.label} uses NotPrincipal")


_IDP_ARN = re.compile(r"arn:[a-z-]+:iam::\d{12}:(saml-provider/[\w+=,.@-]+|oidc-provider/\S+)")


@check(
    id="PR517",
    severity=Severity.ERROR,
    title="Malformed federated principal in a trust policy",
    fix="Use the identity provider's ARN (arn:aws:iam::ACCOUNT:saml-provider/NAME or "
    "oidc-provider/HOST) or a web identity provider such as cognito-identity.amazonaws.com.",
    kinds=(PolicyKind.TRUST,),
    aa_code="INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
)
def invalid_federated_principal(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A Federated principal is the ARN of an IAM identity provider (SAML or OIDC) in your
    account, or one of the public web identity providers (Cognito, Google, Facebook, Login
    with Amazon); anything else trusts nobody.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated": "token.actions.githubusercontent.com"},
           "Action": "sts:AssumeRoleWithWebIdentity"}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated":
             "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub":
             "repo:acme/app:ref:refs/heads/main"}}}]}
    """
    for stmt in policy.statements:
        for entry in stmt.principal.entries if stmt.principal is not None else ():
            if entry.type is not PrincipalType.FEDERATED:
                continue
            if entry.value.lower() in _WEB_IDENTITY_HOSTS or _IDP_ARN.fullmatch(entry.value):
                continue
            yield ctx.report(entry.span, f"{entry.value!r} is not an identity provider")


_FEDERATION_ACTIONS = {
    "saml": "sts:assumerolewithsaml",
    "oidc": "sts:assumerolewithwebidentity",
    "aws": "sts:assumerole",
}


def _principal_kinds(stmt: Statement) -> set[str]:
    """How each principal of the statement assumes a role: "saml", "oidc" or "aws"."""
    out: set[str] = set()
    if stmt.principal is None:
        return out
    if stmt.principal.anyone:
        out.add("aws")
    for entry in stmt.principal.entries:
        if entry.type is PrincipalType.FEDERATED:
            out.add("saml" if ":saml-provider/" in entry.value else "oidc")
        else:
            out.add("aws")
    return out


@check(
    id="PR518",
    severity=Severity.ERROR,
    title="Assume-role action that does not fit the principal",
    fix="SAML providers assume roles with sts:AssumeRoleWithSAML, OIDC and web identity "
    "providers with sts:AssumeRoleWithWebIdentity, AWS and service principals with "
    "sts:AssumeRole.",
    kinds=(PolicyKind.TRUST,),
    aa_code="MISMATCHED_ACTION_FOR_PRINCIPAL",
)
def mismatched_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Each kind of principal assumes a role with its own API: a statement that trusts a SAML
    provider but allows only sts:AssumeRole lets nobody in.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow",
           "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp"},
           "Action": "sts:AssumeRole"}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow",
           "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp"},
           "Action": "sts:AssumeRoleWithSAML",
           "Condition": {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}}}]}
    """
    for stmt in policy.statements:
        if stmt.not_action or not is_allow(stmt):
            continue
        fitting = {_FEDERATION_ACTIONS[k] for k in _principal_kinds(stmt)}
        for pattern in stmt.actions:
            action = pattern.text.lower()
            if action in _FEDERATION_ACTIONS.values() and action not in fitting:
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} is not how the principals of {stmt.label} assume a role",
                )


_ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"
_ROLES_ANYWHERE_ACTIONS = ("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity")


@check(
    id="PR519",
    severity=Severity.ERROR,
    title="IAM Roles Anywhere trust without its three actions",
    fix="Allow sts:AssumeRole, sts:TagSession and sts:SetSourceIdentity to "
    "rolesanywhere.amazonaws.com.",
    kinds=(PolicyKind.TRUST,),
    aa_code="MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
)
def roles_anywhere_actions(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM Roles Anywhere assumes a role with sts:AssumeRole, tags the session and sets its
    source identity: its trust statement must allow all three, or sessions fail.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
           "Action": "sts:AssumeRole",
           "Condition": {"ArnEquals": {"aws:SourceArn":
             "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/ta-1"}}}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
           "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
           "Condition": {"ArnEquals": {"aws:SourceArn":
             "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/ta-1"}}}]}
    """
    for stmt in policy.statements:
        if stmt.principal is None or stmt.not_action or not is_allow(stmt):
            continue
        services = {e.value.lower() for e in stmt.principal.entries}
        if _ROLES_ANYWHERE not in services:
            continue
        missing = [
            a
            for a in _ROLES_ANYWHERE_ACTIONS
            if not any(wildcard_covers(p, a, ignore_case=True) for p in stmt.actions)
        ]
        if missing:
            yield ctx.report(
                element_span(stmt, "Action"), f"{stmt.label} does not allow {', '.join(missing)}"
            )


# Keys a trust statement can only see when it also allows the action that sets them.
_KEY_ACTIONS = (
    (("aws:requesttag/", "aws:tagkeys", "sts:transitivetagkeys"), "sts:TagSession"),
    (("sts:sourceidentity",), "sts:SetSourceIdentity"),
    (("sts:requestcontext/", "sts:requestcontextproviders"), "sts:SetContext"),
)


@check(
    id="PR521",
    severity=Severity.ERROR,
    title="Trust condition on a key the statement's actions never set",
    fix="Add the action that sets the key (sts:TagSession for session tags, "
    "sts:SetSourceIdentity for sts:SourceIdentity) to the statement.",
    kinds=(PolicyKind.TRUST,),
    aa_code="MISSING_ACTION_FOR_CONDITION_KEY",
)
def missing_action_for_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Session tags (aws:RequestTag, aws:TagKeys), a source identity and session context reach
    a trust policy only when the statement also allows sts:TagSession, sts:SetSourceIdentity
    or sts:SetContext; a condition on them without that action guards something that cannot
    happen. (Our reading of the reference's heading; its full text was not available.)

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole",
           "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"},
           "Action": ["sts:AssumeRole", "sts:TagSession"],
           "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}}}]}
    """
    for stmt in policy.statements:
        if stmt.not_action:
            continue
        for cond in stmt.conditions:
            for keys, action in _KEY_ACTIONS:
                if not cond.key.startswith(keys):
                    continue
                if not any(wildcard_covers(p, action, ignore_case=True) for p in stmt.actions):
                    yield ctx.report(cond.span, f"{cond.key_text} needs {action} in {stmt.label}")


def _claim_kind(key: str) -> str | None:
    """ "saml" for SAML assertion keys, "oidc" for identity-provider claim keys."""
    prefix = key.rpartition(":")[0]
    if prefix == "saml":
        return "saml"
    return "oidc" if "." in prefix or "/" in prefix else None


@check(
    id="PR520",
    severity=Severity.ERROR,
    title="Identity-provider claim with an action that does not carry it",
    fix="Use SAML keys with sts:AssumeRoleWithSAML and OIDC claim keys with "
    "sts:AssumeRoleWithWebIdentity.",
    kinds=(PolicyKind.TRUST,),
    aa_code="UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
)
def unsupported_action_for_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """SAML assertion keys (saml:aud, saml:sub...) exist only in sts:AssumeRoleWithSAML
    requests, OIDC claims (`<provider>:aud`, `<provider>:sub`) only in
    sts:AssumeRoleWithWebIdentity requests: with neither action in the statement the
    condition never sees them. (Our reading of the reference's heading; its full text was
    not available.)

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole",
           "Condition": {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}}}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow",
           "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp"},
           "Action": "sts:AssumeRoleWithSAML",
           "Condition": {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}}}]}
    """
    for stmt in policy.statements:
        if stmt.not_action:
            continue
        for cond in stmt.conditions:
            kind = _claim_kind(cond.key)
            if kind is None:
                continue
            needed = _FEDERATION_ACTIONS[kind]
            if not any(wildcard_covers(p, needed, ignore_case=True) for p in stmt.actions):
                yield ctx.report(cond.span, f"{cond.key_text} is never in {stmt.label}'s requests")


_UNIQUE_ID = re.compile(r"A(IDA|ROA)[A-Z0-9]{12,}")


def _unique_ids(policy: Policy, prefix: str) -> Iterator[PrincipalEntry]:
    for stmt in policy.statements:
        for entry in stmt.principal.entries if stmt.principal is not None else ():
            aws = entry.type is PrincipalType.AWS
            if aws and entry.value.startswith(prefix) and _UNIQUE_ID.fullmatch(entry.value):
                yield entry


@check(
    id="PR522",
    severity=Severity.WARNING,
    title="Role named by its unique id",
    fix="Name the role by its ARN.",
    kinds=(PolicyKind.RESOURCE, PolicyKind.TRUST),
    aa_code="INVALID_ROLE_REFERENCE",
)
def role_unique_id(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM writes a role's unique id (AROA...) in place of its ARN when the role is deleted;
    a recreated role with the same name gets a new id and is not trusted. Written by hand it
    is a trap; a policy showing one usually trusts a role that no longer exists.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "AROAEXAMPLEROLEID12345"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for entry in _unique_ids(policy, "AROA"):
        yield ctx.report(entry.span, f"{entry.value!r} is a role's unique id")


@check(
    id="PR523",
    severity=Severity.WARNING,
    title="User named by its unique id",
    fix="Name the user by its ARN.",
    kinds=(PolicyKind.RESOURCE, PolicyKind.TRUST),
    aa_code="INVALID_USER_REFERENCE",
)
def user_unique_id(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM writes a user's unique id (AIDA...) in place of its ARN when the user is deleted; a
    recreated user with the same name gets a new id and is not matched.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "AIDAEXAMPLEUSERID12345"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for entry in _unique_ids(policy, "AIDA"):
        yield ctx.report(entry.span, f"{entry.value!r} is a user's unique id")


def _github_subjects(stmt: Statement) -> list[str] | None:
    """The sub values of a statement that trusts GitHub's OIDC provider (None otherwise)."""
    if not any(host == _GITHUB for host, _span in _federated(stmt)):
        return None
    return _claim_keys(stmt, _GITHUB).get("sub", [])


@check(
    id="PR524",
    severity=Severity.WARNING,
    title="GitHub Actions trust open to many repositories or branches",
    fix='Pin the subject to a repository and branch or environment: "repo:ORG/REPO:ref:'
    'refs/heads/main" or "repo:ORG/REPO:environment:prod".',
    kinds=(PolicyKind.TRUST,),
    aa_code="SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
)
def github_specific_subject(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A wildcard in the repository or branch part of the subject (`repo:acme/*`,
    `repo:acme/app:*`) lets every matching workflow assume the role, pull requests from
    forks included. (A subject that is missing or `*` altogether is PR508.)

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated":
             "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub":
             "repo:acme/app:*"}}}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Federated":
             "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
           "Action": "sts:AssumeRoleWithWebIdentity",
           "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub":
             "repo:acme/app:ref:refs/heads/main"}}}]}
    """
    for stmt in policy.statements:
        subjects = _github_subjects(stmt)
        if not subjects or not is_allow(stmt):
            continue
        if any(s.strip("*") in ("", "repo:") for s in subjects):
            continue  # PR508
        for subject in subjects:
            if "*" in subject or "?" in subject:
                span = next(c.span for c in stmt.conditions if c.key.endswith(":sub"))
                yield ctx.report(span, f"{subject!r} matches more than one repository or branch")


@check(
    id="PR525",
    severity=Severity.SUGGESTION,
    title="Principal already trusted through its account",
    fix="Remove the role or user ARN, or the account principal if only that role is meant.",
    kinds=(PolicyKind.TRUST,),
    aa_code="REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
)
def redundant_trust_principal(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Trusting an account (`111122223333` or its `:root` ARN) already lets that account's
    administrators delegate to any of its roles and users, so listing one of them too adds
    nothing, and hides that the whole account is trusted.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": [
             "111122223333", "arn:aws:iam::111122223333:role/deployer"]}}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sts:AssumeRole",
           "Principal": {"AWS": "arn:aws:iam::111122223333:role/deployer"}}]}
    """
    for stmt in policy.statements:
        if stmt.principal is None or stmt.not_principal:
            continue
        accounts = {e.account for e in stmt.principal.entries if e.account is not None}
        for entry in stmt.principal.entries:
            fields = entry.value.split(":")
            if entry.account is None and len(fields) == 6 and fields[4] in accounts:
                yield ctx.report(entry.span, f"{entry.value!r} is in trusted account {fields[4]}")


# Keys a request from an AWS service principal never carries: the service is no member of an
# organization and has no tags or user name.
_NOT_FOR_SERVICES = ("aws:principalorgid", "aws:principalorgpaths", "aws:principaltag/")


@check(
    id="PR526",
    severity=Severity.ERROR,
    title="Principal key in a grant to a service principal",
    fix="Restrict service principals with aws:SourceArn, aws:SourceAccount or "
    "aws:SourceOrgID, which describe the resource the service acts for.",
    kinds=(PolicyKind.RESOURCE, PolicyKind.TRUST),
    aa_code="UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
)
def principal_key_for_service(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """When only AWS service principals are granted, principal keys such as
    aws:PrincipalOrgID or aws:PrincipalTag are never in the request: a positive condition on
    them never matches, a negated one always does.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
           "Action": "s3:PutObject", "Resource": "arn:aws:s3:::trail-logs/*",
           "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
           "Action": "s3:PutObject", "Resource": "arn:aws:s3:::trail-logs/*",
           "Condition": {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}}]}
    """
    for stmt in policy.statements:
        principal = stmt.principal
        if principal is None or stmt.not_principal or principal.anyone or not principal.entries:
            continue
        if any(e.type is not PrincipalType.SERVICE for e in principal.entries):
            continue
        for cond in stmt.conditions:
            if cond.key.startswith(_NOT_FOR_SERVICES) and cond.op.family is not Family.NULL:
                yield ctx.report(cond.span, f"a service principal's request has no {cond.key_text}")
