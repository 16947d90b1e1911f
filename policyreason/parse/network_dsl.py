"""The hand-written network language (grammars/network.lark), compiled to the network IR.

Conveniences that mirror what AWS does on creation: every route table gets the VPC's local
routes; a VPC gets a main route table (local routes only) unless one is marked `main`; subnets
without an explicit `nacl` use the VPC's default ACL, which allows everything (IPv4, and IPv6
when the VPC has an IPv6 block); a security group without `out` lines allows all egress (write
`no-egress` to drop it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from policyreason.errors import NetworkDslError
from policyreason.ir.cidr import Cidr, parse_ip
from policyreason.ir.network import (
    ICMP_PROTOCOLS,
    AclEntry,
    Eni,
    Firewall,
    IcmpMatch,
    Instance,
    InternetGateway,
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
    TargetKind,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    TransitGateway,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpnConnection,
    VpnGateway,
    parse_protocol,
    propagate_tgw_routes,
)
from policyreason.ir.span import Span
from policyreason.resources import grammar_text


@cache
def _parser() -> Lark:
    return Lark(grammar_text("network.lark"), parser="lalr", propagate_positions=True)


@dataclass
class _State:
    file: str
    vpcs: list[Vpc] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
    tables: list[tuple[RouteTable, list[tuple[Route, str]]]] = field(default_factory=list)
    sgs: list[SecurityGroup] = field(default_factory=list)
    acls: list[NetworkAcl] = field(default_factory=list)
    enis: list[Eni] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    igws: list[InternetGateway] = field(default_factory=list)
    nats: list[NatGateway] = field(default_factory=list)
    peerings: list[VpcPeeringConnection] = field(default_factory=list)
    tgws: list[TransitGateway] = field(default_factory=list)
    attachments: list[TgwAttachment] = field(default_factory=list)
    tgw_tables: list[TgwRouteTable] = field(default_factory=list)
    endpoints: list[VpcEndpoint] = field(default_factory=list)
    prefix_lists: list[PrefixList] = field(default_factory=list)
    vgws: list[VpnGateway] = field(default_factory=list)
    vpns: list[VpnConnection] = field(default_factory=list)
    firewalls: list[Firewall] = field(default_factory=list)

    def span(self, node: Tree[Token] | Token) -> Span:
        if isinstance(node, Token):
            line, col = node.line or 0, node.column or 0
            return Span(
                file=self.file,
                line=line,
                column=col,
                end_line=node.end_line or line,
                end_column=node.end_column or col,
            )
        m = node.meta
        if getattr(m, "empty", True):
            return Span(file=self.file, line=0, column=0, end_line=0, end_column=0)
        return Span(
            file=self.file,
            line=m.line,
            column=m.column,
            end_line=m.end_line,
            end_column=m.end_column,
        )


def _tokens(tree: Tree[Token], kind: str) -> list[Token]:
    return [c for c in tree.children if isinstance(c, Token) and c.type == kind]


def _subtree(tree: Tree[Token], name: str) -> Tree[Token] | None:
    for c in tree.children:
        if isinstance(c, Tree) and c.data == name:
            return c
    return None


def _cidr(st: _State, tok: Token) -> Cidr:
    text = str(tok)
    try:
        return Cidr.parse(text)
    except ValueError:
        raise NetworkDslError(f"{text!r} is not a CIDR", st.span(tok)) from None


def _ip(st: _State, tok: Token) -> int:
    try:
        return parse_ip(str(tok))
    except ValueError:
        raise NetworkDslError(f"{str(tok)!r} is not an IP address", st.span(tok)) from None


def _icmp(st: _State, tree: Tree[Token], proto: int) -> IcmpMatch | None:
    spec = _subtree(tree, "icmp_spec")
    if spec is None:
        return None
    if proto not in ICMP_PROTOCOLS:
        raise NetworkDslError("an ICMP type is only meaningful for icmp", st.span(spec))
    nums = [int(str(t)) for t in spec.children if isinstance(t, Token)]
    if not all(0 <= n <= 255 for n in nums):
        raise NetworkDslError("ICMP types and codes are within 0..255", st.span(spec))
    return IcmpMatch(type=nums[0], code=nums[1] if len(nums) > 1 else None)


def _proto_ports(st: _State, tree: Tree[Token]) -> tuple[int, PortRange | None]:
    proto_tree = _subtree(tree, "proto")
    assert proto_tree is not None
    tok = proto_tree.children[0]
    assert isinstance(tok, Token)
    try:
        proto = parse_protocol(str(tok))
    except ValueError as exc:
        raise NetworkDslError(str(exc), st.span(tok)) from None
    ports_tree = _subtree(tree, "ports")
    if ports_tree is None:
        return proto, (PortRange(lo=0, hi=65535) if proto in (6, 17) else None)
    if proto not in (6, 17):
        raise NetworkDslError("ports are only meaningful for tcp and udp", st.span(ports_tree))
    nums = [int(str(t)) for t in ports_tree.children if isinstance(t, Token)]
    lo, hi = nums[0], nums[-1]
    if not 0 <= lo <= hi <= 65535:
        raise NetworkDslError(f"bad port range {lo}-{hi}", st.span(ports_tree))
    return proto, PortRange(lo=lo, hi=hi)


def _vpc(st: _State, tree: Tree[Token]) -> None:
    name, *addrs = [c for c in tree.children if isinstance(c, Token)]
    vpc_id = str(name)
    st.vpcs.append(Vpc(id=vpc_id, cidrs=tuple(_cidr(st, a) for a in addrs), span=st.span(tree)))
    for item in tree.children:
        if isinstance(item, Tree):
            _vpc_item(st, vpc_id, item)


def _vpc_item(st: _State, vpc_id: str, t: Tree[Token]) -> None:
    names = [str(x) for x in _tokens(t, "NAME")]
    addrs = _tokens(t, "ADDR")
    span = st.span(t)
    if t.data in ("igw", "eigw"):
        st.igws.append(
            InternetGateway(id=names[0], vpc_ids=(vpc_id,), egress_only=t.data == "eigw", span=span)
        )
    elif t.data == "vgw":
        st.vgws.append(VpnGateway(id=names[0], vpc_ids=(vpc_id,), span=span))
    elif t.data == "subnet":
        az = names[1] if len(names) > 1 else ""
        cidrs = [_cidr(st, a) for a in addrs]
        v4 = [c for c in cidrs if c.v4]
        if len(v4) != 1:
            raise NetworkDslError("a subnet has one IPv4 CIDR", span)
        st.subnets.append(
            Subnet(
                id=names[0],
                vpc_id=vpc_id,
                cidr=v4[0],
                ipv6_cidrs=tuple(c for c in cidrs if not c.v4),
                az=az,
                span=span,
            )
        )
    elif t.data == "firewall":
        st.firewalls.append(
            Firewall(
                arn=names[0],
                name=names[0],
                vpc_id=vpc_id,
                endpoints=((names[2], names[1]),),
                span=span,
            )
        )
    elif t.data == "route_table":
        _route_table(st, vpc_id, t)
    elif t.data == "nat":
        state = _subtree(t, "nat_state")
        st.nats.append(
            NatGateway(
                id=names[0],
                vpc_id=vpc_id,
                subnet_id=names[1],
                private_ip=_ip(st, addrs[0]),
                public_ip=_ip(st, addrs[1]) if len(addrs) > 1 else None,
                state="failed" if state is not None else "available",
                eni_id=f"eni-{names[0]}",
                span=span,
            )
        )
        st.enis.append(
            Eni(
                id=f"eni-{names[0]}",
                subnet_id=names[1],
                vpc_id=vpc_id,
                private_ips=(_ip(st, addrs[0]),),
                interface_type="nat_gateway",
                description=f"Interface for NAT Gateway {names[0]}",
                span=span,
            )
        )
    elif t.data == "sg":
        _sg(st, vpc_id, t)
    elif t.data == "nacl":
        entries = tuple(_acl_entry(st, e) for e in t.children if isinstance(e, Tree))
        st.acls.append(
            NetworkAcl(
                id=names[0], vpc_id=vpc_id, subnet_ids=tuple(names[1:]), entries=entries, span=span
            )
        )
    elif t.data in ("instance", "eni"):
        _eni(st, vpc_id, t, names, addrs)
    elif t.data == "endpoint":
        _endpoint(st, vpc_id, t)


def _route_table(st: _State, vpc_id: str, t: Tree[Token]) -> None:
    name = str(_tokens(t, "NAME")[0])
    subnets: list[str] = []
    routes: list[tuple[Route, str]] = []
    for item in t.children:
        if not isinstance(item, Tree):
            continue
        if item.data == "associate":
            subnets += [str(x) for x in _tokens(item, "NAME")]
        elif item.data == "route":
            dest = item.children[0]
            assert isinstance(dest, Tree)
            dtok = dest.children[0]
            assert isinstance(dtok, Token)
            target = str(_tokens(item, "NAME")[0])
            route = Route(
                destination=_cidr(st, dtok) if dest.data == "dest_cidr" else None,
                prefix_list_id=None if dest.data == "dest_cidr" else str(dtok),
                target_kind=TargetKind.OTHER,
                target_id=target,
                blackhole=_subtree(item, "blackhole") is not None,
                span=st.span(item),
            )
            routes.append((route, target))
    table = RouteTable(
        id=name,
        vpc_id=vpc_id,
        main=_subtree(t, "main") is not None,
        subnet_ids=tuple(subnets),
        span=st.span(t),
    )
    # `associate` names subnets and, for edge (ingress) routing, gateways; which is which is
    # known once the whole description is read (see _finish).
    st.tables.append((table, routes))


def _sg(st: _State, vpc_id: str, t: Tree[Token]) -> None:
    ingress: list[SgRule] = []
    egress: list[SgRule] = []
    no_egress = False
    for item in t.children:
        if not isinstance(item, Tree):
            continue
        if item.data == "no_egress":
            no_egress = True
            continue
        proto, ports = _proto_ports(st, item)
        icmp = _icmp(st, item, proto)
        cidrs, groups, lists = [], [], []
        for src in item.children:
            if isinstance(src, Tree) and src.data.startswith("src_"):
                tok = src.children[0]
                assert isinstance(tok, Token)
                if src.data == "src_cidr":
                    cidrs.append(_cidr(st, tok))
                elif src.data == "src_group":
                    groups.append(str(tok))
                else:
                    lists.append(str(tok))
        rule = SgRule(
            protocol=proto,
            ports=ports,
            icmp=icmp,
            cidrs=tuple(cidrs),
            group_ids=tuple(groups),
            prefix_list_ids=tuple(lists),
            span=st.span(item),
        )
        (ingress if item.data == "sg_in" else egress).append(rule)
    if not egress and not no_egress:
        everywhere = [Cidr.parse("0.0.0.0/0")]
        if any(not c.v4 for v in st.vpcs if v.id == vpc_id for c in v.cidrs):
            everywhere.append(Cidr.parse("::/0"))
        egress.append(SgRule(protocol=-1, ports=None, cidrs=tuple(everywhere), span=st.span(t)))
    name = str(_tokens(t, "NAME")[0])
    st.sgs.append(
        SecurityGroup(
            id=name,
            name=name,
            vpc_id=vpc_id,
            ingress=tuple(ingress),
            egress=tuple(egress),
            span=st.span(t),
        )
    )


def _acl_entry(st: _State, t: Tree[Token]) -> AclEntry:
    direction = t.children[0]
    assert isinstance(direction, Tree)
    number = int(str(_tokens(t, "INT")[0]))
    proto, ports = _proto_ports(st, t)
    return AclEntry(
        rule_number=number,
        egress=direction.data == "acl_out",
        allow=str(_tokens(t, "ACTION")[0]) == "allow",
        protocol=proto,
        ports=ports,
        icmp=_icmp(st, t, proto),
        cidr=_cidr(st, _tokens(t, "ADDR")[0]),
        span=st.span(t),
    )


def _eni(st: _State, vpc_id: str, t: Tree[Token], names: list[str], addrs: list[Token]) -> None:
    name, subnet, *groups = names
    states = _tokens(t, "STATE")
    public_tree = _subtree(t, "public")
    public: int | None = None
    if public_tree is not None:
        public = _ip(st, _tokens(public_tree, "ADDR")[0])
    ips = tuple(_ip(st, a) for a in addrs)
    if public is not None and not Cidr.host(ips[0]).v4:
        raise NetworkDslError("a public address pairs with an IPv4 address", st.span(t))
    instance_id = name if t.data == "instance" else None
    st.enis.append(
        Eni(
            id=f"eni-{name}" if instance_id else name,
            subnet_id=subnet,
            vpc_id=vpc_id,
            private_ips=ips,
            public_ips=((ips[0], public),) if public is not None else (),
            group_ids=tuple(groups),
            instance_id=instance_id,
            source_dest_check=_subtree(t, "forwards") is None,
            span=st.span(t),
        )
    )
    if instance_id:
        state = str(states[0]) if states else "running"
        st.instances.append(Instance(id=instance_id, state=state, span=st.span(t)))


def _endpoint(st: _State, vpc_id: str, t: Tree[Token]) -> None:
    name, service = (str(x) for x in _tokens(t, "NAME")[:2])
    kind = str(_tokens(t, "ENDPOINT_TYPE")[0])
    tables: tuple[str, ...] = ()
    eni_ids: list[str] = []
    subnets: list[str] = []
    groups: list[str] = []
    for item in t.children:
        if isinstance(item, Tree) and item.data == "ep_tables":
            tables = tuple(str(x) for x in _tokens(item, "NAME"))
        elif isinstance(item, Tree) and item.data == "ep_eni":
            eni_name, subnet, *sgs = (str(x) for x in _tokens(item, "NAME"))
            ip = _ip(st, _tokens(item, "ADDR")[0])
            eni_ids.append(eni_name)
            subnets.append(subnet)
            groups += [g for g in sgs if g not in groups]
            st.enis.append(
                Eni(
                    id=eni_name,
                    subnet_id=subnet,
                    vpc_id=vpc_id,
                    private_ips=(ip,),
                    group_ids=tuple(sgs),
                    interface_type="vpc_endpoint",
                    description=f"VPC Endpoint Interface {name}",
                    span=st.span(item),
                )
            )
    st.endpoints.append(
        VpcEndpoint(
            id=name,
            vpc_id=vpc_id,
            endpoint_type=kind,
            service_name=service,
            route_table_ids=tables,
            subnet_ids=tuple(subnets),
            eni_ids=tuple(eni_ids),
            group_ids=tuple(groups),
            span=st.span(t),
        )
    )


def _tgw(st: _State, t: Tree[Token]) -> None:
    tgw_id = str(_tokens(t, "NAME")[0])
    st.tgws.append(TransitGateway(id=tgw_id, span=st.span(t)))
    for item in t.children:
        if not isinstance(item, Tree):
            continue
        names = [str(x) for x in _tokens(item, "NAME")]
        if item.data == "attach_vpc":
            table_tree = _subtree(item, "attach_table")
            table = str(_tokens(table_tree, "NAME")[0]) if table_tree is not None else None
            subnets = names[2:]
            st.attachments.append(
                TgwAttachment(
                    id=names[0],
                    tgw_id=tgw_id,
                    resource_type="vpc",
                    resource_id=names[1],
                    subnet_ids=tuple(subnets),
                    route_table_id=table,
                    span=st.span(item),
                )
            )
        elif item.data == "attach_vpn":
            st.attachments.append(
                TgwAttachment(
                    id=names[0],
                    tgw_id=tgw_id,
                    resource_type="vpn",
                    resource_id=names[1],
                    route_table_id=names[2] if len(names) > 2 else None,
                    span=st.span(item),
                )
            )
        elif item.data == "attach_peer":
            st.attachments.append(
                TgwAttachment(
                    id=names[0],
                    tgw_id=tgw_id,
                    resource_type="peering",
                    resource_id=names[1],
                    route_table_id=names[2] if len(names) > 2 else None,
                    span=st.span(item),
                )
            )
        elif item.data == "tgw_table":
            _tgw_table(st, tgw_id, item, names[0])


def _tgw_table(st: _State, tgw_id: str, t: Tree[Token], name: str) -> None:
    props: list[str] = []
    routes: list[TgwRoute] = []
    for item in t.children:
        if not isinstance(item, Tree):
            continue
        names = [str(x) for x in _tokens(item, "NAME")]
        if item.data == "propagate":
            props += names
        else:
            routes.append(
                TgwRoute(
                    destination=_cidr(st, _tokens(item, "ADDR")[0]),
                    attachment_ids=tuple(names),
                    blackhole=not names,
                    span=st.span(item),
                )
            )
    st.tgw_tables.append(
        TgwRouteTable(
            id=name, tgw_id=tgw_id, routes=tuple(routes), propagations=tuple(props), span=st.span(t)
        )
    )


def _finish(st: _State, span: Span) -> Network:
    kinds: dict[str, TargetKind] = {"local": TargetKind.LOCAL}
    kinds.update({g.id: TargetKind.INTERNET_GATEWAY for g in st.igws})
    kinds.update({n.id: TargetKind.NAT_GATEWAY for n in st.nats})
    kinds.update({p.id: TargetKind.VPC_PEERING for p in st.peerings})
    kinds.update({t.id: TargetKind.TRANSIT_GATEWAY for t in st.tgws})
    kinds.update({e.id: TargetKind.VPC_ENDPOINT for e in st.endpoints})
    kinds.update({ep: TargetKind.VPC_ENDPOINT for f in st.firewalls for _, ep in f.endpoints})
    kinds.update({g.id: TargetKind.VPN_GATEWAY for g in st.vgws})
    kinds.update({g.id: TargetKind.EGRESS_ONLY_INTERNET_GATEWAY for g in st.igws if g.egress_only})
    kinds.update({e.id: TargetKind.NETWORK_INTERFACE for e in st.enis})
    kinds.update({i.id: TargetKind.INSTANCE for i in st.instances})
    gateways = {g.id for g in st.igws} | {g.id for g in st.vgws}
    tgws = {t.id for t in st.tgws}
    for n, vpn in enumerate(st.vpns):
        if vpn.vgw_id in tgws:
            st.vpns[n] = vpn.model_copy(update={"vgw_id": None, "tgw_id": vpn.vgw_id})
        elif vpn.vgw_id not in gateways:
            raise NetworkDslError(f"unknown VPN or transit gateway {vpn.vgw_id!r}", vpn.span)
    vpc_cidrs = {v.id: v.cidrs for v in st.vpcs}
    tables: list[RouteTable] = []
    for table, routes in st.tables:
        table = table.model_copy(
            update={
                "subnet_ids": tuple(s for s in table.subnet_ids if s not in gateways),
                "gateway_ids": tuple(s for s in table.subnet_ids if s in gateways),
            }
        )
        resolved = [
            Route(destination=c, target_kind=TargetKind.LOCAL, target_id="local", span=table.span)
            for c in vpc_cidrs.get(table.vpc_id, ())
        ]
        for route, target in routes:
            if target not in kinds:
                raise NetworkDslError(f"unknown route target {target!r}", route.span)
            resolved.append(route.model_copy(update={"target_kind": kinds[target]}))
        tables.append(table.model_copy(update={"routes": tuple(resolved)}))
    for vpc in st.vpcs:
        if not any(t.main and t.vpc_id == vpc.id for t in tables):
            local = tuple(
                Route(destination=c, target_kind=TargetKind.LOCAL, target_id="local", span=vpc.span)
                for c in vpc.cidrs
            )
            tables.append(
                RouteTable(
                    id=f"rtb-main-{vpc.id}", vpc_id=vpc.id, main=True, routes=local, span=vpc.span
                )
            )
        covered = {s for a in st.acls if a.vpc_id == vpc.id for s in a.subnet_ids}
        rest = tuple(s.id for s in st.subnets if s.vpc_id == vpc.id and s.id not in covered)
        if rest:
            everywhere = [Cidr.parse("0.0.0.0/0")]
            if any(not c.v4 for c in vpc.cidrs):
                everywhere.append(Cidr.parse("::/0"))
            entries = tuple(
                AclEntry(
                    rule_number=100 + n,
                    egress=eg,
                    allow=True,
                    protocol=-1,
                    ports=None,
                    cidr=cidr,
                    span=vpc.span,
                )
                for eg in (False, True)
                for n, cidr in enumerate(everywhere)
            )
            st.acls.append(
                NetworkAcl(
                    id=f"acl-default-{vpc.id}",
                    vpc_id=vpc.id,
                    is_default=True,
                    subnet_ids=rest,
                    entries=entries,
                    span=vpc.span,
                )
            )
    return Network(
        vpcs=tuple(st.vpcs),
        subnets=tuple(st.subnets),
        route_tables=tuple(tables),
        security_groups=tuple(st.sgs),
        network_acls=tuple(st.acls),
        enis=tuple(st.enis),
        instances=tuple(st.instances),
        internet_gateways=tuple(st.igws),
        nat_gateways=tuple(st.nats),
        peerings=tuple(st.peerings),
        transit_gateways=tuple(st.tgws),
        tgw_attachments=tuple(st.attachments),
        tgw_route_tables=propagate_tgw_routes(
            tuple(st.tgw_tables), tuple(st.attachments), tuple(st.vpcs)
        ),
        vpc_endpoints=tuple(st.endpoints),
        prefix_lists=tuple(st.prefix_lists),
        vpn_gateways=tuple(st.vgws),
        vpn_connections=tuple(st.vpns),
        firewalls=tuple(st.firewalls),
        span=span,
    )


def parse_network(text: str, file: str = "<network>") -> Network:
    """Compile a network description; raises NetworkDslError with the location of the problem."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        line, col = getattr(exc, "line", 1), getattr(exc, "column", 1)
        line = line if isinstance(line, int) and line > 0 else text.count("\n") + 1
        col = col if isinstance(col, int) and col > 0 else 1
        span = Span(file=file, line=line, column=col, end_line=line, end_column=col + 1)
        raise NetworkDslError(f"syntax error: {_describe(exc)}", span) from None
    st = _State(file=file)
    for item in tree.children:
        if not isinstance(item, Tree):
            continue
        names = [str(x) for x in _tokens(item, "NAME")]
        if item.data == "vpc":
            _vpc(st, item)
        elif item.data == "peering":
            st.peerings.append(
                VpcPeeringConnection(
                    id=names[0],
                    requester_vpc_id=names[1],
                    accepter_vpc_id=names[2],
                    active=_subtree(item, "inactive") is None,
                    span=st.span(item),
                )
            )
        elif item.data == "tgw":
            _tgw(st, item)
        elif item.data == "vpn":
            # Whether the connection ends at a VPN or a transit gateway is settled in _finish.
            st.vpns.append(VpnConnection(id=names[0], vgw_id=names[1], span=st.span(item)))
        elif item.data == "prefix_list":
            st.prefix_lists.append(
                PrefixList(
                    id=names[0],
                    name=names[0],
                    cidrs=tuple(_cidr(st, a) for a in _tokens(item, "ADDR")),
                    span=st.span(item),
                )
            )
    return _finish(st, Span(file=file, line=1, column=1, end_line=1, end_column=1))


def _describe(exc: Any) -> str:
    token = getattr(exc, "token", None)
    if token is not None:
        return "unexpected end of input" if token.type == "$END" else f"unexpected {str(token)!r}"
    char = getattr(exc, "char", None)
    return f"unexpected character {char!r}" if char else "invalid syntax"
