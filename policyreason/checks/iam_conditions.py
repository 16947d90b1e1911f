"""Checks on Condition blocks: keys, operator/key types, set qualifiers, values, and tag keys the
statement's actions do not carry."""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Iterator

from policyreason.analysis.findings import Finding, Severity
from policyreason.checks import CheckContext, check, is_allow, known_actions
from policyreason.data import reference as ref
from policyreason.ir.pattern import Pattern, Variable
from policyreason.ir.policy import (
    Comparison,
    Condition,
    ConditionValue,
    Family,
    Policy,
    SetQualifier,
    Statement,
)
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JArray, JObject, JScalar

# Which key types each operator family compares meaningfully. Null tests presence only.
_FAMILY_TYPES: dict[Family, frozenset[str]] = {
    Family.STRING: frozenset({"String", "ARN"}),
    Family.ARN: frozenset({"ARN"}),
    Family.NUMERIC: frozenset({"Numeric"}),
    Family.DATE: frozenset({"Date"}),
    Family.BOOL: frozenset({"Bool"}),
    Family.IP: frozenset({"IPAddress"}),
    Family.BINARY: frozenset({"Binary"}),
}
_STRICT_FAMILIES = (Family.NUMERIC, Family.DATE, Family.BOOL, Family.IP, Family.BINARY)

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
_ACCOUNT_KEYS = frozenset(
    {"aws:sourceaccount", "aws:principalaccount", "aws:resourceaccount", "aws:vpceaccount"}
)
_ORG_ID_KEYS = frozenset(
    {"aws:principalorgid", "aws:resourceorgid", "aws:sourceorgid", "aws:vpceorgid"}
)
_ORG_PATH_KEYS = frozenset(
    {"aws:principalorgpaths", "aws:resourceorgpaths", "aws:sourceorgpaths", "aws:vpceorgpaths"}
)
# RFC 1918 and IPv6 unique local addresses: what VPC-internal callers have.
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_PRINCIPAL_TYPES = frozenset({"Account", "User", "FederatedUser", "AssumedRole", "Anonymous"})


def _conditions(policy: Policy) -> Iterator[tuple[Statement, Condition]]:
    for stmt in policy.statements:
        for cond in stmt.conditions:
            yield stmt, cond


# aws:ARN is no condition key; it is reported as unsupported (PR338) rather than unknown.
_UNSUPPORTED_GLOBAL = frozenset({"aws:arn"})
_TAG_PREFIXES = ("aws:resourcetag", "aws:requesttag", "aws:principaltag")


def _missing_tag_key(key: str) -> bool:
    """A tag key written without the tag's name (`aws:ResourceTag`, `aws:RequestTag/`)."""
    return key.rstrip("/") in _TAG_PREFIXES or key.endswith("tag/")


def _clean(cond: Condition) -> bool:
    return not any(ch.isspace() for ch in cond.key_text)


def _prefix(cond: Condition) -> str:
    return cond.key_text.partition(":")[0].lower()


def _is_provider_prefix(prefix: str) -> bool:
    # OIDC providers (token.actions.githubusercontent.com, oidc.eks.../id/...) key their own
    # claims; the reference lists only a few of them.
    return "." in prefix or "/" in prefix


def _literal_values(cond: Condition) -> Iterator[tuple[ConditionValue, str]]:
    """Values compared as plain text: no wildcard in Like operators and no variable."""
    for value in cond.values:
        pattern = value.pattern
        if pattern is None:
            continue
        if pattern.has_variable or (cond.op.comparison is Comparison.LIKE and pattern.has_wildcard):
            continue
        yield value, value.text


@check(
    id="PR301",
    severity=Severity.ERROR,
    title="Unknown global condition key",
    fix="Check the key against the IAM User Guide list of global condition keys.",
    aa_code="INVALID_GLOBAL_CONDITION_KEY",
)
def unknown_global_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A key with the `aws:` prefix that is not a global condition key is never in the request
    context: positive operators on it never match, negated ones always do.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIpp": "203.0.113.0/24"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.key in _UNSUPPORTED_GLOBAL or _missing_tag_key(cond.key):
            continue
        if _clean(cond) and _prefix(cond) == "aws" and ref.condition_key(cond.key_text) is None:
            yield ctx.report(cond.span, f"{cond.key_text!r} is not a global condition key")


