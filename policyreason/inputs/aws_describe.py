"""Read `aws ec2 describe-*` snapshots (a folder, possibly nested by account and region, or one
merged JSON file) into the network IR, keeping the position of every resource and rule.

Unknown files and resource kinds are warnings; malformed files and resources are errors that
skip only what is broken. Nothing raises for bad input. What the export does not contain but
names (a route to a gateway it lacks, a VPC without its main route table) is a warning: the
analysis answers *unknown* for paths through it, never "not reachable".

Besides `aws ec2 describe-*` (and elbv2 describe-* and directconnect describe-*), three kinds
carry AWS Network Firewall: `Firewalls` (describe-firewall outputs), `FirewallPolicies`
(describe-firewall-policy outputs) and `RuleGroups` (describe-rule-group outputs), each a list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from policyreason.collector import paused
from policyreason.errors import InputError, JsonSyntaxError
from policyreason.inputs.describe_fields import (
    Bad,
    associated,
    cidr,
    flag,
    icmp,
    ids,
    ip,
    items,
    number,
    obj,
    protocol,
    string,
)
from policyreason.inputs.describe_kinds import DESCRIBE_KINDS
from policyreason.inputs.encoding import decode
from policyreason.inputs.firewall import read_firewall, read_policy, read_rule_group
from policyreason.ir.cidr import Cidr
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.network import (
    ICMP_PROTOCOLS,
    AclEntry,
    DirectConnectAssociation,
    DirectConnectGateway,
    EndpointService,
    Eni,
    Firewall,
    FirewallPolicy,
    Instance,
    InternetGateway,
    Listener,
    LoadBalancer,
    NatGateway,
    Network,
    NetworkAcl,
    PortRange,
    PrefixList,
    Route,
    RouteTable,
    RuleGroup,
    SecurityGroup,
    SgRule,
    Subnet,
    Target,
    TargetGroup,
    TargetKind,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    TransitGateway,
    VirtualInterface,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpnConnection,
    VpnGateway,
    propagate_tgw_routes,
)
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar, parse_json

# Kinds that are read by other tools or that the network model does not need; listed so that
# they are not reported as unknown.
_IGNORED = {
    "AvailabilityZones",
    "Addresses",
    "CustomerGateways",
    "DBInstances",
    "DomainStatusList",
    "LoadBalancerAttributes",
    "ServiceDetails",
    "ServiceNames",
}
_ACCOUNT = re.compile(r"^\d{12}$|^\d{3,}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


@dataclass
class _Builder:
    """Collects resources from every file, then links what spans files (TGW tables, LBs)."""

    vpcs: list[Vpc] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
    route_tables: list[RouteTable] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    network_acls: list[NetworkAcl] = field(default_factory=list)
    enis: dict[str, Eni] = field(default_factory=dict)
    instance_enis: list[Eni] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    igws: list[InternetGateway] = field(default_factory=list)
    nats: list[NatGateway] = field(default_factory=list)
    peerings: list[VpcPeeringConnection] = field(default_factory=list)
    tgws: list[TransitGateway] = field(default_factory=list)
    attachments: dict[tuple[str, str], TgwAttachment] = field(default_factory=dict)
    vpc_attachment_subnets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tgw_tables: dict[str, TgwRouteTable] = field(default_factory=dict)
    tgw_routes: dict[str, list[TgwRoute]] = field(default_factory=dict)
    tgw_propagations: dict[str, list[str]] = field(default_factory=dict)
    endpoints: list[VpcEndpoint] = field(default_factory=list)
    services: list[EndpointService] = field(default_factory=list)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    lbs: list[LoadBalancer] = field(default_factory=list)
    listeners: dict[str, list[Listener]] = field(default_factory=dict)
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)
    target_health: dict[str, tuple[Target, ...]] = field(default_factory=dict)
    preserve_client_ip: dict[str, bool] = field(default_factory=dict)
    vgws: list[VpnGateway] = field(default_factory=list)
    vpns: list[VpnConnection] = field(default_factory=list)
    dxgws: list[DirectConnectGateway] = field(default_factory=list)
    dx_associations: list[DirectConnectAssociation] = field(default_factory=list)
    vifs: list[VirtualInterface] = field(default_factory=list)
    firewalls: list[Firewall] = field(default_factory=list)
    firewall_policies: list[FirewallPolicy] = field(default_factory=list)
    rule_groups: list[RuleGroup] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def warn(self, code: str, message: str, span: Span) -> None:
        self.diagnostics.append(
            Diagnostic(code=code, level=Level.WARNING, message=message, span=span)
        )

    def error(self, code: str, message: str, span: Span) -> None:
        self.diagnostics.append(
            Diagnostic(code=code, level=Level.ERROR, message=message, span=span)
        )

    # -- one reader per describe-* kind -------------------------------------------------------

    def vpc(self, o: JObject, account: str, region: str) -> None:
        cidrs = [cidr(o, "CidrBlock")]
        for key, inner in (
            ("CidrBlockAssociationSet", "CidrBlock"),
            ("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock"),
        ):
            for assoc in items(o, key):
                a = obj(assoc, o.span, key)
                if not associated(a, inner + "State"):
                    continue
                c = cidr(a, inner)
                if c not in cidrs:
                    cidrs.append(c)
        owner = account or string(o, "OwnerId", False)
        self.vpcs.append(
            Vpc(
                id=string(o, "VpcId"), cidrs=tuple(cidrs), account=owner, region=region, span=o.span
            )
        )

    def subnet(self, o: JObject) -> None:
        v6 = []
        for assoc in items(o, "Ipv6CidrBlockAssociationSet"):
            a = obj(assoc, o.span, "Ipv6CidrBlockAssociationSet")
            if associated(a, "Ipv6CidrBlockState"):
                v6.append(cidr(a, "Ipv6CidrBlock"))
        self.subnets.append(
            Subnet(
                id=string(o, "SubnetId"),
                vpc_id=string(o, "VpcId"),
                cidr=cidr(o, "CidrBlock"),
                ipv6_cidrs=tuple(v6),
                az=string(o, "AvailabilityZone", False),
                span=o.span,
            )
        )

    def route_table(self, o: JObject) -> None:
        main = False
        subnet_ids: list[str] = []
        gateway_ids: list[str] = []
        for assoc in items(o, "Associations"):
            a = obj(assoc, o.span, "Associations")
            if not associated(a, "AssociationState"):
                continue
            main = main or flag(a, "Main")
            if sid := string(a, "SubnetId", False):
                subnet_ids.append(sid)
            if gid := string(a, "GatewayId", False):
                gateway_ids.append(gid)
        routes: list[Route] = []
        for item in items(o, "Routes"):
            r = obj(item, o.span, "Routes")
            route = self._route(r)
            if route is not None:
                routes.append(route)
        self.route_tables.append(
            RouteTable(
                id=string(o, "RouteTableId"),
                vpc_id=string(o, "VpcId"),
                main=main,
                subnet_ids=tuple(subnet_ids),
                gateway_ids=tuple(gateway_ids),
                routes=tuple(routes),
                span=o.span,
            )
        )

    def _route(self, r: JObject) -> Route | None:
        dest: Cidr | None = None
        plist: str | None = None
        if r.get("DestinationCidrBlock") is not None:
            dest = cidr(r, "DestinationCidrBlock")
        elif r.get("DestinationIpv6CidrBlock") is not None:
            dest = cidr(r, "DestinationIpv6CidrBlock")
        elif r.get("DestinationPrefixListId") is not None:
            plist = string(r, "DestinationPrefixListId")
        else:
            raise Bad("a route needs a destination", r.span)
        kind, target = _route_target(r)
        if kind is TargetKind.OTHER:
            self.warn(
                "NET-UNSUPPORTED-TARGET",
                f"route target {target} is not modelled; packets taking it are 'unknown'",
                r.span,
            )
        return Route(
            destination=dest,
            prefix_list_id=plist,
            target_kind=kind,
            target_id=target,
            blackhole=string(r, "State", False) == "blackhole",
            span=r.span,
        )

    def security_group(self, o: JObject) -> None:
        def rules(key: str) -> tuple[SgRule, ...]:
            out = []
            for item in items(o, key):
                p = obj(item, o.span, key)
                proto = protocol(p, "IpProtocol")
                lo, hi = number(p, "FromPort"), number(p, "ToPort")
                ports = None
                if proto in (6, 17) and lo is not None and hi is not None and lo >= 0:
                    ports = PortRange(lo=lo, hi=hi)
                kinds = icmp(p, "FromPort", "ToPort") if proto in ICMP_PROTOCOLS else None
                v4 = [cidr(obj(c, p.span, "IpRanges"), "CidrIp") for c in items(p, "IpRanges")]
                v6 = [
                    cidr(obj(c, p.span, "Ipv6Ranges"), "CidrIpv6") for c in items(p, "Ipv6Ranges")
                ]
                out.append(
                    SgRule(
                        protocol=proto,
                        ports=ports,
                        icmp=kinds,
                        cidrs=(*v4, *v6),
                        group_ids=ids(p, "UserIdGroupPairs", "GroupId"),
                        prefix_list_ids=ids(p, "PrefixListIds", "PrefixListId"),
                        span=p.span,
                    )
                )
            return tuple(out)

        self.security_groups.append(
            SecurityGroup(
                id=string(o, "GroupId"),
                name=string(o, "GroupName", False),
                vpc_id=string(o, "VpcId", False),
                ingress=rules("IpPermissions"),
                egress=rules("IpPermissionsEgress"),
                span=o.span,
            )
        )

    def network_acl(self, o: JObject) -> None:
        entries = []
        for item in items(o, "Entries"):
            e = obj(item, o.span, "Entries")
            v6 = e.get("CidrBlock") is None
            proto = protocol(e, "Protocol")
            ports = None
            pr = e.get("PortRange")
            if proto in (6, 17) and isinstance(pr, JObject):
                lo, hi = number(pr, "From"), number(pr, "To")
                if lo is not None and hi is not None:
                    ports = PortRange(lo=lo, hi=hi)
            kinds = None
            codes = e.get("IcmpTypeCode")
            if proto in ICMP_PROTOCOLS and isinstance(codes, JObject):
                kinds = icmp(codes, "Type", "Code")
            rule_no = number(e, "RuleNumber")
            entries.append(
                AclEntry(
                    rule_number=rule_no if rule_no is not None else 32767,
                    egress=flag(e, "Egress"),
                    allow=string(e, "RuleAction") == "allow",
                    protocol=proto,
                    ports=ports,
                    icmp=kinds,
                    cidr=cidr(e, "Ipv6CidrBlock" if v6 else "CidrBlock"),
                    span=e.span,
                )
            )
        self.network_acls.append(
            NetworkAcl(
                id=string(o, "NetworkAclId"),
                vpc_id=string(o, "VpcId"),
                is_default=flag(o, "IsDefault"),
                subnet_ids=ids(o, "Associations", "SubnetId"),
                entries=tuple(entries),
                span=o.span,
            )
        )

    def eni(
        self,
        o: JObject,
        instance_id: str | None = None,
        subnet: str = "",
        vpc: str = "",
        source_dest_check: bool = True,
    ) -> Eni:
        privates: list[int] = []
        publics: list[tuple[int, int]] = []
        for item in items(o, "PrivateIpAddresses"):
            p = obj(item, o.span, "PrivateIpAddresses")
            addr = ip(p, "PrivateIpAddress")
            if addr is None:
                continue
            privates.append(addr)
            assoc = p.get("Association")
            if isinstance(assoc, JObject) and (pub := ip(assoc, "PublicIp")) is not None:
                publics.append((addr, pub))
        primary = ip(o, "PrivateIpAddress")
        if primary is not None and primary not in privates:
            privates.insert(0, primary)
        assoc = o.get("Association")
        if isinstance(assoc, JObject) and primary is not None and not publics:
            pub = ip(assoc, "PublicIp")
            if pub is not None:
                publics.append((primary, pub))
        for item in items(o, "Ipv6Addresses"):
            addr = ip(obj(item, o.span, "Ipv6Addresses"), "Ipv6Address")
            if addr is not None and addr not in privates:
                privates.append(addr)
        attachment = o.get("Attachment")
        if instance_id is None and isinstance(attachment, JObject):
            instance_id = string(attachment, "InstanceId", False) or None
        return Eni(
            id=string(o, "NetworkInterfaceId"),
            subnet_id=string(o, "SubnetId", False) or subnet,
            vpc_id=string(o, "VpcId", False) or vpc,
            private_ips=tuple(privates),
            public_ips=tuple(publics),
            group_ids=ids(o, "Groups", "GroupId"),
            instance_id=instance_id,
            interface_type=string(o, "InterfaceType", False) or "interface",
            description=string(o, "Description", False),
            source_dest_check=flag(o, "SourceDestCheck", source_dest_check),
            span=o.span,
        )

    def reservation(self, o: JObject) -> None:
        for item in items(o, "Instances"):
            i = obj(item, o.span, "Instances")
            iid = string(i, "InstanceId")
            state = obj(i.get("State"), i.span, "State")
            self.instances.append(Instance(id=iid, state=string(state, "Name"), span=i.span))
            for n in items(i, "NetworkInterfaces"):
                eni = self.eni(
                    obj(n, i.span, "NetworkInterfaces"),
                    iid,
                    string(i, "SubnetId", False),
                    string(i, "VpcId", False),
                    flag(i, "SourceDestCheck", True),
                )
                self.instance_enis.append(eni)

    def igw(self, o: JObject, egress_only: bool = False) -> None:
        vpcs = tuple(
            string(obj(a, o.span, "Attachments"), "VpcId")
            for a in items(o, "Attachments")
            if string(obj(a, o.span, "Attachments"), "State", False)
            in ("available", "attached", "")
        )
        key = "EgressOnlyInternetGatewayId" if egress_only else "InternetGatewayId"
        self.igws.append(
            InternetGateway(id=string(o, key), vpc_ids=vpcs, egress_only=egress_only, span=o.span)
        )

    def nat(self, o: JObject) -> None:
        private = public = None
        eni_id = None
        for item in items(o, "NatGatewayAddresses"):
            a = obj(item, o.span, "NatGatewayAddresses")
            private = private or ip(a, "PrivateIp")
            public = public or ip(a, "PublicIp")
            eni_id = eni_id or string(a, "NetworkInterfaceId", False) or None
        self.nats.append(
            NatGateway(
                id=string(o, "NatGatewayId"),
                vpc_id=string(o, "VpcId"),
                subnet_id=string(o, "SubnetId"),
                state=string(o, "State", False) or "available",
                private_ip=private,
                public_ip=public,
                eni_id=eni_id,
                span=o.span,
            )
        )

    def peering(self, o: JObject) -> None:
        status = o.get("Status")
        code = string(status, "Code", False) if isinstance(status, JObject) else "active"
        req = obj(o.get("RequesterVpcInfo"), o.span, "RequesterVpcInfo")
        acc = obj(o.get("AccepterVpcInfo"), o.span, "AccepterVpcInfo")
        self.peerings.append(
            VpcPeeringConnection(
                id=string(o, "VpcPeeringConnectionId"),
                requester_vpc_id=string(req, "VpcId"),
                accepter_vpc_id=string(acc, "VpcId"),
                active=code == "active",
                span=o.span,
            )
        )

    def tgw(self, o: JObject, account: str) -> None:
        self.tgws.append(
            TransitGateway(
                id=string(o, "TransitGatewayId"),
                account=string(o, "OwnerId", False) or account,
                span=o.span,
            )
        )

    def tgw_attachment(self, o: JObject) -> None:
        assoc = o.get("Association")
        table = None
        if isinstance(assoc, JObject) and string(assoc, "State", False) in ("associated", ""):
            table = string(assoc, "TransitGatewayRouteTableId", False) or None
        aid, tgw = string(o, "TransitGatewayAttachmentId"), string(o, "TransitGatewayId")
        self.attachments[(aid, tgw)] = TgwAttachment(
            id=aid,
            tgw_id=tgw,
            resource_type=string(o, "ResourceType", False),
            resource_id=string(o, "ResourceId", False),
            route_table_id=table,
            available=string(o, "State", False) in ("available", ""),
            span=o.span,
        )

    def tgw_vpc_attachment(self, o: JObject) -> None:
        self.vpc_attachment_subnets[string(o, "TransitGatewayAttachmentId")] = ids(o, "SubnetIds")

    def tgw_route_table(self, o: JObject) -> None:
        tid = string(o, "TransitGatewayRouteTableId")
        self.tgw_tables[tid] = TgwRouteTable(
            id=tid, tgw_id=string(o, "TransitGatewayId"), span=o.span
        )

    def tgw_static_routes(self, o: JObject) -> None:
        tid = string(o, "TransitGatewayRouteTableId")
        for item in items(o, "Routes"):
            r = obj(item, o.span, "Routes")
            if r.get("DestinationCidrBlock") is None:
                continue
            self.tgw_routes.setdefault(tid, []).append(
                TgwRoute(
                    destination=cidr(r, "DestinationCidrBlock"),
                    attachment_ids=ids(
                        r, "TransitGatewayAttachments", "TransitGatewayAttachmentId"
                    ),
                    blackhole=string(r, "State", False) == "blackhole",
                    span=r.span,
                )
            )

    def tgw_propagation(self, o: JObject) -> None:
        tid = string(o, "TransitGatewayRouteTableId")
        for item in items(o, "TransitGatewayRouteTablePropagations"):
            p = obj(item, o.span, "TransitGatewayRouteTablePropagations")
            if string(p, "State", False) in ("enabled", ""):
                self.tgw_propagations.setdefault(tid, []).append(
                    string(p, "TransitGatewayAttachmentId")
                )

    def endpoint(self, o: JObject) -> None:
        self.endpoints.append(
            VpcEndpoint(
                id=string(o, "VpcEndpointId"),
                vpc_id=string(o, "VpcId"),
                endpoint_type=string(o, "VpcEndpointType", False).lower() or "gateway",
                service_name=string(o, "ServiceName", False),
                route_table_ids=ids(o, "RouteTableIds"),
                subnet_ids=ids(o, "SubnetIds"),
                eni_ids=ids(o, "NetworkInterfaceIds"),
                group_ids=ids(o, "Groups", "GroupId"),
                span=o.span,
            )
        )

    def endpoint_service(self, o: JObject) -> None:
        self.services.append(
            EndpointService(
                service_name=string(o, "ServiceName"),
                gateway_lb_arns=ids(o, "GatewayLoadBalancerArns"),
                network_lb_arns=ids(o, "NetworkLoadBalancerArns"),
                span=o.span,
            )
        )

    def prefix_list(self, o: JObject) -> None:
        cidrs = []
        for item in items(o, "Cidrs"):
            if isinstance(item, JScalar) and isinstance(item.value, str):
                try:
                    cidrs.append(Cidr.parse(item.value))
                except ValueError:
                    raise Bad(f"{item.value!r} is not a CIDR", item.span) from None
        pid = string(o, "PrefixListId")
        self.prefix_lists[pid] = PrefixList(
            id=pid, name=string(o, "PrefixListName", False), cidrs=tuple(cidrs), span=o.span
        )

    def load_balancer(self, o: JObject) -> None:
        subnets = tuple(
            string(obj(z, o.span, "AvailabilityZones"), "SubnetId")
            for z in items(o, "AvailabilityZones")
        )
        self.lbs.append(
            LoadBalancer(
                arn=string(o, "LoadBalancerArn"),
                name=string(o, "LoadBalancerName", False),
                lb_type=string(o, "Type", False) or "network",
                scheme=string(o, "Scheme", False) or "internal",
                vpc_id=string(o, "VpcId", False),
                subnet_ids=subnets,
                span=o.span,
            )
        )

    def lb_listeners(self, o: JObject) -> None:
        arn = string(o, "LoadBalancerArn")
        for item in items(o, "Listeners"):
            li = obj(item, o.span, "Listeners")
            groups = []
            for act in items(li, "DefaultActions"):
                a = obj(act, li.span, "DefaultActions")
                if string(a, "Type", False) == "forward" and (
                    tg := string(a, "TargetGroupArn", False)
                ):
                    groups.append(tg)
            port = number(li, "Port")
            self.listeners.setdefault(arn, []).append(
                Listener(
                    protocol=string(li, "Protocol", False).lower(),
                    port=port if port is not None else 0,
                    target_group_arns=tuple(groups),
                    span=li.span,
                )
            )

    def target_group(self, o: JObject) -> None:
        arn = string(o, "TargetGroupArn")
        self.target_groups[arn] = TargetGroup(
            arn=arn,
            name=string(o, "TargetGroupName", False),
            target_type=string(o, "TargetType", False) or "instance",
            protocol=string(o, "Protocol", False),
            port=number(o, "Port"),
            span=o.span,
        )

    def target_group_attributes(self, o: JObject) -> None:
        arn = string(o, "TargetGroupArn")
        for item in items(o, "Attributes"):
            a = obj(item, o.span, "Attributes")
            if string(a, "Key", False) == "preserve_client_ip.enabled":
                self.preserve_client_ip[arn] = string(a, "Value", False).lower() == "true"

    def lb_target_health(self, o: JObject) -> None:
        targets = []
        for item in items(o, "TargetHealthDescriptions"):
            d = obj(item, o.span, "TargetHealthDescriptions")
            t = obj(d.get("Target"), d.span, "Target")
            health = d.get("TargetHealth")
            state = string(health, "State", False) if isinstance(health, JObject) else "healthy"
            port = number(t, "Port")
            targets.append(
                Target(
                    id=string(t, "Id"),
                    port=port if port is not None else 0,
                    healthy=state in ("healthy", "unused", "initial", ""),
                    span=d.span,
                )
            )
        self.target_health[string(o, "TargetGroupArn")] = tuple(targets)

    def vpn_gateway(self, o: JObject) -> None:
        vpcs = tuple(
            string(obj(a, o.span, "VpcAttachments"), "VpcId")
            for a in items(o, "VpcAttachments")
            if string(obj(a, o.span, "VpcAttachments"), "State", False) in ("attached", "")
        )
        self.vgws.append(
            VpnGateway(
                id=string(o, "VpnGatewayId"),
                vpc_ids=vpcs,
                available=string(o, "State", False) in ("available", ""),
                span=o.span,
            )
        )

    def vpn_connection(self, o: JObject) -> None:
        self.vpns.append(
            VpnConnection(
                id=string(o, "VpnConnectionId"),
                vgw_id=string(o, "VpnGatewayId", False) or None,
                tgw_id=string(o, "TransitGatewayId", False) or None,
                available=string(o, "State", False) in ("available", ""),
                span=o.span,
            )
        )

    def dx_gateway(self, o: JObject) -> None:
        self.dxgws.append(
            DirectConnectGateway(
                id=string(o, "DirectConnectGatewayId"),
                name=string(o, "DirectConnectGatewayName", False),
                span=o.span,
            )
        )

    def dx_association(self, o: JObject) -> None:
        gateway = o.get("AssociatedGateway")
        gateway_id = string(gateway, "Id") if isinstance(gateway, JObject) else ""
        gateway_id = gateway_id or string(o, "VirtualGatewayId", False)
        prefixes = tuple(
            cidr(obj(p, o.span, "AllowedPrefixesToDirectConnectGateway"), "Cidr")
            for p in items(o, "AllowedPrefixesToDirectConnectGateway")
        )
        self.dx_associations.append(
            DirectConnectAssociation(
                dxgw_id=string(o, "DirectConnectGatewayId"),
                gateway_id=gateway_id,
                allowed_prefixes=prefixes,
                associated=string(o, "AssociationState", False) in ("associated", ""),
                span=o.span,
            )
        )

    def virtual_interface(self, o: JObject) -> None:
        self.vifs.append(
            VirtualInterface(
                id=string(o, "VirtualInterfaceId"),
                vif_type=string(o, "VirtualInterfaceType", False).lower(),
                vgw_id=string(o, "VirtualGatewayId", False) or None,
                dxgw_id=string(o, "DirectConnectGatewayId", False) or None,
                available=string(o, "VirtualInterfaceState", False) in ("available", "up", ""),
                span=o.span,
            )
        )

    def firewall(self, o: JObject) -> None:
        self.firewalls.append(read_firewall(o))

    def firewall_policy(self, o: JObject) -> None:
        self.firewall_policies.append(read_policy(o))

    def rule_group(self, o: JObject) -> None:
        self.rule_groups.append(read_rule_group(o))

    # -- linking ------------------------------------------------------------------------------

    def check_references(self, enis: dict[str, Eni]) -> None:
        """Warn about what the export names but lacks: a rule or route that refers to it is
        answered as *unknown* by the analysis, never as a proof."""
        groups = {g.id for g in self.security_groups}
        for sg in self.security_groups:
            for rule in sg.ingress + sg.egress:
                for pl in rule.prefix_list_ids:
                    if pl not in self.prefix_lists:
                        self.warn(
                            "NET-MISSING-REF",
                            f"prefix list {pl} is not in the snapshot; "
                            "packets this rule might admit are 'unknown'",
                            rule.span,
                        )
                for gid in rule.group_ids:
                    if gid not in groups:
                        self.warn(
                            "NET-MISSING-REF",
                            f"security group {gid} is not in the snapshot; "
                            "packets this rule might admit are 'unknown'",
                            rule.span,
                        )
        known = self._target_ids()
        for table in self.route_tables:
            for route in table.routes:
                if route.prefix_list_id and route.prefix_list_id not in self.prefix_lists:
                    self.warn(
                        "NET-MISSING-REF",
                        f"prefix list {route.prefix_list_id} is not in the snapshot; "
                        "packets this route might take are 'unknown'",
                        route.span,
                    )
                if route.target_kind not in (TargetKind.LOCAL, TargetKind.OTHER) and (
                    route.target_id not in known
                ):
                    self.warn(
                        "NET-MISSING-REF",
                        f"route target {route.target_id} is not in the snapshot; "
                        "packets taking it are 'unknown'",
                        route.span,
                    )
        mains = {t.vpc_id for t in self.route_tables if t.main}
        acls = {s for a in self.network_acls for s in a.subnet_ids}
        if self.route_tables:
            for vpc in self.vpcs:
                if vpc.id not in mains:
                    self.warn(
                        "NET-INCOMPLETE",
                        f"{vpc.id} has no main route table in the snapshot; "
                        "paths from its subnets without a table of their own are 'unknown'",
                        vpc.span,
                    )
        elif self.subnets:
            self.warn(
                "NET-INCOMPLETE",
                "the snapshot has no route tables (RouteTables); paths out of any subnet are "
                "'unknown'",
                self.subnets[0].span,
            )
        if self.network_acls:
            for subnet in self.subnets:
                if subnet.id not in acls:
                    self.warn(
                        "NET-INCOMPLETE",
                        f"{subnet.id} has no network ACL in the snapshot; "
                        "it is taken to allow everything, as a default ACL does",
                        subnet.span,
                    )
        subnets = {s.id for s in self.subnets}
        for eni in enis.values():
            if eni.subnet_id and subnets and eni.subnet_id not in subnets:
                self.warn(
                    "NET-INCOMPLETE",
                    f"{eni.id} is in {eni.subnet_id}, which is not in the snapshot; "
                    "paths from and to it are 'unknown'",
                    eni.span,
                )

    def _target_ids(self) -> set[str]:
        ids = {g.id for g in self.igws} | {n.id for n in self.nats} | {p.id for p in self.peerings}
        ids |= {t.id for t in self.tgws} | {e.id for e in self.endpoints}
        ids |= {v.id for v in self.vgws} | set(self.enis) | {e.id for e in self.instance_enis}
        ids |= {i.id for i in self.instances}
        ids |= {ep for f in self.firewalls for _, ep in f.endpoints}
        return ids

    def network(self, span: Span) -> Network:
        enis = dict(self.enis)
        for eni in self.instance_enis:
            enis.setdefault(eni.id, eni)
        self.check_references(enis)
        attachments = tuple(
            att.model_copy(update={"subnet_ids": self.vpc_attachment_subnets.get(aid, ())})
            for (aid, _tgw), att in self.attachments.items()
        )
        tables = propagate_tgw_routes(
            tuple(
                t.model_copy(
                    update={
                        "routes": tuple(self.tgw_routes.get(tid, [])),
                        "propagations": tuple(self.tgw_propagations.get(tid, [])),
                    }
                )
                for tid, t in self.tgw_tables.items()
            ),
            attachments,
            tuple(self.vpcs),
        )
        lbs = []
        for lb in self.lbs:
            suffix = lb.arn.split(":loadbalancer/", 1)[-1]
            lb_enis = tuple(e.id for e in enis.values() if e.description == f"ELB {suffix}")
            lbs.append(
                lb.model_copy(
                    update={"eni_ids": lb_enis, "listeners": tuple(self.listeners.get(lb.arn, []))}
                )
            )
        groups = tuple(
            tg.model_copy(
                update={
                    "targets": self.target_health.get(arn, ()),
                    "preserve_client_ip": self.preserve_client_ip.get(arn),
                }
            )
            for arn, tg in self.target_groups.items()
        )
        return Network(
            vpcs=tuple(self.vpcs),
            subnets=tuple(self.subnets),
            route_tables=tuple(self.route_tables),
            security_groups=tuple(self.security_groups),
            network_acls=tuple(self.network_acls),
            enis=tuple(enis.values()),
            instances=tuple(self.instances),
            internet_gateways=tuple(self.igws),
            nat_gateways=tuple(self.nats),
            peerings=tuple(self.peerings),
            transit_gateways=tuple(self.tgws),
            tgw_attachments=tuple(attachments),
            tgw_route_tables=tuple(tables),
            vpc_endpoints=tuple(self.endpoints),
            endpoint_services=tuple(self.services),
            prefix_lists=tuple(self.prefix_lists.values()),
            load_balancers=tuple(lbs),
            target_groups=groups,
            vpn_gateways=tuple(self.vgws),
            vpn_connections=tuple(self.vpns),
            dx_gateways=tuple(self.dxgws),
            dx_associations=tuple(self.dx_associations),
            virtual_interfaces=tuple(self.vifs),
            firewalls=tuple(self.firewalls),
            firewall_policies=tuple(self.firewall_policies),
            rule_groups=tuple(self.rule_groups),
            span=span,
        )


def _route_target(r: JObject) -> tuple[TargetKind, str]:
    gateway = string(r, "GatewayId", False)
    if gateway == "local":
        return TargetKind.LOCAL, "local"
    for prefix, kind in (
        ("igw-", TargetKind.INTERNET_GATEWAY),
        ("vpce-", TargetKind.VPC_ENDPOINT),
        ("vgw-", TargetKind.VPN_GATEWAY),
    ):
        if gateway.startswith(prefix):
            return kind, gateway
    for key, kind in (
        ("NatGatewayId", TargetKind.NAT_GATEWAY),
        ("VpcPeeringConnectionId", TargetKind.VPC_PEERING),
        ("TransitGatewayId", TargetKind.TRANSIT_GATEWAY),
        ("EgressOnlyInternetGatewayId", TargetKind.EGRESS_ONLY_INTERNET_GATEWAY),
        # A route to an instance names its interface too; the interface is what forwards.
        ("NetworkInterfaceId", TargetKind.NETWORK_INTERFACE),
        ("InstanceId", TargetKind.INSTANCE),
    ):
        if value := string(r, key, False):
            return kind, value
    for key in ("LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn"):
        if value := string(r, key, False):
            return TargetKind.OTHER, value
    return TargetKind.OTHER, gateway or "unknown-target"


def _handlers(b: _Builder) -> dict[str, Callable[[JObject], None]]:
    """The builder's reader of each kind that needs no context."""
    return {
        "Subnets": b.subnet,
        "RouteTables": b.route_table,
        "SecurityGroups": b.security_group,
        "NetworkAcls": b.network_acl,
        "Reservations": b.reservation,
        "InternetGateways": b.igw,
        "NatGateways": b.nat,
        "VpcPeeringConnections": b.peering,
        "TransitGatewayAttachments": b.tgw_attachment,
        "TransitGatewayVpcAttachments": b.tgw_vpc_attachment,
        "TransitGatewayRouteTables": b.tgw_route_table,
        "TransitGatewayStaticRoutes": b.tgw_static_routes,
        "TransitGatewayPropagations": b.tgw_propagation,
        "VpcEndpoints": b.endpoint,
        "ServiceConfigurations": b.endpoint_service,
        "PrefixLists": b.prefix_list,
        "LoadBalancers": b.load_balancer,
        "LoadBalancerListeners": b.lb_listeners,
        "TargetGroups": b.target_group,
        "TargetGroupAttributes": b.target_group_attributes,
        "LoadBalancerTargetHealth": b.lb_target_health,
        "VpnGateways": b.vpn_gateway,
        "VpnConnections": b.vpn_connection,
        "DirectConnectGateways": b.dx_gateway,
        "DirectConnectGatewayAssociations": b.dx_association,
        "VirtualInterfaces": b.virtual_interface,
        "Firewalls": b.firewall,
        "FirewallPolicies": b.firewall_policy,
        "RuleGroups": b.rule_group,
    }


