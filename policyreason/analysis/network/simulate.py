"""Concrete packet forwarding: the reference semantics of the network model, no solver.

`simulate` walks one packet from a source (an interface, the internet, or a declared
on-premises network) hop by hop and returns the trace: each hop names the component, its kind,
what it did and the rule that decided, and the trace ends delivered, dropped (with a
Reachability-Analyzer-style explanation code) or unknown (a component the export lacks or the
model cannot decide). Middleboxes whose own rules are not in the export (appliances behind a
Gateway Load Balancer, instances that forward) are passed, and the trace lists them as
`unknowns`: such a delivery proves nothing. `simulate_reply` walks the answer to a delivered
packet, through the same stateful components (security groups, NAT, firewalls accept
established traffic) and the stateless ones again (network ACLs, routes). Every solver witness
is re-run here before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policyreason.analysis.network.gaps import (
    PASSES_UNCHANGED,
    appliance_unknown,
    bgp_assumption,
    bgp_unknown,
    client_ip_default,
    firewall_unknown,
    gwlb_unknown,
    missing_acl,
    missing_instance,
    no_connection,
    no_route_table,
    not_in_export,
    onprem_assumption,
    sg_unknown,
    undeclared_onprem,
    unmodelled_target,
    unresolved_prefix_list,
)
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.rules import (
    acl_entry_matches,
    firewall_passes,
    listener_matches,
    lpm,
    sg_rule_matches,
    tgw_lpm,
)
from policyreason.analysis.network.trace import (
    INTERNET,
    ONPREM,
    Code,
    Disposition,
    Hop,
    Trace,
    Unknown,
    onprem_id,
)
from policyreason.ir.cidr import format_ip, is_v4
from policyreason.ir.network import (
    ICMP,
    MIDDLEBOX_TARGETS,
    TCP,
    UDP,
    Eni,
    LoadBalancer,
    NatGateway,
    Network,
    Packet,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    TargetKind,
    TgwAttachment,
    firewall_program,
    is_internet_ip,
    protocol_name,
)
from policyreason.ir.span import Span

MAX_HOPS = 64


def _rule_label(sg: SecurityGroup, rule: SgRule, ingress: bool) -> str:
    direction = "inbound" if ingress else "outbound"
    rules = sg.ingress if ingress else sg.egress
    return f"{sg.id} {direction} rule #{rules.index(rule) + 1}"


class _Stop(Exception):
    """The walk ends: a drop or an unknown component (the trace is in `trace`)."""

    def __init__(self, trace: Trace) -> None:
        super().__init__(trace.explanation)
        self.trace = trace


@dataclass
class _Walk:
    ix: NetIndex
    reply: bool
    source: str = ""
    sessions: dict[str, tuple[int, ...]] = field(default_factory=dict)
    returns: dict[str, str] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    hops: list[Hop] = field(default_factory=list)
    unknowns: list[Unknown] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

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

    def assume(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)

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
            source=self.source,
            returns=tuple(sorted(self.returns.items())),
            unknowns=tuple(self.unknowns),
            assumptions=tuple(self.assumptions),
        )

    def drop(self, pkt: Packet, code: Code, explanation: str) -> Trace:
        return self.end(Disposition.DROPPED, pkt, code, explanation)

    def unknown(self, pkt: Packet, u: Unknown) -> Trace:
        """The walk cannot go on: `u` is not in the export or not modelled."""
        self.hop(u.component, "unknown", "unknown", u.why)
        if u not in self.unknowns:
            self.unknowns.append(u)
        return self.end(Disposition.UNKNOWN, pkt, Code.UNKNOWN_COMPONENT, str(u))

    def pass_unknown(self, u: Unknown, kind: str) -> None:
        """Go on past `u`, whose verdict is unknown, as if it let the packet through."""
        self.hop(u.component, kind, "pass (verdict unknown)", u.why)
        self.assume(PASSES_UNCHANGED)
        if u not in self.unknowns:
            self.unknowns.append(u)

    def running(self, eni: Eni) -> bool:
        """Is the interface's instance running (taken to be, when the export lacks it)?"""
        if self.ix.instance_missing(eni):
            self.assume(missing_instance(eni))
        return self.ix.eni_active(eni)

    # -- filters ------------------------------------------------------------------------------

    def sg(self, eni: Eni, pkt: Packet, ingress: bool) -> bool | None:
        """Security groups of `eni`: stateful, so a reply on a connection the interface saw
        passes without a rule. None when a group or a reference is missing from the export."""
        if not eni.group_ids:
            return True
        kind = "security-group"
        ids = ",".join(eni.group_ids)
        flow = f"sg:{eni.id}"
        if self.reply and flow in self.sessions:
            self.hop(ids, kind, "allow (established connection)")
            return True
        peer = pkt.src if ingress else pkt.dst
        maybe = any(gid not in self.ix.sgs for gid in eni.group_ids)
        for gid in eni.group_ids:
            sg = self.ix.sgs.get(gid)
            if sg is None:
                continue
            for rule in sg.ingress if ingress else sg.egress:
                verdict = sg_rule_matches(self.ix, rule, pkt, peer)
                if verdict:
                    self.hop(gid, kind, "allow", _rule_label(sg, rule, ingress), rule.span)
                    if not self.reply:
                        self.sessions[flow] = ()
                    return True
                maybe = maybe or verdict is None
        if maybe:
            return None
        self.hop(ids, kind, "deny", "no rule matches")
        return False

    def sg_or_stop(self, eni: Eni, pkt: Packet, ingress: bool) -> None:
        verdict = self.sg(eni, pkt, ingress)
        if verdict is None:
            raise _Stop(self.unknown(pkt, sg_unknown(eni)))
        if not verdict:
            direction = "inbound" if ingress else "outbound"
            raise _Stop(
                self.drop(pkt, Code.ENI_SG_RULES_MISMATCH, f"no {direction} rule of {eni.id}")
            )

    def acl(self, subnet_id: str, pkt: Packet, egress: bool) -> bool:
        acl = self.ix.acl_of_subnet.get(subnet_id)
        if acl is None:
            self.assume(missing_acl(subnet_id))
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

    def acl_or_stop(self, subnet_id: str, pkt: Packet, egress: bool) -> None:
        if not self.acl(subnet_id, pkt, egress):
            direction = "outbound" if egress else "inbound"
            raise _Stop(
                self.drop(pkt, Code.SUBNET_ACL_RESTRICTION, f"{direction} ACL of {subnet_id}")
            )

    def cross(self, from_subnet: str | None, to_subnet: str, pkt: Packet, acl_egress: bool) -> None:
        """Leave `from_subnet` and enter `to_subnet`: their ACLs apply unless they are one."""
        if from_subnet == to_subnet:
            return
        if acl_egress and from_subnet:
            self.acl_or_stop(from_subnet, pkt, egress=True)
        self.acl_or_stop(to_subnet, pkt, egress=False)

    # -- positions ----------------------------------------------------------------------------

    def from_eni(self, eni: Eni, pkt: Packet) -> Trace:
        self.hop(eni.id, "network-interface", "send", packet=pkt)
        if not self.running(eni):
            return self.drop(pkt, Code.INSTANCE_NOT_RUNNING, f"{eni.instance_id} is not running")
        if pkt.src not in eni.private_ips:
            return self.drop(
                pkt,
                Code.SOURCE_ADDRESS_MISMATCH,
                f"{format_ip(pkt.src)} is not an address of {eni.id}",
            )
        self.sg_or_stop(eni, pkt, ingress=False)
        lb_eni = self.returns.get(eni.id) if self.reply else None
        if lb_eni is not None:
            # A load balancer that kept the client's address takes the answer back itself.
            lb_side = self.ix.enis[lb_eni]
            self.cross(eni.subnet_id, lb_side.subnet_id, pkt, acl_egress=True)
            return self.to_eni(lb_side, pkt, eni.subnet_id)
        return self.route(eni.subnet_id, pkt, acl_egress=True)

    def route(self, subnet_id: str, pkt: Packet, acl_egress: bool) -> Trace:
        """Forward `pkt` from inside `subnet_id` by its route table."""
        if len(self.hops) > MAX_HOPS:
            return self.drop(pkt, Code.LOOP, "forwarding loop")
        subnet = self.ix.subnets.get(subnet_id)
        if subnet is None:
            return self.unknown(pkt, Unknown(subnet_id, "the subnet is not in the export"))
        table = self.ix.route_table(subnet_id)
        if table is None:
            return self.unknown(pkt, no_route_table(subnet_id))
        return self.forward(table, subnet, pkt, acl_egress)

    def forward(
        self, table: RouteTable, subnet: Subnet | None, pkt: Packet, acl_egress: bool
    ) -> Trace:
        """Route by `table`: a subnet's table, or a gateway's edge table (no subnet)."""
        match = lpm(self.ix.route_entries(table), pkt.dst)
        local = match is not None and match[1].target_kind is TargetKind.LOCAL
        unresolved = self.ix.unresolved_prefix_lists(table)
        if unresolved and not local:
            return self.unknown(pkt, unresolved_prefix_list(table.id, unresolved[0]))
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
        return self.take(table, subnet, route, pkt, acl_egress)

    def take(
        self, table: RouteTable, subnet: Subnet | None, route: Route, pkt: Packet, acl_egress: bool
    ) -> Trace:
        vpc_id = table.vpc_id
        subnet_id = subnet.id if subnet is not None else None
        kind = route.target_kind
        if kind is TargetKind.LOCAL:
            return self.local(vpc_id, subnet_id, pkt, acl_egress)
        if kind is TargetKind.OTHER:
            return self.unknown(pkt, unmodelled_target(route.target_id))
        if kind in MIDDLEBOX_TARGETS:
            return self.appliance(route, subnet_id, pkt, acl_egress)
        if kind is TargetKind.VPC_ENDPOINT and route.target_id not in self.ix.endpoints:
            if route.target_id in self.ix.firewall_of_endpoint:
                return self.firewall(route.target_id, subnet_id, pkt, acl_egress)
            return self.unknown(pkt, not_in_export(route.target_id))
        endpoint = self.ix.endpoints.get(route.target_id)
        if endpoint is not None and endpoint.endpoint_type == "gatewayloadbalancer":
            return self.gwlb_endpoint(route.target_id, subnet_id, pkt, acl_egress)
        if acl_egress and subnet_id is not None:
            self.acl_or_stop(subnet_id, pkt, egress=True)
        if kind is TargetKind.INTERNET_GATEWAY:
            return self.igw_out(route.target_id, vpc_id, pkt)
        if kind is TargetKind.EGRESS_ONLY_INTERNET_GATEWAY:
            return self.eigw_out(route.target_id, vpc_id, pkt)
        if kind is TargetKind.NAT_GATEWAY:
            return self.nat_in(route.target_id, subnet_id, pkt)
        if kind is TargetKind.VPC_PEERING:
            return self.peering(route.target_id, vpc_id, pkt)
        if kind is TargetKind.TRANSIT_GATEWAY:
            if subnet is None:
                return self.unknown(pkt, unmodelled_target(route.target_id))
            return self.tgw_enter(route.target_id, vpc_id, subnet, pkt)
        if kind is TargetKind.VPN_GATEWAY:
            return self.vgw_out(route.target_id, vpc_id, pkt)
        assert endpoint is not None
        self.hop(route.target_id, "vpc-endpoint", "deliver", endpoint.service_name)
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
        self.cross(from_subnet, eni.subnet_id, pkt, acl_egress)
        return self.to_eni(eni, pkt, from_subnet)

    def to_eni(self, eni: Eni, pkt: Packet, from_subnet: str | None) -> Trace:
        nat = self.ix.nat_of_eni.get(eni.id)
        if nat is not None:
            return self.nat_at(nat, from_subnet, pkt)
        if not self.running(eni):
            self.hop(eni.id, "network-interface", "drop")
            return self.drop(pkt, Code.INSTANCE_NOT_RUNNING, f"{eni.instance_id} is not running")
        self.sg_or_stop(eni, pkt, ingress=True)
        lb = self.ix.lb_of_eni.get(eni.id)
        if lb is not None:
            return self.lb_at(eni, lb, pkt)
        kind = "vpc-endpoint" if eni.id in self.ix.endpoint_of_eni else "network-interface"
        self.hop(eni.id, kind, "deliver", packet=pkt)
        return self.end(Disposition.DELIVERED, pkt, delivered_to=eni.id)

    def lb_at(self, eni: Eni, lb: LoadBalancer, pkt: Packet) -> Trace:
        """A load balancer as a proxy: a listener takes the connection and opens one to a
        healthy target, from the balancer's address or (a network load balancer keeping the
        client's address) from the client's; the answer goes back the same way."""
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
        target_id, ip, port, group = target
        self.sessions[eni.id] = (pkt.src, pkt.src_port, pkt.dst_port)
        keep = self.ix.preserves_client_ip(lb, group)
        if lb.lb_type == "network" and group.preserve_client_ip is None:
            self.assume(client_ip_default(group.name or group.arn, keep))
        out = pkt.model_copy(update={"src": pkt.src if keep else own, "dst": ip, "dst_port": port})
        if keep:
            target_eni = self.ix.eni_by_ip.get((eni.vpc_id, ip))
            if target_eni is not None:
                self.returns[target_eni.id] = eni.id
        label = f"listener {listener.protocol} {listener.port} -> {target_id}:{port}"
        if keep:
            label += " (client address kept)"
        self.hop(lb.name, kind, "forward", label, listener.span, out)
        return self.route(eni.subnet_id, out, acl_egress=True)

    def appliance(
        self, route: Route, from_subnet: str | None, pkt: Packet, acl_egress: bool
    ) -> Trace:
        """A route to an interface or instance: the packet goes through that machine, which
        AWS drops it at unless its source/destination check is off; what the machine itself
        does is not in the export."""
        eni = self.ix.enis.get(route.target_id)
        if route.target_kind is TargetKind.INSTANCE:
            eni = self.ix.eni_of_instance.get(route.target_id)
        if eni is None:
            return self.unknown(pkt, not_in_export(route.target_id))
        self.cross(from_subnet, eni.subnet_id, pkt, acl_egress)
        if not self.running(eni):
            self.hop(eni.id, "network-interface", "drop")
            return self.drop(pkt, Code.INSTANCE_NOT_RUNNING, f"{eni.instance_id} is not running")
        self.sg_or_stop(eni, pkt, ingress=True)
        if pkt.dst in eni.private_ips:
            self.hop(eni.id, "network-interface", "deliver", packet=pkt)
            return self.end(Disposition.DELIVERED, pkt, delivered_to=eni.id)
        if eni.source_dest_check:
            self.hop(eni.id, "network-interface", "drop", "source/destination check")
            return self.drop(
                pkt,
                Code.SOURCE_DEST_CHECK,
                f"{eni.id} is not the destination and its source/destination check is on",
            )
        self.pass_unknown(appliance_unknown(eni), "appliance")
        self.sg_or_stop(eni, pkt, ingress=False)
        return self.route(eni.subnet_id, pkt, acl_egress=True)

    def gwlb_endpoint(
        self, endpoint_id: str, from_subnet: str | None, pkt: Packet, acl_egress: bool
    ) -> Trace:
        """A Gateway Load Balancer endpoint: its appliances inspect the packet and hand it
        back to the endpoint, which routes it on from its subnet."""
        endpoint = self.ix.endpoints[endpoint_id]
        subnet_id = endpoint.subnet_ids[0] if endpoint.subnet_ids else None
        if subnet_id is None:
            return self.unknown(pkt, Unknown(endpoint_id, "the export does not say its subnet"))
        self.cross(from_subnet, subnet_id, pkt, acl_egress)
        self.pass_unknown(gwlb_unknown(self.ix, endpoint_id), "gateway-load-balancer-endpoint")
        return self.route(subnet_id, pkt, acl_egress=True)

    def firewall(
        self, endpoint_id: str, from_subnet: str | None, pkt: Packet, acl_egress: bool
    ) -> Trace:
        """A Network Firewall endpoint: the firewall's rules decide, then the packet is
        routed on from the endpoint's subnet."""
        fw, subnet_id = self.ix.firewall_of_endpoint[endpoint_id]
        self.cross(from_subnet, subnet_id, pkt, acl_egress)
        prog = firewall_program(self.ix.policies.get(fw.policy_arn), self.ix.rule_groups)
        flow = f"fw:{fw.name}"
        verdict = firewall_passes(prog, pkt, established=self.reply and flow in self.sessions)
        if verdict is None:
            self.pass_unknown(firewall_unknown(fw.name, prog), "network-firewall")
        elif not verdict:
            self.hop(fw.name, "network-firewall", "drop", endpoint_id, fw.span)
            return self.drop(pkt, Code.FIREWALL_RULE, f"{fw.name}'s rules drop it")
        else:
            self.hop(fw.name, "network-firewall", "pass", endpoint_id, fw.span)
        if not self.reply:
            self.sessions[flow] = ()
        return self.route(subnet_id, pkt, acl_egress=True)

    def igw_out(self, igw_id: str, vpc_id: str, pkt: Packet) -> Trace:
        if igw_id not in self.ix.igw_vpcs:
            return self.unknown(pkt, not_in_export(igw_id))
        if vpc_id not in self.ix.igw_vpcs[igw_id]:
            self.hop(igw_id, "internet-gateway", "drop")
            return self.drop(pkt, Code.IGW_NOT_ATTACHED, f"{igw_id} is not attached to {vpc_id}")
        out = pkt
        if is_v4(pkt.src):
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
        else:
            self.hop(igw_id, "internet-gateway", "forward", packet=out)
        return self.to_internet(out)

    def eigw_out(self, eigw_id: str, vpc_id: str, pkt: Packet) -> Trace:
        kind = "egress-only-internet-gateway"
        if eigw_id not in self.ix.igw_vpcs:
            return self.unknown(pkt, not_in_export(eigw_id))
        if vpc_id not in self.ix.igw_vpcs[eigw_id]:
            self.hop(eigw_id, kind, "drop")
            return self.drop(pkt, Code.IGW_NOT_ATTACHED, f"{eigw_id} is not attached to {vpc_id}")
        if is_v4(pkt.src):
            self.hop(eigw_id, kind, "drop", "IPv4")
            return self.drop(pkt, Code.EGRESS_ONLY_IGW, f"{eigw_id} carries only IPv6")
        self.sessions[f"eigw:{eigw_id}"] = ()
        self.hop(eigw_id, kind, "forward", packet=pkt)
        return self.to_internet(pkt)

    def to_internet(self, pkt: Packet) -> Trace:
        if self.ix.owns(pkt.dst):
            # To a public address of the network itself: out and back in through an IGW.
            self.hop(INTERNET, INTERNET, "forward", "to a public address of the network")
            return self.inbound(pkt)
        if not is_internet_ip(pkt.dst):
            return self.drop(
                pkt, Code.NO_ROUTE_TO_DESTINATION, f"{format_ip(pkt.dst)} is not on the internet"
            )
        self.hop(INTERNET, INTERNET, "deliver", packet=pkt)
        return self.end(Disposition.DELIVERED, pkt, delivered_to=INTERNET)

    def from_internet(self, pkt: Packet) -> Trace:
        self.hop(INTERNET, INTERNET, "send", packet=pkt)
        if not is_internet_ip(pkt.src) or self.ix.owns(pkt.src):
            return self.drop(
                pkt,
                Code.NOT_INTERNET_SOURCE,
                f"{format_ip(pkt.src)} is not an internet address outside the network",
            )
        return self.inbound(pkt)

    def inbound(self, pkt: Packet) -> Trace:
        """From the internet into the VPC that owns the destination address: through its
        internet gateway (translating a public IPv4 address), or an answer through the
        egress-only gateway it left by."""
        missing = self.ix.behind_missing_igw(pkt.dst)
        if missing is not None:
            return self.unknown(pkt, not_in_export(missing))
        if not is_v4(pkt.dst):
            vpc_id = self.ix.vpc_of_v6.get(pkt.dst)
            igw_id = self.ix.igw_of_vpc.get(vpc_id or "")
            eigw = self.ix.eigw_of_vpc.get(vpc_id or "")
            if igw_id is None and self.reply and eigw and f"eigw:{eigw}" in self.sessions:
                igw_id = eigw
            if vpc_id is None or igw_id is None:
                return self.drop(
                    pkt,
                    Code.NO_ROUTE_TO_DESTINATION,
                    f"{format_ip(pkt.dst)} is not routed to the VPC",
                )
            self.hop(igw_id, "internet-gateway", "forward", packet=pkt)
            return self.enter(igw_id, vpc_id, pkt)
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
        return self.enter(igw_id, vpc_id, inside)

    def enter(self, gateway_id: str, vpc_id: str, pkt: Packet) -> Trace:
        """Into a VPC through a gateway: routed by the gateway's edge table if it has one,
        else straight to the destination."""
        table = self.ix.edge_table.get(gateway_id)
        if table is None:
            return self.local(vpc_id, None, pkt, acl_egress=False)
        return self.forward(table, None, pkt, acl_egress=False)

    def nat_in(self, nat_id: str, from_subnet: str | None, pkt: Packet) -> Trace:
        nat = self.ix.nats.get(nat_id)
        if nat is None or nat.private_ip is None:
            return self.unknown(pkt, not_in_export(nat_id))
        if nat.subnet_id != from_subnet and not self.acl(nat.subnet_id, pkt, egress=False):
            return self.drop(pkt, Code.SUBNET_ACL_RESTRICTION, f"inbound ACL of {nat.subnet_id}")
        return self.nat_at(nat, from_subnet, pkt)

    def nat_at(self, nat: NatGateway, from_subnet: str | None, pkt: Packet) -> Trace:
        kind = "nat-gateway"
        if nat.state != "available" or nat.private_ip is None:
            self.hop(nat.id, kind, "drop")
            return self.drop(pkt, Code.NAT_NOT_AVAILABLE, f"{nat.id} is {nat.state}")
        if not is_v4(pkt.src):
            return self.unknown(pkt, Unknown(nat.id, "NAT64 (IPv6 to IPv4) is not modelled"))
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
        if pcx is None:
            return self.unknown(pkt, not_in_export(pcx_id))
        if not pcx.active:
            self.hop(pcx_id, kind, "drop")
            return self.drop(pkt, Code.PEERING_NOT_ACTIVE, f"{pcx_id} is not active")
        peer = self.ix.peer_vpc(pcx, vpc_id)
        if peer is None:
            return self.unknown(pkt, Unknown(pcx_id, "its peer VPC is not in the export"))
        if not any(c.contains(pkt.dst) for c in peer.cidrs):
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
        if tgw_id not in self.ix.tgw_ids:
            return self.unknown(pkt, not_in_export(tgw_id))
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
        if att.route_table_id is None:
            self.hop(att.tgw_id, kind, "drop", f"{att.id} has no route table")
            return self.drop(pkt, Code.TGW_NO_ROUTE_TABLE, f"{att.id} is not associated")
        table = self.ix.tgw_tables.get(att.route_table_id)
        if table is None:
            return self.unknown(pkt, not_in_export(att.route_table_id))
        learned = self.ix.bgp_propagations(table)
        if learned:
            if self.ix.onprem:
                self.assume(onprem_assumption(self.ix))
            else:
                self.assume(bgp_assumption(table.id, learned))
        route = tgw_lpm(self.ix.tgw_routes(table), pkt.dst)
        if route is None:
            if learned and not self.ix.onprem:
                return self.unknown(pkt, bgp_unknown(table.id, learned))
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
            return self.unknown(pkt, not_in_export(route.attachment_ids[0]))
        if nxt.resource_type == "peering":
            other = self.ix.attachments.get((nxt.resource_id, nxt.id))
            if other is None:
                return self.unknown(pkt, not_in_export(f"{nxt.resource_id}/{nxt.id}"))
            self.hop(
                nxt.id, "transit-gateway-attachment", "forward", f"{att.tgw_id} -> {other.tgw_id}"
            )
            return self.tgw_route(other, pkt, az)
        if self.ix.onprem_attachment(nxt.id) is not None:
            self.hop(nxt.id, "transit-gateway-attachment", "forward", nxt.resource_type)
            return self.onprem_exit(nxt.id, pkt)
        if nxt.resource_type != "vpc" or not nxt.subnet_ids:
            return self.unknown(
                pkt, Unknown(nxt.id, f"{nxt.resource_type} attachments are not modelled")
            )
        self.hop(nxt.id, "transit-gateway-attachment", "forward", f"into {nxt.resource_id}")
        # Out of the attachment's interface: its subnet's outbound rules, then the
        # destination subnet's inbound rules (neither when both are the same subnet).
        return self.route(self.ix.attachment_subnet(nxt, az), pkt, acl_egress=True)

    def vgw_out(self, vgw_id: str, vpc_id: str, pkt: Packet) -> Trace:
        vgw = self.ix.vgws.get(vgw_id)
        if vgw is None:
            return self.unknown(pkt, not_in_export(vgw_id))
        if vpc_id not in vgw.vpc_ids or not vgw.available:
            self.hop(vgw_id, "vpn-gateway", "drop")
            return self.drop(pkt, Code.VGW_NOT_ATTACHED, f"{vgw_id} is not attached to {vpc_id}")
        if not self.ix.vgw_connected(vgw):
            return self.unknown(pkt, no_connection(vgw_id))
        self.hop(vgw_id, "vpn-gateway", "forward")
        return self.onprem_exit(vgw_id, pkt)

    def onprem_exit(self, entry: str, pkt: Packet) -> Trace:
        """Out over a VPN or Direct Connect connection, to a declared on-premises network."""
        if not self.ix.onprem:
            return self.unknown(pkt, undeclared_onprem(entry))
        self.assume(onprem_assumption(self.ix))
        site = next((d for d in self.ix.onprem if d.cidr.contains(pkt.dst)), None)
        if site is None:
            return self.drop(
                pkt,
                Code.NO_ROUTE_TO_DESTINATION,
                f"no declared on-premises network contains {format_ip(pkt.dst)}",
            )
        self.returns[onprem_id(site.name)] = entry
        self.hop(onprem_id(site.name), "on-premises", "deliver", str(site.cidr), packet=pkt)
        return self.end(Disposition.DELIVERED, pkt, delivered_to=onprem_id(site.name))

    def from_onprem(self, name: str, pkt: Packet, entry: str) -> Trace:
        """In from a declared on-premises network over `entry` (a virtual private gateway or
        a VPN or Direct Connect attachment of a transit gateway)."""
        self.hop(onprem_id(name), "on-premises", "send", packet=pkt)
        self.assume(onprem_assumption(self.ix))
        site = [d for d in self.ix.onprem if d.name == name]
        if not any(d.cidr.contains(pkt.src) for d in site):
            return self.drop(
                pkt,
                Code.SOURCE_ADDRESS_MISMATCH,
                f"{format_ip(pkt.src)} is not in the on-premises network {name}",
            )
        if not entry:
            return self.unknown(
                pkt, Unknown(onprem_id(name), "no VPN or Direct Connect connection leads there")
            )
        vgw = self.ix.vgws.get(entry)
        if vgw is not None and vgw.vpc_ids:
            self.hop(entry, "vpn-gateway", "forward")
            return self.enter(entry, vgw.vpc_ids[0], pkt)
        att = self.ix.onprem_attachment(entry)
        if att is None:
            return self.unknown(pkt, not_in_export(entry))
        self.hop(att.id, "transit-gateway-attachment", "forward", att.resource_type)
        return self.tgw_route(att, pkt, "")


