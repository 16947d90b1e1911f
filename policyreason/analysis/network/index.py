"""Lookups over one network, built once and shared by the concrete and the symbolic walker.

Each question the walkers ask of the network (which table routes this subnet, which interface
owns this address, which attachment joins this VPC to that transit gateway) has exactly one
answer here, so that the two walkers cannot disagree about the network itself.
"""

from __future__ import annotations

from functools import cached_property

from policyreason.ir.cidr import Cidr, is_v4, parse_ip
from policyreason.ir.network import (
    Eni,
    Firewall,
    FirewallPolicy,
    Listener,
    LoadBalancer,
    NatGateway,
    Network,
    NetworkAcl,
    OnPremNetwork,
    Route,
    RouteTable,
    RuleGroup,
    SecurityGroup,
    Subnet,
    TargetGroup,
    TargetKind,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpnGateway,
)

# Transit gateway attachments that lead on premises: what lies behind them, and the routes
# they propagate over BGP, are in no export.
ONPREM_ATTACHMENTS = ("vpn", "direct-connect-gateway")


class NetIndex:
    """Lookups over one network, built once."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.vpcs: dict[str, Vpc] = {v.id: v for v in net.vpcs}
        self.subnets: dict[str, Subnet] = {s.id: s for s in net.subnets}
        self.enis: dict[str, Eni] = {e.id: e for e in net.enis}
        self.sgs: dict[str, SecurityGroup] = {g.id: g for g in net.security_groups}
        self.instances = {i.id: i for i in net.instances}
        self.nats: dict[str, NatGateway] = {n.id: n for n in net.nat_gateways}
        self.peerings: dict[str, VpcPeeringConnection] = {p.id: p for p in net.peerings}
        self.endpoints: dict[str, VpcEndpoint] = {e.id: e for e in net.vpc_endpoints}
        self.prefix_lists = {p.id: p.cidrs for p in net.prefix_lists}
        self.tgw_tables: dict[str, TgwRouteTable] = {t.id: t for t in net.tgw_route_tables}
        self.attachments: dict[tuple[str, str], TgwAttachment] = {
            (a.tgw_id, a.id): a for a in net.tgw_attachments
        }
        self.igw_of_vpc: dict[str, str] = {}
        self.eigw_of_vpc: dict[str, str] = {}
        for igw in net.internet_gateways:
            for vpc_id in igw.vpc_ids:
                (self.eigw_of_vpc if igw.egress_only else self.igw_of_vpc)[vpc_id] = igw.id
        self.igw_vpcs = {igw.id: igw.vpc_ids for igw in net.internet_gateways}
        self.acl_of_subnet: dict[str, NetworkAcl] = {}
        for acl in net.network_acls:
            for sid in acl.subnet_ids:
                self.acl_of_subnet[sid] = acl
        self.table_of_subnet: dict[str, RouteTable] = {}
        self.main_table: dict[str, RouteTable] = {}
        self.edge_table: dict[str, RouteTable] = {}
        for table in net.route_tables:
            for sid in table.subnet_ids:
                self.table_of_subnet[sid] = table
            for gid in table.gateway_ids:
                self.edge_table[gid] = table
            if table.main:
                self.main_table[table.vpc_id] = table
        self.eni_by_ip: dict[tuple[str, int], Eni] = {}
        self.public: dict[int, tuple[str, int]] = {}  # public IP -> (vpc, private IP)
        self.private_to_public: dict[tuple[str, int], int] = {}
        self.vpc_of_v6: dict[int, str] = {}  # IPv6 interface address -> its VPC
        for eni in net.enis:
            for ip in eni.private_ips:
                self.eni_by_ip.setdefault((eni.vpc_id, ip), eni)
                if not is_v4(ip):
                    self.vpc_of_v6.setdefault(ip, eni.vpc_id)
            for private, public in eni.public_ips:
                self.public[public] = (eni.vpc_id, private)
                self.private_to_public[(eni.vpc_id, private)] = public
        self.nat_of_eni: dict[str, NatGateway] = {}
        for nat in net.nat_gateways:
            if nat.private_ip is not None:
                if nat.public_ip is not None:
                    self.public[nat.public_ip] = (nat.vpc_id, nat.private_ip)
                    self.private_to_public[(nat.vpc_id, nat.private_ip)] = nat.public_ip
                nat_eni = self.eni_by_ip.get((nat.vpc_id, nat.private_ip))
                if nat_eni is not None:
                    self.nat_of_eni[nat_eni.id] = nat
        self.group_ips: dict[str, tuple[int, ...]] = {}
        for eni in net.enis:
            for gid in eni.group_ids:
                self.group_ips[gid] = self.group_ips.get(gid, ()) + eni.private_ips
        self.lb_of_eni: dict[str, LoadBalancer] = {}
        for lb in net.load_balancers:
            for eid in lb.eni_ids:
                self.lb_of_eni[eid] = lb
        self.target_groups: dict[str, TargetGroup] = {g.arn: g for g in net.target_groups}
        self.instance_ip: dict[str, int] = {}
        for eni in net.enis:
            if eni.instance_id and eni.private_ips:
                self.instance_ip.setdefault(eni.instance_id, eni.private_ips[0])
        self.eni_of_instance: dict[str, Eni] = {}
        for eni in net.enis:
            if eni.instance_id:
                self.eni_of_instance.setdefault(eni.instance_id, eni)
        self.endpoint_of_eni: dict[str, VpcEndpoint] = {}
        for ep in net.vpc_endpoints:
            for eid in ep.eni_ids:
                self.endpoint_of_eni[eid] = ep
        self.lbs: dict[str, LoadBalancer] = {lb.arn: lb for lb in net.load_balancers}
        self.services = {s.service_name: s for s in net.endpoint_services}
        self.firewall_of_endpoint: dict[str, tuple[Firewall, str]] = {}
        for fw in net.firewalls:
            for subnet_id, endpoint_id in fw.endpoints:
                self.firewall_of_endpoint[endpoint_id] = (fw, subnet_id)
        self.policies: dict[str, FirewallPolicy] = {p.arn: p for p in net.firewall_policies}
        self.rule_groups: dict[str, RuleGroup] = {g.arn: g for g in net.rule_groups}
        self.vgws: dict[str, VpnGateway] = {g.id: g for g in net.vpn_gateways}
        self.tgw_ids = {t.id for t in net.transit_gateways} | {
            a.tgw_id for a in net.tgw_attachments
        }
        self.onprem: tuple[OnPremNetwork, ...] = net.onprem
        # The network's own addresses that the internet reaches through an internet gateway
        # (public IPv4 addresses, IPv6 interface addresses): never an internet source.
        self.routed: frozenset[int] = frozenset(
            [p for p in self.public if self.routed_public(p)]
            + [ip for ip, vpc in self.vpc_of_v6.items() if vpc in self.igw_of_vpc]
        )
        self._gateways_in: dict[bool, dict[int, tuple[str, int, str]]] = {}
        self._gateways_outside: dict[
            tuple[bool, tuple[frozenset[int], ...]], list[tuple[int, tuple[str, int, str]]]
        ] = {}
        # The VPCs' IPv6 blocks: the network's own, so never the internet.
        self.own_v6: tuple[Cidr, ...] = tuple(c for v in net.vpcs for c in v.cidrs if not c.v4)
        self.has_v6 = bool(self.vpc_of_v6) or bool(self.own_v6)
        # Internet gateways that routes name but the export lacks, per VPC: the internet may
        # come in through them, and what it reaches that way is unknown.
        self.missing_igw: dict[str, str] = {}
        for table in net.route_tables:
            for route in table.routes:
                if route.target_kind is TargetKind.INTERNET_GATEWAY and (
                    route.target_id not in self.igw_vpcs
                ):
                    self.missing_igw.setdefault(table.vpc_id, route.target_id)

    @cached_property
    def typed_icmp(self) -> bool:
        """Does any rule of the network name an ICMP type?"""
        net = self.net
        kinds = [r.icmp for g in net.security_groups for r in g.ingress + g.egress]
        kinds += [e.icmp for a in net.network_acls for e in a.entries]
        return any(k is not None and k.type is not None for k in kinds)

    @cached_property
    def behind_missing_igws(self) -> dict[int, str]:
        """Every public address that `behind_missing_igw` answers for, with its gateway."""
        out = {}
        for address in [*self.public, *self.vpc_of_v6]:
            igw = self.behind_missing_igw(address)
            if igw is not None:
                out[address] = igw
        return out

    def behind_missing_igw(self, ip: int) -> str | None:
        """The internet gateway the export names but lacks that the public address `ip`
        might be reached through."""
        target = self.public.get(ip)
        vpc_id = target[0] if target is not None else self.vpc_of_v6.get(ip)
        if vpc_id is None or vpc_id in self.igw_of_vpc:
            return None
        return self.missing_igw.get(vpc_id)

    def gateways_in(self, reply: bool) -> dict[int, tuple[str, int, str]]:
        """The addresses the internet reaches: address -> (VPC, address inside, gateway).
        An answer (`reply`) also gets to IPv6 addresses of a VPC with only an egress-only
        gateway, through it."""
        if reply not in self._gateways_in:
            out: dict[int, tuple[str, int, str]] = {}
            for public, (vpc_id, private) in self.public.items():
                if public in self.routed:
                    out[public] = (vpc_id, private, self.igw_of_vpc[vpc_id])
            for ip, vpc_id in self.vpc_of_v6.items():
                gateway = self.igw_of_vpc.get(vpc_id)
                if gateway is None and reply:
                    gateway = self.eigw_of_vpc.get(vpc_id)
                if gateway is not None:
                    out[ip] = (vpc_id, ip, gateway)
            self._gateways_in[reply] = out
        return self._gateways_in[reply]

    def gateways_outside(
        self, reply: bool, avoided: tuple[frozenset[int], ...]
    ) -> list[tuple[int, tuple[str, int, str]]]:
        """`gateways_in(reply)` in order, without the addresses of the `avoided` sets. Every
        answer to an internet client asks this with the same set (the network's own
        addresses), so it is computed once per set rather than once per answer."""
        key = (reply, avoided)
        if key not in self._gateways_outside:
            self._gateways_outside[key] = [
                (a, t)
                for a, t in self.gateways_in(reply).items()
                if not any(a in s for s in avoided)
            ]
        return self._gateways_outside[key]

    def group_known(self, gid: str) -> bool:
        """Are the members of a security group a rule names known: the group is in the export,
        or interfaces in it are?"""
        return gid in self.sgs or gid in self.group_ips

    def owns(self, ip: int) -> bool:
        """Is `ip` the network's own (a routed public address, or in a VPC's IPv6 block):
        no internet source, and a packet to it comes back into the network?"""
        return ip in self.routed or any(c.contains(ip) for c in self.own_v6)

    def routed_public(self, ip: int) -> bool:
        """Is `ip` a public address of the network whose VPC has an internet gateway?"""
        target = self.public.get(ip)
        return target is not None and target[0] in self.igw_of_vpc

    def lb_targets(self, listener: Listener) -> list[tuple[str, int, int, TargetGroup]]:
        """(target id, address, port, group) of every healthy target behind `listener`, in
        order."""
        out = []
        for arn in listener.target_group_arns:
            group = self.target_groups.get(arn)
            if group is None:
                continue
            for t in group.targets:
                port = t.port or group.port
                ip = self.instance_ip.get(t.id)
                if ip is None and group.target_type == "ip":
                    try:
                        ip = parse_ip(t.id)
                    except ValueError:
                        ip = None
                if t.healthy and ip is not None and port:
                    out.append((t.id, ip, port, group))
        return out

    def preserves_client_ip(self, lb: LoadBalancer, group: TargetGroup) -> bool:
        """Does a connection through `lb` to a target of `group` keep the client's address?
        Only network load balancers do; the others proxy from their own address."""
        return lb.lb_type == "network" and group.preserves_client_ip()

    def gateway_lb(self, endpoint: VpcEndpoint) -> LoadBalancer | None:
        """The Gateway Load Balancer behind a Gateway Load Balancer endpoint, if the export
        has its endpoint service and the balancer."""
        service = self.services.get(endpoint.service_name)
        if service is None:
            return None
        return next((self.lbs[a] for a in service.gateway_lb_arns if a in self.lbs), None)

    def vgw_connected(self, vgw: VpnGateway) -> bool:
        """Does anything lead on premises from `vgw`: a VPN connection, a private virtual
        interface, or a Direct Connect gateway association?"""
        net = self.net
        return (
            any(c.vgw_id == vgw.id and c.available for c in net.vpn_connections)
            or any(v.vgw_id == vgw.id and v.available for v in net.virtual_interfaces)
            or any(a.gateway_id == vgw.id and a.associated for a in net.dx_associations)
        )

    def onprem_entries(self) -> list[str]:
        """Where traffic from on premises enters: virtual private gateways attached to a VPC
        with a connection, and transit gateway attachments of VPNs and Direct Connect."""
        entries = [g.id for g in self.vgws.values() if g.vpc_ids and self.vgw_connected(g)]
        entries += [
            a.id
            for a in self.net.tgw_attachments
            if a.resource_type in ONPREM_ATTACHMENTS and a.available
        ]
        return entries

    def onprem_attachment(self, att_id: str) -> TgwAttachment | None:
        return next(
            (
                a
                for a in self.net.tgw_attachments
                if a.id == att_id and a.resource_type in ONPREM_ATTACHMENTS
            ),
            None,
        )

    def bgp_propagations(self, table: TgwRouteTable) -> list[TgwAttachment]:
        """The attachments propagating BGP-learned routes into `table`: routes the export
        does not list."""
        out = []
        for aid in table.propagations:
            att = self.attachments.get((table.tgw_id, aid))
            if att is not None and att.resource_type not in ("vpc", "peering"):
                out.append(att)
        return out

    def tgw_routes(self, table: TgwRouteTable) -> tuple[TgwRoute, ...]:
        """The table's routes, with the declared on-premises prefixes as routes propagated
        from its VPN and Direct Connect attachments (static routes win)."""
        routes = list(table.routes)
        static = {r.destination for r in routes}
        # For one prefix AWS prefers Direct Connect over VPN.
        learned = sorted(
            self.bgp_propagations(table), key=lambda a: a.resource_type != "direct-connect-gateway"
        )
        for att in learned:
            if att.resource_type not in ONPREM_ATTACHMENTS:
                continue
            for decl in self.onprem:
                if decl.cidr not in static:
                    routes.append(
                        TgwRoute(destination=decl.cidr, attachment_ids=(att.id,), span=decl.span)
                    )
        return tuple(routes)

    def unresolved_prefix_lists(self, table: RouteTable) -> list[str]:
        """Prefix lists the table routes to but the export does not define."""
        return [
            r.prefix_list_id
            for r in table.routes
            if r.prefix_list_id is not None and r.prefix_list_id not in self.prefix_lists
        ]

    def vpc_attachment(self, tgw_id: str, vpc_id: str) -> TgwAttachment | None:
        """The available attachment joining `vpc_id` to `tgw_id`, if any."""
        return next(
            (
                a
                for a in self.net.tgw_attachments
                if a.tgw_id == tgw_id
                and a.resource_type == "vpc"
                and a.resource_id == vpc_id
                and a.available
            ),
            None,
        )

    def attachment_azs(self, att: TgwAttachment) -> set[str]:
        """The zones in which `att` has a subnet."""
        return {self.subnets[s].az for s in att.subnet_ids if s in self.subnets}

    def attachment_subnet(self, att: TgwAttachment, az: str) -> str:
        """The attachment's subnet in zone `az`, else its first (traffic keeps to its zone
        when it can)."""
        in_zone = [s for s in att.subnet_ids if s in self.subnets and self.subnets[s].az == az]
        return (in_zone or list(att.subnet_ids))[0]

    def peer_vpc(self, pcx: VpcPeeringConnection, vpc_id: str) -> Vpc | None:
        """The VPC on the other side of `pcx` from `vpc_id`."""
        sides = {
            pcx.requester_vpc_id: pcx.accepter_vpc_id,
            pcx.accepter_vpc_id: pcx.requester_vpc_id,
        }
        return self.vpcs.get(sides.get(vpc_id, ""))

    def route_table(self, subnet_id: str) -> RouteTable | None:
        """The explicitly associated table, else the VPC's main table."""
        if subnet_id in self.table_of_subnet:
            return self.table_of_subnet[subnet_id]
        subnet = self.subnets.get(subnet_id)
        return self.main_table.get(subnet.vpc_id) if subnet else None

    def route_entries(self, table: RouteTable) -> list[tuple[Cidr, Route]]:
        """Each route once per destination CIDR (prefix lists expanded)."""
        out: list[tuple[Cidr, Route]] = []
        for route in table.routes:
            if route.destination is not None:
                out.append((route.destination, route))
            elif route.prefix_list_id is not None:
                out += [(c, route) for c in self.prefix_lists.get(route.prefix_list_id, ())]
        return out

    def instance_missing(self, eni: Eni) -> bool:
        """Is the interface's instance named but not in the export?"""
        return eni.instance_id is not None and eni.instance_id not in self.instances

    def eni_active(self, eni: Eni) -> bool:
        if eni.instance_id is None:
            return True
        inst = self.instances.get(eni.instance_id)
        return inst is None or inst.state == "running"

    def vpc_ips(self, vpc_id: str) -> list[int]:
        """Every interface address in `vpc_id`."""
        return [ip for (vid, ip) in self.eni_by_ip if vid == vpc_id]