def _dispatch(
    b: _Builder,
    handlers: dict[str, Callable[[JObject], None]],
    kind: str,
    o: JObject,
    account: str,
    region: str,
) -> None:
    if kind == "Vpcs":
        b.vpc(o, account, region)
    elif kind == "TransitGateways":
        b.tgw(o, account)
    elif kind == "EgressOnlyInternetGateways":
        b.igw(o, egress_only=True)
    elif kind == "NetworkInterfaces":
        eni = b.eni(o)
        b.enis[eni.id] = eni
    else:
        handlers[kind](o)


def _read_file(b: _Builder, path: Path, account: str, region: str) -> None:
    file = str(path)
    try:
        # Decoded as every input is: a Windows shell writes `aws ec2 describe-* > file` in
        # UTF-16 with a byte order mark.
        text = decode(path.read_bytes(), file)
    except OSError as exc:
        b.error("NET-READ", f"cannot read file: {exc}", _file_span(file))
        return
    except InputError as exc:
        b.error("NET-READ", f"cannot read file: {exc.message}", exc.span)
        return
    try:
        root = parse_json(text, file)
    except JsonSyntaxError as exc:
        b.error("NET-JSON", exc.message, exc.span)
        return
    _read_root(b, root, account, region)


def _read_root(b: _Builder, root: JNode, account: str, region: str) -> None:
    if not isinstance(root, JObject):
        b.error("NET-SHAPE", "expected a JSON object of describe-* results", root.span)
        return
    handlers = _handlers(b)
    for key, value in root.pairs:
        kind = str(key.value)
        if kind in _IGNORED:
            continue
        if kind not in DESCRIBE_KINDS:
            b.warn("NET-UNKNOWN-KIND", f"unknown resource kind {kind!r} ignored", key.span)
            continue
        if not isinstance(value, JArray):
            b.error("NET-SHAPE", f"{kind} must be a list", value.span)
            continue
        for item in value.items:
            try:
                _dispatch(b, handlers, kind, obj(item, value.span, kind), account, region)
            except Bad as bad:
                b.error("NET-SHAPE", f"{kind}: {bad.message}", bad.span)


