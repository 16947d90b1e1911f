"""Checks on Action/NotAction against the service authorization reference."""

from __future__ import annotations

import re
from collections.abc import Iterator

from policyreason.analysis.findings import Finding, Severity
from policyreason.checks import (
    SENSITIVE_SERVICES,
    CheckContext,
    actions_of,
    check,
    element_span,
    is_allow,
    is_star,
    resources_are_star,
    span_of,
    split_action,
    wildcard_covers,
)
from policyreason.data import reference as ref
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Policy, PolicyKind

# Kinds whose Allow statements grant permissions; SCPs, RCPs, boundaries and endpoint policies
# only cap what something else grants, and an Allow-all there is their usual default.
_GRANTING = (PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.SESSION)


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


_SPACE = re.compile(r"\s")


def _well_formed(pattern: Pattern) -> tuple[str, str] | None:
    parts = split_action(pattern)
    if parts is None or _SPACE.search(pattern.text):
        return None
    return parts


@check(
    id="PR201",
    severity=Severity.ERROR,
    title="Unknown service in action",
    fix="Check the service prefix in the Service Authorization Reference (e.g. `s3`, `ec2`).",
)
def unknown_service(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The action's service prefix is not a service in the reference, so the action matches
    nothing (or the reference is older than the service)."""
    for stmt in policy.statements:
        for pattern in stmt.actions:
            parts = _well_formed(pattern)
            if parts is None or _has_wildcard(parts[0]):
                continue
            if ref.service(parts[0]) is None:
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"unknown service prefix {parts[0]!r} in {pattern.text!r}",
                    service=parts[0],
                )


@check(
    id="PR202",
    severity=Severity.ERROR,
    title="Unknown action",
    fix="Check the action name in the Service Authorization Reference.",
)
def unknown_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The service exists but has no action of this name (a typo, or an API operation name that
    is not also a permission)."""
    for stmt in policy.statements:
        for pattern in stmt.actions:
            parts = _well_formed(pattern)
            if parts is None or _has_wildcard(pattern.text):
                continue
            if ref.service(parts[0]) is not None and ref.action(pattern.text) is None:
                yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} is not an action")


@check(
    id="PR203",
    severity=Severity.WARNING,
    title="Action pattern matches no action",
    fix="Fix the pattern so it matches the intended actions.",
)
def pattern_matches_nothing(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A wildcard action pattern that matches no action of the reference grants or denies
    nothing today."""
    for stmt in policy.statements:
        for pattern in stmt.actions:
            parts = _well_formed(pattern)
            if parts is None or not _has_wildcard(pattern.text) or is_star(pattern):
                continue
            if not _has_wildcard(parts[0]) and ref.service(parts[0]) is None:
                continue  # reported as an unknown service
            if not actions_of(pattern):
                yield ctx.report(
                    span_of(pattern, stmt), f"{pattern.text!r} matches no known action"
                )


@check(
    id="PR204",
    severity=Severity.WARNING,
    title="Deprecated action",
    fix="Use the replacement action the reference names.",
)
def deprecated_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """AWS documents the action as deprecated; it may stop working or already control nothing."""
    for stmt in policy.statements:
        for pattern in stmt.actions:
            if _has_wildcard(pattern.text):
                continue
            found = ref.action(pattern.text)
            if found is not None and found.deprecated:
                instead = f"; use {found.replacement}" if found.replacement else ""
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{found.full_name} is deprecated{instead}",
                    replacement=found.replacement,
                )


@check(
    id="PR205",
    severity=Severity.SUGGESTION,
    title="Duplicate action",
    fix="Delete the repeated action.",
)
def duplicate_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The same action appears twice in one statement (action names ignore case)."""
    for stmt in policy.statements:
        seen: set[str] = set()
        for pattern in stmt.actions:
            key = pattern.text.lower()
            if key in seen:
                yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} is listed twice")
            seen.add(key)


