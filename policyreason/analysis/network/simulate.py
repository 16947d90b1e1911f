"""Concrete packet forwarding: the reference semantics of the network model, no solver.

`simulate` walks one packet from a source (an ENI or the internet) hop by hop and returns the
trace: each hop names the component, its kind, what it did and the rule that decided, and the
trace ends delivered, dropped (with a Reachability-Analyzer-style explanation code) or
unsupported. `simulate_reply` walks the answer to a delivered packet, through the same stateful
components (security groups and NAT accept established traffic) and the stateless ones again
(network ACLs, routes). Every solver witness is re-run here before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.trace import INTERNET, Code, Disposition, Hop, Trace
from policyreason.ir.network import (
    ICMP,
    TCP,
    UDP,
    AclEntry,
    Cidr,
    Eni,
    Listener,
    LoadBalancer,
    NatGateway,
    Network,
    Packet,
    Route,
    SecurityGroup,
    SgRule,
    Subnet,
    TargetKind,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    format_ip,
    has_ports,
    is_internet_ip,
    protocol_name,
)
from policyreason.ir.span import Span

MAX_HOPS = 64


LISTENER_PROTOCOLS = {
    "tcp": (TCP,),
    "tls": (TCP,),
    "http": (TCP,),
    "https": (TCP,),
    "udp": (UDP,),
    "tcp_udp": (TCP, UDP),
}


def listener_matches(listener: Listener, pkt: Packet) -> bool:
    protocols = LISTENER_PROTOCOLS.get(listener.protocol, ())
    return pkt.protocol in protocols and pkt.dst_port == listener.port


def lpm(entries: list[tuple[Cidr, Route]], ip: int) -> tuple[Cidr, Route] | None:
    """Longest prefix match; among equal prefixes the local route, then the first listed."""
    best: tuple[Cidr, Route] | None = None
    for cidr, route in entries:
        if not cidr.contains(ip):
            continue
        if (
            best is None
            or cidr.prefix > best[0].prefix
            or (cidr.prefix == best[0].prefix and route.target_kind is TargetKind.LOCAL)
        ):
            best = (cidr, route)
    return best


def tgw_lpm(table: TgwRouteTable, ip: int) -> TgwRoute | None:
    best: TgwRoute | None = None
    for route in table.routes:
        if route.destination.contains(ip) and (
            best is None or route.destination.prefix > best.destination.prefix
        ):
            best = route
    return best


def sg_rule_matches(ix: NetIndex, rule: SgRule, pkt: Packet, peer: int) -> bool:
    if rule.protocol != -1 and rule.protocol != pkt.protocol:
        return False
    ports = rule.ports
    if ports is not None and has_ports(pkt.protocol) and not ports.lo <= pkt.dst_port <= ports.hi:
        return False
    if any(c.contains(peer) for c in rule.cidrs):
        return True
    if any(peer in ix.group_ips.get(g, ()) for g in rule.group_ids):
        return True
    return any(c.contains(peer) for pl in rule.prefix_list_ids for c in ix.prefix_lists.get(pl, ()))


def acl_entry_matches(entry: AclEntry, pkt: Packet, peer: int) -> bool:
    if entry.protocol != -1 and entry.protocol != pkt.protocol:
        return False
    ports = entry.ports
    if ports is not None and has_ports(pkt.protocol) and not ports.lo <= pkt.dst_port <= ports.hi:
        return False
    return entry.cidr.contains(peer)


def _rule_label(sg: SecurityGroup, rule: SgRule, ingress: bool) -> str:
    direction = "inbound" if ingress else "outbound"
    rules = sg.ingress if ingress else sg.egress
    return f"{sg.id} {direction} rule #{rules.index(rule) + 1}"


@dataclass
class _Walk:
    ix: NetIndex
    reply: bool
    sessions: dict[str, tuple[int, ...]] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    hops: list[Hop] = field(default_factory=list)

    def hop(
        self,
        component: str,
        kind: str,
        action: str,
        rule: str = "",
        span: Span | None = None,
        packet: Packet | None = None,
    ) -> None:
        self.hops.append(Hop(component, kind, action, rule, span, packet))

    def end(
        self,
        disposition: Disposition,
        pkt: Packet,
        code: Code | None = None,
        explanation: str = "",
        delivered_to: str | None = None,
    ) -> Trace:
        return Trace(
            hops=tuple(self.hops),
            disposition=disposition,
            code=code,
            explanation=explanation,
            final=pkt,
            delivered_to=delivered_to,
            sessions=tuple(sorted(self.sessions.items())),
        )

    def drop(self, pkt: Packet, code: Code, explanation: str) -> Trace:
        return self.end(Disposition.DROPPED, pkt, code, explanation)

    # -- components ---------------------------------------------------------------------------

    def sg(self, eni: Eni, pkt: Packet, ingress: bool) -> bool:
        """Security groups of `eni`; stateful, so a reply passes without a rule."""
        if not eni.group_ids:
            return True
        kind = "security-group"
        ids = ",".join(eni.group_ids)
        if self.reply:
            self.hop(ids, kind, "allow (established connection)")
            return True
        peer = pkt.src if ingress else pkt.dst
        for gid in eni.group_ids:
            sg = self.ix.sgs.get(gid)
            if sg is None:
                continue
            for rule in sg.ingress if ingress else sg.egress:
                if sg_rule_matches(self.ix, rule, pkt, peer):
                    self.hop(gid, kind, "allow", _rule_label(sg, rule, ingress), rule.span)
                    return True
        self.hop(ids, kind, "deny", "no rule matches")
        return False

    def acl(self, subnet_id: str, pkt: Packet, egress: bool) -> bool:
        acl = self.ix.acl_of_subnet.get(subnet_id)
        if acl is None:
            return True
        peer = pkt.dst if egress else pkt.src
        direction = "outbound" if egress else "inbound"
        for entry in acl.ordered(egress):
            if acl_entry_matches(entry, pkt, peer):
                action = "allow" if entry.allow else "deny"
                label = f"{acl.id} {direction} rule {entry.rule_number}"
                self.hop(acl.id, "network-acl", action, label, entry.span)
                return entry.allow
        self.hop(acl.id, "network-acl", "deny", f"{acl.id} {direction} default deny (*)", acl.span)
        return False

    # -- positions ----------------------------------------------------------------------------

    def from_eni(self, eni: Eni, pkt: Packet) -> Trace:
        self.hop(eni.id, "network-interface", "send", packet=pkt)
        if not self.ix.eni_active(eni):
            return self.drop(pkt, Code.INSTANCE_NOT_RUNNING, f"{eni.instance_id} is not running")
        if pkt.src not in eni.private_ips:
            return self.drop(
                pkt,
                Code.SOURCE_ADDRESS_MISMATCH,
                f"{format_ip(pkt.src)} is not a private address of {eni.id}",
            )
        if not self.sg(eni, pkt, ingress=False):
            return self.drop(pkt, Code.ENI_SG_RULES_MISMATCH, f"no outbound rule of {eni.id}")
        return self.route(eni.subnet_id, pkt, acl_egress=True)

    def route(self, subnet_id: str, pkt: Packet, acl_egress: bool) -> Trace:
        """Forward `pkt` from inside `subnet_id` by its route table."""
        if len(self.hops) > MAX_HOPS:
            return self.drop(pkt, Code.LOOP, "forwarding loop")
        subnet = self.ix.subnets.get(subnet_id)
        table = self.ix.route_table(subnet_id)
        if subnet is None or table is None:
            return self.drop(pkt, Code.NO_ROUTE_TO_DESTINATION, f"no route table for {subnet_id}")
        match = lpm(self.ix.route_entries(table), pkt.dst)
        if match is None:
            self.hop(table.id, "route-table", "no route", f"no route to {format_ip(pkt.dst)}")
            return self.drop(
                pkt,
                Code.NO_ROUTE_TO_DESTINATION,
                f"{table.id} has no route to {format_ip(pkt.dst)}",
            )
        cidr, route = match
        self.hop(table.id, "route-table", "route", f"{cidr} -> {route.target_id}", route.span)
        if route.blackhole:
            return self.drop(
                pkt, Code.BLACKHOLE_ROUTE, f"route {cidr} in {table.id} is a blackhole"
            )
        vpc_id = subnet.vpc_id
        if route.target_kind is TargetKind.LOCAL:
            return self.local(vpc_id, subnet_id, pkt, acl_egress)
        if route.target_kind is TargetKind.OTHER:
            return self.end(
                Disposition.UNSUPPORTED,
                pkt,
                Code.UNSUPPORTED_TARGET,
                f"route target {route.target_id} is not modelled",
            )
        if acl_egress and not self.acl(subnet_id, pkt, egress=True):
            return self.drop(pkt, Code.SUBNET_ACL_RESTRICTION, f"outbound ACL of {subnet_id}")
        if route.target_kind is TargetKind.INTERNET_GATEWAY:
            return self.igw_out(route.target_id, vpc_id, pkt)
        if route.target_kind is TargetKind.NAT_GATEWAY:
            return self.nat_in(route.target_id, subnet_id, pkt)
        if route.target_kind is TargetKind.VPC_PEERING:
            return self.peering(route.target_id, vpc_id, pkt)
        if route.target_kind is TargetKind.TRANSIT_GATEWAY:
            return self.tgw_enter(route.target_id, vpc_id, subnet, pkt)
        endpoint = self.ix.endpoints.get(route.target_id)
        service = endpoint.service_name if endpoint else route.target_id
        self.hop(route.target_id, "vpc-endpoint", "deliver", service)
        return self.end(Disposition.DELIVERED, pkt, delivered_to=route.target_id)

    def local(self, vpc_id: str, from_subnet: str | None, pkt: Packet, acl_egress: bool) -> Trace:
        eni = self.ix.eni_by_ip.get((vpc_id, pkt.dst))
        if eni is None:
            return self.drop(
                pkt,
                Code.DESTINATION_ADDRESS_UNUSED,
                f"no network interface has {format_ip(pkt.dst)} in {vpc_id}",
            )
        # Inside one subnet only security groups apply; ACLs guard the subnet's edge.
        if eni.subnet_id != from_subnet:
            if acl_egress and from_subnet and not self.acl(from_subnet, pkt, egress=True):
                return self.drop(pkt, Code.SUBNET_ACL_RESTRICTION, f"outbound ACL of {from_subnet}")
            if not self.acl(eni.subnet_id, pkt, egress=False):
                return self.drop(
                    pkt, Code.SUBNET_ACL_RESTRICTION, f"inbound ACL of {eni.subnet_id}"
                )
        return self.to_eni(eni, pkt, from_subnet)

    def to_eni(self, eni: Eni, pkt: Packet, from_subnet: str | None) -> Trace:
        nat = self.ix.nat_of_eni.get(eni.id)
        if nat is not None:
            return self.nat_at(nat, from_subnet, pkt)
        if not self.ix.eni_active(eni):
            self.hop(eni.id, "network-interface", "drop")
            return self.drop(pkt, Code.INSTANCE_NOT_RUNNING, f"{eni.instance_id} is not running")
        if not self.sg(eni, pkt, ingress=True):
            return self.drop(
                pkt, Code.ENI_SG_RULES_MISMATCH, f"no inbound rule of {eni.id} matches"
            )
        lb = self.ix.lb_of_eni.get(eni.id)
        if lb is not None:
            return self.lb_at(eni, lb, pkt)
        kind = "vpc-endpoint" if eni.id in self.ix.endpoint_of_eni else "network-interface"
        self.hop(eni.id, kind, "deliver", packet=pkt)
        return self.end(Disposition.DELIVERED, pkt, delivered_to=eni.id)

    def lb_at(self, eni: Eni, lb: LoadBalancer, pkt: Packet) -> Trace:
        """A network load balancer as a proxy: a listener takes the connection and opens one
        from the balancer's address to a healthy target; the answer goes back the same way."""
        kind = "load-balancer"
        own = eni.private_ips[0]
        session = self.sessions.get(eni.id)
        if self.reply:
            if session is None:
                self.hop(lb.name, kind, "drop", "no connection to answer")
                return self.drop(pkt, Code.LB_NO_LISTENER, f"{lb.name} has no such connection")
            client, client_port, listener_port = session
            back = pkt.model_copy(
                update={
                    "src": own,
                    "dst": client,
                    "src_port": listener_port,
                    "dst_port": client_port,
                }
            )
            self.hop(lb.name, kind, "answer", f"to {format_ip(client)}", packet=back)
            return self.route(eni.subnet_id, back, acl_egress=True)
        listener = next((li for li in lb.listeners if listener_matches(li, pkt)), None)
        if listener is None:
            self.hop(lb.name, kind, "drop", "no listener")
            return self.drop(
                pkt,
                Code.LB_NO_LISTENER,
                f"{lb.name} has no listener for {protocol_name(pkt.protocol)} {pkt.dst_port}",
            )
        targets = self.ix.lb_targets(listener)
        chosen = self.choices.get(eni.id)
        target = next((t for t in targets if t[0] == chosen), targets[0] if targets else None)
        if target is None:
            self.hop(lb.name, kind, "drop", "no healthy target")
            return self.drop(pkt, Code.LB_NO_TARGET, f"{lb.name} has no healthy target")
        self.sessions[eni.id] = (pkt.src, pkt.src_port, pkt.dst_port)
        out = pkt.model_copy(update={"src": own, "dst": target[1], "dst_port": target[2]})
        label = f"listener {listener.protocol} {listener.port} -> {target[0]}:{target[2]}"
        self.hop(lb.name, kind, "forward", label, listener.span, out)
        return self.route(eni.subnet_id, out, acl_egress=True)

    def igw_out(self, igw_id: str, vpc_id: str, pkt: Packet) -> Trace:
        if vpc_id not in self.ix.igw_vpcs.get(igw_id, ()):
            self.hop(igw_id, "internet-gateway", "drop")
            return self.drop(pkt, Code.IGW_NOT_ATTACHED, f"{igw_id} is not attached to {vpc_id}")
        public = self.ix.private_to_public.get((vpc_id, pkt.src))
        if public is None:
            self.hop(igw_id, "internet-gateway", "drop", "no public IP")
            return self.drop(
                pkt, Code.IGW_NO_PUBLIC_IP, f"{format_ip(pkt.src)} has no public or Elastic IP"
            )
        out = pkt.model_copy(update={"src": public})
        self.hop(
            igw_id,
            "internet-gateway",
            "translate source",
            f"{format_ip(pkt.src)} -> {format_ip(public)}",
            packet=out,
        )
        if self.ix.routed_public(out.dst):
            # To a public address of the network itself: out and back in through an IGW.
            self.hop(INTERNET, INTERNET, "forward", "to a public address of the network")
            return self.inbound(out)
        if not is_internet_ip(out.dst):
            return self.drop(
                out, Code.NO_ROUTE_TO_DESTINATION, f"{format_ip(out.dst)} is not on the internet"
            )
        self.hop(INTERNET, INTERNET, "deliver", packet=out)
        return self.end(Disposition.DELIVERED, out, delivered_to=INTERNET)

    def from_internet(self, pkt: Packet) -> Trace:
        self.hop(INTERNET, INTERNET, "send", packet=pkt)
        if not is_internet_ip(pkt.src) or self.ix.routed_public(pkt.src):
            return self.drop(
                pkt,
                Code.NOT_INTERNET_SOURCE,
                f"{format_ip(pkt.src)} is not an internet address outside the network",
            )
        return self.inbound(pkt)

    def inbound(self, pkt: Packet) -> Trace:
        """From the internet into the VPC that owns the destination's public address."""
        target = self.ix.public.get(pkt.dst)
        if target is None or not self.ix.routed_public(pkt.dst):
            return self.drop(
                pkt, Code.NO_ROUTE_TO_DESTINATION, f"{format_ip(pkt.dst)} is not routed to the VPC"
            )
        vpc_id, private = target
        igw_id = self.ix.igw_of_vpc[vpc_id]
        inside = pkt.model_copy(update={"dst": private})
        self.hop(
            igw_id,
            "internet-gateway",
            "translate destination",
            f"{format_ip(pkt.dst)} -> {format_ip(private)}",
            packet=inside,
        )
        return self.local(vpc_id, None, inside, acl_egress=False)

    def nat_in(self, nat_id: str, from_subnet: str, pkt: Packet) -> Trace:
        nat = self.ix.nats.get(nat_id)
        if nat is None or nat.private_ip is None:
            self.hop(nat_id, "nat-gateway", "drop")
            return self.drop(pkt, Code.NAT_NOT_AVAILABLE, f"{nat_id} is not in the snapshot")
        if nat.subnet_id != from_subnet and not self.acl(nat.subnet_id, pkt, egress=False):
            return self.drop(pkt, Code.SUBNET_ACL_RESTRICTION, f"inbound ACL of {nat.subnet_id}")
        return self.nat_at(nat, from_subnet, pkt)

    def nat_at(self, nat: NatGateway, from_subnet: str | None, pkt: Packet) -> Trace:
        kind = "nat-gateway"
        if nat.state != "available" or nat.private_ip is None:
            self.hop(nat.id, kind, "drop")
            return self.drop(pkt, Code.NAT_NOT_AVAILABLE, f"{nat.id} is {nat.state}")
        if pkt.dst == nat.private_ip:
            # Addressed to the NAT itself: only the answer to a translated packet gets in.
            original = self.sessions.get(nat.id)
            if not self.reply or original is None:
                self.hop(nat.id, kind, "drop", "no connection to translate back")
                return self.drop(pkt, Code.NAT_INBOUND, f"{nat.id} accepts no inbound connections")
            back = pkt.model_copy(update={"dst": original[0]})
            self.hop(
                nat.id,
                kind,
                "translate destination",
                f"{format_ip(pkt.dst)} -> {format_ip(original[0])}",
                packet=back,
            )
            return self.route(nat.subnet_id, back, acl_egress=True)
        if from_subnet == nat.subnet_id:
            self.hop(nat.id, kind, "drop", "source in the NAT gateway's own subnet")
            return self.drop(pkt, Code.NAT_SAME_SUBNET, f"{nat.id} does not serve its own subnet")
        if pkt.protocol not in (TCP, UDP, ICMP):
            self.hop(nat.id, kind, "drop", f"protocol {pkt.protocol}")
            return self.drop(
                pkt, Code.NAT_UNSUPPORTED_PROTOCOL, f"{nat.id} translates only TCP, UDP and ICMP"
            )
        self.sessions[nat.id] = (pkt.src,)
        out = pkt.model_copy(update={"src": nat.private_ip})
        self.hop(
            nat.id,
            kind,
            "translate source",
            f"{format_ip(pkt.src)} -> {format_ip(nat.private_ip)}",
            nat.span,
            out,
        )
        return self.route(nat.subnet_id, out, acl_egress=True)

    def peering(self, pcx_id: str, vpc_id: str, pkt: Packet) -> Trace:
        kind = "vpc-peering"
        pcx = self.ix.peerings.get(pcx_id)
        if pcx is None or not pcx.active:
            self.hop(pcx_id, kind, "drop")
            return self.drop(pkt, Code.PEERING_NOT_ACTIVE, f"{pcx_id} is not active")
        peer = self.ix.peer_vpc(pcx, vpc_id)
        if peer is None or not any(c.contains(pkt.dst) for c in peer.cidrs):
            self.hop(pcx_id, kind, "drop", "destination outside the peer VPC")
            return self.drop(
                pkt,
                Code.PEERING_NOT_TRANSITIVE,
                f"{format_ip(pkt.dst)} is not in the peer VPC; peering is not transitive",
            )
        self.hop(pcx_id, kind, "forward", f"{vpc_id} -> {peer.id}", pcx.span)
        return self.local(peer.id, None, pkt, acl_egress=False)

    def tgw_enter(self, tgw_id: str, vpc_id: str, subnet: Subnet, pkt: Packet) -> Trace:
        kind = "transit-gateway"
        att = self.ix.vpc_attachment(tgw_id, vpc_id)
        if att is None:
            self.hop(tgw_id, kind, "drop")
            return self.drop(pkt, Code.TGW_NOT_ATTACHED, f"{vpc_id} has no attachment to {tgw_id}")
        if subnet.az not in self.ix.attachment_azs(att):
            self.hop(
                att.id, "transit-gateway-attachment", "drop", f"no attachment subnet in {subnet.az}"
            )
            return self.drop(
                pkt,
                Code.TGW_NO_ATTACHMENT_IN_AZ,
                f"{att.id} has no subnet in {subnet.az or 'this zone'}",
            )
        # The attachment's interface in this zone receives the packet: its subnet's inbound
        # rules apply (AWS "Network ACLs for transit gateways").
        entry = self.ix.attachment_subnet(att, subnet.az)
        if not self.acl(entry, pkt, egress=False):
            return self.drop(pkt, Code.SUBNET_ACL_RESTRICTION, f"inbound ACL of {entry}")
        return self.tgw_route(att, pkt, subnet.az)

    def tgw_route(self, att: TgwAttachment, pkt: Packet, az: str) -> Trace:
        kind = "transit-gateway"
        table = self.ix.tgw_tables.get(att.route_table_id or "")
        if table is None:
            self.hop(att.tgw_id, kind, "drop", f"{att.id} has no route table")
            return self.drop(pkt, Code.TGW_NO_ROUTE_TABLE, f"{att.id} is not associated")
        route = tgw_lpm(table, pkt.dst)
        if route is None:
            self.hop(table.id, "transit-gateway-route-table", "no route")
            return self.drop(
                pkt,
                Code.NO_ROUTE_TO_DESTINATION,
                f"{table.id} has no route to {format_ip(pkt.dst)}",
            )
        label = f"{route.destination} -> {','.join(route.attachment_ids) or 'blackhole'}"
        self.hop(table.id, "transit-gateway-route-table", "route", label, route.span)
        if route.blackhole or not route.attachment_ids:
            return self.drop(
                pkt, Code.BLACKHOLE_ROUTE, f"{route.destination} in {table.id} is a blackhole"
            )
        if len(self.hops) > MAX_HOPS:
            return self.drop(pkt, Code.LOOP, "forwarding loop")
        nxt = self.ix.attachments.get((att.tgw_id, route.attachment_ids[0]))
        if nxt is None:
            return self.drop(pkt, Code.TGW_NOT_ATTACHED, f"{route.attachment_ids[0]} is unknown")
        if nxt.resource_type == "peering":
            other = self.ix.attachments.get((nxt.resource_id, nxt.id))
            if other is None:
                return self.drop(pkt, Code.TGW_NOT_ATTACHED, f"{nxt.resource_id} is unknown")
            self.hop(
                nxt.id, "transit-gateway-attachment", "forward", f"{att.tgw_id} -> {other.tgw_id}"
            )
            return self.tgw_route(other, pkt, az)
        if nxt.resource_type != "vpc" or not nxt.subnet_ids:
            return self.end(
                Disposition.UNSUPPORTED,
                pkt,
                Code.UNSUPPORTED_TARGET,
                f"{nxt.id} ({nxt.resource_type}) is not modelled",
            )
        self.hop(nxt.id, "transit-gateway-attachment", "forward", f"into {nxt.resource_id}")
        # Out of the attachment's interface: its subnet's outbound rules, then the
        # destination subnet's inbound rules (neither when both are the same subnet).
        return self.route(self.ix.attachment_subnet(nxt, az), pkt, acl_egress=True)


