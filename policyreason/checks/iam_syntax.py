"""Checks on the document's shape: Version, Sid, size quotas, elements a kind does not allow."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from policyreason.analysis.findings import Finding, Severity
from policyreason.checks import CheckContext, check, element_span, is_allow
from policyreason.ir.policy import Policy, PolicyKind, PrincipalType, Statement
from policyreason.ir.span import Span

# IAM (and Organizations) accept only ASCII letters and digits in a Sid; resource policies of
# other services (S3, SNS, SQS, KMS...) also accept spaces and punctuation.
_IAM_KINDS = (
    PolicyKind.IDENTITY,
    PolicyKind.TRUST,
    PolicyKind.BOUNDARY,
    PolicyKind.SESSION,
    PolicyKind.SCP,
    PolicyKind.RCP,
)
_SID = re.compile(r"[A-Za-z0-9]*")

# IAM and Organizations quotas, in characters without whitespace (IAM User Guide, "IAM and AWS
# STS quotas"; Organizations User Guide, "Quotas"). The trust policy quota can be raised to 4,096.
_IDENTITY_QUOTAS = {"managed": 6_144, "user": 2_048, "role": 10_240, "group": 5_120}
_KIND_QUOTAS = {
    PolicyKind.BOUNDARY: 6_144,
    PolicyKind.TRUST: 2_048,
    PolicyKind.SESSION: 2_048,
    PolicyKind.SCP: 5_120,
    PolicyKind.RCP: 5_120,
    PolicyKind.ENDPOINT: 20_480,
}


def _quota(policy: Policy, ctx: CheckContext) -> tuple[int, str] | None:
    if policy.kind is PolicyKind.IDENTITY:
        where = ctx.attachment if ctx.attachment in _IDENTITY_QUOTAS else "managed"
        label = "managed policy" if where == "managed" else f"inline policies of a {where}"
        return _IDENTITY_QUOTAS[where], label
    if policy.kind in _KIND_QUOTAS:
        return _KIND_QUOTAS[policy.kind], f"{policy.kind.value} policy"
    return None


def _document(policy: Policy) -> dict[str, Any]:
    statements: list[dict[str, Any]] = []
    for stmt in policy.statements:
        body: dict[str, Any] = {"Effect": stmt.effect.value}
        if stmt.sid is not None:
            body["Sid"] = stmt.sid
        if stmt.principal is not None:
            grouped: dict[str, list[str]] = {}
            for entry in stmt.principal.entries:
                grouped.setdefault(entry.type.value, []).append(entry.value)
            if stmt.principal.anyone:
                grouped.setdefault(PrincipalType.AWS.value, []).append("*")
            body["NotPrincipal" if stmt.not_principal else "Principal"] = grouped
        body["NotAction" if stmt.not_action else "Action"] = [a.text for a in stmt.actions]
        if stmt.resources is not None:
            body["NotResource" if stmt.not_resource else "Resource"] = [
                r.text for r in stmt.resources
            ]
        conditions: dict[str, dict[str, list[str]]] = {}
        for cond in stmt.conditions:
            conditions.setdefault(cond.operator_text, {})[cond.key_text] = [
                v.text for v in cond.values
            ]
        if conditions:
            body["Condition"] = conditions
        statements.append(body)
    doc: dict[str, Any] = {"Statement": statements}
    if policy.version is not None:
        doc["Version"] = policy.version
    if policy.id is not None:
        doc["Id"] = policy.id
    return doc


def policy_size(policy: Policy, source: str | None) -> int:
    """Characters of the document without whitespace outside strings, as IAM counts them."""
    if source is not None:
        try:
            parsed = json.loads(source)
        except ValueError:
            parsed = None
        if parsed is not None:
            return len(json.dumps(parsed, separators=(",", ":"), ensure_ascii=False))
    return len(json.dumps(_document(policy), separators=(",", ":"), ensure_ascii=False))


@check(
    id="PR101",
    severity=Severity.WARNING,
    title="Missing Version",
    fix='Add "Version": "2012-10-17" at the top of the policy.',
)
def missing_version(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Without a Version element IAM reads the policy as Version 2008-10-17, where policy
    variables such as `${aws:username}` are plain text."""
    if policy.version is None:
        yield ctx.report(policy.span, "the policy has no Version element")