@check(
    id="PR206",
    severity=Severity.SUGGESTION,
    title="Action covered by a wildcard in the same statement",
    fix="Delete the action; the wildcard already includes it.",
)
def action_covered(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A literal action that a wildcard pattern of the same statement already matches."""
    for stmt in policy.statements:
        by_service: dict[str, list[Pattern]] = {}
        for p in stmt.actions:
            if _has_wildcard(p.text):
                service = p.text.partition(":")[0].lower()
                by_service.setdefault("*" if _has_wildcard(service) else service, []).append(p)
        if not by_service:
            continue
        for pattern in stmt.actions:
            if _has_wildcard(pattern.text):
                continue
            service = pattern.text.partition(":")[0].lower()
            wildcards = by_service.get(service, []) + by_service.get("*", [])
            cover = next((w for w in wildcards if wildcard_covers(w, pattern.text, True)), None)
            if cover is not None:
                yield ctx.report(
                    span_of(pattern, stmt), f"{pattern.text!r} is already matched by {cover.text!r}"
                )


@check(
    id="PR207",
    severity=Severity.SECURITY_WARNING,
    title="Allow of every action",
    fix="List the actions the principal needs instead of `*`.",
    kinds=_GRANTING,
)
def allow_all_actions(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """`"Action": "*"` in an Allow statement grants every action of every service, present and
    future; with `"Resource": "*"` and no condition it is full administrator access."""
    for stmt in policy.statements:
        if not is_allow(stmt) or stmt.not_action:
            continue
        admin = resources_are_star(stmt) and not stmt.conditions
        what = "grants administrator access" if admin else "allows every action"
        for pattern in stmt.actions:
            if is_star(pattern):
                yield ctx.report(span_of(pattern, stmt), f"{stmt.label} {what}")


@check(
    id="PR208",
    severity=Severity.WARNING,
    title="Allow of every action of a service",
    fix="List the actions needed, or a narrower pattern such as `s3:Get*`.",
    kinds=_GRANTING,
)
def allow_service_wildcard(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """`service:*` in an Allow statement grants every action of the service, including
    permission management and deletion, and actions added later."""
    for stmt in policy.statements:
        if not is_allow(stmt) or stmt.not_action:
            continue
        for pattern in stmt.actions:
            parts = split_action(pattern)
            if parts is None or parts[1].strip("*") != "" or _has_wildcard(parts[0]):
                continue
            # iam:*, sts:* and organizations:* are reported as security warnings (PR506).
            if parts[0].lower() not in SENSITIVE_SERVICES:
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} allows every action of {parts[0]}",
                    service=parts[0],
                )


@check(
    id="PR209",
    severity=Severity.SECURITY_WARNING,
    title="Allow with NotAction",
    fix="List the allowed actions in Action instead of excluding some with NotAction.",
    kinds=_GRANTING,
)
def allow_not_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Allow with NotAction grants every action except those listed, across all services, now
    and in the future."""
    for stmt in policy.statements:
        if is_allow(stmt) and stmt.not_action:
            yield ctx.report(
                element_span(stmt, "NotAction"),
                f"{stmt.label} allows every action except {len(stmt.actions)} listed",
            )


@check(
    id="PR210",
    severity=Severity.WARNING,
    title="Wildcard in the service prefix of an action",
    fix="Name the service explicitly (`ec2:Describe*`, not `*:Describe*`).",
)
def service_wildcard(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A wildcard in the service prefix (`*:Get*`, `s3*:List*`) matches actions of services the
    author may not have meant, including services launched later."""
    for stmt in policy.statements:
        for pattern in stmt.actions:
            parts = split_action(pattern)
            if parts is not None and _has_wildcard(parts[0]):
                services = {a.service for a in actions_of(pattern)}
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} matches actions of {len(services)} services",
                    services=sorted(services),
                )


@check(
    id="PR211",
    severity=Severity.ERROR,
    title="Action of a service that RCPs do not support",
    fix="Keep only actions of services that support resource control policies.",
    kinds=(PolicyKind.RCP,),
)
def rcp_unsupported_service(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Resource control policies apply to a fixed list of services; actions of other services
    are rejected."""
    supported = set(ref.rcp_services())
    for stmt in policy.statements:
        for pattern in stmt.actions:
            parts = split_action(pattern)
            if parts is None or _has_wildcard(parts[0]):
                continue
            if parts[0].lower() not in supported:
                yield ctx.report(
                    span_of(pattern, stmt), f"RCPs do not support the service {parts[0]!r}"
                )


_TRUST_SERVICES = ("sts",)


@check(
    id="PR212",
    severity=Severity.ERROR,
    title="Trust policy action that is not an STS action",
    fix="A trust policy grants sts:AssumeRole* (and sts:TagSession, sts:SetSourceIdentity...).",
    kinds=(PolicyKind.TRUST,),
)
def trust_non_sts_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A role trust policy controls who may assume the role: only STS actions mean anything
    there."""
    for stmt in policy.statements:
        for pattern in stmt.actions:
            parts = split_action(pattern)
            if parts is not None and parts[0].lower() not in _TRUST_SERVICES:
                yield ctx.report(
                    span_of(pattern, stmt), f"{pattern.text!r} has no effect in a trust policy"
                )


@check(
    id="PR213",
    severity=Severity.ERROR,
    title="Whitespace in an action",
    fix="Remove the spaces: action names contain none.",
)
def action_whitespace(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """An action with spaces (`"s3:GetObject "`) matches no action at all."""
    for stmt in policy.statements:
        for pattern in stmt.actions:
            if _SPACE.search(pattern.text):
                yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} contains whitespace")
