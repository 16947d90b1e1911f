"""The network IR: AWS VPC resources as `aws ec2 describe-*` shows them, each with its Span.

Addresses are IPv4 integers; a `Cidr` is an address with a prefix length. Protocols are IANA
numbers with -1 for "all". IPv6 is outside the model: IPv6-only rules and routes are kept out of
the IR by the readers, which say so in a diagnostic.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from policyreason.ir.span import Span, unknown_span

ALL_PROTOCOLS = -1
TCP = 6
UDP = 17
ICMP = 1
EPHEMERAL_PORTS = (1024, 65535)

PROTOCOL_NAMES = {TCP: "tcp", UDP: "udp", ICMP: "icmp"}
PROTOCOL_NUMBERS = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "all": ALL_PROTOCOLS, "-1": ALL_PROTOCOLS}


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True)


def format_ip(ip: int) -> str:
    return str(ipaddress.IPv4Address(ip))


def parse_ip(text: str) -> int:
    """An IPv4 address as an integer; raises ValueError on anything else."""
    return int(ipaddress.IPv4Address(text.strip()))


def protocol_name(proto: int) -> str:
    if proto == ALL_PROTOCOLS:
        return "all"
    return PROTOCOL_NAMES.get(proto, str(proto))


def parse_protocol(text: str | int) -> int:
    """'tcp', 'udp', 'icmp', '-1'/'all', or an IANA number, as the IR's protocol number."""
    key = str(text).strip().lower()
    if key in PROTOCOL_NUMBERS:
        return PROTOCOL_NUMBERS[key]
    number = int(key)
    if not 0 <= number <= 255:
        raise ValueError(f"protocol number {number} is outside 0..255")
    return number


class Cidr(_Node):
    """An IPv4 prefix; `addr` is the network address (host bits cleared)."""

    addr: int
    prefix: int

    @staticmethod
    def parse(text: str) -> Cidr:
        net = ipaddress.IPv4Network(text.strip(), strict=False)
        return Cidr(addr=int(net.network_address), prefix=net.prefixlen)

    @property
    def mask(self) -> int:
        return (0xFFFFFFFF << (32 - self.prefix)) & 0xFFFFFFFF

    @property
    def last(self) -> int:
        return self.addr | (~self.mask & 0xFFFFFFFF)

    def contains(self, ip: int) -> bool:
        return (ip & self.mask) == self.addr

    def __str__(self) -> str:
        return f"{format_ip(self.addr)}/{self.prefix}"


# Addresses that never come from "the internet": private, shared, loopback, link-local,
# multicast and reserved space. Everything else is a possible internet source.
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
    return not any(c.contains(ip) for c in NON_INTERNET)


class PortRange(_Node):
    lo: int
    hi: int

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


class SgRule(_Node):
    """One IpPermission: a protocol and port range from any of several sources."""

    protocol: int
    ports: PortRange | None
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
    NAT_GATEWAY = "nat-gateway"
    VPC_PEERING = "vpc-peering"
    TRANSIT_GATEWAY = "transit-gateway"
    VPC_ENDPOINT = "vpc-endpoint"
    OTHER = "other"


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
    id: str
    vpc_id: str
    main: bool = False
    subnet_ids: tuple[str, ...] = ()
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
    az: str = ""
    span: Span


class Eni(_Node):
    """A network interface. `public_ips` pairs a private address with its public/Elastic IP."""

    id: str
    subnet_id: str
    vpc_id: str
    private_ips: tuple[int, ...]
    public_ips: tuple[tuple[int, int], ...] = ()
    group_ids: tuple[str, ...] = ()
    instance_id: str | None = None
    interface_type: str = "interface"
    description: str = ""
    span: Span


class Instance(_Node):
    id: str
    state: str
    span: Span


class InternetGateway(_Node):
    id: str
    vpc_ids: tuple[str, ...] = ()
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
    """An attachment as one transit gateway sees it (a peering attachment appears on both)."""

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
    id: str
    vpc_id: str
    endpoint_type: str
    service_name: str = ""
    route_table_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    eni_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
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
    arn: str
    name: str = ""
    target_type: str = "instance"
    port: int | None = None
    targets: tuple[Target, ...] = ()
    span: Span


class LoadBalancer(_Node):
    """A network load balancer: listeners forward to the targets of their target groups."""

    arn: str
    name: str
    lb_type: str = "network"
    scheme: str = "internal"
    vpc_id: str = ""
    subnet_ids: tuple[str, ...] = ()
    eni_ids: tuple[str, ...] = ()
    listeners: tuple[Listener, ...] = ()
    span: Span


class Network(_Node):
    """Everything read from one snapshot (one or more accounts and regions)."""

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
    prefix_lists: tuple[PrefixList, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()
    target_groups: tuple[TargetGroup, ...] = ()
    span: Span = unknown_span()


class Packet(_Node):
    """A concrete IPv4 packet header. Ports are 0 for protocols without ports."""

    src: int
    dst: int
    protocol: int
    src_port: int = 0
    dst_port: int = 0

    def reply(self) -> Packet:
        return Packet(
            src=self.dst,
            dst=self.src,
            protocol=self.protocol,
            src_port=self.dst_port,
            dst_port=self.src_port,
        )

    def to_json(self) -> dict[str, str | int]:
        return {
            "src": format_ip(self.src),
            "dst": format_ip(self.dst),
            "protocol": protocol_name(self.protocol),
            "src_port": self.src_port,
            "dst_port": self.dst_port,
        }

    def __str__(self) -> str:
        ports = ""
        if self.protocol in (TCP, UDP):
            ports = f" {self.src_port}->{self.dst_port}"
        return (
            f"{protocol_name(self.protocol)} {format_ip(self.src)} -> {format_ip(self.dst)}{ports}"
        )


def has_ports(protocol: int) -> bool:
    return protocol in (TCP, UDP)


def propagate_tgw_routes(
    tables: tuple[TgwRouteTable, ...], attachments: tuple[TgwAttachment, ...], vpcs: tuple[Vpc, ...]
) -> tuple[TgwRouteTable, ...]:
    """Add each table's propagated routes (the CIDRs of propagating VPC attachments)."""
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