def simulate(
    net: Network | NetIndex, source: str, pkt: Packet, choices: dict[str, str] | None = None
) -> Trace:
    """Forward `pkt` from `source` (an ENI id or "internet") and return its trace.

    `choices` picks, per load balancer interface, the target a connection goes to (by default
    the first healthy one); the solver's witnesses say which one they took."""
    ix = net if isinstance(net, NetIndex) else NetIndex(net)
    walk = _Walk(ix, reply=False, choices=dict(choices or {}))
    if source == INTERNET:
        return walk.from_internet(pkt)
    eni = ix.enis.get(source)
    if eni is None:
        raise KeyError(source)
    return walk.from_eni(eni, pkt)


def simulate_reply(net: Network | NetIndex, forward: Trace) -> Trace:
    """The answer to a delivered packet, sent back from where it arrived."""
    ix = net if isinstance(net, NetIndex) else NetIndex(net)
    assert forward.delivered and forward.final is not None and forward.delivered_to is not None
    walk = _Walk(ix, reply=True, sessions=dict(forward.sessions))
    pkt = forward.final.reply()
    if forward.delivered_to == INTERNET:
        walk.hop(INTERNET, INTERNET, "send", packet=pkt)
        return walk.inbound(pkt)
    eni = ix.enis.get(forward.delivered_to)
    if eni is None:
        # A gateway endpoint's service answers along the path the request came.
        return walk.end(Disposition.DELIVERED, pkt, delivered_to=forward.hops[0].component)
    return walk.from_eni(eni, pkt)


def replay(
    net: Network | NetIndex, source: str, pkt: Packet, choices: tuple[tuple[str, str], ...] = ()
) -> tuple[Trace, Trace | None]:
    """The concrete forward trace and, if it arrived, the trace of its reply."""
    ix = net if isinstance(net, NetIndex) else NetIndex(net)
    fwd = simulate(ix, source, pkt, dict(choices))
    return fwd, (simulate_reply(ix, fwd) if fwd.delivered else None)


def round_trip(source: str, reply: Trace | None) -> bool:
    """Did the reply get back to where the packet came from?"""
    return reply is not None and reply.delivered and reply.delivered_to == source