def _variable_texts(stmt: Statement) -> Iterator[tuple[str, Span]]:
    for resource in stmt.resources or ():
        yield resource.text, resource.span or stmt.span
    for cond in stmt.conditions:
        for value in cond.values:
            yield value.text, value.span


@check(
    id="PR102",
    severity=Severity.WARNING,
    title="Policy variable in a policy without Version 2012-10-17",
    fix='Set "Version": "2012-10-17" so that ${...} is replaced by the request value.',
)
def variables_need_2012(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Policy variables exist only in Version 2012-10-17 policies; elsewhere `${aws:username}` is
    compared as the literal text `${aws:username}`, which no request carries."""
    if policy.supports_variables:
        return
    for stmt in policy.statements:
        for text, span in _variable_texts(stmt):
            if "${" in text:
                yield ctx.report(span, f"{text!r} is literal text in this policy version")


@check(
    id="PR103",
    severity=Severity.SUGGESTION,
    title="Outdated policy Version",
    fix='Use "Version": "2012-10-17".',
)
def outdated_version(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Version 2008-10-17 is the old policy language: no policy variables and no new features."""
    if policy.version == "2008-10-17":
        yield ctx.report(policy.span, 'Version "2008-10-17" is outdated')


@check(
    id="PR104",
    severity=Severity.ERROR,
    title="Duplicate Sid",
    fix="Give each statement a unique Sid.",
)
def duplicate_sid(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Statement ids must be unique within a policy; IAM rejects a policy that repeats one."""
    seen = Counter(s.sid for s in policy.statements if s.sid)
    reported: set[str] = set()
    for stmt in policy.statements:
        if stmt.sid and seen[stmt.sid] > 1 and stmt.sid not in reported:
            reported.add(stmt.sid)
            yield ctx.report(
                element_span(stmt, "Sid"),
                f"Sid {stmt.sid!r} is used by {seen[stmt.sid]} statements",
            )


@check(
    id="PR105",
    severity=Severity.ERROR,
    title="Invalid characters in Sid",
    fix="Use only ASCII letters and digits in the Sid.",
    kinds=_IAM_KINDS,
)
def invalid_sid(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM and AWS Organizations policies accept only letters (A-Z, a-z) and digits in a Sid."""
    for stmt in policy.statements:
        if stmt.sid and not _SID.fullmatch(stmt.sid):
            yield ctx.report(
                element_span(stmt, "Sid"),
                f"Sid {stmt.sid!r} contains characters other than letters and digits",
            )


@check(
    id="PR106",
    severity=Severity.WARNING,
    title="Empty Sid",
    fix="Remove the empty Sid or give the statement a name.",
)
def empty_sid(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """An empty Sid names nothing, and several empty Sids count as duplicates in some services."""
    for stmt in policy.statements:
        if stmt.sid == "":
            yield ctx.report(element_span(stmt, "Sid"), f"{stmt.label} has an empty Sid")


@check(
    id="PR107",
    severity=Severity.ERROR,
    title="Policy size exceeds the quota",
    fix="Split the policy, or merge actions with wildcards and drop duplicates.",
)
def size_quota(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM and Organizations reject policies above their size quota: managed 6,144 characters,
    inline 2,048 (user), 10,240 (role), 5,120 (group), trust 2,048, SCP/RCP 5,120, session 2,048;
    whitespace outside strings does not count."""
    quota = _quota(policy, ctx)
    if quota is None:
        return
    limit, label = quota
    size = policy_size(policy, ctx.source)
    if size > limit:
        yield ctx.report(
            policy.span,
            f"the policy has {size:,} characters; the quota for a {label} is {limit:,}",
            size=size,
            quota=limit,
        )


@check(
    id="PR108",
    severity=Severity.WARNING,
    title="Policy without statements",
    fix="Add a statement or delete the policy.",
)
def no_statements(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A policy with an empty Statement list grants and denies nothing."""
    if not policy.statements:
        yield ctx.report(policy.span, "the policy has no statements")


def _fingerprint(stmt: Statement) -> tuple[Any, ...]:
    principal = (
        None
        if stmt.principal is None
        else (
            stmt.principal.anyone,
            tuple(sorted((e.type.value, e.value) for e in stmt.principal.entries)),
        )
    )
    return (
        stmt.effect,
        stmt.not_principal,
        principal,
        stmt.not_action,
        tuple(sorted(a.text.lower() for a in stmt.actions)),
        stmt.not_resource,
        None if stmt.resources is None else tuple(sorted(r.text for r in stmt.resources)),
        tuple(
            sorted(
                (c.operator_text.lower(), c.key, tuple(sorted(v.text for v in c.values)))
                for c in stmt.conditions
            )
        ),
    )


@check(
    id="PR109",
    severity=Severity.SUGGESTION,
    title="Duplicate statement",
    fix="Delete the repeated statement.",
)
def duplicate_statement(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Two statements that are identical apart from their Sid: the second adds nothing."""
    first: dict[tuple[Any, ...], Statement] = {}
    for stmt in policy.statements:
        key = _fingerprint(stmt)
        if key in first:
            yield ctx.report(stmt.span, f"{stmt.label} repeats {first[key].label}")
        else:
            first[key] = stmt


@check(
    id="PR110",
    severity=Severity.ERROR,
    title="Allow statement in a resource control policy",
    fix="RCPs take only Deny statements; express the rule as a Deny with conditions.",
    kinds=(PolicyKind.RCP,),
)
def rcp_allow(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Resource control policies support only Deny statements (the Allow-all RCPFullAWSAccess is
    managed by AWS and cannot be authored)."""
    for stmt in policy.statements:
        if is_allow(stmt):
            yield ctx.report(element_span(stmt, "Effect"), f"{stmt.label} is an Allow in an RCP")


@check(
    id="PR111",
    severity=Severity.ERROR,
    title="Specific principal in a resource control policy",
    fix='Use "Principal": "*" and restrict principals with conditions such as aws:PrincipalArn.',
    kinds=(PolicyKind.RCP,),
)
def rcp_principal(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """In an RCP the Principal must be `"*"`, and NotPrincipal is not supported."""
    for stmt in policy.statements:
        if stmt.principal is None:
            continue
        if stmt.not_principal or not stmt.principal.anyone or stmt.principal.entries:
            element = "NotPrincipal" if stmt.not_principal else "Principal"
            yield ctx.report(stmt.principal.span, f'{stmt.label}: {element} in an RCP must be "*"')


@check(
    id="PR112",
    severity=Severity.ERROR,
    title="Resource element in a trust policy",
    fix="Delete Resource/NotResource: the role the trust policy is attached to is the resource.",
    kinds=(PolicyKind.TRUST,),
)
def trust_resource(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A role trust policy has no Resource or NotResource element; IAM rejects it."""
    for stmt in policy.statements:
        if stmt.resources is not None:
            yield ctx.report(
                element_span(stmt, "Resource", "NotResource"),
                f"{stmt.label} has a Resource element in a trust policy",
            )


@check(
    id="PR113",
    severity=Severity.WARNING,
    title="Deny with NotPrincipal",
    fix='Use Principal "*" with an ArnNotEquals condition on aws:PrincipalArn instead.',
    kinds=(PolicyKind.RESOURCE,),
)
def deny_not_principal(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Deny with NotPrincipal must list the exact session ARNs of assumed roles to exempt them, and
    it breaks silently when a role is recreated; AWS recommends a condition on aws:PrincipalArn."""
    for stmt in policy.statements:
        if stmt.not_principal and not is_allow(stmt) and stmt.principal is not None:
            yield ctx.report(stmt.principal.span, f"{stmt.label} denies with NotPrincipal")