@check(
    id="PR302",
    severity=Severity.ERROR,
    title="Unknown service condition key",
    fix="Check the key in the service's page of the Service Authorization Reference.",
    aa_code="INVALID_SERVICE_CONDITION_KEY",
)
def unknown_service_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The key's prefix is a service, but that service defines no such key.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports",
           "Condition": {"StringLike": {"s3:prefixx": "home/*"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports",
           "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        prefix = _prefix(cond)
        if not _clean(cond) or prefix == "aws" or ref.service(prefix) is None:
            continue
        if _missing_tag_key(cond.key):
            continue
        if ref.condition_key(cond.key_text) is None:
            yield ctx.report(cond.span, f"{prefix} has no condition key {cond.key_text!r}")


@check(
    id="PR303",
    severity=Severity.ERROR,
    title="Condition key with an unknown prefix",
    fix="Use `aws:` for global keys or a service prefix such as `s3:`.",
    aa_code="INVALID_SERVICE",
)
def unknown_key_prefix(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The part before `:` is neither `aws`, a service, nor an identity provider.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports",
           "Condition": {"StringLike": {"s4:prefix": "home/*"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports",
           "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        prefix = _prefix(cond)
        if not _clean(cond) or prefix == "aws" or ref.service(prefix) is not None:
            continue
        if ":" not in cond.key:
            continue  # PR336: no prefix at all
        if _is_provider_prefix(prefix) or ref.key_prefix_services(prefix):
            continue
        if ref.condition_key(cond.key_text) is None:
            yield ctx.report(cond.span, f"{cond.key_text!r} has an unknown prefix {prefix!r}")


def _supported_keys(actions: list[ref.Action]) -> set[str]:
    keys: set[str] = set()
    for action in actions:
        keys.update(k.lower() for k in action.condition_keys)
        svc = ref.service(action.service)
        assert svc is not None
        for rt in action.resource_types:
            keys.update(k.lower() for k in rt.condition_keys)
            rtype = svc.resource_types.get(rt.name)
            if rtype is not None:
                keys.update(k.lower() for k in rtype.condition_keys)
    return keys


@check(
    id="PR304",
    severity=Severity.WARNING,
    title="Condition key not supported by the statement's actions",
    fix="Use a key the actions support, or move the condition to a statement whose actions do.",
)
def key_not_supported(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A service key that none of the statement's actions (or their resource types) supports is
    absent from every request the statement matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"ec2:Region": "eu-west-1"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "blue"}}}]}
    """
    for stmt in policy.statements:
        keyed = [c for c in stmt.conditions if _clean(c) and ref.global_key(c.key_text) is None]
        actions = known_actions(stmt) if keyed else None
        if not actions:
            continue
        supported = _supported_keys(actions)
        for cond in keyed:
            info = ref.condition_key(cond.key_text)
            if info is None or ref.service(_prefix(cond)) is None:
                continue
            if info.name.lower() not in supported:
                yield ctx.report(cond.span, f"no action of {stmt.label} supports {cond.key_text!r}")


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


def _unsupported(stmt: Statement, cond: Condition) -> dict[str, list[str]]:
    """Service prefix -> the statement's actions of that service without the tag key."""
    actions = known_actions(stmt) or []
    out: dict[str, list[str]] = {}
    for action in actions:
        info = ref.condition_key(cond.key_text)
        if info is not None and info.name.lower() not in _supported_keys([action]):
            out.setdefault(action.service, []).append(action.full_name)
    return out


def _tag_findings(
    policy: Policy, ctx: CheckContext, allow: bool, effect_word: str
) -> Iterator[Finding]:
    for stmt in policy.statements:
        if is_allow(stmt) is not allow or stmt.not_action:
            continue
        for cond in _tag_conditions(stmt):
            missing = _unsupported(stmt, cond)
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


def _type_checked(
    policy: Policy, test: Callable[[Condition, ref.ConditionKey], str | None]
) -> Iterator[tuple[Condition, str]]:
    for _stmt, cond in _conditions(policy):
        if cond.op.family is Family.NULL:
            continue
        info = ref.condition_key(cond.key_text)
        if info is None:
            continue
        problem = test(cond, info)
        if problem is not None:
            yield cond, problem


def _strict_mismatch(cond: Condition, info: ref.ConditionKey) -> str | None:
    family = cond.op.family
    if family not in _STRICT_FAMILIES or info.base_type in _FAMILY_TYPES[family]:
        return None
    if family is Family.NUMERIC and info.also_numeric:
        return None
    return f"{cond.operator_text} compares {family.value} values, but {info.name} is {info.type}"


@check(
    id="PR305",
    severity=Severity.WARNING,
    title="Condition operator does not fit the key's type",
    fix="Use the operator family of the key's type (Date*, Numeric*, Bool, IpAddress...).",
    aa_code="TYPE_MISMATCH",
)
def operator_type_mismatch(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Numeric, Date, Bool, IpAddress and Binary operators only work on keys of that type; on
    another type the comparison never matches (e.g. IpAddress on aws:SourceVpc).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"DateGreaterThan": {"aws:SourceIp": "2024-01-01T00:00:00Z"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}}]}
    """
    for cond, problem in _type_checked(policy, _strict_mismatch):
        yield ctx.report(cond.span, problem)


def _string_on_typed(cond: Condition, info: ref.ConditionKey) -> str | None:
    if cond.op.family is not Family.STRING or info.base_type in _FAMILY_TYPES[Family.STRING]:
        return None
    return f"{cond.operator_text} compares text, but {info.name} is {info.type}"


@check(
    id="PR306",
    severity=Severity.WARNING,
    title="String operator on a non-string key",
    fix="Use the operator family of the key's type (DateLessThan, NumericEquals, Bool...).",
    aa_code="TYPE_MISMATCH",
)
def string_operator_on_typed_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """String operators compare the key's text form: dates, numbers, booleans and IP addresses
    written differently (`2024-01-01` vs `2024-01-01T00:00:00Z`, `10.0.0.0/8`) do not match.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:CurrentTime": "2024-01-01"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"DateEquals": {"aws:CurrentTime": "2024-01-01"}}}]}
    """
    for cond, problem in _type_checked(policy, _string_on_typed):
        yield ctx.report(cond.span, problem)


def _arn_on_string(cond: Condition, info: ref.ConditionKey) -> str | None:
    if cond.op.family is not Family.ARN or info.base_type == "ARN":
        return None
    return f"{cond.operator_text} splits values as ARNs, but {info.name} is {info.type}"


@check(
    id="PR307",
    severity=Severity.WARNING,
    title="ARN operator on a non-ARN key",
    fix="Use a String operator (StringEquals, StringLike) for this key.",
    aa_code="TYPE_MISMATCH",
)
def arn_operator_on_non_arn_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ARN operators compare segment by segment and never match a value that is not an ARN.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnLike": {"aws:PrincipalOrgID": "o-*"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:reports"}}}]}
    """
    for cond, problem in _type_checked(policy, _arn_on_string):
        yield ctx.report(cond.span, problem)


def _string_on_arn(cond: Condition, info: ref.ConditionKey) -> str | None:
    if cond.op.family is not Family.STRING or info.base_type != "ARN":
        return None
    if cond.op.comparison is not Comparison.LIKE:
        return None
    return f"{info.name} is an ARN; ArnEquals/ArnLike compare it segment by segment"


