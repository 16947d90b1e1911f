"""What a rule, route, listener or firewall decides for one concrete packet: the matchers of
the reference semantics, used by the concrete walk (the symbolic walk has their twins in
`smt.encode_network`)."""

from __future__ import annotations

from policyreason.analysis.network.index import NetIndex
from policyreason.ir.cidr import Cidr
from policyreason.ir.network import (
    TCP,
    UDP,
    AclEntry,
    FirewallProgram,
    FirewallRule,
    Listener,
    Packet,
    Route,
    SgRule,
    TargetKind,
    TgwRoute,
    has_ports,
)

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


def tgw_lpm(routes: tuple[TgwRoute, ...], ip: int) -> TgwRoute | None:
    best: TgwRoute | None = None
    for route in routes:
        if route.destination.contains(ip) and (
            best is None or route.destination.prefix > best.destination.prefix
        ):
            best = route
    return best


def sg_rule_matches(ix: NetIndex, rule: SgRule, pkt: Packet, peer: int) -> bool | None:
    """Does the rule admit the packet from (or to) `peer`? None when it may: the rule names
    a group or prefix list the network lacks."""
    if not _kind_matches(rule, pkt):
        return False
    if any(c.contains(peer) for c in rule.cidrs):
        return True
    if any(peer in ix.group_ips.get(g, ()) for g in rule.group_ids):
        return True
    if any(c.contains(peer) for pl in rule.prefix_list_ids for c in ix.prefix_lists.get(pl, ())):
        return True
    unresolved = any(not ix.group_known(g) for g in rule.group_ids) or any(
        pl not in ix.prefix_lists for pl in rule.prefix_list_ids
    )
    return None if unresolved else False


def _kind_matches(rule: SgRule | AclEntry, pkt: Packet) -> bool:
    """Protocol, destination port range and ICMP type and code of a rule."""
    if rule.protocol == -1:
        return True
    if rule.protocol != pkt.protocol:
        return False
    ports = rule.ports
    if ports is not None and has_ports(pkt.protocol) and not ports.lo <= pkt.dst_port <= ports.hi:
        return False
    icmp = rule.icmp
    if icmp is not None:
        if icmp.type is not None and icmp.type != pkt.icmp_type:
            return False
        if icmp.code is not None and icmp.code != pkt.icmp_code:
            return False
    return True


def acl_entry_matches(entry: AclEntry, pkt: Packet, peer: int) -> bool:
    return _kind_matches(entry, pkt) and entry.cidr.contains(peer)


def firewall_rule_matches(rule: FirewallRule, pkt: Packet) -> bool:
    """A Network Firewall rule; a bidirectional (stateful, ANY) rule matches either way."""
    if _fw_match(rule, pkt.src, pkt.dst, pkt.src_port, pkt.dst_port, pkt.protocol):
        return True
    return rule.bidirectional and _fw_match(
        rule, pkt.dst, pkt.src, pkt.dst_port, pkt.src_port, pkt.protocol
    )


def _fw_match(rule: FirewallRule, src: int, dst: int, sport: int, dport: int, proto: int) -> bool:
    if rule.protocols and proto not in rule.protocols:
        return False
    if rule.sources and not any(c.contains(src) for c in rule.sources):
        return False
    if rule.destinations and not any(c.contains(dst) for c in rule.destinations):
        return False
    for ranges, port in ((rule.source_ports, sport), (rule.destination_ports, dport)):
        if ranges and not (has_ports(proto) and any(r.lo <= port <= r.hi for r in ranges)):
            return False
    return True


def firewall_passes(prog: FirewallProgram, pkt: Packet, established: bool) -> bool | None:
    """Network Firewall's verdict: stateless rules by priority (pass, drop or on to the
    stateful engine); the stateful engine passes established flows, and judges new ones by
    its rules in strict or in default action order (pass rules, then drop rules, then pass).
    None when a stage the packet reaches cannot be decided."""
    if prog.stateless_unknown:
        return None
    rule = next((r for r in prog.stateless if firewall_rule_matches(r, pkt)), None)
    action = rule.action if rule is not None else prog.stateless_default
    if action != "forward":
        return action == "pass"
    if established:
        return True
    if prog.stateful_unknown:
        return None
    matching = [r for r in prog.stateful if firewall_rule_matches(r, pkt)]
    if prog.strict:
        first = next((r for r in matching if r.action != "alert"), None)
        return first.action == "pass" if first is not None else not prog.default_drop
    if any(r.action == "pass" for r in matching):
        return True
    return not any(r.action in ("drop", "reject") for r in matching)
