"""Checks on condition values: address ranges, account, organization, region and VPC ids,
service principals, dates, numbers, booleans, JSON types, and keys given no values at all."""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Iterator

from policyreason.analysis.findings import Finding
from policyreason.checks import (
    CheckContext,
    check,
    conditions_of,
    literal_values,
)
from policyreason.ir.policy import (
    Comparison,
    Condition,
    ConditionValue,
    Family,
    Policy,
    SetQualifier,
)
from policyreason.ir.severity import Severity
from policyreason.parse.json_spans import JArray, JObject, JScalar

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


def _ip_values(
    policy: Policy, key: str | None = None
) -> Iterator[tuple[Condition, ConditionValue]]:
    for _stmt, cond in conditions_of(policy):
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
    for _stmt, cond in conditions_of(policy):
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
        if value.cidr.length == 0:
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


def _value_check(
    policy: Policy, keys: frozenset[str], valid: Callable[[str], bool]
) -> Iterator[tuple[Condition, ConditionValue]]:
    for _stmt, cond in conditions_of(policy):
        if cond.key in keys and cond.op.family is Family.STRING and not cond.op.ignore_case:
            for value, text in literal_values(cond):
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
    for _stmt, cond in conditions_of(policy):
        if cond.key not in keys or cond.op.family is not Family.STRING:
            continue
        for value, text in literal_values(cond):
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
    for _stmt, cond in conditions_of(policy):
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
    for _stmt, cond in conditions_of(policy):
        if cond.op.family is Family.BOOL and len(cond.values) > 1:
            yield ctx.report(cond.span, f"{cond.key_text} has {len(cond.values)} Bool values")


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
    for _stmt, cond in conditions_of(policy):
        shape = _SERVICE_PRINCIPAL_KEYS.get(cond.key)
        if shape is None or cond.op.family is not Family.STRING:
            continue
        for value, text in literal_values(cond):
            if "*" not in text and "?" not in text and not shape.fullmatch(text):
                yield ctx.report(value.span, f"{text!r} is not a service principal")


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
    for _stmt, cond in conditions_of(policy):
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
    for _stmt, cond in conditions_of(policy):
        if cond.op.family is Family.BINARY:
            for value in cond.values:
                if not _base64(value.text):
                    yield ctx.report(value.span, f"{value.text!r} is not base64")


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
    for _stmt, cond in conditions_of(policy):
        if cond.op.family is not Family.NUMERIC or cond.op.comparison is Comparison.EQ:
            continue
        if len(cond.values) > 1:
            which = "greatest" if cond.op.comparison in (Comparison.LT, Comparison.LE) else "least"
            yield ctx.report(cond.span, f"only the {which} of the {len(cond.values)} values counts")


def _empty_conditions(policy: Policy, test: Callable[[Condition], bool]) -> Iterator[Condition]:
    for _stmt, cond in conditions_of(policy):
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
