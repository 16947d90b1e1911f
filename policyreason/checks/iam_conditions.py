"""Checks on Condition blocks: keys, operator/key types, set qualifiers, values."""

from __future__ import annotations

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
from policyreason.ir.template import is_template

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
_ID_PREFIXES = {
    "aws:sourcevpc": "vpc-",
    "aws:sourcevpce": "vpce-",
    "aws:ec2instancesourcevpc": "vpc-",
}


def _conditions(policy: Policy) -> Iterator[tuple[Statement, Condition]]:
    for stmt in policy.statements:
        for cond in stmt.conditions:
            yield stmt, cond


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
)
def unknown_global_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A key with the `aws:` prefix that is not a global condition key is never in the request
    context: positive operators on it never match, negated ones always do."""
    for _stmt, cond in _conditions(policy):
        if _clean(cond) and _prefix(cond) == "aws" and ref.condition_key(cond.key_text) is None:
            yield ctx.report(cond.span, f"{cond.key_text!r} is not a global condition key")


@check(
    id="PR302",
    severity=Severity.ERROR,
    title="Unknown service condition key",
    fix="Check the key in the service's page of the Service Authorization Reference.",
)
def unknown_service_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The key's prefix is a service, but that service defines no such key."""
    for _stmt, cond in _conditions(policy):
        prefix = _prefix(cond)
        if not _clean(cond) or prefix == "aws" or ref.service(prefix) is None:
            continue
        if ref.condition_key(cond.key_text) is None:
            yield ctx.report(cond.span, f"{prefix} has no condition key {cond.key_text!r}")


@check(
    id="PR303",
    severity=Severity.WARNING,
    title="Condition key with an unknown prefix",
    fix="Use `aws:` for global keys or a service prefix such as `s3:`.",
)
def unknown_key_prefix(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The part before `:` is neither `aws`, a service, nor an identity provider."""
    for _stmt, cond in _conditions(policy):
        prefix = _prefix(cond)
        if not _clean(cond) or prefix == "aws" or ref.service(prefix) is not None:
            continue
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
    absent from every request the statement matches."""
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


@check(
    id="PR333",
    severity=Severity.WARNING,
    title="Tag condition key not supported by the statement's actions",
    fix="Move the tag condition to a statement of actions that support it (see the actions' "
    "condition keys in the Service Authorization Reference).",
)
def tag_key_not_supported(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:RequestTag, aws:ResourceTag and aws:TagKeys are global keys, yet each action carries
    only the tag keys its service supports for it; on other actions the key is absent, so the
    condition never matches (or, negated, always does)."""
    for stmt in policy.statements:
        tagged = [c for c in stmt.conditions if c.key.startswith(_TAG_KEYS)]
        actions = known_actions(stmt) if tagged else None
        if not actions:
            continue
        supported = _supported_keys(actions)
        for cond in tagged:
            info = ref.condition_key(cond.key_text)
            if info is not None and info.name.lower() not in supported:
                yield ctx.report(cond.span, f"no action of {stmt.label} supports {cond.key_text!r}")


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
    severity=Severity.ERROR,
    title="Condition operator does not fit the key's type",
    fix="Use the operator family of the key's type (Date*, Numeric*, Bool, IpAddress...).",
)
def operator_type_mismatch(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Numeric, Date, Bool, IpAddress and Binary operators only work on keys of that type; on
    another type the comparison never matches (e.g. IpAddress on aws:SourceVpc)."""
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
)
def string_operator_on_typed_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """String operators compare the key's text form: dates, numbers, booleans and IP addresses
    written differently (`2024-01-01` vs `2024-01-01T00:00:00Z`, `10.0.0.0/8`) do not match."""
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
)
def arn_operator_on_non_arn_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ARN operators compare segment by segment and never match a value that is not an ARN."""
    for cond, problem in _type_checked(policy, _arn_on_string):
        yield ctx.report(cond.span, problem)


def _string_on_arn(cond: Condition, info: ref.ConditionKey) -> str | None:
    if cond.op.family is not Family.STRING or info.base_type != "ARN":
        return None
    return f"{info.name} is an ARN; ArnEquals/ArnLike compare it segment by segment"


@check(
    id="PR308",
    severity=Severity.SUGGESTION,
    title="String operator on an ARN key",
    fix="Use ArnEquals or ArnLike for ARN keys.",
)
def string_operator_on_arn_key(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """AWS recommends ARN operators for ARN-typed keys: a `*` in StringLike spans `:`
    separators, in ArnLike it stays within one segment."""
    for cond, problem in _type_checked(policy, _string_on_arn):
        yield ctx.report(cond.span, problem)


@check(
    id="PR309",
    severity=Severity.WARNING,
    title="Set qualifier on a single-valued key",
    fix="Drop ForAllValues/ForAnyValue: the key has one value.",
)
def qualifier_on_single_valued(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ForAllValues/ForAnyValue are for multivalued keys. On a single-valued key ForAllValues is
    also true when the key is missing, which can grant more than intended."""
    for _stmt, cond in _conditions(policy):
        info = ref.condition_key(cond.key_text)
        if cond.qualifier is not None and info is not None and not info.multivalued:
            yield ctx.report(
                cond.span, f"{cond.qualifier.value} on single-valued key {cond.key_text!r}"
            )


