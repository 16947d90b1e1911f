"""Checks on Action/NotAction against the service authorization reference, and on what each
policy type accepts there."""

from __future__ import annotations

import re
from collections.abc import Iterator

from policyreason.analysis.findings import Finding
from policyreason.checks import (
    SENSITIVE_SERVICES,
    CheckContext,
    action_text,
    actions_of,
    check,
    element_span,
    is_allow,
    is_star,
    notable_actions,
    resources_are_star,
    span_of,
    split_action,
    wildcard_covers,
)
from policyreason.data import reference as ref
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.resource_type import ResourceType, resource_type
from policyreason.ir.severity import Severity
from policyreason.ir.template import canonical, pieces

# Kinds whose Allow statements grant permissions; SCPs, RCPs, boundaries and endpoint policies
# only cap what something else grants, and an Allow-all there is their usual default.
_GRANTING = (PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.SESSION)


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@check(
    id="PR201",
    severity=Severity.ERROR,
    title="Unknown service in action",
    fix="Check the service prefix in the Service Authorization Reference (e.g. `s3`, `ec2`).",
    aa_code="INVALID_SERVICE_IN_ACTION",
)
def unknown_service(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The action's service prefix is not a service in the reference, so the action matches
    nothing (or the reference is older than the service: a retired service such as
    DeepLens, or one launched after the reference's date, which every report states).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s33:GetObject", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        for pattern, facts in notable:
            parts = facts.parts
            if parts is None or facts.spaced or facts.service_wildcard or facts.known_service:
                continue
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
    aa_code="INVALID_ACTION",
)
def unknown_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The service exists but has no action of this name (a typo, or an API operation name that
    is not also a permission).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        for pattern, facts in notable:
            if facts.parts is None or facts.spaced or facts.wildcard:
                continue
            if facts.known_service and facts.action is None:
                yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} is not an action")


@check(
    id="PR203",
    severity=Severity.WARNING,
    title="Action pattern matches no action",
    fix="Fix the pattern so it matches the intended actions.",
)
def pattern_matches_nothing(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A wildcard action pattern that matches no action of the reference grants or denies
    nothing today.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetFoo*", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        for pattern, facts in notable:
            if facts.parts is None or facts.spaced or not facts.wildcard or is_star(pattern):
                continue
            if not facts.service_wildcard and not facts.known_service:
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
    """AWS documents the action as deprecated; it may stop working or already control nothing.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "es:CreateElasticsearchDomain", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "es:CreateDomain", "Resource": "*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        for pattern, facts in notable:
            found = facts.action
            if not facts.wildcard and found is not None and found.deprecated:
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
    aa_code="REDUNDANT_ACTION",
)
def duplicate_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The same action appears twice in one statement (action names ignore case).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["s3:GetObject", "S3:getobject"],
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    """
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
    aa_code="REDUNDANT_ACTION",
)
def action_covered(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A literal action that a wildcard pattern of the same statement already matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:GetCredentialReport"],
           "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:GenerateCredentialReport"],
           "Resource": "*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        by_service: dict[str, list[Pattern]] = {}
        for p, facts in notable:  # a wildcard is never plain
            if facts.wildcard:
                service = p.text.partition(":")[0].lower()
                by_service.setdefault("*" if _has_wildcard(service) else service, []).append(p)
        if not by_service:
            continue
        for pattern in stmt.actions:
            if action_text(pattern.text).wildcard:
                continue
            service = pattern.text.partition(":")[0].lower()
            wildcards = by_service.get(service, []) + by_service.get("*", [])
            if not wildcards:
                continue
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
    future; with `"Resource": "*"` and no condition it is full administrator access.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        if not is_allow(stmt) or stmt.not_action:
            continue
        for pattern, _facts in notable:
            # `*` has no colon: most actions are read no further than their text.
            if ":" in pattern.text or not is_star(pattern):
                continue
            admin = not stmt.conditions and resources_are_star(stmt)
            what = "grants administrator access" if admin else "allows every action"
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
    permission management and deletion, and actions added later.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        if not is_allow(stmt) or stmt.not_action:
            continue
        for pattern, facts in notable:
            parts = facts.parts
            if parts is None or not facts.every_action or facts.service_wildcard:
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
    and in the future.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}]}
    """
    for stmt in policy.statements:
        if is_allow(stmt) and stmt.not_action:
            yield ctx.report(
                element_span(stmt, "NotAction"),
                f"{stmt.label} allows every action except {len(stmt.actions)} listed",
            )


@check(
    id="PR210",
    severity=Severity.SUGGESTION,
    title="Wildcard in a service name",
    fix="Name the service explicitly (`ec2:Describe*`, not `*:Describe*`; `arn:aws:s3:::x`, not "
    "`arn:aws:s3*:::x`).",
    aa_code="WILDCARD_IN_SERVICE_NAME",
)
def service_wildcard(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A wildcard in the service part of an action (`*:Get*`, `s3*:List*`) or of a resource
    ARN (`arn:aws:*code*::111122223333:*`) matches services the author may not have meant,
    including services launched later.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "*:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        for pattern, facts in notable:
            if facts.service_wildcard:
                services = {a.service for a in actions_of(pattern)}
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} matches actions of {len(services)} services",
                    services=sorted(services),
                )
        for pattern in stmt.resources or ():
            fields = pattern.text.split(":", 5)
            if len(fields) == 6 and fields[2] not in ("*", "") and _has_wildcard(fields[2]):
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} has a wildcard in its service name {fields[2]!r}",
                )


@check(
    id="PR211",
    severity=Severity.ERROR,
    title="Action of a service that RCPs do not support",
    fix="Keep only actions of services that support resource control policies.",
    kinds=(PolicyKind.RCP,),
    aa_code="RCP_SYNTAX_ERROR_ACTION",
)
def rcp_unsupported_service(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Resource control policies apply to a fixed list of services (S3, STS, KMS, SQS, Secrets
    Manager, ...); actions of other services are rejected.

    Fails (kind: rcp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "Action": "ec2:RunInstances", "Resource": "*"}]}

    Passes (kind: rcp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}]}
    """
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


