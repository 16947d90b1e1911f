"""Checks on the document's shape: Version, Sid, size quotas, empty elements, elements a kind
does not allow."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from policyreason.analysis.findings import Finding
from policyreason.checks import IDENTITY_KINDS, CheckContext, check, element_span, is_allow
from policyreason.ir.policy import Policy, PolicyKind, PrincipalType, Statement
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JArray, JObject

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


def _size_check(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
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
    aa_code="MISSING_VERSION",
)
def missing_version(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Without a Version element IAM reads the policy as Version 2008-10-17, where policy
    variables such as `${aws:username}` are plain text.

    Fails:

        {"Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
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
    severity=Severity.ERROR,
    title="Policy variable in a policy without Version 2012-10-17",
    fix='Set "Version": "2012-10-17" so that ${...} is replaced by the request value.',
    aa_code="VARIABLE_UNSUPPORTED_IN_VERSION",
)
def variables_need_2012(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Policy variables exist only in Version 2012-10-17 policies; elsewhere `${aws:username}` is
    compared as the literal text `${aws:username}`, which no request carries.

    Fails:

        {"Version": "2008-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    """
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
    """Version 2008-10-17 is the old policy language: no policy variables and no new features.

    Fails:

        {"Version": "2008-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    if policy.version == "2008-10-17":
        yield ctx.report(policy.span, 'Version "2008-10-17" is outdated')


def _duplicate_sids(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
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
    id="PR104",
    severity=Severity.ERROR,
    title="Duplicate Sid",
    fix="Give each statement a unique Sid.",
    kinds=_IAM_KINDS,
    aa_code="UNIQUE_SIDS_REQUIRED",
)
def duplicate_sid(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM and AWS Organizations reject a policy that gives two statements the same Sid.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"},
          {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket",
           "Resource": "arn:aws:s3:::reports"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "ReadObjects", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"},
          {"Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket",
           "Resource": "arn:aws:s3:::reports"}]}
    """
    yield from _duplicate_sids(policy, ctx)


@check(
    id="PR118",
    severity=Severity.WARNING,
    title="Duplicate Sid in a resource policy",
    fix="Give each statement a unique Sid.",
    kinds=(PolicyKind.RESOURCE, PolicyKind.ENDPOINT),
    aa_code="UNIQUE_SIDS_RECOMMENDED",
)
def duplicate_sid_recommended(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Services such as S3 and SQS accept repeated Sids, but a Sid is how people and tools
    name a statement; two with one name are easily confused when the policy is edited.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"},
          {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
           "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "ReadObjects", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"},
          {"Sid": "ListBucket", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
           "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports"}]}
    """
    yield from _duplicate_sids(policy, ctx)


@check(
    id="PR105",
    severity=Severity.ERROR,
    title="Invalid characters in Sid",
    fix="Use only ASCII letters and digits in the Sid.",
    kinds=_IAM_KINDS,
    aa_code="UNSUPPORTED_SID",
)
def invalid_sid(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM and AWS Organizations policies accept only letters (A-Z, a-z) and digits in a Sid.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "read reports", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt in policy.statements:
        if stmt.sid and not _SID.fullmatch(stmt.sid):
            yield ctx.report(
                element_span(stmt, "Sid"),
                f"Sid {stmt.sid!r} contains characters other than letters and digits",
            )


@check(
    id="PR106",
    severity=Severity.SUGGESTION,
    title="Empty Sid",
    fix="Remove the empty Sid or give the statement a name.",
    aa_code="EMPTY_SID_VALUE",
)
def empty_sid(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """An empty Sid names nothing, and several empty Sids count as duplicates in some services.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt in policy.statements:
        if stmt.sid == "":
            yield ctx.report(element_span(stmt, "Sid"), f"{stmt.label} has an empty Sid")


