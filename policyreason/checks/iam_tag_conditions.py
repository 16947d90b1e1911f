"""Checks on tag condition keys (aws:RequestTag, aws:ResourceTag, aws:TagKeys): written without
a tag name, or used with actions that never carry them."""

from __future__ import annotations

from collections.abc import Iterator

from policyreason.analysis.findings import Finding
from policyreason.checks import (
    CheckContext,
    action_keys,
    check,
    conditions_of,
    is_allow,
    key_info,
    known_actions,
)
from policyreason.data import reference as ref
from policyreason.ir.policy import (
    Condition,
    Family,
    Policy,
    Statement,
)
from policyreason.ir.severity import Severity

_TAG_PREFIXES = ("aws:resourcetag", "aws:requesttag", "aws:principaltag")


def missing_tag_key(key: str) -> bool:
    """A tag key written without the tag's name (`aws:ResourceTag`, `aws:RequestTag/`)."""
    return key.rstrip("/") in _TAG_PREFIXES or key.endswith("tag/")


_TAG_KEYS = ("aws:requesttag/", "aws:resourcetag/", "aws:tagkeys")


def _tag_conditions(stmt: Statement) -> list[Condition]:
    """Conditions on tag keys that need the key to be in the request to match (positive
    operators without IfExists): on an action that does not carry the key they never do."""
    return [
        c
        for c in stmt.conditions
        if c.key.startswith(_TAG_KEYS)
        and not c.op.negated
        and not c.if_exists
        and c.op.family is not Family.NULL
    ]


def _unsupported(actions: list[ref.Action], cond: Condition) -> dict[str, list[str]]:
    """Service prefix -> the statement's actions (`actions`) of that service without the tag
    key."""
    out: dict[str, list[str]] = {}
    info = key_info(cond.key_text) if actions else None
    if info is None:
        return out
    key = info.name.lower()
    for action in actions:
        if key not in action_keys(action):
            out.setdefault(action.service, []).append(action.full_name)
    return out


def _tag_findings(
    policy: Policy, ctx: CheckContext, allow: bool, effect_word: str
) -> Iterator[Finding]:
    for stmt in policy.statements:
        if is_allow(stmt) is not allow or stmt.not_action:
            continue
        conditions = _tag_conditions(stmt)
        known = (known_actions(stmt) or []) if conditions else []
        for cond in conditions:
            missing = _unsupported(known, cond)
            if missing:
                actions = [a for names in missing.values() for a in names]
                more = f" (and {len(actions) - 1} more)" if len(actions) > 1 else ""
                yield ctx.report(
                    cond.span,
                    f"{cond.key_text} is never in requests for {actions[0]}{more} of "
                    f"{', '.join(sorted(missing))}: {stmt.label} never {effect_word} them",
                    services=sorted(missing),
                    actions=actions,
                )


@check(
    id="PR333",
    severity=Severity.SUGGESTION,
    title="Allow with a tag condition some actions do not support",
    fix="Move the actions without the tag key to a statement that scopes them by resource "
    "ARN instead.",
    aa_code="ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
)
def allow_unsupported_tag_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:RequestTag, aws:ResourceTag and aws:TagKeys are global keys, yet each action carries
    only the tag keys its service supports for it. On the other actions the key is absent, so
    the condition never matches and the Allow grants them nothing, however the resource is
    tagged. (Do not switch to a Not... or ...IfExists operator: that allows them always.)

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "s3:ListAllMyBuckets"],
           "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}
    """
    yield from _tag_findings(policy, ctx, True, "allows")


@check(
    id="PR348",
    severity=Severity.SECURITY_WARNING,
    title="Deny with a tag condition some actions do not support",
    fix="Move the actions without the tag key to a Deny that scopes them by resource ARN.",
    aa_code="DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
)
def deny_unsupported_tag_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A Deny conditioned on a tag key never applies to actions that do not carry the key:
    they are not denied even on resources carrying the tag. (Do not switch to ...IfExists:
    that denies them always.)

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Resource": "*",
           "Action": ["secretsmanager:DeleteSecret", "iam:DeleteAccountPasswordPolicy"],
           "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}}}]}
    """
    yield from _tag_findings(policy, ctx, False, "denies")


def _not_action_tags(policy: Policy, ctx: CheckContext, allow: bool) -> Iterator[Finding]:
    for stmt in policy.statements:
        if is_allow(stmt) is allow and stmt.not_action:
            for cond in _tag_conditions(stmt):
                yield ctx.report(
                    cond.span,
                    f"{cond.key_text} with NotAction: every action without the key is "
                    f"{'never allowed' if allow else 'never denied'} by {stmt.label}",
                )


@check(
    id="PR347",
    severity=Severity.SECURITY_WARNING,
    title="Deny with NotAction and a tag condition",
    fix="List the denied actions in Action, and deny the others by resource ARN.",
    aa_code="DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
)
def deny_not_action_tag_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Deny with NotAction covers every action of every service, but the tag condition only
    matches on actions that carry the tag key: all the others, now and later, are not denied.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/status": "Confidential"}}}]}
    """
    yield from _not_action_tags(policy, ctx, False)


@check(
    id="PR351",
    severity=Severity.SUGGESTION,
    title="Allow with NotAction and a tag condition",
    fix="List the allowed actions in Action.",
    aa_code="ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
)
def allow_not_action_tag_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Allow with NotAction names every action of every service, but the tag condition only
    matches on actions that carry the tag key; the statement reads as broader than it is.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}
    """
    yield from _not_action_tags(policy, ctx, True)


@check(
    id="PR341",
    severity=Severity.ERROR,
    title="Tag condition key without a tag name",
    fix="Name the tag: aws:ResourceTag/team, aws:RequestTag/team, aws:PrincipalTag/team.",
    aa_code="MISSING_TAG_KEY_IN_CONDITION",
)
def tag_key_without_name(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Tag keys are written `aws:ResourceTag/tag-key`: the part after the slash names the tag
    compared. `aws:ResourceTag` alone is no key.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag": "blue"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}
    """
    for _stmt, cond in conditions_of(policy):
        if missing_tag_key(cond.key):
            yield ctx.report(cond.span, f"{cond.key_text!r} names no tag")