def _context(path: Path, root: Path) -> tuple[str, str]:
    account = region = ""
    for part in path.relative_to(root).parts[:-1]:
        if _REGION.match(part):
            region = part
        elif _ACCOUNT.match(part):
            account = part
    return account, region


@paused()
def read_snapshot(path: Path) -> tuple[Network, list[Diagnostic]]:
    """Read a snapshot folder (its `aws_configs/` if present) or one merged JSON file."""
    b = _Builder()
    if path.is_file():
        _read_file(b, path, "", "")
        return b.network(_file_span(str(path))), b.diagnostics
    if not path.is_dir():
        span = _file_span(str(path))
        b.error("NET-READ", "no such file or folder", span)
        return Network(span=span), b.diagnostics
    root = path / "aws_configs" if (path / "aws_configs").is_dir() else path
    for file in sorted(root.rglob("*")):
        if not file.is_file():
            continue
        if file.suffix.lower() != ".json":
            b.warn("NET-UNKNOWN-FILE", "not a describe-* JSON file; ignored", _file_span(str(file)))
            continue
        account, region = _context(file, root)
        _read_file(b, file, account, region)
    return b.network(_file_span(str(root))), b.diagnostics


@paused()
def read_export(root: JNode, file: str) -> tuple[Network, list[Diagnostic]]:
    """The network of one describe-* export already read and parsed, as `check` has every
    file whatever its kind (so it is not read a second time); `file` names it."""
    b = _Builder()
    _read_root(b, root, "", "")
    return b.network(_file_span(file)), b.diagnostics


def _file_span(file: str) -> Span:
    return Span(file=file, line=1, column=1, end_line=1, end_column=1)