@check(
    id="PR107",
    severity=Severity.WARNING,
    title="Identity policy size exceeds the quota",
    fix="Split the policy, or merge actions with wildcards and drop duplicates.",
    kinds=(*IDENTITY_KINDS, PolicyKind.ENDPOINT),
    aa_code="POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
)
def size_quota(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM rejects identity policies above their size quota: managed 6,144 characters, inline
    2,048 (user), 10,240 (role), 5,120 (group), boundary 6,144, session 2,048 (and VPC
    endpoint policies 20,480); whitespace outside strings does not count. Access Analyzer
    reports this as a warning because where the policy will live decides the quota.

    Fails (attachment: user):

        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
          "s3:AbortMultipartUpload", "s3:AllowVendedLogDeliveryForResource",
          "s3:AssociateAccessGrantsIdentityCenter", "s3:BypassGovernanceRetention",
          "s3:CreateAccessGrant", "s3:CreateAccessGrantsInstance",
          "s3:CreateAccessGrantsLocation", "s3:CreateAccessPoint",
          "s3:CreateAccessPointForObjectLambda", "s3:CreateBucket",
          "s3:CreateBucketMetadataTableConfiguration", "s3:CreateJob",
          "s3:CreateMultiRegionAccessPoint", "s3:CreateStorageLensGroup", "s3:DeleteAccessGrant",
          "s3:DeleteAccessGrantsInstance", "s3:DeleteAccessGrantsInstanceResourcePolicy",
          "s3:DeleteAccessGrantsLocation", "s3:DeleteAccessPoint",
          "s3:DeleteAccessPointForObjectLambda", "s3:DeleteAccessPointPolicy",
          "s3:DeleteAccessPointPolicyForObjectLambda", "s3:DeleteBucket",
          "s3:DeleteBucketMetadataTableConfiguration", "s3:DeleteBucketPolicy",
          "s3:DeleteBucketWebsite", "s3:DeleteJobTagging", "s3:DeleteMultiRegionAccessPoint",
          "s3:DeleteObject", "s3:DeleteObjectAnnotation", "s3:DeleteObjectTagging",
          "s3:DeleteObjectVersion", "s3:DeleteObjectVersionAnnotation",
          "s3:DeleteObjectVersionTagging", "s3:DeleteStorageLensConfiguration",
          "s3:DeleteStorageLensConfigurationTagging", "s3:DeleteStorageLensGroup",
          "s3:DescribeJob", "s3:DescribeMultiRegionAccessPointOperation",
          "s3:DissociateAccessGrantsIdentityCenter", "s3:GetAccelerateConfiguration",
          "s3:GetAccessGrant", "s3:GetAccessGrantsInstance",
          "s3:GetAccessGrantsInstanceForPrefix", "s3:GetAccessGrantsInstanceResourcePolicy",
          "s3:GetAccessGrantsLocation", "s3:GetAccessPoint",
          "s3:GetAccessPointConfigurationForObjectLambda", "s3:GetAccessPointForObjectLambda",
          "s3:GetAccessPointPolicy", "s3:GetAccessPointPolicyForObjectLambda",
          "s3:GetAccessPointPolicyStatus", "s3:GetAccessPointPolicyStatusForObjectLambda",
          "s3:GetAccountPublicAccessBlock", "s3:GetAnalyticsConfiguration", "s3:GetBucketAbac",
          "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLocation", "s3:GetBucketLogging",
          "s3:GetBucketMetadataTableConfiguration", "s3:GetBucketNotification",
          "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls",
          "s3:GetBucketPolicy", "s3:GetBucketPolicyStatus", "s3:GetBucketPublicAccessBlock",
          "s3:GetBucketRequestPayment", "s3:GetBucketTagging", "s3:GetBucketVersioning",
          "s3:GetBucketWebsite", "s3:GetDataAccess", "s3:GetEncryptionConfiguration",
          "s3:GetIntelligentTieringConfiguration", "s3:GetInventoryConfiguration",
          "s3:GetJobTagging", "s3:GetLifecycleConfiguration", "s3:GetMetricsConfiguration",
          "s3:GetMultiRegionAccessPoint", "s3:GetMultiRegionAccessPointPolicy",
          "s3:GetMultiRegionAccessPointPolicyStatus", "s3:GetMultiRegionAccessPointRoutes",
          "s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectAnnotation", "s3:GetObjectAttributes",
          "s3:GetObjectLegalHold", "s3:GetObjectRetention", "s3:GetObjectTagging",
          "s3:GetObjectTorrent", "s3:GetObjectVersion", "s3:GetObjectVersionAcl",
          "s3:GetObjectVersionAnnotation", "s3:GetObjectVersionAnnotationForReplication",
          "s3:GetObjectVersionAttributes"]}]}

    Passes (attachment: user):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["s3:Get*", "s3:Put*"], "Resource": "*"}]}
    """
    yield from _size_check(policy, ctx)


@check(
    id="PR114",
    severity=Severity.ERROR,
    title="Service control policy size exceeds the quota",
    fix="Split the SCP into several, or drop whitespace and merge actions with wildcards.",
    kinds=(PolicyKind.SCP,),
    aa_code="POLICY_SIZE_EXCEEDS_SCP_QUOTA",
)
def scp_size_quota(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """AWS Organizations rejects a service control policy of more than 5,120 characters
    (whitespace outside strings does not count).

    Fails (kind: scp):

        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Resource": "*", "Action": [
          "ec2:CreateApplicationStatusCheck", "ec2:CreateCapacityManagerDataExport",
          "ec2:CreateCapacityReservation", "ec2:CreateCapacityReservationBySplitting",
          "ec2:CreateCapacityReservationCancellationQuote", "ec2:CreateCapacityReservationFleet",
          "ec2:CreateCarrierGateway", "ec2:CreateClientVpnEndpoint", "ec2:CreateClientVpnRoute",
          "ec2:CreateCoipCidr", "ec2:CreateCoipPool", "ec2:CreateCoipPoolPermission",
          "ec2:CreateCustomerGateway", "ec2:CreateDefaultSubnet", "ec2:CreateDefaultVpc",
          "ec2:CreateDelegateMacVolumeOwnershipTask", "ec2:CreateDhcpOptions",
          "ec2:CreateEgressOnlyInternetGateway", "ec2:CreateFleet", "ec2:CreateFlowLogs",
          "ec2:CreateFpgaImage", "ec2:CreateImage", "ec2:CreateImageUsageReport",
          "ec2:CreateInstanceConnectEndpoint", "ec2:CreateInstanceEventWindow",
          "ec2:CreateInstanceExportTask", "ec2:CreateInternetGateway",
          "ec2:CreateInterruptibleCapacityReservationAllocation", "ec2:CreateIpam",
          "ec2:CreateIpamExternalResourceVerificationToken", "ec2:CreateIpamPolicy",
          "ec2:CreateIpamPool", "ec2:CreateIpamPrefixListResolver",
          "ec2:CreateIpamPrefixListResolverTarget", "ec2:CreateIpamResourceDiscovery",
          "ec2:CreateIpamScope", "ec2:CreateKeyPair", "ec2:CreateLaunchTemplate",
          "ec2:CreateLaunchTemplateVersion", "ec2:CreateLocalGatewayRoute",
          "ec2:CreateLocalGatewayRouteTable", "ec2:CreateLocalGatewayRouteTablePermission",
          "ec2:CreateLocalGatewayRouteTableVirtualInterfaceGroupAssociation",
          "ec2:CreateLocalGatewayRouteTableVpcAssociation",
          "ec2:CreateLocalGatewayVirtualInterface", "ec2:CreateLocalGatewayVirtualInterfaceGroup",
          "ec2:CreateMacSystemIntegrityProtectionModificationTask", "ec2:CreateManagedPrefixList",
          "ec2:CreateNatGateway", "ec2:CreateNetworkAcl", "ec2:CreateNetworkAclEntry",
          "ec2:CreateNetworkInsightsAccessScope", "ec2:CreateNetworkInsightsPath",
          "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission",
          "ec2:CreateOdbNetworkPeering", "ec2:CreatePlacementGroup", "ec2:CreatePublicIpv4Pool",
          "ec2:CreateReplaceRootVolumeTask", "ec2:CreateReservedInstancesListing",
          "ec2:CreateRestoreImageTask", "ec2:CreateRoute", "ec2:CreateRouteServer",
          "ec2:CreateRouteServerEndpoint", "ec2:CreateRouteServerPeer", "ec2:CreateRouteTable",
          "ec2:CreateSecondaryNetwork", "ec2:CreateSecondarySubnet", "ec2:CreateSecurityGroup",
          "ec2:CreateSnapshot", "ec2:CreateSnapshots", "ec2:CreateSpotDatafeedSubscription",
          "ec2:CreateStoreImageTask", "ec2:CreateSubnet", "ec2:CreateSubnetCidrReservation",
          "ec2:CreateTags", "ec2:CreateTrafficMirrorFilter", "ec2:CreateTrafficMirrorFilterRule",
          "ec2:CreateTrafficMirrorSession", "ec2:CreateTrafficMirrorTarget",
          "ec2:CreateTransitGateway", "ec2:CreateTransitGatewayConnect",
          "ec2:CreateTransitGatewayConnectPeer", "ec2:CreateTransitGatewayMeteringPolicy",
          "ec2:CreateTransitGatewayMeteringPolicyEntry",
          "ec2:CreateTransitGatewayMulticastDomain", "ec2:CreateTransitGatewayPeeringAttachment",
          "ec2:CreateTransitGatewayPolicyTable", "ec2:CreateTransitGatewayPolicyTableEntry",
          "ec2:CreateTransitGatewayPrefixListReference", "ec2:CreateTransitGatewayRoute",
          "ec2:CreateTransitGatewayRouteTable", "ec2:CreateTransitGatewayRouteTableAnnouncement",
          "ec2:CreateTransitGatewayVpcAttachment", "ec2:CreateVerifiedAccessEndpoint",
          "ec2:CreateVerifiedAccessGroup", "ec2:CreateVerifiedAccessInstance",
          "ec2:CreateVerifiedAccessTrustProvider", "ec2:CreateVolume", "ec2:CreateVpc",
          "ec2:CreateVpcBlockPublicAccessExclusion", "ec2:CreateVpcEncryptionControl",
          "ec2:CreateVpcEndpoint", "ec2:CreateVpcEndpointConnectionNotification",
          "ec2:CreateVpcEndpointServiceConfiguration", "ec2:CreateVpcPeeringConnection",
          "ec2:CreateVpnConcentrator", "ec2:CreateVpnConnection", "ec2:CreateVpnConnectionRoute",
          "ec2:CreateVpnGateway", "ec2:DeleteApplicationStatusCheck",
          "ec2:DeleteCapacityManagerDataExport", "ec2:DeleteCarrierGateway",
          "ec2:DeleteClientVpnEndpoint", "ec2:DeleteClientVpnRoute", "ec2:DeleteCoipCidr",
          "ec2:DeleteCoipPool", "ec2:DeleteCoipPoolPermission", "ec2:DeleteCustomerGateway",
          "ec2:DeleteDhcpOptions", "ec2:DeleteEgressOnlyInternetGateway", "ec2:DeleteFleets",
          "ec2:DeleteFlowLogs", "ec2:DeleteFpgaImage", "ec2:DeleteImageUsageReport",
          "ec2:DeleteInstanceConnectEndpoint", "ec2:DeleteInstanceEventWindow",
          "ec2:DeleteInternetGateway", "ec2:DeleteIpam",
          "ec2:DeleteIpamExternalResourceVerificationToken", "ec2:DeleteIpamPolicy",
          "ec2:DeleteIpamPool", "ec2:DeleteIpamPrefixListResolver",
          "ec2:DeleteIpamPrefixListResolverTarget", "ec2:DeleteIpamResourceDiscovery",
          "ec2:DeleteIpamScope", "ec2:DeleteKeyPair", "ec2:DeleteLaunchTemplate",
          "ec2:DeleteLaunchTemplateVersions", "ec2:DeleteLocalGatewayRoute",
          "ec2:DeleteLocalGatewayRouteTable", "ec2:DeleteLocalGatewayRouteTablePermission",
          "ec2:DeleteLocalGatewayRouteTableVirtualInterfaceGroupAssociation",
          "ec2:DeleteLocalGatewayRouteTableVpcAssociation",
          "ec2:DeleteLocalGatewayVirtualInterface", "ec2:DeleteLocalGatewayVirtualInterfaceGroup",
          "ec2:DeleteManagedPrefixList", "ec2:DeleteNatGateway", "ec2:DeleteNetworkAcl",
          "ec2:DeleteNetworkAclEntry", "ec2:DeleteNetworkInsightsAccessScope",
          "ec2:DeleteNetworkInsightsAccessScopeAnalysis", "ec2:DeleteNetworkInsightsAnalysis",
          "ec2:DeleteNetworkInsightsPath", "ec2:DeleteNetworkInterface",
          "ec2:DeleteNetworkInterfacePermission", "ec2:DeleteOdbNetworkPeering",
          "ec2:DeletePlacementGroup", "ec2:DeletePublicIpv4Pool",
          "ec2:DeleteQueuedReservedInstances", "ec2:DeleteResourcePolicy", "ec2:DeleteRoute",
          "ec2:DeleteRouteServer", "ec2:DeleteRouteServerEndpoint", "ec2:DeleteRouteServerPeer",
          "ec2:DeleteRouteTable", "ec2:DeleteSecondaryNetwork", "ec2:DeleteSecondarySubnet",
          "ec2:DeleteSecurityGroup", "ec2:DeleteSnapshot", "ec2:DeleteSpotDatafeedSubscription",
          "ec2:DeleteSubnet", "ec2:DeleteSubnetCidrReservation", "ec2:DeleteTags",
          "ec2:DeleteTrafficMirrorFilter", "ec2:DeleteTrafficMirrorFilterRule",
          "ec2:DeleteTrafficMirrorSession", "ec2:DeleteTrafficMirrorTarget",
          "ec2:DeleteTransitGateway", "ec2:DeleteTransitGatewayClientVpnAttachment",
          "ec2:DeleteTransitGatewayConnect", "ec2:DeleteTransitGatewayConnectPeer",
          "ec2:DeleteTransitGatewayMeteringPolicy", "ec2:DeleteTransitGatewayMeteringPolicyEntry",
          "ec2:DeleteTransitGatewayMulticastDomain", "ec2:DeleteTransitGatewayPeeringAttachment",
          "ec2:DeleteTransitGatewayPolicyTable", "ec2:DeleteTransitGatewayPolicyTableEntry",
          "ec2:DeleteTransitGatewayPrefixListReference", "ec2:DeleteTransitGatewayRoute"]}]}

    Passes (kind: scp):

        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Resource": "*", "Action": [
          "ec2:*Vpc*", "ec2:*Subnet*", "ec2:*Route*", "ec2:*Gateway*", "ec2:*NetworkAcl*",
          "ec2:*ClientVpn*", "ec2:*PrefixList*", "ec2:*TrafficMirror*", "ec2:*FlowLogs"]}]}
    """
    yield from _size_check(policy, ctx)


@check(
    id="PR115",
    severity=Severity.ERROR,
    title="Resource control policy size exceeds the quota",
    fix="Split the RCP into several, or drop whitespace and merge actions with wildcards.",
    kinds=(PolicyKind.RCP,),
    aa_code="POLICY_SIZE_EXCEEDS_RCP_QUOTA",
)
def rcp_size_quota(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """AWS Organizations rejects a resource control policy of more than 5,120 characters
    (whitespace outside strings does not count).

    Fails (kind: rcp):

        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
          "Resource": "*", "Action": "s3:*",
          "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalAccount": [
            "111111100001", "111111100002", "111111100003", "111111100004", "111111100005",
            "111111100006", "111111100007", "111111100008", "111111100009", "111111100010",
            "111111100011", "111111100012", "111111100013", "111111100014", "111111100015",
            "111111100016", "111111100017", "111111100018", "111111100019", "111111100020",
            "111111100021", "111111100022", "111111100023", "111111100024", "111111100025",
            "111111100026", "111111100027", "111111100028", "111111100029", "111111100030",
            "111111100031", "111111100032", "111111100033", "111111100034", "111111100035",
            "111111100036", "111111100037", "111111100038", "111111100039", "111111100040",
            "111111100041", "111111100042", "111111100043", "111111100044", "111111100045",
            "111111100046", "111111100047", "111111100048", "111111100049", "111111100050",
            "111111100051", "111111100052", "111111100053", "111111100054", "111111100055",
            "111111100056", "111111100057", "111111100058", "111111100059", "111111100060",
            "111111100061", "111111100062", "111111100063", "111111100064", "111111100065",
            "111111100066", "111111100067", "111111100068", "111111100069", "111111100070",
            "111111100071", "111111100072", "111111100073", "111111100074", "111111100075",
            "111111100076", "111111100077", "111111100078", "111111100079", "111111100080",
            "111111100081", "111111100082", "111111100083", "111111100084", "111111100085",
            "111111100086", "111111100087", "111111100088", "111111100089", "111111100090",
            "111111100091", "111111100092", "111111100093", "111111100094", "111111100095",
            "111111100096", "111111100097", "111111100098", "111111100099", "111111100100",
            "111111100101", "111111100102", "111111100103", "111111100104", "111111100105",
            "111111100106", "111111100107", "111111100108", "111111100109", "111111100110",
            "111111100111", "111111100112", "111111100113", "111111100114", "111111100115",
            "111111100116", "111111100117", "111111100118", "111111100119", "111111100120",
            "111111100121", "111111100122", "111111100123", "111111100124", "111111100125",
            "111111100126", "111111100127", "111111100128", "111111100129", "111111100130",
            "111111100131", "111111100132", "111111100133", "111111100134", "111111100135",
            "111111100136", "111111100137", "111111100138", "111111100139", "111111100140",
            "111111100141", "111111100142", "111111100143", "111111100144", "111111100145",
            "111111100146", "111111100147", "111111100148", "111111100149", "111111100150",
            "111111100151", "111111100152", "111111100153", "111111100154", "111111100155",
            "111111100156", "111111100157", "111111100158", "111111100159", "111111100160",
            "111111100161", "111111100162", "111111100163", "111111100164", "111111100165",
            "111111100166", "111111100167", "111111100168", "111111100169", "111111100170",
            "111111100171", "111111100172", "111111100173", "111111100174", "111111100175",
            "111111100176", "111111100177", "111111100178", "111111100179", "111111100180",
            "111111100181", "111111100182", "111111100183", "111111100184", "111111100185",
            "111111100186", "111111100187", "111111100188", "111111100189", "111111100190",
            "111111100191", "111111100192", "111111100193", "111111100194", "111111100195",
            "111111100196", "111111100197", "111111100198", "111111100199", "111111100200",
            "111111100201", "111111100202", "111111100203", "111111100204", "111111100205",
            "111111100206", "111111100207", "111111100208", "111111100209", "111111100210",
            "111111100211", "111111100212", "111111100213", "111111100214", "111111100215",
            "111111100216", "111111100217", "111111100218", "111111100219", "111111100220",
            "111111100221", "111111100222", "111111100223", "111111100224", "111111100225",
            "111111100226", "111111100227", "111111100228", "111111100229", "111111100230",
            "111111100231", "111111100232", "111111100233", "111111100234", "111111100235",
            "111111100236", "111111100237", "111111100238", "111111100239", "111111100240",
            "111111100241", "111111100242", "111111100243", "111111100244", "111111100245",
            "111111100246", "111111100247", "111111100248", "111111100249", "111111100250",
            "111111100251", "111111100252", "111111100253", "111111100254", "111111100255",
            "111111100256", "111111100257", "111111100258", "111111100259", "111111100260",
            "111111100261", "111111100262", "111111100263", "111111100264", "111111100265",
            "111111100266", "111111100267", "111111100268", "111111100269", "111111100270",
            "111111100271", "111111100272", "111111100273", "111111100274", "111111100275",
            "111111100276", "111111100277", "111111100278", "111111100279", "111111100280",
            "111111100281", "111111100282", "111111100283", "111111100284", "111111100285",
            "111111100286", "111111100287", "111111100288", "111111100289", "111111100290",
            "111111100291", "111111100292", "111111100293", "111111100294", "111111100295",
            "111111100296", "111111100297", "111111100298", "111111100299", "111111100300",
            "111111100301", "111111100302", "111111100303", "111111100304", "111111100305",
            "111111100306", "111111100307", "111111100308", "111111100309", "111111100310",
            "111111100311", "111111100312", "111111100313", "111111100314", "111111100315",
            "111111100316", "111111100317", "111111100318", "111111100319", "111111100320",
            "111111100321", "111111100322", "111111100323", "111111100324", "111111100325",
            "111111100326", "111111100327", "111111100328", "111111100329", "111111100330",
            "111111100331", "111111100332", "111111100333", "111111100334", "111111100335",
            "111111100336", "111111100337", "111111100338", "111111100339", "111111100340",
            "111111100341", "111111100342", "111111100343", "111111100344", "111111100345",
            "111111100346", "111111100347", "111111100348", "111111100349", "111111100350",
            "111111100351", "111111100352", "111111100353", "111111100354", "111111100355",
            "111111100356", "111111100357", "111111100358", "111111100359", "111111100360",
            "111111100361", "111111100362", "111111100363", "111111100364", "111111100365",
            "111111100366", "111111100367", "111111100368", "111111100369", "111111100370",
            "111111100371", "111111100372", "111111100373", "111111100374", "111111100375",
            "111111100376", "111111100377", "111111100378", "111111100379", "111111100380",
            "111111100381", "111111100382", "111111100383", "111111100384", "111111100385",
            "111111100386", "111111100387", "111111100388", "111111100389", "111111100390",
            "111111100391", "111111100392", "111111100393", "111111100394", "111111100395",
            "111111100396", "111111100397", "111111100398", "111111100399", "111111100400",
            "111111100401", "111111100402", "111111100403", "111111100404", "111111100405",
            "111111100406", "111111100407", "111111100408", "111111100409", "111111100410",
            "111111100411", "111111100412", "111111100413", "111111100414", "111111100415",
            "111111100416", "111111100417", "111111100418", "111111100419"]}}}]}

    Passes (kind: rcp):

        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
          "Resource": "*", "Action": "s3:*",
          "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    """
    yield from _size_check(policy, ctx)


