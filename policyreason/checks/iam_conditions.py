"""Checks on Condition blocks: keys, operators against key types, set qualifiers, policy
variables, and conditions that defeat their own purpose. Values are iam_condition_values'
business, tag keys iam_tag_conditions'."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from policyreason.analysis.findings import Finding
from policyreason.checks import (
    CheckContext,
    check,
    conditions_of,
    global_key_info,
    is_allow,
    key_info,
    key_multivalued,
    known_actions,
    service_of,
    supported_keys,
)
from policyreason.checks.iam_tag_conditions import missing_tag_key
from policyreason.data import reference as ref
from policyreason.ir.pattern import Pattern, Variable
from policyreason.ir.policy import (
    Comparison,
    Condition,
    Family,
    Policy,
    SetQualifier,
    Statement,
)
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.ir.template import is_template
from policyreason.memo import keep_last

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

# aws:ARN is no condition key; it is reported as unsupported (PR338) rather than unknown.
_UNSUPPORTED_GLOBAL = frozenset({"aws:arn"})


def _clean(cond: Condition) -> bool:
    return _no_space(cond.key_text)


# Five checks ask it of every condition key, and keys recur across policies.
@lru_cache(maxsize=1 << 12)
def _no_space(text: str) -> bool:
    return not any(ch.isspace() for ch in text)


def _prefix(cond: Condition) -> str:
    return cond.key_text.partition(":")[0].lower()


# Each call tries every non-service prefix's pattern, compiled again.
@lru_cache(maxsize=1 << 10)
def _prefix_services(prefix: str) -> tuple[str, ...]:
    return ref.key_prefix_services(prefix)


def _is_provider_prefix(prefix: str) -> bool:
    # OIDC providers (token.actions.githubusercontent.com, oidc.eks.../id/...) key their own
    # claims; the reference lists only a few of them.
    return "." in prefix or "/" in prefix


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
    for _stmt, cond in conditions_of(policy):
        if cond.key in _UNSUPPORTED_GLOBAL or missing_tag_key(cond.key):
            continue
        if _clean(cond) and _prefix(cond) == "aws" and key_info(cond.key_text) is None:
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
    for _stmt, cond in conditions_of(policy):
        prefix = _prefix(cond)
        if not _clean(cond) or prefix == "aws" or service_of(prefix) is None:
            continue
        if missing_tag_key(cond.key):
            continue
        if key_info(cond.key_text) is None:
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
    for _stmt, cond in conditions_of(policy):
        prefix = _prefix(cond)
        if not _clean(cond) or prefix == "aws" or service_of(prefix) is not None:
            continue
        if ":" not in cond.key:
            continue  # PR336: no prefix at all
        if _is_provider_prefix(prefix) or _prefix_services(prefix):
            continue
        if key_info(cond.key_text) is None:
            yield ctx.report(cond.span, f"{cond.key_text!r} has an unknown prefix {prefix!r}")


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
        keyed = [c for c in stmt.conditions if _clean(c) and global_key_info(c.key_text) is None]
        actions = known_actions(stmt) if keyed else None
        if not actions:
            continue
        supported = supported_keys(actions)
        for cond in keyed:
            info = key_info(cond.key_text)
            if info is None or service_of(_prefix(cond)) is None:
                continue
            if info.name.lower() not in supported:
                yield ctx.report(cond.span, f"no action of {stmt.label} supports {cond.key_text!r}")


def _type_checked(
    policy: Policy, test: Callable[[Condition, ref.ConditionKey], str | None]
) -> Iterator[tuple[Condition, str]]:
    for _stmt, cond in conditions_of(policy):
        if cond.op.family is Family.NULL:
            continue
        info = key_info(cond.key_text)
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
    for _stmt, cond in conditions_of(policy):
        info = key_info(cond.key_text)
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
    for _stmt, cond in conditions_of(policy):
        if cond.qualifier is not None or cond.op.family is Family.NULL:
            continue
        if key_multivalued(cond.key_text):
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
    for stmt, cond in conditions_of(policy):
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
    for _stmt, cond in conditions_of(policy):
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
    for _stmt, cond in conditions_of(policy):
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
    for _stmt, cond in conditions_of(policy):
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
    for _stmt, cond in conditions_of(policy):
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
    for _stmt, cond in conditions_of(policy):
        info = key_info(cond.key_text)
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
    for _stmt, cond in conditions_of(policy):
        if not _clean(cond):
            yield ctx.report(cond.span, f"{cond.key_text!r} contains whitespace")


# PR319 and PR320 each walked every resource and condition value's parts.
@keep_last
def _variables(policy: Policy) -> list[tuple[Variable, str, Span]]:
    found: list[tuple[Variable, str, Span]] = []
    for stmt in policy.statements:
        patterns: list[tuple[Pattern, Span]] = [
            (r, r.span or stmt.span) for r in stmt.resources or ()
        ]
        for cond in stmt.conditions:
            patterns += [(v.pattern, v.span) for v in cond.values if v.pattern is not None]
        for pattern, span in patterns:
            if "$" not in pattern.text:
                continue  # a variable is written `${...}`: most texts are read no further
            for part in pattern.parts:
                # A template value (`${BucketName}`) is no policy variable: no key to check.
                if isinstance(part, Variable) and not is_template(part):
                    found.append((part, pattern.text, span))
    return found


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
        if key_info(var.key) is None:
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
        if key_multivalued(var.key):
            yield ctx.report(span, f"${{{var.key}}} in {text!r} is multivalued")


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
    for stmt, cond in conditions_of(policy):
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
    for stmt, cond in conditions_of(policy):
        if (
            not is_allow(stmt)
            and cond.key == "aws:securetransport"
            and cond.op.family is Family.BOOL
            and any(v.flag is True for v in cond.values)
        ):
            yield ctx.report(cond.span, "this Deny applies to requests over HTTPS")


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
    for _stmt, cond in conditions_of(policy):
        if ":" not in cond.key_text:
            yield ctx.report(cond.span, f"{cond.key_text!r} has no prefix")


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
    for _stmt, cond in conditions_of(policy):
        if cond.key in _UNSUPPORTED_GLOBAL:
            yield ctx.report(cond.span, f"{cond.key_text} is not supported")


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
    for _stmt, cond in conditions_of(policy):
        info = key_info(cond.key_text)
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
    for _stmt, cond in conditions_of(policy):
        if cond.op.family is Family.NULL and cond.qualifier is not None:
            yield ctx.report(cond.span, f"{cond.operator_text} on {cond.key_text}")
