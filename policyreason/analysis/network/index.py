"""Lookups over one network, built once and shared by the concrete and the symbolic walker.

Each question the walkers ask of the network (which table routes this subnet, which interface
owns this address, which attachment joins this VPC to that transit gateway) has exactly one
answer here, so that the two walkers cannot disagree about the network itself.
"""

from __future__ import annotations

from policyreason.ir.network import (
    Cidr,
    Eni,
    Listener,
    LoadBalancer,
    NatGateway,
    Network,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    TgwAttachment,
    TgwRouteTable,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    parse_ip,
)


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
        for igw in net.internet_gateways:
            for vpc_id in igw.vpc_ids:
                self.igw_of_vpc[vpc_id] = igw.id
        self.igw_vpcs = {igw.id: igw.vpc_ids for igw in net.internet_gateways}
        self.acl_of_subnet: dict[str, NetworkAcl] = {}
        for acl in net.network_acls:
            for sid in acl.subnet_ids:
                self.acl_of_subnet[sid] = acl
        self.table_of_subnet: dict[str, RouteTable] = {}
        self.main_table: dict[str, RouteTable] = {}
        for table in net.route_tables:
            for sid in table.subnet_ids:
                self.table_of_subnet[sid] = table
            if table.main:
                self.main_table[table.vpc_id] = table
        self.eni_by_ip: dict[tuple[str, int], Eni] = {}
        self.public: dict[int, tuple[str, int]] = {}  # public IP -> (vpc, private IP)
        self.private_to_public: dict[tuple[str, int], int] = {}
        for eni in net.enis:
            for ip in eni.private_ips:
                self.eni_by_ip.setdefault((eni.vpc_id, ip), eni)
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
        self.target_groups = {g.arn: g for g in net.target_groups}
        self.instance_ip: dict[str, int] = {}
        for eni in net.enis:
            if eni.instance_id and eni.private_ips:
                self.instance_ip.setdefault(eni.instance_id, eni.private_ips[0])
        self.endpoint_of_eni: dict[str, VpcEndpoint] = {}
        for ep in net.vpc_endpoints:
            for eid in ep.eni_ids:
                self.endpoint_of_eni[eid] = ep
        # The network's own public addresses whose VPC has an internet gateway: they are
        # reachable from the internet and never an internet source.
        self.routed: frozenset[int] = frozenset(p for p in self.public if self.routed_public(p))

    def routed_public(self, ip: int) -> bool:
        """Is `ip` a public address of the network whose VPC has an internet gateway?"""
        target = self.public.get(ip)
        return target is not None and target[0] in self.igw_of_vpc

    def lb_targets(self, listener: Listener) -> list[tuple[str, int, int]]:
        """(target id, address, port) of every healthy target behind `listener`, in order."""
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
                    out.append((t.id, ip, port))
        return out

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

    def acl_id(self, subnet_id: str) -> str:
        """The id of the subnet's network ACL (the subnet's own id when it has none)."""
        acl = self.acl_of_subnet.get(subnet_id)
        return acl.id if acl else subnet_id

    def eni_active(self, eni: Eni) -> bool:
        if eni.instance_id is None:
            return True
        inst = self.instances.get(eni.instance_id)
        return inst is None or inst.state == "running"

    def vpc_ips(self, vpc_id: str) -> list[int]:
        """Every interface address in `vpc_id`."""
        return [ip for (vid, ip) in self.eni_by_ip if vid == vpc_id]