@check(
    id="PR116",
    severity=Severity.WARNING,
    title="Role trust policy size exceeds the quota",
    fix="Shorten the trust policy, or ask AWS to raise the quota (up to 4,096 characters).",
    kinds=(PolicyKind.TRUST,),
    aa_code="POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
)
def trust_size_quota(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """IAM rejects a role trust policy above 2,048 characters unless the account's quota was
    raised (to at most 4,096), so Access Analyzer reports it as a warning.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
          "Principal": {"AWS": [
            "arn:aws:iam::111111111110:role/deployment-pipeline",
            "arn:aws:iam::111111111111:role/deployment-pipeline",
            "arn:aws:iam::111111111112:role/deployment-pipeline",
            "arn:aws:iam::111111111113:role/deployment-pipeline",
            "arn:aws:iam::111111111114:role/deployment-pipeline",
            "arn:aws:iam::111111111115:role/deployment-pipeline",
            "arn:aws:iam::111111111116:role/deployment-pipeline",
            "arn:aws:iam::111111111117:role/deployment-pipeline",
            "arn:aws:iam::111111111118:role/deployment-pipeline",
            "arn:aws:iam::111111111119:role/deployment-pipeline",
            "arn:aws:iam::111111111120:role/deployment-pipeline",
            "arn:aws:iam::111111111121:role/deployment-pipeline",
            "arn:aws:iam::111111111122:role/deployment-pipeline",
            "arn:aws:iam::111111111123:role/deployment-pipeline",
            "arn:aws:iam::111111111124:role/deployment-pipeline",
            "arn:aws:iam::111111111125:role/deployment-pipeline",
            "arn:aws:iam::111111111126:role/deployment-pipeline",
            "arn:aws:iam::111111111127:role/deployment-pipeline",
            "arn:aws:iam::111111111128:role/deployment-pipeline",
            "arn:aws:iam::111111111129:role/deployment-pipeline",
            "arn:aws:iam::111111111130:role/deployment-pipeline",
            "arn:aws:iam::111111111131:role/deployment-pipeline",
            "arn:aws:iam::111111111132:role/deployment-pipeline",
            "arn:aws:iam::111111111133:role/deployment-pipeline",
            "arn:aws:iam::111111111134:role/deployment-pipeline",
            "arn:aws:iam::111111111135:role/deployment-pipeline",
            "arn:aws:iam::111111111136:role/deployment-pipeline",
            "arn:aws:iam::111111111137:role/deployment-pipeline",
            "arn:aws:iam::111111111138:role/deployment-pipeline",
            "arn:aws:iam::111111111139:role/deployment-pipeline",
            "arn:aws:iam::111111111140:role/deployment-pipeline",
            "arn:aws:iam::111111111141:role/deployment-pipeline",
            "arn:aws:iam::111111111142:role/deployment-pipeline",
            "arn:aws:iam::111111111143:role/deployment-pipeline",
            "arn:aws:iam::111111111144:role/deployment-pipeline",
            "arn:aws:iam::111111111145:role/deployment-pipeline",
            "arn:aws:iam::111111111146:role/deployment-pipeline",
            "arn:aws:iam::111111111147:role/deployment-pipeline",
            "arn:aws:iam::111111111148:role/deployment-pipeline",
            "arn:aws:iam::111111111149:role/deployment-pipeline",
            "arn:aws:iam::111111111150:role/deployment-pipeline",
            "arn:aws:iam::111111111151:role/deployment-pipeline",
            "arn:aws:iam::111111111152:role/deployment-pipeline",
            "arn:aws:iam::111111111153:role/deployment-pipeline",
            "arn:aws:iam::111111111154:role/deployment-pipeline",
            "arn:aws:iam::111111111155:role/deployment-pipeline",
            "arn:aws:iam::111111111156:role/deployment-pipeline",
            "arn:aws:iam::111111111157:role/deployment-pipeline",
            "arn:aws:iam::111111111158:role/deployment-pipeline",
            "arn:aws:iam::111111111159:role/deployment-pipeline"]}}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
          "Principal": {"AWS": "*"},
          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deployer"}}}]}
    """
    yield from _size_check(policy, ctx)


@check(
    id="PR108",
    severity=Severity.ERROR,
    title="Policy without statements",
    fix="Add a statement or delete the policy.",
    aa_code="MISSING_STATEMENT",
    diagnostics=("missing-statement",),
)
def no_statements(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A policy without a Statement element, or with an empty list of them, grants and denies
    nothing; IAM rejects the first.

    Fails:

        {"Version": "2012-10-17", "Statement": []}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
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


def _counts(stmt: Statement) -> tuple[int, int, int]:
    resources = -1 if stmt.resources is None else len(stmt.resources)
    return len(stmt.actions), resources, len(stmt.conditions)


@check(
    id="PR109",
    severity=Severity.SUGGESTION,
    title="Duplicate statement",
    fix="Delete the repeated statement.",
    aa_code="REDUNDANT_STATEMENT",
)
def duplicate_statement(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Two statements that are identical apart from their Sid: the second adds nothing, and
    an edit to one but not the other changes the policy unexpectedly.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"},
          {"Sid": "B", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"},
          {"Sid": "B", "Effect": "Allow", "Action": "s3:PutObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """
    # Statements of one fingerprint have as many actions, resources and conditions: only those
    # that share these counts with another statement are fingerprinted.
    counts = Counter(_counts(stmt) for stmt in policy.statements)
    first: dict[tuple[Any, ...], Statement] = {}
    for stmt in policy.statements:
        if counts[_counts(stmt)] == 1:
            continue
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
    aa_code="RCP_SYNTAX_ERROR_ALLOW",
)
def rcp_allow(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Resource control policies support only Deny statements (the Allow-all RCPFullAWSAccess is
    managed by AWS and cannot be authored).

    Fails (kind: rcp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}

    Passes (kind: rcp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    """
    for stmt in policy.statements:
        if is_allow(stmt):
            yield ctx.report(element_span(stmt, "Effect"), f"{stmt.label} is an Allow in an RCP")


@check(
    id="PR111",
    severity=Severity.ERROR,
    title="Specific principal in a resource control policy",
    fix='Use "Principal": "*" and restrict principals with conditions such as aws:PrincipalArn.',
    kinds=(PolicyKind.RCP,),
    aa_code="RCP_SYNTAX_ERROR_PRINCIPAL",
)
def rcp_principal(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """In an RCP the Principal must be `"*"`, and NotPrincipal is not supported.

    Fails (kind: rcp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": {"AWS": "111122223333"}, "Action": "s3:*",
           "Resource": "*"}]}

    Passes (kind: rcp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
           "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}}}]}
    """
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
    aa_code="ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
)
def trust_resource(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A role trust policy has no Resource or NotResource element; IAM rejects it.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole",
           "Resource": "*"}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]}
    """
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
    it breaks silently when a role is recreated; AWS recommends a condition on aws:PrincipalArn.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
           "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
           "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnNotEquals": {"aws:PrincipalArn":
             "arn:aws:iam::111122223333:role/admin"}}}]}
    """
    for stmt in policy.statements:
        if stmt.not_principal and not is_allow(stmt) and stmt.principal is not None:
            yield ctx.report(stmt.principal.span, f"{stmt.label} denies with NotPrincipal")


@check(
    id="PR117",
    severity=Severity.ERROR,
    title="NotAction in a resource control policy",
    fix="List the denied actions in Action.",
    kinds=(PolicyKind.RCP,),
    aa_code="RCP_SYNTAX_ERROR_NOTACTION",
)
def rcp_not_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Resource control policies take an Action element only; NotAction is rejected.

    Fails (kind: rcp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "NotAction": "s3:GetObject", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}

    Passes (kind: rcp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    """
    for stmt in policy.statements:
        if stmt.not_action:
            yield ctx.report(element_span(stmt, "NotAction"), f"{stmt.label} uses NotAction")


def _empty_list(ctx: CheckContext, stmt: Statement, element: str) -> JArray | None:
    # Only an empty list leaves the statement no patterns: most have some.
    patterns = stmt.actions if element == "Action" else stmt.resources
    if patterns:
        return None
    node = ctx.statement_node(stmt)
    value = node.get(element) if node is not None else None
    return value if isinstance(value, JArray) and not value.items else None


@check(
    id="PR119",
    severity=Severity.SUGGESTION,
    title="Empty Action list",
    fix="List the actions, or delete the statement.",
    aa_code="EMPTY_ARRAY_ACTION",
)
def empty_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """`"Action": []` names no action, so the statement applies to no request and changes
    nothing.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": [], "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt in policy.statements:
        found = _empty_list(ctx, stmt, "Action")
        if found is not None:
            yield ctx.report(found.span, f"{stmt.label} lists no actions")


@check(
    id="PR120",
    severity=Severity.SUGGESTION,
    title="Empty Resource list",
    fix="List the resources, or delete the statement.",
    aa_code="EMPTY_ARRAY_RESOURCE",
)
def empty_resource(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """`"Resource": []` names no resource, so the statement applies to no request.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": []}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::reports/*"]}]}
    """
    for stmt in policy.statements:
        found = _empty_list(ctx, stmt, "Resource")
        if found is not None:
            yield ctx.report(found.span, f"{stmt.label} lists no resources")


def _principal_node(ctx: CheckContext, stmt: Statement) -> JObject | None:
    # Most statements (every identity policy's) write no Principal: no node to look up.
    if "Principal" not in stmt.keys and "NotPrincipal" not in stmt.keys:
        return None
    node = ctx.statement_node(stmt)
    if node is None:
        return None
    value = node.get("NotPrincipal" if stmt.not_principal else "Principal")
    return value if isinstance(value, JObject) else None


@check(
    id="PR121",
    severity=Severity.SUGGESTION,
    title="Empty principal list",
    fix="Name the principals, or delete the statement.",
    aa_code="EMPTY_ARRAY_PRINCIPAL",
)
def empty_principal_list(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """`"Principal": {"AWS": []}` names nobody, so the statement applies to no request.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": []}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": ["111122223333"]}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt in policy.statements:
        node = _principal_node(ctx, stmt)
        for key, value in node.pairs if node is not None else ():
            if isinstance(value, JArray) and not value.items:
                yield ctx.report(value.span, f"{stmt.label} lists no {key.value} principals")