def simulate(
    net: Network | NetIndex, source: str, pkt: Packet, choices: dict[str, str] | None = None
) -> Trace:
    """Forward `pkt` from `source` (an ENI id, "internet", or "onprem:NAME") and return its
    trace.

    `choices` picks, per load balancer interface, the target a connection goes to (by default
    the first healthy one), and for an on-premises source the connection it arrives over (by
    default the first); the solver's witnesses say which ones they took."""
    ix = net if isinstance(net, NetIndex) else NetIndex(net)
    walk = _Walk(ix, reply=False, source=source, choices=dict(choices or {}))
    try:
        if source == INTERNET:
            return walk.from_internet(pkt)
        if source.startswith(ONPREM):
            entries = ix.onprem_entries()
            entry = walk.choices.get(source) or (entries[0] if entries else "")
            return walk.from_onprem(source.removeprefix(ONPREM), pkt, entry)
        eni = ix.enis.get(source)
        if eni is None:
            raise KeyError(source)
        return walk.from_eni(eni, pkt)
    except _Stop as stop:
        return stop.trace


def simulate_reply(net: Network | NetIndex, forward: Trace) -> Trace:
    """The answer to a delivered packet, sent back from where it arrived. An ICMP message
    that is no request expects no answer: its reply trace is delivered at once."""
    ix = net if isinstance(net, NetIndex) else NetIndex(net)
    assert forward.delivered and forward.final is not None and forward.delivered_to is not None
    walk = _Walk(
        ix,
        reply=True,
        source=forward.delivered_to,
        sessions=dict(forward.sessions),
        returns=dict(forward.returns),
        unknowns=list(forward.unknowns),
        assumptions=list(forward.assumptions),
    )
    if not forward.final.expects_reply:
        return walk.end(
            Disposition.DELIVERED,
            forward.final,
            explanation="this ICMP message expects no answer",
            delivered_to=forward.source,
        )
    pkt = forward.final.reply()
    try:
        if forward.delivered_to == INTERNET:
            walk.hop(INTERNET, INTERNET, "send", packet=pkt)
            return walk.inbound(pkt)
        if forward.delivered_to.startswith(ONPREM):
            entry = walk.returns.get(forward.delivered_to, "")
            return walk.from_onprem(forward.delivered_to.removeprefix(ONPREM), pkt, entry)
        endpoint = ix.endpoints.get(forward.delivered_to)
        if endpoint is not None:
            # A gateway endpoint's service answers into the VPC: the destination subnet's
            # inbound ACL applies to the answer as to any packet entering it.
            walk.hop(endpoint.id, "vpc-endpoint", "send", endpoint.service_name, packet=pkt)
            return walk.local(endpoint.vpc_id, None, pkt, acl_egress=False)
        return walk.from_eni(ix.enis[forward.delivered_to], pkt)
    except _Stop as stop:
        return stop.trace


def replay(
    net: Network | NetIndex, source: str, pkt: Packet, choices: tuple[tuple[str, str], ...] = ()
) -> tuple[Trace, Trace | None]:
    """The concrete forward trace and, if it arrived, the trace of its reply."""
    ix = net if isinstance(net, NetIndex) else NetIndex(net)
    fwd = simulate(ix, source, pkt, dict(choices))
    return fwd, (simulate_reply(ix, fwd) if fwd.delivered else None)