@check(
    id="PR310",
    severity=Severity.WARNING,
    title="Multivalued key without a set qualifier",
    fix="Prefix the operator with ForAllValues: or ForAnyValue:.",
)
def multivalued_without_qualifier(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A multivalued key (aws:TagKeys, aws:CalledVia...) holds a set; without ForAllValues or
    ForAnyValue it is unclear whether every value or some value must match."""
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
    requests that carry no such key at all (fail-open)."""
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
    almost always; "none of the values is in the list" is ForAllValues:StringNotEquals."""
    for _stmt, cond in _conditions(policy):
        if cond.qualifier is SetQualifier.FOR_ANY_VALUE and cond.op.negated:
            yield ctx.report(cond.span, f"{cond.operator_text} is true when any one value differs")


@check(
    id="PR313",
    severity=Severity.WARNING,
    title="Wildcard in an operator that does not expand it",
    fix="Use StringLike (or StringNotLike) for `*` and `?` to act as wildcards.",
)
def wildcard_without_like(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """In StringEquals and the other non-Like string operators `*` and `?` are ordinary
    characters, so `"arn:aws:iam::*"` matches only that literal text."""
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
    what is meant."""
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
    """The same value appears twice for one key."""
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
    one set of values is silently dropped."""
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
    """AWS documents the key as deprecated."""
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
    """A key with a space (often a trailing one) is never in the request context."""
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
                # A template value (`${BucketName}`) is no policy variable: no key to check.
                if isinstance(part, Variable) and not is_template(part):
                    yield part, pattern.text, span


@check(
    id="PR319",
    severity=Severity.WARNING,
    title="Policy variable names an unknown key",
    fix="Check the variable's key name (e.g. ${aws:username}, ${aws:PrincipalTag/team}).",
)
def unknown_variable(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A variable whose key is not in the request context makes the comparison fail (unless it
    has a default value)."""
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
    the comparison never matches."""
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


@check(
    id="PR321",
    severity=Severity.WARNING,
    title="aws:SourceIp with a private address range",
    fix="For traffic through a VPC endpoint use aws:VpcSourceIp (with aws:SourceVpc/Vpce).",
)
def source_ip_private(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:SourceIp holds the public address a request comes from; requests through VPC
    endpoints carry no aws:SourceIp, so private ranges (10/8, 172.16/12, 192.168/16) never match."""
    for _cond, value in _ip_values(policy, "aws:sourceip"):
        assert value.cidr is not None
        network = ipaddress.ip_network(str(value.cidr))
        if any(
            network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
            for private in _PRIVATE
        ):
            yield ctx.report(value.span, f"{value.text} is a private range")


@check(
    id="PR322",
    severity=Severity.WARNING,
    title="IP condition on every address",
    fix="Use the address ranges that should match, or drop the condition.",
)
def ip_any(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """0.0.0.0/0 (or ::/0) in IpAddress matches every address of that version, so the condition
    restricts nothing; in NotIpAddress it never matches."""
    for cond, value in _ip_values(policy):
        assert value.cidr is not None
        if value.cidr.prefix == 0:
            yield ctx.report(value.span, f"{value.text} in {cond.operator_text} covers everything")


@check(
    id="PR323",
    severity=Severity.WARNING,
    title="CIDR with host bits set",
    fix="Write the network address (10.0.0.0/8 rather than 10.1.2.3/8).",
)
def cidr_host_bits(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM masks the host bits, so `10.1.2.3/8` means all of 10.0.0.0/8, which is rarely what
    the author meant."""
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
    match them and the Deny lets them through; BoolIfExists also denies them."""
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
    the opposite."""
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
    12-digit account ids; any other literal never matches."""
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
    """aws:PrincipalOrgID and its siblings hold an organization id such as o-a1b2c3d4e5."""
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
    starting at the organization id and ending with a slash (or a wildcard)."""
    for cond, value in _value_check(policy, _ORG_PATH_KEYS, _org_path_ok):
        yield ctx.report(
            value.span, f"{value.text!r} is not an organization path ({cond.key_text})"
        )


@check(
    id="PR329",
    severity=Severity.WARNING,
    title="aws:RequestedRegion value is not a region",
    fix="Use region codes such as eu-west-1.",
)
def region_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:RequestedRegion holds a region code (us-east-1); names like `Ireland` never match."""
    keys = frozenset({"aws:requestedregion"})
    for _cond, value in _value_check(policy, keys, lambda t: _REGION.fullmatch(t) is not None):
        yield ctx.report(value.span, f"{value.text!r} is not a region code")


@check(
    id="PR330",
    severity=Severity.WARNING,
    title="VPC or VPC endpoint id is malformed",
    fix="aws:SourceVpc takes vpc-... ids and aws:SourceVpce takes vpce-... ids.",
)
def vpc_id_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:SourceVpc holds a VPC id (vpc-...) and aws:SourceVpce an endpoint id (vpce-...);
    swapping them, or using an ARN, never matches."""
    for _stmt, cond in _conditions(policy):
        expected = _ID_PREFIXES.get(cond.key)
        if expected is None or cond.op.family is not Family.STRING:
            continue
        for value, text in _literal_values(cond):
            if not re.fullmatch(re.escape(expected) + r"[0-9a-f]+", text):
                yield ctx.report(value.span, f"{text!r} is not a {expected}... id")


@check(
    id="PR331",
    severity=Severity.WARNING,
    title="aws:PrincipalType value is not a principal type",
    fix="Use Account, User, FederatedUser, AssumedRole or Anonymous.",
)
def principal_type_value(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """aws:PrincipalType is one of Account, User, FederatedUser, AssumedRole, Anonymous."""
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
    bucket name, an account id) never matches."""
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