@check(
    id="PR122",
    severity=Severity.SUGGESTION,
    title="Empty Principal object",
    fix="Name the principals, or delete the statement.",
    aa_code="EMPTY_OBJECT_PRINCIPAL",
)
def empty_principal_object(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """`"Principal": {}` names nobody, so the statement applies to no request.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """
    for stmt in policy.statements:
        node = _principal_node(ctx, stmt)
        if node is not None and not node.pairs:
            yield ctx.report(node.span, f"{stmt.label} has an empty Principal")


@check(
    id="PR123",
    severity=Severity.SUGGESTION,
    title="Empty Condition object",
    fix="Add the conditions, or remove the Condition element.",
    aa_code="EMPTY_OBJECT_CONDITION",
)
def empty_condition_object(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """`"Condition": {}` (or an operator with no keys) restricts nothing; it reads as if a
    restriction were there.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
    """
    for stmt in policy.statements:
        if "Condition" not in stmt.keys:
            continue
        node = ctx.statement_node(stmt)
        block = node.get("Condition") if node is not None else None
        if not isinstance(block, JObject):
            continue
        if not block.pairs:
            yield ctx.report(block.span, f"{stmt.label} has an empty Condition")
        for key, operator in block.pairs:
            if isinstance(operator, JObject) and not operator.pairs:
                yield ctx.report(operator.span, f"{key.value} in {stmt.label} has no keys")
