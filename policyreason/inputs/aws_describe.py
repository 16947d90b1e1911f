"""Read `aws ec2 describe-*` snapshots (a folder, possibly nested by account and region, or one
merged JSON file) into the network IR, keeping the position of every resource and rule.

Unknown files and resource kinds are warnings; malformed files and resources are errors that
skip only what is broken. Nothing raises for bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from policyreason.collector import paused
from policyreason.inputs.describe_kinds import DESCRIBE_KINDS
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.network import (
    AclEntry,
    Cidr,
    Eni,
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
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    parse_ip,
    parse_protocol,
    propagate_tgw_routes,
)
from policyreason.ir.span import Span
from policyreason.parse.json_spans import (
    JArray,
    JNode,
    JObject,
    JScalar,
    JsonSyntaxError,
    parse_json,
)

# Kinds that are read by other tools or that the network model does not need; listed so that
# they are not reported as unknown. VPN and Direct Connect are reported when non-empty.
_IGNORED = {
    "AvailabilityZones",
    "Addresses",
    "DBInstances",
    "DomainStatusList",
    "LoadBalancerAttributes",
    "ServiceDetails",
    "ServiceNames",
}
_UNMODELLED = {
    "CustomerGateways",
    "VpnConnections",
    "VpnGateways",
    "DirectConnectGateways",
    "DirectConnectGatewayAssociations",
    "VirtualInterfaces",
}
_ACCOUNT = re.compile(r"^\d{12}$|^\d{3,}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


class _Bad(Exception):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def _obj(node: JNode | None, span: Span, what: str) -> JObject:
    if not isinstance(node, JObject):
        raise _Bad(f"{what} must be an object", node.span if node else span)
    return node


def _items(node: JObject, key: str) -> tuple[JNode, ...]:
    value = node.get(key)
    if value is None or (isinstance(value, JScalar) and value.value is None):
        return ()
    if not isinstance(value, JArray):
        raise _Bad(f"{key} must be a list", value.span)
    return value.items


def _str(node: JObject, key: str, required: bool = True) -> str:
    value = node.get(key)
    if value is None or (isinstance(value, JScalar) and value.value is None):
        if required:
            raise _Bad(f"missing {key}", node.span)
        return ""
    if not isinstance(value, JScalar) or isinstance(value.value, bool):
        raise _Bad(f"{key} must be a string", value.span)
    return str(value.value)


def _int(node: JObject, key: str) -> int | None:
    value = node.get(key)
    if value is None or (isinstance(value, JScalar) and value.value is None):
        return None
    if not isinstance(value, JScalar) or isinstance(value.value, bool):
        raise _Bad(f"{key} must be a number", value.span)
    try:
        return int(str(value.value))
    except ValueError:
        raise _Bad(f"{key} must be a number", value.span) from None


def _bool(node: JObject, key: str) -> bool:
    value = node.get(key)
    return isinstance(value, JScalar) and value.value is True


def _cidr(node: JObject, key: str) -> Cidr:
    text = _str(node, key)
    try:
        return Cidr.parse(text)
    except ValueError:
        value = node.get(key)
        raise _Bad(
            f"{key}: {text!r} is not an IPv4 CIDR", value.span if value else node.span
        ) from None


def _ip(node: JObject, key: str) -> int | None:
    text = _str(node, key, required=False)
    if not text:
        return None
    try:
        return parse_ip(text)
    except ValueError:
        value = node.get(key)
        raise _Bad(
            f"{key}: {text!r} is not an IPv4 address", value.span if value else node.span
        ) from None


def _protocol(node: JObject, key: str) -> int:
    text = _str(node, key)
    try:
        return parse_protocol(text)
    except ValueError:
        value = node.get(key)
        raise _Bad(
            f"{key}: unknown protocol {text!r}", value.span if value else node.span
        ) from None


def _ids(node: JObject, key: str, inner: str | None = None) -> tuple[str, ...]:
    out: list[str] = []
    for item in _items(node, key):
        if inner is None:
            if isinstance(item, JScalar) and item.value is not None:
                out.append(str(item.value))
        else:
            out.append(_str(_obj(item, node.span, key), inner))
    return tuple(out)


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
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    lbs: list[LoadBalancer] = field(default_factory=list)
    listeners: dict[str, list[Listener]] = field(default_factory=dict)
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)
    target_health: dict[str, tuple[Target, ...]] = field(default_factory=dict)
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
        cidrs = [_cidr(o, "CidrBlock")]
        for assoc in _items(o, "CidrBlockAssociationSet"):
            a = _obj(assoc, o.span, "CidrBlockAssociationSet")
            state = a.get("CidrBlockState")
            if isinstance(state, JObject) and _str(state, "State", False) not in ("", "associated"):
                continue
            c = _cidr(a, "CidrBlock")
            if c not in cidrs:
                cidrs.append(c)
        owner = account or _str(o, "OwnerId", False)
        self.vpcs.append(
            Vpc(id=_str(o, "VpcId"), cidrs=tuple(cidrs), account=owner, region=region, span=o.span)
        )

    def subnet(self, o: JObject) -> None:
        self.subnets.append(
            Subnet(
                id=_str(o, "SubnetId"),
                vpc_id=_str(o, "VpcId"),
                cidr=_cidr(o, "CidrBlock"),
                az=_str(o, "AvailabilityZone", False),
                span=o.span,
            )
        )

    def route_table(self, o: JObject) -> None:
        main = False
        subnet_ids: list[str] = []
        for assoc in _items(o, "Associations"):
            a = _obj(assoc, o.span, "Associations")
            main = main or _bool(a, "Main")
            if sid := _str(a, "SubnetId", False):
                subnet_ids.append(sid)
        routes: list[Route] = []
        for item in _items(o, "Routes"):
            r = _obj(item, o.span, "Routes")
            route = self._route(r)
            if route is not None:
                routes.append(route)
        self.route_tables.append(
            RouteTable(
                id=_str(o, "RouteTableId"),
                vpc_id=_str(o, "VpcId"),
                main=main,
                subnet_ids=tuple(subnet_ids),
                routes=tuple(routes),
                span=o.span,
            )
        )

    def _route(self, r: JObject) -> Route | None:
        dest: Cidr | None = None
        plist: str | None = None
        if r.get("DestinationCidrBlock") is not None:
            dest = _cidr(r, "DestinationCidrBlock")
        elif r.get("DestinationPrefixListId") is not None:
            plist = _str(r, "DestinationPrefixListId")
        else:
            self.warn("NET-IPV6", "IPv6 route ignored (the model is IPv4 only)", r.span)
            return None
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
            blackhole=_str(r, "State", False) == "blackhole",
            span=r.span,
        )

    def security_group(self, o: JObject) -> None:
        def rules(key: str) -> tuple[SgRule, ...]:
            out = []
            for item in _items(o, key):
                p = _obj(item, o.span, key)
                proto = _protocol(p, "IpProtocol")
                lo, hi = _int(p, "FromPort"), _int(p, "ToPort")
                ports = None
                if proto in (6, 17) and lo is not None and hi is not None and lo >= 0:
                    ports = PortRange(lo=lo, hi=hi)
                out.append(
                    SgRule(
                        protocol=proto,
                        ports=ports,
                        cidrs=tuple(
                            _cidr(_obj(c, p.span, "IpRanges"), "CidrIp")
                            for c in _items(p, "IpRanges")
                        ),
                        group_ids=_ids(p, "UserIdGroupPairs", "GroupId"),
                        prefix_list_ids=_ids(p, "PrefixListIds", "PrefixListId"),
                        span=p.span,
                    )
                )
            return tuple(out)

        self.security_groups.append(
            SecurityGroup(
                id=_str(o, "GroupId"),
                name=_str(o, "GroupName", False),
                vpc_id=_str(o, "VpcId", False),
                ingress=rules("IpPermissions"),
                egress=rules("IpPermissionsEgress"),
                span=o.span,
            )
        )

    def network_acl(self, o: JObject) -> None:
        entries = []
        for item in _items(o, "Entries"):
            e = _obj(item, o.span, "Entries")
            if e.get("CidrBlock") is None:
                continue  # an IPv6 entry never matches an IPv4 packet
            proto = _protocol(e, "Protocol")
            ports = None
            pr = e.get("PortRange")
            if proto in (6, 17) and isinstance(pr, JObject):
                lo, hi = _int(pr, "From"), _int(pr, "To")
                if lo is not None and hi is not None:
                    ports = PortRange(lo=lo, hi=hi)
            number = _int(e, "RuleNumber")
            entries.append(
                AclEntry(
                    rule_number=number if number is not None else 32767,
                    egress=_bool(e, "Egress"),
                    allow=_str(e, "RuleAction") == "allow",
                    protocol=proto,
                    ports=ports,
                    cidr=_cidr(e, "CidrBlock"),
                    span=e.span,
                )
            )
        self.network_acls.append(
            NetworkAcl(
                id=_str(o, "NetworkAclId"),
                vpc_id=_str(o, "VpcId"),
                is_default=_bool(o, "IsDefault"),
                subnet_ids=_ids(o, "Associations", "SubnetId"),
                entries=tuple(entries),
                span=o.span,
            )
        )

    def eni(
        self, o: JObject, instance_id: str | None = None, subnet: str = "", vpc: str = ""
    ) -> Eni:
        privates: list[int] = []
        publics: list[tuple[int, int]] = []
        for item in _items(o, "PrivateIpAddresses"):
            p = _obj(item, o.span, "PrivateIpAddresses")
            ip = _ip(p, "PrivateIpAddress")
            if ip is None:
                continue
            privates.append(ip)
            assoc = p.get("Association")
            if isinstance(assoc, JObject) and (pub := _ip(assoc, "PublicIp")) is not None:
                publics.append((ip, pub))
        primary = _ip(o, "PrivateIpAddress")
        if primary is not None and primary not in privates:
            privates.insert(0, primary)
        assoc = o.get("Association")
        if isinstance(assoc, JObject) and primary is not None and not publics:
            pub = _ip(assoc, "PublicIp")
            if pub is not None:
                publics.append((primary, pub))
        attachment = o.get("Attachment")
        if instance_id is None and isinstance(attachment, JObject):
            instance_id = _str(attachment, "InstanceId", False) or None
        return Eni(
            id=_str(o, "NetworkInterfaceId"),
            subnet_id=_str(o, "SubnetId", False) or subnet,
            vpc_id=_str(o, "VpcId", False) or vpc,
            private_ips=tuple(privates),
            public_ips=tuple(publics),
            group_ids=_ids(o, "Groups", "GroupId"),
            instance_id=instance_id,
            interface_type=_str(o, "InterfaceType", False) or "interface",
            description=_str(o, "Description", False),
            span=o.span,
        )

    def reservation(self, o: JObject) -> None:
        for item in _items(o, "Instances"):
            i = _obj(item, o.span, "Instances")
            iid = _str(i, "InstanceId")
            state = _obj(i.get("State"), i.span, "State")
            self.instances.append(Instance(id=iid, state=_str(state, "Name"), span=i.span))
            for n in _items(i, "NetworkInterfaces"):
                eni = self.eni(
                    _obj(n, i.span, "NetworkInterfaces"),
                    iid,
                    _str(i, "SubnetId", False),
                    _str(i, "VpcId", False),
                )
                self.instance_enis.append(eni)

    def igw(self, o: JObject) -> None:
        vpcs = tuple(
            _str(_obj(a, o.span, "Attachments"), "VpcId")
            for a in _items(o, "Attachments")
            if _str(_obj(a, o.span, "Attachments"), "State", False) in ("available", "attached", "")
        )
        self.igws.append(
            InternetGateway(id=_str(o, "InternetGatewayId"), vpc_ids=vpcs, span=o.span)
        )

    def nat(self, o: JObject) -> None:
        private = public = None
        eni_id = None
        for item in _items(o, "NatGatewayAddresses"):
            a = _obj(item, o.span, "NatGatewayAddresses")
            private = private or _ip(a, "PrivateIp")
            public = public or _ip(a, "PublicIp")
            eni_id = eni_id or _str(a, "NetworkInterfaceId", False) or None
        self.nats.append(
            NatGateway(
                id=_str(o, "NatGatewayId"),
                vpc_id=_str(o, "VpcId"),
                subnet_id=_str(o, "SubnetId"),
                state=_str(o, "State", False) or "available",
                private_ip=private,
                public_ip=public,
                eni_id=eni_id,
                span=o.span,
            )
        )

    def peering(self, o: JObject) -> None:
        status = o.get("Status")
        code = _str(status, "Code", False) if isinstance(status, JObject) else "active"
        req = _obj(o.get("RequesterVpcInfo"), o.span, "RequesterVpcInfo")
        acc = _obj(o.get("AccepterVpcInfo"), o.span, "AccepterVpcInfo")
        self.peerings.append(
            VpcPeeringConnection(
                id=_str(o, "VpcPeeringConnectionId"),
                requester_vpc_id=_str(req, "VpcId"),
                accepter_vpc_id=_str(acc, "VpcId"),
                active=code == "active",
                span=o.span,
            )
        )

    def tgw(self, o: JObject, account: str) -> None:
        self.tgws.append(
            TransitGateway(
                id=_str(o, "TransitGatewayId"),
                account=_str(o, "OwnerId", False) or account,
                span=o.span,
            )
        )

    def tgw_attachment(self, o: JObject) -> None:
        assoc = o.get("Association")
        table = None
        if isinstance(assoc, JObject) and _str(assoc, "State", False) in ("associated", ""):
            table = _str(assoc, "TransitGatewayRouteTableId", False) or None
        aid, tgw = _str(o, "TransitGatewayAttachmentId"), _str(o, "TransitGatewayId")
        self.attachments[(aid, tgw)] = TgwAttachment(
            id=aid,
            tgw_id=tgw,
            resource_type=_str(o, "ResourceType", False),
            resource_id=_str(o, "ResourceId", False),
            route_table_id=table,
            available=_str(o, "State", False) in ("available", ""),
            span=o.span,
        )

    def tgw_vpc_attachment(self, o: JObject) -> None:
        self.vpc_attachment_subnets[_str(o, "TransitGatewayAttachmentId")] = _ids(o, "SubnetIds")

    def tgw_route_table(self, o: JObject) -> None:
        tid = _str(o, "TransitGatewayRouteTableId")
        self.tgw_tables[tid] = TgwRouteTable(
            id=tid, tgw_id=_str(o, "TransitGatewayId"), span=o.span
        )

    def tgw_static_routes(self, o: JObject) -> None:
        tid = _str(o, "TransitGatewayRouteTableId")
        for item in _items(o, "Routes"):
            r = _obj(item, o.span, "Routes")
            if r.get("DestinationCidrBlock") is None:
                continue
            self.tgw_routes.setdefault(tid, []).append(
                TgwRoute(
                    destination=_cidr(r, "DestinationCidrBlock"),
                    attachment_ids=_ids(
                        r, "TransitGatewayAttachments", "TransitGatewayAttachmentId"
                    ),
                    blackhole=_str(r, "State", False) == "blackhole",
                    span=r.span,
                )
            )

    def tgw_propagation(self, o: JObject) -> None:
        tid = _str(o, "TransitGatewayRouteTableId")
        for item in _items(o, "TransitGatewayRouteTablePropagations"):
            p = _obj(item, o.span, "TransitGatewayRouteTablePropagations")
            if _str(p, "State", False) in ("enabled", ""):
                self.tgw_propagations.setdefault(tid, []).append(
                    _str(p, "TransitGatewayAttachmentId")
                )

    def endpoint(self, o: JObject) -> None:
        self.endpoints.append(
            VpcEndpoint(
                id=_str(o, "VpcEndpointId"),
                vpc_id=_str(o, "VpcId"),
                endpoint_type=_str(o, "VpcEndpointType", False).lower() or "gateway",
                service_name=_str(o, "ServiceName", False),
                route_table_ids=_ids(o, "RouteTableIds"),
                subnet_ids=_ids(o, "SubnetIds"),
                eni_ids=_ids(o, "NetworkInterfaceIds"),
                group_ids=_ids(o, "Groups", "GroupId"),
                span=o.span,
            )
        )

    def prefix_list(self, o: JObject) -> None:
        cidrs = []
        for item in _items(o, "Cidrs"):
            if isinstance(item, JScalar) and isinstance(item.value, str):
                try:
                    cidrs.append(Cidr.parse(item.value))
                except ValueError:
                    raise _Bad(f"{item.value!r} is not an IPv4 CIDR", item.span) from None
        pid = _str(o, "PrefixListId")
        self.prefix_lists[pid] = PrefixList(
            id=pid, name=_str(o, "PrefixListName", False), cidrs=tuple(cidrs), span=o.span
        )

    def load_balancer(self, o: JObject) -> None:
        subnets = tuple(
            _str(_obj(z, o.span, "AvailabilityZones"), "SubnetId")
            for z in _items(o, "AvailabilityZones")
        )
        self.lbs.append(
            LoadBalancer(
                arn=_str(o, "LoadBalancerArn"),
                name=_str(o, "LoadBalancerName", False),
                lb_type=_str(o, "Type", False) or "network",
                scheme=_str(o, "Scheme", False) or "internal",
                vpc_id=_str(o, "VpcId", False),
                subnet_ids=subnets,
                span=o.span,
            )
        )

    def lb_listeners(self, o: JObject) -> None:
        arn = _str(o, "LoadBalancerArn")
        for item in _items(o, "Listeners"):
            li = _obj(item, o.span, "Listeners")
            groups = []
            for act in _items(li, "DefaultActions"):
                a = _obj(act, li.span, "DefaultActions")
                if _str(a, "Type", False) == "forward" and (tg := _str(a, "TargetGroupArn", False)):
                    groups.append(tg)
            port = _int(li, "Port")
            self.listeners.setdefault(arn, []).append(
                Listener(
                    protocol=_str(li, "Protocol", False).lower(),
                    port=port if port is not None else 0,
                    target_group_arns=tuple(groups),
                    span=li.span,
                )
            )

    def target_group(self, o: JObject) -> None:
        arn = _str(o, "TargetGroupArn")
        self.target_groups[arn] = TargetGroup(
            arn=arn,
            name=_str(o, "TargetGroupName", False),
            target_type=_str(o, "TargetType", False) or "instance",
            port=_int(o, "Port"),
            span=o.span,
        )

    def lb_target_health(self, o: JObject) -> None:
        targets = []
        for item in _items(o, "TargetHealthDescriptions"):
            d = _obj(item, o.span, "TargetHealthDescriptions")
            t = _obj(d.get("Target"), d.span, "Target")
            health = d.get("TargetHealth")
            state = _str(health, "State", False) if isinstance(health, JObject) else "healthy"
            port = _int(t, "Port")
            targets.append(
                Target(
                    id=_str(t, "Id"),
                    port=port if port is not None else 0,
                    healthy=state in ("healthy", "unused", "initial", ""),
                    span=d.span,
                )
            )
        self.target_health[_str(o, "TargetGroupArn")] = tuple(targets)

    # -- linking ------------------------------------------------------------------------------

    def check_references(self) -> None:
        """Warn about prefix lists and groups a rule names but the snapshot lacks: such a
        rule matches nothing here, which may hide traffic that AWS would let through."""
        groups = {g.id for g in self.security_groups}
        for sg in self.security_groups:
            for rule in sg.ingress + sg.egress:
                for pl in rule.prefix_list_ids:
                    if pl not in self.prefix_lists:
                        self.warn(
                            "NET-MISSING-REF",
                            f"prefix list {pl} is not in the snapshot; "
                            "this rule matches none of its addresses",
                            rule.span,
                        )
                for gid in rule.group_ids:
                    if gid not in groups:
                        self.warn(
                            "NET-MISSING-REF",
                            f"security group {gid} is not in the "
                            "snapshot; this rule matches none of its members",
                            rule.span,
                        )
        for table in self.route_tables:
            for route in table.routes:
                if route.prefix_list_id and route.prefix_list_id not in self.prefix_lists:
                    self.warn(
                        "NET-MISSING-REF",
                        f"prefix list {route.prefix_list_id} is not in "
                        "the snapshot; this route matches nothing",
                        route.span,
                    )

    def network(self, span: Span) -> Network:
        self.check_references()
        enis = dict(self.enis)
        for eni in self.instance_enis:
            enis.setdefault(eni.id, eni)
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
            tg.model_copy(update={"targets": self.target_health.get(arn, ())})
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
            prefix_lists=tuple(self.prefix_lists.values()),
            load_balancers=tuple(lbs),
            target_groups=groups,
            span=span,
        )


def _route_target(r: JObject) -> tuple[TargetKind, str]:
    gateway = _str(r, "GatewayId", False)
    if gateway == "local":
        return TargetKind.LOCAL, "local"
    if gateway.startswith("igw-"):
        return TargetKind.INTERNET_GATEWAY, gateway
    if gateway.startswith("vpce-"):
        return TargetKind.VPC_ENDPOINT, gateway
    for key, kind in (
        ("NatGatewayId", TargetKind.NAT_GATEWAY),
        ("VpcPeeringConnectionId", TargetKind.VPC_PEERING),
        ("TransitGatewayId", TargetKind.TRANSIT_GATEWAY),
    ):
        if value := _str(r, key, False):
            return kind, value
    for key in (
        "NetworkInterfaceId",
        "InstanceId",
        "EgressOnlyInternetGatewayId",
        "LocalGatewayId",
        "CarrierGatewayId",
        "CoreNetworkArn",
    ):
        if value := _str(r, key, False):
            return TargetKind.OTHER, value
    return TargetKind.OTHER, gateway or "unknown-target"


def _dispatch(b: _Builder, kind: str, o: JObject, account: str, region: str) -> None:
    handlers = {
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
        "PrefixLists": b.prefix_list,
        "LoadBalancers": b.load_balancer,
        "LoadBalancerListeners": b.lb_listeners,
        "TargetGroups": b.target_group,
        "LoadBalancerTargetHealth": b.lb_target_health,
    }
    if kind == "Vpcs":
        b.vpc(o, account, region)
    elif kind == "TransitGateways":
        b.tgw(o, account)
    elif kind == "NetworkInterfaces":
        eni = b.eni(o)
        b.enis[eni.id] = eni
    else:
        handlers[kind](o)


def _read_file(b: _Builder, path: Path, account: str, region: str) -> None:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        b.error(
            "NET-READ",
            f"cannot read file: {exc}",
            Span(file=file, line=1, column=1, end_line=1, end_column=1),
        )
        return
    try:
        root = parse_json(text, file)
    except JsonSyntaxError as exc:
        b.error("NET-JSON", exc.message, exc.span)
        return
    if not isinstance(root, JObject):
        b.error("NET-SHAPE", "expected a JSON object of describe-* results", root.span)
        return
    for key, value in root.pairs:
        kind = str(key.value)
        if kind in _IGNORED:
            continue
        if kind in _UNMODELLED:
            if isinstance(value, JArray) and value.items:
                b.warn("NET-UNMODELLED", f"{kind} parsed but not modelled", key.span)
            continue
        if kind not in DESCRIBE_KINDS:
            b.warn("NET-UNKNOWN-KIND", f"unknown resource kind {kind!r} ignored", key.span)
            continue
        if not isinstance(value, JArray):
            b.error("NET-SHAPE", f"{kind} must be a list", value.span)
            continue
        for item in value.items:
            try:
                _dispatch(b, kind, _obj(item, value.span, kind), account, region)
            except _Bad as bad:
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


def _file_span(file: str) -> Span:
    return Span(file=file, line=1, column=1, end_line=1, end_column=1)