@check(
    id="PR308",
    severity=Severity.SUGGESTION,
    title="StringLike on an ARN key",
    fix="Use ArnLike (ArnNotLike) for ARN keys.",
    aa_code="STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
)
def string_operator_on_arn_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """AWS recommends ARN operators for ARN-typed keys: a `*` in StringLike spans `:`
    separators, in ArnLike it stays within one segment.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringLike": {"aws:SourceArn": "arn:aws:sns:*:*:reports"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:reports"}}}]}
    """
    for cond, problem in _type_checked(policy, _string_on_arn):
        yield ctx.report(cond.span, problem)


@check(
    id="PR309",
    severity=Severity.SECURITY_WARNING,
    title="ForAllValues on a single-valued key",
    fix="Drop ForAllValues: the key has one value.",
    aa_code="FORALLVALUES_WITH_SINGLE_VALUED_KEY",
)
def qualifier_on_single_valued(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ForAllValues is for multivalued keys. On a single-valued key it is also true when the
    key is missing, so an Allow with it also allows requests without the key at all.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAllValues:StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        info = ref.condition_key(cond.key_text)
        if (
            cond.qualifier is SetQualifier.FOR_ALL_VALUES
            and info is not None
            and not info.multivalued
        ):
            yield ctx.report(
                cond.span, f"{cond.qualifier.value} on single-valued key {cond.key_text!r}"
            )


@check(
    id="PR310",
    severity=Severity.ERROR,
    title="Multivalued key without a set qualifier",
    fix="Prefix the operator with ForAllValues: or ForAnyValue:.",
    aa_code="MISSING_QUALIFIER",
)
def multivalued_without_qualifier(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A multivalued key (aws:TagKeys, aws:CalledVia...) holds a set; without ForAllValues or
    ForAnyValue it is unclear whether every value or some value must match.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:TagKeys": "team"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "team"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.qualifier is not None or cond.op.family is Family.NULL:
            continue
        if ref.is_multivalued(cond.key_text):
            yield ctx.report(
                cond.span, f"{cond.key_text!r} is multivalued; say ForAllValues or ForAnyValue"
            )


def _guards_presence(stmt: Statement, key: str) -> bool:
    for cond in stmt.conditions:
        if cond.key != key:
            continue
        if cond.op.family is Family.NULL and any(v.flag is False for v in cond.values):
            return True
        if cond.qualifier is SetQualifier.FOR_ANY_VALUE and not cond.op.negated:
            return True
    return False


@check(
    id="PR311",
    severity=Severity.SECURITY_WARNING,
    title="ForAllValues in an Allow statement without a presence check",
    fix='Add "Null": {"<key>": "false"} so a request without the key is not allowed.',
)
def for_all_values_allow(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ForAllValues is true when the key is missing or empty, so an Allow with it also allows
    requests that carry no such key at all (fail-open).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "team"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "team"},
                         "Null": {"aws:TagKeys": "false"}}}]}
    """
    for stmt, cond in _conditions(policy):
        if (
            is_allow(stmt)
            and cond.qualifier is SetQualifier.FOR_ALL_VALUES
            and not _guards_presence(stmt, cond.key)
        ):
            yield ctx.report(
                cond.span, f"ForAllValues on {cond.key_text!r} also matches when the key is absent"
            )


@check(
    id="PR312",
    severity=Severity.WARNING,
    title="ForAnyValue with a negated operator",
    fix="Use ForAllValues with the negated operator to require that no value matches.",
)
def for_any_value_negated(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ForAnyValue:StringNotEquals is true as soon as one value differs from the list, which is
    almost always; "none of the values is in the list" is ForAllValues:StringNotEquals.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAnyValue:StringNotEquals": {"aws:TagKeys": "team"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAllValues:StringNotEquals": {"aws:TagKeys": "team"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.qualifier is SetQualifier.FOR_ANY_VALUE and cond.op.negated:
            yield ctx.report(cond.span, f"{cond.operator_text} is true when any one value differs")


@check(
    id="PR313",
    severity=Severity.WARNING,
    title="Wildcard in an operator that does not expand it",
    fix="Use StringLike (or StringNotLike) for `*` and `?` to act as wildcards.",
    aa_code="WILDCARD_WITHOUT_LIKE_OPERATOR",
)
def wildcard_without_like(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """In StringEquals and the other non-Like string operators `*` and `?` are ordinary
    characters, so `"arn:aws:iam::*"` matches only that literal text.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue*"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringLike": {"aws:PrincipalTag/team": "blue*"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.op.family is not Family.STRING or cond.op.comparison is not Comparison.EQ:
            continue
        for value in cond.values:
            if "*" in value.text or "?" in value.text:
                yield ctx.report(
                    value.span, f"{value.text!r}: {cond.operator_text} treats * and ? literally"
                )


@check(
    id="PR314",
    severity=Severity.SUGGESTION,
    title="Like operator without a wildcard",
    fix="Use StringEquals (StringNotEquals) when no value has a wildcard.",
)
def like_without_wildcard(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """StringLike with only literal values behaves like StringEquals; the exact operator says
    what is meant.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringLike": {"aws:PrincipalTag/team": "blue"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.op.family is not Family.STRING or cond.op.comparison is not Comparison.LIKE:
            continue
        patterns = [v.pattern for v in cond.values if v.pattern is not None]
        if patterns and not any(p.has_wildcard for p in patterns):
            yield ctx.report(cond.span, f"no value of {cond.operator_text} has a wildcard")


@check(
    id="PR315",
    severity=Severity.SUGGESTION,
    title="Duplicate condition value",
    fix="Delete the repeated value.",
)
def duplicate_condition_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The same value appears twice for one key.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["blue", "blue"]}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["blue", "red"]}}}]}
    """
    for _stmt, cond in _conditions(policy):
        seen: set[str] = set()
        for value in cond.values:
            text = value.text.lower() if cond.op.ignore_case else value.text
            if text in seen:
                yield ctx.report(value.span, f"{value.text!r} is listed twice")
            seen.add(text)


@check(
    id="PR316",
    severity=Severity.WARNING,
    title="Same key twice under one operator",
    fix="Merge the values into one list.",
)
def duplicate_condition_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A JSON object with the same key twice keeps only one of them in most JSON readers, so
    one set of values is silently dropped.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue",
                                          "aws:PrincipalTag/team": "red"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["blue", "red"]}}}]}
    """
    for stmt in policy.statements:
        seen: set[tuple[str, str]] = set()
        for cond in stmt.conditions:
            key = (cond.operator_text, cond.key_text)
            if key in seen:
                yield ctx.report(
                    cond.span, f"{cond.key_text!r} appears twice under {cond.operator_text}"
                )
            seen.add(key)


@check(
    id="PR317",
    severity=Severity.WARNING,
    title="Deprecated condition key",
    fix="Use the replacement key the reference names.",
)
def deprecated_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """AWS documents the key as deprecated.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
           "Condition": {"StringEquals": {"kms:CustomerMasterKeySpec": "RSA_2048"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
           "Condition": {"StringEquals": {"kms:KeySpec": "RSA_2048"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        info = ref.condition_key(cond.key_text)
        if info is not None and info.deprecated:
            instead = f"; use {info.replacement}" if info.replacement else ""
            yield ctx.report(cond.span, f"{info.name} is deprecated{instead}")


@check(
    id="PR318",
    severity=Severity.ERROR,
    title="Whitespace in a condition key",
    fix="Remove the spaces from the key name.",
)
def key_whitespace(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A key with a space (often a trailing one) is never in the request context.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp ": "203.0.113.0/24"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if not _clean(cond):
            yield ctx.report(cond.span, f"{cond.key_text!r} contains whitespace")


def _variables(policy: Policy) -> Iterator[tuple[Variable, str, Span]]:
    for stmt in policy.statements:
        patterns: list[tuple[Pattern, Span]] = [
            (r, r.span or stmt.span) for r in stmt.resources or ()
        ]
        for cond in stmt.conditions:
            patterns += [(v.pattern, v.span) for v in cond.values if v.pattern is not None]
        for pattern, span in patterns:
            for part in pattern.parts:
                if isinstance(part, Variable):
                    yield part, pattern.text, span


@check(
    id="PR319",
    severity=Severity.WARNING,
    title="Policy variable names an unknown key",
    fix="Check the variable's key name (e.g. ${aws:username}, ${aws:PrincipalTag/team}).",
)
def unknown_variable(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A variable whose key is not in the request context makes the comparison fail (unless it
    has a default value).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:usernme}/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    """
    for var, text, span in _variables(policy):
        prefix = var.key.partition(":")[0]
        if var.default is not None or _is_provider_prefix(prefix):
            continue
        if ref.condition_key(var.key) is None:
            yield ctx.report(span, f"${{{var.key}}} in {text!r} is not a known key")


@check(
    id="PR320",
    severity=Severity.WARNING,
    title="Policy variable names a multivalued key",
    fix="Use a single-valued key in the variable; multivalued keys cannot be substituted.",
)
def multivalued_variable(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Multivalued keys (aws:TagKeys, aws:CalledVia...) cannot be used as policy variables;
    the comparison never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:TagKeys}/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:PrincipalTag/team}/*"}]}
    """
    for var, text, span in _variables(policy):
        if ref.is_multivalued(var.key):
            yield ctx.report(span, f"${{{var.key}}} in {text!r} is multivalued")


def _ip_values(
    policy: Policy, key: str | None = None
) -> Iterator[tuple[Condition, ConditionValue]]:
    for _stmt, cond in _conditions(policy):
        if cond.op.family is Family.IP and (key is None or cond.key == key):
            for value in cond.values:
                if value.cidr is not None:
                    yield cond, value


def _private(value: ConditionValue) -> bool:
    assert value.cidr is not None
    network = ipaddress.ip_network(str(value.cidr))
    return any(
        network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
        for private in _PRIVATE
    )


def _source_ip_conditions(policy: Policy, negated: bool) -> Iterator[tuple[Condition, int, int]]:
    """aws:SourceIp conditions of IpAddress (or NotIpAddress): (condition, private, all)."""
    for _stmt, cond in _conditions(policy):
        if cond.key != "aws:sourceip" or cond.op.family is not Family.IP:
            continue
        if cond.op.negated is not negated:
            continue
        values = [v for v in cond.values if v.cidr is not None]
        yield cond, sum(1 for v in values if _private(v)), len(values)


@check(
    id="PR321",
    severity=Severity.ERROR,
    title="aws:SourceIp with private addresses only",
    fix="For traffic through a VPC endpoint use aws:VpcSourceIp (with aws:SourceVpc/Vpce).",
    aa_code="PRIVATE_IP_ADDRESS",
)
def source_ip_private(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:SourceIp holds the public address a request comes from; requests through VPC
    endpoints carry no aws:SourceIp, so an IpAddress condition listing only private ranges
    (10/8, 172.16/12, 192.168/16, fc00::/7) never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"},
                         "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}]}
    """
    for cond, private, total in _source_ip_conditions(policy, negated=False):
        if total and private == total:
            yield ctx.report(cond.span, "every aws:SourceIp range here is private")


@check(
    id="PR339",
    severity=Severity.ERROR,
    title="NotIpAddress on aws:SourceIp with private addresses only",
    fix="Use NotIpAddress with aws:VpcSourceIp for private ranges.",
    aa_code="PRIVATE_NOT_IP_ADDRESS",
)
def source_ip_private_not(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:SourceIp is never a private address, so NotIpAddress listing only private ranges
    always matches: the condition has no effect.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    """
    for cond, private, total in _source_ip_conditions(policy, negated=True):
        if total and private == total:
            yield ctx.report(cond.span, "every aws:SourceIp range here is private")


@check(
    id="PR353",
    severity=Severity.SUGGESTION,
    title="aws:SourceIp with some private addresses",
    fix="Drop the private ranges, or match them with aws:VpcSourceIp in another condition.",
    aa_code="PRIVATE_IP_ADDRESS_SUBSET",
)
def source_ip_some_private(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A mix of public and private ranges in aws:SourceIp: the private ones never match
    (requests from a VPC carry aws:VpcSourceIp instead).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}}]}
    """
    for cond, private, total in _source_ip_conditions(policy, negated=False):
        if 0 < private < total:
            yield ctx.report(cond.span, f"{private} of the {total} ranges are private")


@check(
    id="PR354",
    severity=Severity.SUGGESTION,
    title="NotIpAddress on aws:SourceIp with some private addresses",
    fix="Drop the private ranges, or exclude them with aws:VpcSourceIp in another condition.",
    aa_code="PRIVATE_NOT_IP_ADDRESS_SUBSET",
)
def source_ip_some_private_not(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A mix of public and private ranges in NotIpAddress on aws:SourceIp: the private ones
    exclude nothing, since aws:SourceIp is never private.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}}]}
    """
    for cond, private, total in _source_ip_conditions(policy, negated=True):
        if 0 < private < total:
            yield ctx.report(cond.span, f"{private} of the {total} ranges are private")


@check(
    id="PR322",
    severity=Severity.WARNING,
    title="IP condition on every address",
    fix="Use the address ranges that should match, or drop the condition.",
)
def ip_any(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """0.0.0.0/0 (or ::/0) in IpAddress matches every address of that version, so the condition
    restricts nothing; in NotIpAddress it never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    """
    for cond, value in _ip_values(policy):
        assert value.cidr is not None
        if value.cidr.prefix == 0:
            yield ctx.report(value.span, f"{value.text} in {cond.operator_text} covers everything")


@check(
    id="PR323",
    severity=Severity.SUGGESTION,
    title="CIDR with host bits set",
    fix="Write the network address (10.0.0.0/8 rather than 10.1.2.3/8).",
    aa_code="IMPROVE_IP_RANGE",
)
def cidr_host_bits(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM masks the host bits, so `10.1.2.3/8` means all of 10.0.0.0/8, which is rarely what
    the author meant.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.7/24"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    """
    for _cond, value in _ip_values(policy):
        try:
            ipaddress.ip_network(value.text.strip(), strict=True)
        except ValueError:
            assert value.cidr is not None
            yield ctx.report(value.span, f"{value.text} means {value.cidr}")


@check(
    id="PR324",
    severity=Severity.WARNING,
    title="Deny on aws:MultiFactorAuthPresent false without IfExists",
    fix='Use "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}.',
)
def mfa_deny_without_if_exists(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Long-term access keys carry no aws:MultiFactorAuthPresent, so `Bool ... false` does not
    match them and the Deny lets them through; BoolIfExists also denies them.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
    """
    for stmt, cond in _conditions(policy):
        if (
            not is_allow(stmt)
            and cond.key == "aws:multifactorauthpresent"
            and cond.op.family is Family.BOOL
            and not cond.if_exists
            and any(v.flag is False for v in cond.values)
        ):
            yield ctx.report(cond.span, "the Deny does not apply to requests without MFA data")


@check(
    id="PR325",
    severity=Severity.WARNING,
    title="Deny when aws:SecureTransport is true",
    fix='Deny when "aws:SecureTransport" is "false" to require HTTPS.',
)
def deny_secure_transport_true(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Denying when aws:SecureTransport is true blocks every HTTPS request; the usual intent is
    the opposite.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    """
    for stmt, cond in _conditions(policy):
        if (
            not is_allow(stmt)
            and cond.key == "aws:securetransport"
            and cond.op.family is Family.BOOL
            and any(v.flag is True for v in cond.values)
        ):
            yield ctx.report(cond.span, "this Deny applies to requests over HTTPS")


def _value_check(
    policy: Policy, keys: frozenset[str], valid: Callable[[str], bool]
) -> Iterator[tuple[Condition, ConditionValue]]:
    for _stmt, cond in _conditions(policy):
        if cond.key in keys and cond.op.family is Family.STRING and not cond.op.ignore_case:
            for value, text in _literal_values(cond):
                if not valid(text):
                    yield cond, value


@check(
    id="PR326",
    severity=Severity.WARNING,
    title="Account condition value is not an account id",
    fix="Use the 12-digit account id.",
)
def account_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:SourceAccount, aws:PrincipalAccount, aws:ResourceAccount and aws:VpceAccount hold
    12-digit account ids; any other literal never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:ResourceAccount": "12345"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:ResourceAccount": "111122223333"}}}]}
    """
    for cond, value in _value_check(
        policy, _ACCOUNT_KEYS, lambda t: re.fullmatch(r"\d{12}", t) is not None
    ):
        yield ctx.report(value.span, f"{value.text!r} is not an account id for {cond.key_text}")


@check(
    id="PR327",
    severity=Severity.WARNING,
    title="Organization condition value is not an organization id",
    fix="Use the organization id, o- followed by 10 to 32 lower-case letters or digits.",
)
def org_id_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:PrincipalOrgID and its siblings hold an organization id such as o-a1b2c3d4e5.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalOrgID": "my-org"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    """
    for cond, value in _value_check(
        policy, _ORG_ID_KEYS, lambda t: _ORG_ID.fullmatch(t) is not None
    ):
        yield ctx.report(
            value.span, f"{value.text!r} is not an organization id for {cond.key_text}"
        )


def _org_path_ok(text: str) -> bool:
    return text.startswith("o-") and text.endswith("/")


@check(
    id="PR328",
    severity=Severity.WARNING,
    title="Organization path value is malformed",
    fix="Write the full path with a trailing slash: o-xxxx/r-xxxx/ou-xxxx-xxxxxxxx/.",
)
def org_path_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:PrincipalOrgPaths values are paths such as `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`,
    starting at the organization id and ending with a slash (or a wildcard).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/"}}}]}
    """
    for cond, value in _value_check(policy, _ORG_PATH_KEYS, _org_path_ok):
        yield ctx.report(
            value.span, f"{value.text!r} is not an organization path ({cond.key_text})"
        )


@check(
    id="PR329",
    severity=Severity.ERROR,
    title="aws:RequestedRegion value is not a region",
    fix="Use region codes such as eu-west-1.",
    aa_code="INVALID_REGION",
)
def region_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:RequestedRegion holds a region code (us-east-1); names like `Ireland` never match.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:RequestedRegion": "Ireland"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}
    """
    keys = frozenset({"aws:requestedregion"})
    for _cond, value in _value_check(policy, keys, lambda t: _REGION.fullmatch(t) is not None):
        yield ctx.report(value.span, f"{value.text!r} is not a region code")


def _id_values(
    policy: Policy, keys: frozenset[str], prefix: str
) -> Iterator[tuple[ConditionValue, str]]:
    for _stmt, cond in _conditions(policy):
        if cond.key not in keys or cond.op.family is not Family.STRING:
            continue
        for value, text in _literal_values(cond):
            if not re.fullmatch(re.escape(prefix) + r"[0-9a-f]+", text):
                yield value, text


@check(
    id="PR330",
    severity=Severity.ERROR,
    title="VPC id is malformed",
    fix="aws:SourceVpc takes vpc-... ids (and aws:SourceVpce takes vpce-... ids).",
    aa_code="INVALID_VPC_FORMAT",
)
def vpc_id_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:SourceVpc and aws:Ec2InstanceSourceVpc hold a VPC id (vpc- and hexadecimal
    digits); an endpoint id or an ARN never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:SourceVpc": "vpce-1a2b3c4d"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}]}
    """
    keys = frozenset({"aws:sourcevpc", "aws:ec2instancesourcevpc"})
    for value, text in _id_values(policy, keys, "vpc-"):
        yield ctx.report(value.span, f"{text!r} is not a vpc-... id")


@check(
    id="PR342",
    severity=Severity.ERROR,
    title="VPC endpoint id is malformed",
    fix="aws:SourceVpce takes vpce-... ids.",
    aa_code="INVALID_VPCE_FORMAT",
)
def vpce_id_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:SourceVpce holds a VPC endpoint id (vpce- and hexadecimal digits); a VPC id or an
    ARN never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:SourceVpce": "vpc-1a2b3c4d"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}
    """
    for value, text in _id_values(policy, frozenset({"aws:sourcevpce"}), "vpce-"):
        yield ctx.report(value.span, f"{text!r} is not a vpce-... id")


@check(
    id="PR331",
    severity=Severity.WARNING,
    title="aws:PrincipalType value is not a principal type",
    fix="Use Account, User, FederatedUser, AssumedRole or Anonymous.",
)
def principal_type_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:PrincipalType is one of Account, User, FederatedUser, AssumedRole, Anonymous.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalType": "Role"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}}]}
    """
    keys = frozenset({"aws:principaltype"})
    for _cond, value in _value_check(policy, keys, lambda t: t in _PRINCIPAL_TYPES):
        yield ctx.report(value.span, f"{value.text!r} is not a principal type")


@check(
    id="PR332",
    severity=Severity.WARNING,
    title="ARN operator value is not an ARN",
    fix="Write the full ARN (wildcards allowed), e.g. arn:aws:sns:*:123456789012:topic.",
)
def arn_operator_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ARN operators compare six colon-separated segments; a value that is not an ARN (a bare
    bucket name, an account id) never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnLike": {"aws:SourceArn": "reports"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::reports"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.op.family is not Family.ARN:
            continue
        for value in cond.values:
            pattern = value.pattern
            if pattern is None or pattern.is_match_all or pattern.has_variable:
                continue
            # "arn:aws:s3:::*" style values are ARNs; so are prefixes ending in a wildcard.
            arn_like = value.text.startswith("arn:") and (
                value.text.count(":") >= 5 or value.text.endswith("*")
            )
            if not arn_like and not value.text.startswith("*"):
                yield ctx.report(value.span, f"{value.text!r} is not an ARN")


@check(
    id="PR334",
    severity=Severity.ERROR,
    title="Condition key repeated with different case",
    fix="Write the key once, with all its values in one list.",
    aa_code="DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
)
def duplicate_key_different_case(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Condition key names ignore case, so `aws:SourceVpc` and `aws:sourcevpc` under one
    operator are the same key twice; IAM rejects the policy.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d",
                                          "aws:sourcevpc": "vpc-5e6f7a8b"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:SourceVpc": ["vpc-1a2b3c4d", "vpc-5e6f7a8b"]}}}]}
    """
    for stmt in policy.statements:
        seen: dict[tuple[str, str], str] = {}
        for cond in stmt.conditions:
            key = (cond.operator_text, cond.key)
            first = seen.setdefault(key, cond.key_text)
            if first != cond.key_text:
                yield ctx.report(
                    cond.span, f"{cond.key_text!r} repeats {first!r} under {cond.operator_text}"
                )


def _json_type(node: JScalar) -> str:
    if isinstance(node.value, bool):
        return "boolean"
    return "string" if isinstance(node.value, str) else "number"


@check(
    id="PR335",
    severity=Severity.ERROR,
    title="Condition values of different JSON types",
    fix='Write every value of the key the same way, e.g. all as strings ("true", "3600").',
    aa_code="INVALID_CONDITION_DATA_TYPE",
)
def mixed_value_types(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The values of one key mix JSON types (`[true, "false"]`, `[3600, "7200"]`); AWS
    requires them to be of one type.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": [3600, "7200"]}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": ["3600", "7200"]}}}]}
    """
    for stmt in policy.statements:
        node = ctx.statement_node(stmt)
        block = node.get("Condition") if node is not None else None
        if not isinstance(block, JObject):
            continue
        for _operator, keys in block.pairs:
            if not isinstance(keys, JObject):
                continue
            for key, values in keys.pairs:
                if not isinstance(values, JArray):
                    continue
                types = {_json_type(v) for v in values.items if isinstance(v, JScalar)}
                if len(types) > 1:
                    yield ctx.report(
                        values.span, f"the values of {key.value} mix {', '.join(sorted(types))}"
                    )


@check(
    id="PR336",
    severity=Severity.ERROR,
    title="Condition key without a prefix",
    fix="Write the key as prefix:name, e.g. aws:SourceIp or s3:prefix.",
    aa_code="INVALID_CONDITION_KEY_FORMAT",
)
def key_without_prefix(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Every condition key is `prefix:name` (`aws:SourceIp`, `s3:prefix`); a bare `SourceIp`
    is no key.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"SourceIp": "203.0.113.0/24"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if ":" not in cond.key_text:
            yield ctx.report(cond.span, f"{cond.key_text!r} has no prefix")


@check(
    id="PR337",
    severity=Severity.ERROR,
    title="Several values for a Bool condition",
    fix='Give one value, "true" or "false".',
    aa_code="INVALID_CONDITION_MULTIPLE_BOOLEAN",
)
def multiple_booleans(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A Bool condition takes one value; `["true", "false"]` matches every request that has
    the key, which is rarely what the list was meant to say.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": ["false", "true"]}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.op.family is Family.BOOL and len(cond.values) > 1:
            yield ctx.report(cond.span, f"{cond.key_text} has {len(cond.values)} Bool values")


@check(
    id="PR338",
    severity=Severity.ERROR,
    title="aws:ARN is not a condition key",
    fix="Use aws:PrincipalArn (the caller) or aws:SourceArn (the resource acting for it).",
    aa_code="UNSUPPORTED_GLOBAL_CONDITION_KEY",
)
def unsupported_global_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:ARN was never a supported key: no request carries it. The caller's ARN is
    aws:PrincipalArn; a service acting for a resource sends aws:SourceArn.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnLike": {"aws:ARN": "arn:aws:iam::111122223333:role/app"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.key in _UNSUPPORTED_GLOBAL:
            yield ctx.report(cond.span, f"{cond.key_text} is not supported")


_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?")
_VIA_SERVICE = re.compile(r"[a-z0-9-]+\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
_SERVICE_PRINCIPAL_KEYS = {
    "aws:principalservicename": _SERVICE_PRINCIPAL,
    "aws:principalservicenameslist": _SERVICE_PRINCIPAL,
    "iam:awsservicename": _SERVICE_PRINCIPAL,
    "iam:passedtoservice": _SERVICE_PRINCIPAL,
    "organizations:serviceprincipal": _SERVICE_PRINCIPAL,
    "kms:viaservice": _VIA_SERVICE,
}


@check(
    id="PR340",
    severity=Severity.ERROR,
    title="Service principal value is malformed",
    fix="Write the service principal in full, e.g. lambda.amazonaws.com (kms:ViaService: "
    "s3.eu-west-1.amazonaws.com).",
    aa_code="INVALID_SERVICE_PRINCIPAL_FORMAT",
)
def service_principal_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Keys such as iam:PassedToService, iam:AWSServiceName and aws:PrincipalServiceName hold
    a service principal (`lambda.amazonaws.com`); kms:ViaService holds one with a region
    (`s3.eu-west-1.amazonaws.com`). A bare `lambda` never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PassRole",
           "Resource": "arn:aws:iam::111122223333:role/app",
           "Condition": {"StringEquals": {"iam:PassedToService": "lambda"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PassRole",
           "Resource": "arn:aws:iam::111122223333:role/app",
           "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        shape = _SERVICE_PRINCIPAL_KEYS.get(cond.key)
        if shape is None or cond.op.family is not Family.STRING:
            continue
        for value, text in _literal_values(cond):
            if "*" not in text and "?" not in text and not shape.fullmatch(text):
                yield ctx.report(value.span, f"{text!r} is not a service principal")


@check(
    id="PR341",
    severity=Severity.ERROR,
    title="Tag condition key without a tag name",
    fix="Name the tag: aws:ResourceTag/team, aws:RequestTag/team, aws:PrincipalTag/team.",
    aa_code="MISSING_TAG_KEY_IN_CONDITION",
)
def missing_tag_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
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
    for _stmt, cond in _conditions(policy):
        if _missing_tag_key(cond.key):
            yield ctx.report(cond.span, f"{cond.key_text!r} names no tag")


@check(
    id="PR345",
    severity=Severity.WARNING,
    title="Date condition value in epoch seconds",
    fix="Write the date as ISO 8601, e.g. 2025-12-31T23:59:59Z.",
    aa_code="INVALID_DATE_VALUE",
)
def epoch_date_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Date operators accept epoch seconds, but a bare number is easy to get wrong (seconds
    or milliseconds, which zone); AWS recommends ISO 8601 dates.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"DateLessThan": {"aws:CurrentTime": "1893456000"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.op.family is Family.DATE:
            for value in cond.values:
                if value.text.strip().isdigit():
                    yield ctx.report(value.span, f"{value.text!r} is epoch seconds")


def _base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True


@check(
    id="PR346",
    severity=Severity.WARNING,
    title="BinaryEquals value is not base64",
    fix="Write the value base64-encoded.",
    aa_code="TYPE_MISMATCH_STRING",
)
def binary_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """BinaryEquals compares base64-encoded bytes; a value that is not base64 never matches.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"BinaryEquals": {"aws:PrincipalTag/key": "not base64!"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"BinaryEquals": {"aws:PrincipalTag/key": "QmluYXJ5VmFsdWU="}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.op.family is Family.BINARY:
            for value in cond.values:
                if not _base64(value.text):
                    yield ctx.report(value.span, f"{value.text!r} is not base64")


@check(
    id="PR349",
    severity=Severity.WARNING,
    title="ForAnyValue on a single-valued key",
    fix="Drop ForAnyValue: the key has one value.",
)
def for_any_value_single(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ForAnyValue is for multivalued keys; on a single-valued key it behaves like the plain
    operator but suggests the key could hold several values.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAnyValue:StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        info = ref.condition_key(cond.key_text)
        if cond.qualifier is SetQualifier.FOR_ANY_VALUE and info and not info.multivalued:
            yield ctx.report(cond.span, f"ForAnyValue on single-valued key {cond.key_text!r}")


_PAIRS = {"aws:vpcsourceip": ("aws:sourcevpc", "aws:sourcevpce", "aws:sourcevpcarn")}


@check(
    id="PR350",
    severity=Severity.SECURITY_WARNING,
    title="Condition key without its paired key",
    fix="Add aws:SourceVpc (or aws:SourceVpce) to the same condition block.",
    aa_code="MISSING_PAIRED_CONDITION_KEYS",
)
def missing_paired_keys(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:VpcSourceIp is a private address, and private addresses repeat across VPCs: on its
    own it matches requests from any VPC, including other accounts' VPCs. Pair it with
    aws:SourceVpc (or aws:SourceVpce) in the same statement.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"},
                         "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}]}
    """
    for stmt in policy.statements:
        keys = {c.key for c in stmt.conditions}
        for cond in stmt.conditions:
            partners = _PAIRS.get(cond.key)
            if partners and cond.op.family is not Family.NULL and not keys & set(partners):
                yield ctx.report(
                    cond.span, f"{cond.key_text} without {' or '.join(partners)} in {stmt.label}"
                )


@check(
    id="PR352",
    severity=Severity.SUGGESTION,
    title="Null with ForAllValues or ForAnyValue",
    fix="Use Null on its own.",
    aa_code="NULL_WITH_QUALIFIER",
)
def null_with_qualifier(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Null tests whether the key is present; a set qualifier on it makes the condition
    always true (ForAllValues) or always false (ForAnyValue).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
           "Condition": {"ForAllValues:Null": {"aws:TagKeys": "true"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
           "Condition": {"Null": {"aws:TagKeys": "true"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.op.family is Family.NULL and cond.qualifier is not None:
            yield ctx.report(cond.span, f"{cond.operator_text} on {cond.key_text}")


@check(
    id="PR355",
    severity=Severity.SUGGESTION,
    title="Several bounds in one numeric comparison",
    fix="Keep one value: the greatest for LessThan, the least for GreaterThan.",
    aa_code="REDUNDANT_CONDITION_VALUE_NUM",
)
def redundant_numeric_bound(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The values of one key are OR-ed, so `NumericLessThan [2700, 3600]` means `< 3600`:
    every value but the widest bound is redundant.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}]}
    """
    for _stmt, cond in _conditions(policy):
        if cond.op.family is not Family.NUMERIC or cond.op.comparison is Comparison.EQ:
            continue
        if len(cond.values) > 1:
            which = "greatest" if cond.op.comparison in (Comparison.LT, Comparison.LE) else "least"
            yield ctx.report(cond.span, f"only the {which} of the {len(cond.values)} values counts")


def _empty_conditions(policy: Policy, test: Callable[[Condition], bool]) -> Iterator[Condition]:
    for _stmt, cond in _conditions(policy):
        if not cond.values and test(cond):
            yield cond


@check(
    id="PR356",
    severity=Severity.SUGGESTION,
    title="Condition with no values",
    fix="Give the values, or remove the key.",
    aa_code="EMPTY_ARRAY_CONDITION",
)
def empty_condition(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A condition key with an empty list of values compares against nothing, which reads
    as a restriction but only tests how the key's absence is treated.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": []}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["blue"]}}}]}
    """
    for cond in _empty_conditions(policy, lambda c: c.qualifier is None and not c.if_exists):
        yield ctx.report(cond.span, f"{cond.key_text} has no values")


@check(
    id="PR357",
    severity=Severity.SUGGESTION,
    title="ForAllValues condition with no values",
    fix='To require that the key is absent, use "Null": {"<key>": "true"}.',
    aa_code="EMPTY_ARRAY_CONDITION_FORALLVALUES",
)
def empty_for_all_values(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ForAllValues with no values matches only when the key is missing or empty: a Null
    test in disguise.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": []}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Null": {"aws:TagKeys": "true"}}}]}
    """
    test = lambda c: c.qualifier is SetQualifier.FOR_ALL_VALUES  # noqa: E731
    for cond in _empty_conditions(policy, test):
        yield ctx.report(cond.span, f"{cond.operator_text} on {cond.key_text} has no values")


@check(
    id="PR358",
    severity=Severity.SUGGESTION,
    title="ForAnyValue condition with no values",
    fix="Give the values, or remove the key.",
    aa_code="EMPTY_ARRAY_CONDITION_FORANYVALUE",
)
def empty_for_any_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ForAnyValue with no values never matches, so the statement never applies.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": []}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}}]}
    """
    test = lambda c: c.qualifier is SetQualifier.FOR_ANY_VALUE  # noqa: E731
    for cond in _empty_conditions(policy, test):
        yield ctx.report(cond.span, f"{cond.operator_text} on {cond.key_text} has no values")


@check(
    id="PR359",
    severity=Severity.SUGGESTION,
    title="IfExists condition with no values",
    fix='To require that the key is absent, use "Null": {"<key>": "true"}.',
    aa_code="EMPTY_ARRAY_CONDITION_IFEXISTS",
)
def empty_if_exists(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """...IfExists with no values matches only when the key is missing: a Null test in
    disguise.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEqualsIfExists": {"aws:PrincipalTag/team": []}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Null": {"aws:PrincipalTag/team": "true"}}}]}
    """
    for cond in _empty_conditions(policy, lambda c: c.qualifier is None and c.if_exists):
        yield ctx.report(cond.span, f"{cond.operator_text} on {cond.key_text} has no values")
