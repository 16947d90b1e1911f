"""The network IR: AWS VPC resources as `aws ec2 describe-*` shows them, each with its Span.

Addresses and prefixes are those of `ir/cidr.py`, shared with the policy IR. Protocols are IANA
numbers with -1 for "all".

Besides what the export holds, a `Network` carries the on-premises networks the user declared
(`OnPremNetwork`): what lies beyond a VPN or Direct Connect connection is in no AWS export.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from policyreason.ir.cidr import Cidr, format_ip, is_v4
from policyreason.ir.span import Span, unknown_span

ALL_PROTOCOLS = -1
TCP = 6
UDP = 17
ICMP = 1
ICMPV6 = 58
EPHEMERAL_PORTS = (1024, 65535)

PROTOCOL_NAMES = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6"}
PROTOCOL_NUMBERS = {
    "tcp": TCP,
    "udp": UDP,
    "icmp": ICMP,
    "icmpv6": ICMPV6,
    "all": ALL_PROTOCOLS,
    "-1": ALL_PROTOCOLS,
}
ICMP_PROTOCOLS = (ICMP, ICMPV6)
# ICMP requests and the type of their answer (echo, timestamp, information, address mask;
# ICMPv6 echo). Other ICMP messages expect no answer.
ICMP_REPLIES = {(ICMP, 8): 0, (ICMP, 13): 14, (ICMP, 15): 16, (ICMP, 17): 18, (ICMPV6, 128): 129}


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True)


def protocol_name(proto: int) -> str:
    if proto == ALL_PROTOCOLS:
        return "all"
    return PROTOCOL_NAMES.get(proto, str(proto))


def parse_protocol(text: str | int) -> int:
    """'tcp', 'udp', 'icmp', 'icmpv6', '-1'/'all', or an IANA number, as a protocol number."""
    key = str(text).strip().lower()
    if key in PROTOCOL_NUMBERS:
        return PROTOCOL_NUMBERS[key]
    number = int(key)
    if not 0 <= number <= 255:
        raise ValueError(f"protocol number {number} is outside 0..255")
    return number


# Global unicast: the part of IPv6 that is "the internet".
V6_INTERNET = Cidr.parse("2000::/3")

# IPv4 addresses that never come from "the internet": private, shared, loopback, link-local,
# multicast and reserved space. Every other IPv4 address, and every global unicast IPv6
# address, is a possible internet source.
NON_INTERNET = tuple(
    Cidr.parse(c)
    for c in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/3",
    )
)


def is_internet_ip(ip: int) -> bool:
    if is_v4(ip):
        return not any(c.covers(ip) for c in NON_INTERNET)
    return V6_INTERNET.covers(ip)


class PortRange(_Node):
    lo: int
    hi: int

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


class IcmpMatch(_Node):
    """The ICMP type and code a rule matches; None is any."""

    type: int | None = None
    code: int | None = None

    def __str__(self) -> str:
        if self.type is None:
            return "any type"
        return f"type {self.type}" + ("" if self.code is None else f" code {self.code}")


class SgRule(_Node):
    """One IpPermission: a protocol and port range (or ICMP type) from any of several
    sources."""

    protocol: int
    ports: PortRange | None
    icmp: IcmpMatch | None = None
    cidrs: tuple[Cidr, ...] = ()
    group_ids: tuple[str, ...] = ()
    prefix_list_ids: tuple[str, ...] = ()
    span: Span


class SecurityGroup(_Node):
    id: str
    name: str = ""
    vpc_id: str = ""
    ingress: tuple[SgRule, ...] = ()
    egress: tuple[SgRule, ...] = ()
    span: Span


class AclEntry(_Node):
    rule_number: int
    egress: bool
    allow: bool
    protocol: int
    ports: PortRange | None
    icmp: IcmpMatch | None = None
    cidr: Cidr
    span: Span


class NetworkAcl(_Node):
    id: str
    vpc_id: str
    is_default: bool = False
    subnet_ids: tuple[str, ...] = ()
    entries: tuple[AclEntry, ...] = ()
    span: Span

    def ordered(self, egress: bool) -> tuple[AclEntry, ...]:
        """The entries of one direction in evaluation order (rule number ascending)."""
        return tuple(sorted((e for e in self.entries if e.egress == egress), key=_rule_number))


def _rule_number(e: AclEntry) -> int:
    return e.rule_number


class TargetKind(StrEnum):
    LOCAL = "local"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_INTERNET_GATEWAY = "egress-only-internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    VPC_PEERING = "vpc-peering"
    TRANSIT_GATEWAY = "transit-gateway"
    VPC_ENDPOINT = "vpc-endpoint"
    VPN_GATEWAY = "vpn-gateway"
    NETWORK_INTERFACE = "network-interface"
    INSTANCE = "instance"
    OTHER = "other"


# Route targets that forward through a machine (an appliance) rather than a gateway.
MIDDLEBOX_TARGETS = (TargetKind.NETWORK_INTERFACE, TargetKind.INSTANCE)


class Route(_Node):
    """A route: a destination CIDR or prefix list, a target, and its state."""

    destination: Cidr | None = None
    prefix_list_id: str | None = None
    target_kind: TargetKind
    target_id: str
    blackhole: bool = False
    span: Span

    def label(self) -> str:
        dest = str(self.destination) if self.destination else str(self.prefix_list_id)
        return f"{dest} -> {self.target_id}" + (" (blackhole)" if self.blackhole else "")


class RouteTable(_Node):
    """A route table; `gateway_ids` are the gateways (internet or VPN) it is the edge
    (ingress) table of: traffic entering the VPC through them is routed by it."""

    id: str
    vpc_id: str
    main: bool = False
    subnet_ids: tuple[str, ...] = ()
    gateway_ids: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()
    span: Span


class Vpc(_Node):
    id: str
    cidrs: tuple[Cidr, ...]
    account: str = ""
    region: str = ""
    span: Span


class Subnet(_Node):
    id: str
    vpc_id: str
    cidr: Cidr
    ipv6_cidrs: tuple[Cidr, ...] = ()
    az: str = ""
    span: Span


class Eni(_Node):
    """A network interface. `private_ips` are all its own addresses (IPv4 private addresses
    first, then IPv6 addresses, which AWS does not translate); `public_ips` pairs a private
    IPv4 address with its public or Elastic IP."""

    id: str
    subnet_id: str
    vpc_id: str
    private_ips: tuple[int, ...]
    public_ips: tuple[tuple[int, int], ...] = ()
    group_ids: tuple[str, ...] = ()
    instance_id: str | None = None
    interface_type: str = "interface"
    description: str = ""
    source_dest_check: bool = True
    span: Span


class Instance(_Node):
    id: str
    state: str
    span: Span


class InternetGateway(_Node):
    id: str
    vpc_ids: tuple[str, ...] = ()
    egress_only: bool = False
    span: Span


class NatGateway(_Node):
    id: str
    vpc_id: str
    subnet_id: str
    state: str = "available"
    private_ip: int | None = None
    public_ip: int | None = None
    eni_id: str | None = None
    span: Span


class VpcPeeringConnection(_Node):
    id: str
    requester_vpc_id: str
    accepter_vpc_id: str
    active: bool = True
    span: Span


class TransitGateway(_Node):
    id: str
    account: str = ""
    span: Span


class TgwAttachment(_Node):
    """An attachment as one transit gateway sees it (a peering attachment appears on both).
    `resource_type` is vpc, peering, vpn, direct-connect-gateway, connect, ..."""

    id: str
    tgw_id: str
    resource_type: str
    resource_id: str
    subnet_ids: tuple[str, ...] = ()
    route_table_id: str | None = None
    available: bool = True
    span: Span


class TgwRoute(_Node):
    destination: Cidr
    attachment_ids: tuple[str, ...] = ()
    blackhole: bool = False
    span: Span


class TgwRouteTable(_Node):
    id: str
    tgw_id: str
    routes: tuple[TgwRoute, ...] = ()
    propagations: tuple[str, ...] = ()
    span: Span


class VpcEndpoint(_Node):
    """A VPC endpoint: `gateway` (S3, DynamoDB), `interface` (PrivateLink) or
    `gatewayloadbalancer` (traffic to it is inspected by the appliances behind a Gateway
    Load Balancer and comes back out of it)."""

    id: str
    vpc_id: str
    endpoint_type: str
    service_name: str = ""
    route_table_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    eni_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    span: Span


class EndpointService(_Node):
    """A VPC endpoint service (describe-vpc-endpoint-service-configurations): the load
    balancers behind endpoints of `service_name`."""

    service_name: str
    gateway_lb_arns: tuple[str, ...] = ()
    network_lb_arns: tuple[str, ...] = ()
    span: Span


class PrefixList(_Node):
    id: str
    name: str = ""
    cidrs: tuple[Cidr, ...] = ()
    span: Span


class Listener(_Node):
    protocol: str
    port: int
    target_group_arns: tuple[str, ...] = ()
    span: Span


class Target(_Node):
    id: str
    port: int
    healthy: bool = True
    span: Span


class TargetGroup(_Node):
    """`preserve_client_ip` is the target group attribute `preserve_client_ip.enabled`;
    None when the export does not say (AWS's default then applies)."""

    arn: str
    name: str = ""
    target_type: str = "instance"
    protocol: str = ""
    port: int | None = None
    targets: tuple[Target, ...] = ()
    preserve_client_ip: bool | None = None
    span: Span

    def preserves_client_ip(self) -> bool:
        """AWS's rule for network load balancers: on unless the attribute says otherwise,
        except for IP targets over TCP or TLS."""
        if self.preserve_client_ip is not None:
            return self.preserve_client_ip
        return not (self.target_type == "ip" and self.protocol.lower() in ("tcp", "tls"))


class LoadBalancer(_Node):
    """A load balancer: listeners forward to the targets of their target groups. `lb_type`
    is network, application or gateway."""

    arn: str
    name: str
    lb_type: str = "network"
    scheme: str = "internal"
    vpc_id: str = ""
    subnet_ids: tuple[str, ...] = ()
    eni_ids: tuple[str, ...] = ()
    listeners: tuple[Listener, ...] = ()
    span: Span


class VpnGateway(_Node):
    """A virtual private gateway: the VPC side of VPN connections and private Direct
    Connect interfaces."""

    id: str
    vpc_ids: tuple[str, ...] = ()
    available: bool = True
    span: Span


class VpnConnection(_Node):
    """A site-to-site VPN connection, ending at a virtual private gateway or a transit
    gateway."""

    id: str
    vgw_id: str | None = None
    tgw_id: str | None = None
    available: bool = True
    span: Span


class DirectConnectGateway(_Node):
    id: str
    name: str = ""
    span: Span


class DirectConnectAssociation(_Node):
    """A Direct Connect gateway associated with a virtual private or transit gateway."""

    dxgw_id: str
    gateway_id: str
    allowed_prefixes: tuple[Cidr, ...] = ()
    associated: bool = True
    span: Span


class VirtualInterface(_Node):
    """A Direct Connect virtual interface: private (to a virtual private gateway or a Direct
    Connect gateway), transit (to a Direct Connect gateway) or public."""

    id: str
    vif_type: str
    vgw_id: str | None = None
    dxgw_id: str | None = None
    available: bool = True
    span: Span


class FirewallRule(_Node):
    """A Network Firewall rule over the 5-tuple. Empty tuples match anything. `action` is
    pass, drop, reject, alert or (stateless only) forward, to the stateful engine.
    `bidirectional` (stateful, Direction ANY) also matches flows the other way round."""

    action: str
    protocols: tuple[int, ...] = ()
    sources: tuple[Cidr, ...] = ()
    destinations: tuple[Cidr, ...] = ()
    source_ports: tuple[PortRange, ...] = ()
    destination_ports: tuple[PortRange, ...] = ()
    bidirectional: bool = False
    priority: int = 0
    span: Span


class RuleGroup(_Node):
    """A Network Firewall rule group; `unmodelled` says why its rules cannot be decided here
    (Suricata rule strings, domain lists), empty when they can."""

    arn: str
    name: str = ""
    stateful: bool
    rules: tuple[FirewallRule, ...] = ()
    unmodelled: str = ""
    span: Span


class FirewallPolicy(_Node):
    """Which rule groups a firewall applies, in which order, and what happens to packets no
    rule decides. Group references are (rule group ARN, priority)."""

    arn: str
    name: str = ""
    stateless_default: str = "forward"
    stateless_groups: tuple[tuple[str, int], ...] = ()
    stateful_groups: tuple[tuple[str, int], ...] = ()
    strict_order: bool = False
    stateful_default_drop: bool = False
    span: Span


class Firewall(_Node):
    """An AWS Network Firewall; `endpoints` are its (subnet, endpoint id) pairs, one per zone:
    routes send traffic to an endpoint, which inspects it and routes it on from its subnet."""

    arn: str
    name: str
    vpc_id: str
    policy_arn: str = ""
    endpoints: tuple[tuple[str, str], ...] = ()
    span: Span


class FirewallProgram(_Node):
    """A firewall policy with its rule groups resolved: the stateless rules in evaluation
    order and their default (pass, drop, or forward to the stateful engine), then the stateful
    rules (in evaluation order under strict ordering). `stateless_unknown` and
    `stateful_unknown` say why a stage cannot be decided here (empty when it can)."""

    stateless: tuple[FirewallRule, ...] = ()
    stateless_default: str = "forward"
    stateful: tuple[FirewallRule, ...] = ()
    strict: bool = False
    default_drop: bool = False
    stateless_unknown: str = ""
    stateful_unknown: str = ""


def firewall_program(
    policy: FirewallPolicy | None, groups: dict[str, RuleGroup]
) -> FirewallProgram:
    """Resolve a policy's rule group references, in AWS's evaluation order (group priority,
    then rule priority or order)."""
    if policy is None:
        why = "its firewall policy is not in the export"
        return FirewallProgram(stateless_unknown=why, stateful_unknown=why)

    def rules(refs: tuple[tuple[str, int], ...]) -> tuple[tuple[FirewallRule, ...], str]:
        out: list[FirewallRule] = []
        for arn, _ in sorted(refs, key=lambda r: r[1]):
            group = groups.get(arn)
            if group is None:
                return (), f"its rule group {arn} is not in the export"
            if group.unmodelled:
                return (), f"its rule group {group.name or arn} is not modelled: {group.unmodelled}"
            out += group.rules
        return tuple(out), ""

    stateless, stateless_unknown = rules(policy.stateless_groups)
    stateful, stateful_unknown = rules(policy.stateful_groups)
    return FirewallProgram(
        stateless=stateless,
        stateless_default=policy.stateless_default,
        stateful=stateful,
        strict=policy.strict_order,
        default_drop=policy.stateful_default_drop,
        stateless_unknown=stateless_unknown,
        stateful_unknown=stateful_unknown,
    )


class OnPremNetwork(_Node):
    """An on-premises prefix the user declared, with a name: reachable over the network's
    VPN and Direct Connect connections, and a source of traffic arriving over them."""

    cidr: Cidr
    name: str
    span: Span = unknown_span()


class Network(_Node):
    """Everything read from one snapshot (one or more accounts and regions), and the
    on-premises networks declared for it."""

    vpcs: tuple[Vpc, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
    network_acls: tuple[NetworkAcl, ...] = ()
    enis: tuple[Eni, ...] = ()
    instances: tuple[Instance, ...] = ()
    internet_gateways: tuple[InternetGateway, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    peerings: tuple[VpcPeeringConnection, ...] = ()
    transit_gateways: tuple[TransitGateway, ...] = ()
    tgw_attachments: tuple[TgwAttachment, ...] = ()
    tgw_route_tables: tuple[TgwRouteTable, ...] = ()
    vpc_endpoints: tuple[VpcEndpoint, ...] = ()
    endpoint_services: tuple[EndpointService, ...] = ()
    prefix_lists: tuple[PrefixList, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()
    target_groups: tuple[TargetGroup, ...] = ()
    vpn_gateways: tuple[VpnGateway, ...] = ()
    vpn_connections: tuple[VpnConnection, ...] = ()
    dx_gateways: tuple[DirectConnectGateway, ...] = ()
    dx_associations: tuple[DirectConnectAssociation, ...] = ()
    virtual_interfaces: tuple[VirtualInterface, ...] = ()
    firewalls: tuple[Firewall, ...] = ()
    firewall_policies: tuple[FirewallPolicy, ...] = ()
    rule_groups: tuple[RuleGroup, ...] = ()
    onprem: tuple[OnPremNetwork, ...] = ()
    span: Span = unknown_span()


class Packet(_Node):
    """A concrete packet header. Ports are 0 for protocols without ports; the ICMP type and
    code are 0 for protocols other than ICMP."""

    src: int
    dst: int
    protocol: int
    src_port: int = 0
    dst_port: int = 0
    icmp_type: int = 0
    icmp_code: int = 0

    @property
    def expects_reply(self) -> bool:
        """Everything but ICMP messages that are no request (an unreachable, say)."""
        if self.protocol not in ICMP_PROTOCOLS:
            return True
        return (self.protocol, self.icmp_type) in ICMP_REPLIES

    def reply(self) -> Packet:
        return Packet(
            src=self.dst,
            dst=self.src,
            protocol=self.protocol,
            src_port=self.dst_port,
            dst_port=self.src_port,
            icmp_type=ICMP_REPLIES.get((self.protocol, self.icmp_type), self.icmp_type),
            icmp_code=self.icmp_code,
        )

    def to_json(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {
            "src": format_ip(self.src),
            "dst": format_ip(self.dst),
            "protocol": protocol_name(self.protocol),
            "src_port": self.src_port,
            "dst_port": self.dst_port,
        }
        if self.protocol in ICMP_PROTOCOLS:
            out["icmp_type"] = self.icmp_type
            out["icmp_code"] = self.icmp_code
        return out

    def __str__(self) -> str:
        detail = ""
        if self.protocol in (TCP, UDP):
            detail = f" {self.src_port}->{self.dst_port}"
        elif self.protocol in ICMP_PROTOCOLS:
            detail = f" type {self.icmp_type} code {self.icmp_code}"
        return (
            f"{protocol_name(self.protocol)} {format_ip(self.src)} -> {format_ip(self.dst)}{detail}"
        )


def has_ports(protocol: int) -> bool:
    return protocol in (TCP, UDP)


def propagate_tgw_routes(
    tables: tuple[TgwRouteTable, ...], attachments: tuple[TgwAttachment, ...], vpcs: tuple[Vpc, ...]
) -> tuple[TgwRouteTable, ...]:
    """Add each table's propagated routes from VPC attachments (the VPC's CIDRs). Routes
    propagated over BGP (VPN, Direct Connect, Connect) are not in any export; the analysis
    treats them as unknown unless on-premises prefixes are declared."""
    vpc_cidrs = {v.id: v.cidrs for v in vpcs}
    out = []
    for table in tables:
        routes = list(table.routes)
        static = {r.destination for r in routes}
        for aid in table.propagations:
            for att in attachments:
                if att.id != aid or att.tgw_id != table.tgw_id or att.resource_type != "vpc":
                    continue
                for c in vpc_cidrs.get(att.resource_id, ()):
                    # A static route wins over a propagated one for the same prefix.
                    if c not in static:
                        routes.append(TgwRoute(destination=c, attachment_ids=(aid,), span=att.span))
        out.append(table.model_copy(update={"routes": tuple(routes)}))
    return tuple(out)