def _policy_resource_type(policy: Policy, ctx: CheckContext) -> ResourceType | None:
    """The resource a resource policy is validated for: a role for trust policies, else the
    configured resource type (as ValidatePolicy's resource-specific modes need one named)."""
    if policy.kind is PolicyKind.TRUST:
        return resource_type("AWS::IAM::Role")
    if policy.kind is PolicyKind.RESOURCE and ctx.resource_type:
        return resource_type(ctx.resource_type)
    return None


@check(
    id="PR212",
    severity=Severity.ERROR,
    title="Action the policy's resource does not support",
    fix="Keep only actions of the service that owns the resource (sts:AssumeRole* in a trust "
    "policy, s3: in a bucket policy, ...).",
    kinds=(PolicyKind.TRUST, PolicyKind.RESOURCE),
    aa_code="UNSUPPORTED_ACTION_IN_POLICY",
)
def unsupported_action_in_policy(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A resource policy controls access to one resource, so only its service's actions mean
    anything there: STS actions in a role trust policy, S3 actions in a bucket policy. Checked
    for trust policies, and for resource policies when the resource type is known
    (`--resource-type` or `resource-type` in the configuration).

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject"}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]}
    """
    target = _policy_resource_type(policy, ctx)
    if target is None:
        return
    for stmt in policy.statements:
        for pattern in stmt.actions:
            parts = split_action(pattern)
            if parts is not None and parts[0].lower() not in target.services:
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} has no effect in a policy of {target.name}",
                )


@check(
    id="PR213",
    severity=Severity.ERROR,
    title="Whitespace in an action",
    fix="Remove the spaces: action names contain none.",
    aa_code="INVALID_ACTION",
)
def action_whitespace(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """An action with spaces (`"s3:GetObject "`) matches no action at all.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject ", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        for pattern, facts in notable:
            if facts.spaced:
                yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} contains whitespace")


@check(
    id="PR214",
    severity=Severity.ERROR,
    title="Wildcard inside an SCP action",
    fix="Put the wildcard at the end (`iam:Get*`), or list the actions.",
    kinds=(PolicyKind.SCP,),
    aa_code="SCP_SYNTAX_ERROR_ACTION_WILDCARD",
)
def scp_action_wildcard(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Service control policies accept a wildcard in an action only at its end: `iam:Get*`,
    not `iam:*Role` or `*:Get*`.

    Fails (kind: scp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "iam:*Role", "Resource": "*"}]}

    Passes (kind: scp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": ["iam:CreateRole", "iam:DeleteRole"], "Resource": "*"}]}
    """
    for stmt in policy.statements:
        for pattern in stmt.actions:
            inner = pattern.text.rstrip("*")
            if _has_wildcard(inner):
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} has a wildcard before its end",
                )


_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _has_variable(text: str) -> bool:
    # Template values (`${AWS::AccountId}`, `${RoleName}`) are filled in before AWS reads the
    # policy, wherever they stand; only what is left of `${...}` is a policy variable.
    if "$" not in text:
        return False  # asked of every action: most have no `$`, hence no `${...}`
    bare = "".join("x" if is_ref else p for p, is_ref in pieces(canonical(text)))
    return _VARIABLE.search(bare) is not None


@check(
    id="PR215",
    severity=Severity.ERROR,
    title="Policy variable outside Resource and Condition",
    fix="Move the variable into Resource or a Condition, or write the value out.",
    aa_code="VARIABLE_UNSUPPORTED_IN_ELEMENT",
)
def variable_in_element(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Policy variables are replaced in Resource and in Condition values only; in Action or
    Principal `${aws:username}` is literal text that matches nothing.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:${aws:PrincipalTag/action}",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/${aws:username}/*"}]}
    """
    if not policy.supports_variables:
        return
    for stmt, notable in zip(policy.statements, notable_actions(policy), strict=True):
        for pattern, _facts in notable:
            if _has_variable(pattern.text):
                yield ctx.report(
                    span_of(pattern, stmt), f"{pattern.text!r}: variables are not replaced here"
                )
        if stmt.principal is not None:
            for entry in stmt.principal.entries:
                if _has_variable(entry.value):
                    yield ctx.report(
                        entry.span, f"{entry.value!r}: variables are not replaced here"
                    )
