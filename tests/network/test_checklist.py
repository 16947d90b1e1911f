"""One test per point of the network semantics (DESIGN.md, Network), written in the DSL.

Each answer comes from the solver (`reach`, which replays its witness in the simulator) and,
where a single packet says it, from the simulator directly.
"""

from policyreason.analysis.network.exposures import exposures
from policyreason.analysis.network.reach import reach
from policyreason.analysis.network.simulate import simulate, simulate_reply
from policyreason.analysis.network.trace import Code
from policyreason.ir.answer import Status
from policyreason.ir.cidr import parse_ip
from policyreason.ir.network import ICMP, TCP, UDP, Packet
from policyreason.parse.network_dsl import parse_network

BASE = """
vpc vpc-a 10.0.0.0/16 {
  igw igw-a
  subnet pub 10.0.1.0/24 az a
  subnet app 10.0.2.0/24 az a
  route-table rt-pub { associate pub
                       route 0.0.0.0/0 -> igw-a }
  %s
}
"""


def net(body: str, extra: str = ""):  # type: ignore[no-untyped-def]
    return parse_network(BASE % body + extra, "test.net")


def tcp(src: str, dst: str, dport: int, sport: int = 40000) -> Packet:
    return Packet(
        src=parse_ip(src), dst=parse_ip(dst), protocol=TCP, src_port=sport, dst_port=dport
    )


def blocked_code(result) -> Code | None:  # type: ignore[no-untyped-def]
    w = result.blocked
    assert w is not None
    stopped = w.reply if w.forward.delivered else w.forward
    return stopped.code


def test_security_groups_are_stateful():
    n = net("""
      sg web { in tcp 22 from 0.0.0.0/0
               no-egress }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    r = reach(n, "internet", "i-web", TCP, 22)
    assert r.reachable is True
    assert r.paths[0].reply is not None and r.paths[0].reply.delivered
    # Without an egress rule the instance cannot start a connection of its own.
    out = reach(n, "i-web", "internet")
    assert out.reachable is False
    assert blocked_code(out) is Code.ENI_SG_RULES_MISMATCH


def test_all_groups_of_an_interface_are_ored():
    n = net("""
      sg ssh { in tcp 22 from 0.0.0.0/0 }
      sg http { in tcp 80 from 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg ssh http""")
    assert reach(n, "internet", "i-web", TCP, 22).reachable is True
    assert reach(n, "internet", "i-web", TCP, 80).reachable is True
    assert reach(n, "internet", "i-web", TCP, 443).reachable is False


def test_group_reference_matches_only_private_addresses_of_members():
    n = net("""
      sg app { in tcp 5432 from sg web }
      sg web { in tcp 22 from 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web
      instance i-other in pub ip 10.0.1.11 sg app
      instance i-db in app ip 10.0.2.10 public 54.0.0.20 sg app""")
    assert reach(n, "i-web", "i-db", TCP, 5432).reachable is True
    assert reach(n, "i-other", "i-db", TCP, 5432).reachable is False
    # From the internet the packet carries a public source: the reference never matches.
    assert reach(n, "internet", "i-db", TCP, 5432).reachable is False


def test_prefix_lists_expand_to_their_cidrs():
    n = net(
        """
      sg web { in tcp 443 from pl corp }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""",
        "prefix-list corp 198.51.100.0/24 203.0.113.0/24\n",
    )
    r = reach(n, "203.0.113.0/24", "i-web", TCP, 443)
    assert r.reachable is True
    assert reach(n, "192.0.2.0/24", "i-web", TCP, 443).reachable is False


def test_acl_first_matching_rule_wins_in_rule_number_order():
    n = net("""
      sg web { in all from 0.0.0.0/0 }
      nacl acl-pub subnets pub {
        in 200 allow all from 0.0.0.0/0
        in 100 deny tcp 22 from 0.0.0.0/0
        out 100 allow all to 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    r = reach(n, "internet", "i-web", TCP, 22)
    assert r.reachable is False and blocked_code(r) is Code.SUBNET_ACL_RESTRICTION
    assert reach(n, "internet", "i-web", TCP, 80).reachable is True


def test_acl_ends_in_a_deny():
    n = net("""
      sg web { in all from 0.0.0.0/0 }
      nacl acl-pub subnets pub {
        in 100 allow tcp 80 from 0.0.0.0/0
        out 100 allow all to 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    assert reach(n, "internet", "i-web", UDP, 80).reachable is False


def test_return_traffic_needs_the_ephemeral_ports_in_the_acl():
    n = net("""
      sg web { in tcp 80 from 0.0.0.0/0 }
      nacl acl-pub subnets pub {
        in 100 allow tcp 80 from 0.0.0.0/0
        out 100 allow tcp 80 to 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    r = reach(n, "internet", "i-web", TCP, 80)
    assert r.reachable is False
    assert r.blocked is not None and r.blocked.forward.delivered
    assert blocked_code(r) is Code.SUBNET_ACL_RESTRICTION
    fixed = net("""
      sg web { in tcp 80 from 0.0.0.0/0 }
      nacl acl-pub subnets pub {
        in 100 allow tcp 80 from 0.0.0.0/0
        out 100 allow tcp 1024-65535 to 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    assert reach(fixed, "internet", "i-web", TCP, 80).reachable is True


def test_longest_prefix_wins_and_blackholes_drop():
    n = net("""
      route-table rt-app { associate app
                           route 0.0.0.0/0 -> igw-a
                           route 8.8.8.0/24 -> igw-a blackhole }
      sg any { in all from 0.0.0.0/0 }
      instance i-app in app ip 10.0.2.10 public 54.0.0.20 sg any""")
    assert reach(n, "i-app", "1.1.1.1", TCP, 443).reachable is True
    r = reach(n, "i-app", "8.8.8.8", TCP, 443)
    assert r.reachable is False and blocked_code(r) is Code.BLACKHOLE_ROUTE


def test_local_route_inside_the_vpc_and_no_acl_within_a_subnet():
    n = net("""
      sg any { in all from 10.0.0.0/16 }
      nacl acl-pub subnets pub { out 100 allow all to 0.0.0.0/0 }
      instance i-a in pub ip 10.0.1.10 sg any
      instance i-b in pub ip 10.0.1.11 sg any
      instance i-c in app ip 10.0.2.10 sg any""")
    # Same subnet: only security groups. Across subnets the inbound ACL of pub denies replies.
    assert reach(n, "i-a", "i-b", TCP, 22).reachable is True
    r = reach(n, "i-a", "i-c", TCP, 22)
    assert r.reachable is False and blocked_code(r) is Code.SUBNET_ACL_RESTRICTION


def test_explicit_association_beats_the_main_table():
    n = net("""
      route-table rt-main main { route 0.0.0.0/0 -> igw-a }
      sg any { in all from 0.0.0.0/0 }
      instance i-pub in pub ip 10.0.1.10 public 54.0.0.10 sg any
      instance i-app in app ip 10.0.2.10 public 54.0.0.20 sg any""")
    assert reach(n, "i-app", "8.8.8.8").reachable is True
    n2 = net("""
      route-table rt-app { associate app }
      route-table rt-main main { route 0.0.0.0/0 -> igw-a }
      sg any { in all from 0.0.0.0/0 }
      instance i-app in app ip 10.0.2.10 public 54.0.0.20 sg any""")
    r = reach(n2, "i-app", "8.8.8.8")
    assert r.reachable is False and blocked_code(r) is Code.NO_ROUTE_TO_DESTINATION


def test_internet_gateway_needs_a_public_address():
    n = net("""
      sg any { in all from 0.0.0.0/0 }
      instance i-private in pub ip 10.0.1.10 sg any""")
    r = reach(n, "i-private", "8.8.8.8")
    assert r.reachable is False and blocked_code(r) is Code.IGW_NO_PUBLIC_IP
    assert exposures(n).exposures == ()


NAT = """
  route-table rt-app { associate app
                       route 0.0.0.0/0 -> nat-a }
  nat nat-a in pub ip 10.0.1.5 public 54.0.0.5
  sg any { in all from 0.0.0.0/0 }
  instance i-app in app ip 10.0.2.10 sg any
  instance i-pub in pub ip 10.0.1.10 sg any
"""


def test_nat_gateway_is_outbound_only():
    n = net(NAT)
    out = reach(n, "i-app", "8.8.8.8", TCP, 443)
    assert out.reachable is True
    hops = [h.kind for h in out.paths[0].forward.hops]
    assert "nat-gateway" in hops and "internet-gateway" in hops
    r = reach(n, "internet", "54.0.0.5", TCP, 443)
    assert r.reachable is False and blocked_code(r) is Code.NAT_INBOUND


def test_nat_gateway_does_not_serve_its_own_subnet():
    n = net(
        NAT.replace("associate app", "associate app pub").replace(
            "route-table rt-pub { associate pub", "route-table rt-x { "
        )
    )
    trace = simulate(n, "eni-i-pub", tcp("10.0.1.10", "8.8.8.8", 443))
    assert trace.code is Code.NAT_SAME_SUBNET
    assert reach(n, "i-pub", "8.8.8.8").reachable is False


def test_peering_is_not_transitive():
    extra = """
vpc vpc-b 10.1.0.0/16 {
  subnet b1 10.1.1.0/24
  route-table rt-b main { route 10.0.0.0/16 -> pcx-ab
                          route 10.2.0.0/16 -> pcx-bc }
  sg any { in all from 0.0.0.0/0 }
  instance i-b in b1 ip 10.1.1.10 sg any
}
vpc vpc-c 10.2.0.0/16 {
  subnet c1 10.2.1.0/24
  route-table rt-c main { route 10.1.0.0/16 -> pcx-bc
                          route 10.0.0.0/16 -> pcx-bc }
  sg any2 { in all from 0.0.0.0/0 }
  instance i-c in c1 ip 10.2.1.10 sg any2
}
peering pcx-ab vpc-a vpc-b
peering pcx-bc vpc-b vpc-c
"""
    n = net(
        """
      route-table rt-app { associate app
                           route 10.1.0.0/16 -> pcx-ab
                           route 10.2.0.0/16 -> pcx-ab }
      sg any0 { in all from 0.0.0.0/0 }
      instance i-a in app ip 10.0.2.10 sg any0""",
        extra,
    )
    assert reach(n, "i-a", "i-b", TCP, 22).reachable is True
    r = reach(n, "i-a", "i-c", TCP, 22)
    assert r.reachable is False and blocked_code(r) is Code.PEERING_NOT_TRANSITIVE


def test_only_running_instances_answer():
    n = net("""
      sg web { in tcp 22 from 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web stopped""")
    r = reach(n, "internet", "i-web", TCP, 22)
    assert r.reachable is False and blocked_code(r) is Code.INSTANCE_NOT_RUNNING
    assert exposures(n).exposures == ()


def test_transit_gateway_uses_the_route_table_of_the_ingress_attachment():
    extra = """
vpc vpc-b 10.1.0.0/16 {
  subnet b1 10.1.1.0/24 az a
  route-table rt-b main { route 10.0.0.0/8 -> tgw-1 }
  sg any { in all from 0.0.0.0/0 }
  instance i-b in b1 ip 10.1.1.10 sg any
}
vpc vpc-c 10.2.0.0/16 {
  subnet c1 10.2.1.0/24 az a
  route-table rt-c main { route 10.0.0.0/8 -> tgw-1 }
  sg any2 { in all from 0.0.0.0/0 }
  instance i-c in c1 ip 10.2.1.10 sg any2
}
tgw tgw-1 {
  attach att-a vpc vpc-a subnets app table hub
  attach att-b vpc vpc-b subnets b1 table spoke
  attach att-c vpc vpc-c subnets c1 table spoke
  table hub { propagate att-b att-c }
  table spoke { propagate att-a }
}
"""
    n = net(
        """
      route-table rt-app { associate app
                           route 10.0.0.0/8 -> tgw-1 }
      sg any0 { in all from 0.0.0.0/0 }
      instance i-a in app ip 10.0.2.10 sg any0""",
        extra,
    )
    assert reach(n, "i-a", "i-b", TCP, 22).reachable is True
    assert reach(n, "i-b", "i-a", TCP, 22).reachable is True
    # Spokes only learn the hub: b and c cannot talk through the transit gateway.
    r = reach(n, "i-b", "i-c", TCP, 22)
    assert r.reachable is False and blocked_code(r) is Code.NO_ROUTE_TO_DESTINATION


def test_gateway_endpoint_takes_prefix_list_traffic():
    n = net(
        """
      route-table rt-app { associate app
                           route s3 -> vpce-s3 }
      endpoint vpce-s3 gateway com.amazonaws.us-east-1.s3 route-tables rt-app
      sg any { in all from 0.0.0.0/0 }
      instance i-app in app ip 10.0.2.10 sg any""",
        "prefix-list s3 52.216.0.0/15\n",
    )
    r = reach(n, "i-app", "52.217.1.1", TCP, 443)
    assert r.reachable is True
    assert r.paths[0].forward.delivered_to == "vpce-s3"
    assert reach(n, "i-app", "8.8.8.8", TCP, 443).reachable is False


def test_exposures_are_exact_port_ranges():
    n = net("""
      sg web { in tcp 20-30 from 0.0.0.0/0
               in tcp 25-40 from 0.0.0.0/0
               in udp 53 from 10.0.0.0/8 }
      nacl acl-pub subnets pub {
        in 100 deny tcp 28 from 0.0.0.0/0
        in 200 allow all from 0.0.0.0/0
        out 100 allow all to 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    result = exposures(n)
    assert {(e.target, e.protocol) for e in result.exposures} == {("i-web", "tcp")}
    ports = sorted(r for e in result.exposures for r in e.ports)
    merged: list[tuple[int, int]] = []
    for lo, hi in ports:
        if merged and lo == merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    assert merged == [(20, 27), (29, 40)]
    # Each entry names the rule that opens it; 31-40 only the second rule allows.
    by_rule = {e.rule: e.ports for e in result.exposures}
    assert by_rule["web inbound rule #2"][-1] == (31, 40)
    for e in result.exposures:
        w = e.witness
        assert w.forward.delivered and w.reply is not None and w.reply.delivered


def test_every_protocol_open_is_reported_as_classes():
    n = net("""
      sg open { in all from 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg open""")
    found = {e.protocol: e.ports for e in exposures(n).exposures}
    assert found["tcp"] == ((0, 65535),) and found["udp"] == ((0, 65535),)
    assert "icmp" in found and "other" in found


def test_route_to_an_unmodelled_target_is_unknown():
    n = net("""
      route-table rt-app { associate app
                           route 0.0.0.0/0 -> igw-a }
      sg any { in all from 0.0.0.0/0 }
      instance i-app in app ip 10.0.2.10 public 54.0.0.20 sg any""")
    from policyreason.ir.network import TargetKind

    table = next(t for t in n.route_tables if t.id == "rt-app")
    route = table.routes[-1].model_copy(
        update={"target_kind": TargetKind.OTHER, "target_id": "vgw-1"}
    )
    table2 = table.model_copy(update={"routes": (*table.routes[:-1], route)})
    n2 = n.model_copy(
        update={"route_tables": tuple(table2 if t.id == "rt-app" else t for t in n.route_tables)}
    )
    r = reach(n2, "i-app", "8.8.8.8")
    assert r.reachable is None and "not modelled" in r.reason


def test_reply_of_a_simulated_packet_comes_back_through_the_igw():
    n = net("""
      sg web { in tcp 22 from 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    fwd = simulate(n, "internet", tcp("1.2.3.4", "54.0.0.10", 22))
    assert fwd.delivered and fwd.delivered_to == "eni-i-web"
    back = simulate_reply(n, fwd)
    assert back.delivered and back.final is not None
    assert back.final.src == parse_ip("54.0.0.10") and back.final.dst == parse_ip("1.2.3.4")


def test_a_solver_that_gives_up_answers_unknown_never_no():
    n = net("""
      sg web { in tcp 22 from 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    r = reach(n, "internet", "i-web", TCP, 80, rlimit=1)
    assert r.reachable is None and r.reason
    assert r.blocked is None
    assert exposures(n, rlimit=1).unknown != ()


TGW_PAIR = """
vpc vpc-b 10.1.0.0/16 {
  subnet b-app 10.1.1.0/24 az a
  subnet b-tgw 10.1.9.0/24 az a
  route-table rt-b main { route 10.0.0.0/16 -> tgw-1 }
  sg any { in all from 0.0.0.0/0 }
  %s
  instance i-b in b-app ip 10.1.1.10 sg any
}
tgw tgw-1 {
  attach att-a vpc vpc-a subnets app table t
  attach att-b vpc vpc-b subnets b-tgw table t
  table t { propagate att-a att-b }
}
"""
TGW_A = """
      route-table rt-app { associate app
                           route 10.1.0.0/16 -> tgw-1 }
      sg any0 { in all from 0.0.0.0/0 }
      instance i-a in app ip 10.0.2.10 sg any0"""


def test_transit_gateway_attachment_subnet_acls():
    # Into the TGW: the attachment subnet's inbound rules judge the source address.
    inbound = (
        "nacl acl-t subnets b-tgw { in 100 deny all from 10.1.1.0/24 "
        "in 200 allow all from 0.0.0.0/0 out 100 allow all to 0.0.0.0/0 }"
    )
    r = reach(net(TGW_A, TGW_PAIR % inbound), "i-b", "i-a", TCP, 22)
    assert r.reachable is False and blocked_code(r) is Code.SUBNET_ACL_RESTRICTION
    assert r.blocked is not None and r.blocked.forward.hops[-1].component == "acl-t"
    # Out of the TGW: the attachment subnet's outbound rules judge the destination address.
    outbound = (
        "nacl acl-t subnets b-tgw { in 100 allow all from 0.0.0.0/0 "
        "out 100 deny all to 10.1.1.0/24 out 200 allow all to 0.0.0.0/0 }"
    )
    r = reach(net(TGW_A, TGW_PAIR % outbound), "i-a", "i-b", TCP, 22)
    assert r.reachable is False and blocked_code(r) is Code.SUBNET_ACL_RESTRICTION
    assert reach(net(TGW_A, TGW_PAIR % ""), "i-a", "i-b", TCP, 22).reachable is True


DUAL = """
vpc vpc-a 10.0.0.0/16 2600:1::/56 {
  eigw eigw-a
  subnet app 10.0.2.0/24 2600:1:0:2::/64 az a
  route-table rt-app { associate app
                       route ::/0 -> eigw-a }
  sg any { in all from ::/0 }
  instance i-app in app ip 10.0.2.10 2600:1:0:2::10 sg any
}
"""


def test_egress_only_gateway_lets_answers_in_and_nothing_else():
    n = parse_network(DUAL, "dual.net")
    out = reach(n, "i-app", "2001:4860:4860::8888", TCP, 443)
    assert out.reachable is True
    kinds = [h.kind for h in out.paths[0].forward.hops]
    assert "egress-only-internet-gateway" in kinds
    inbound = reach(n, "internet", "2600:1:0:2::10", TCP, 22)
    assert inbound.reachable is False
    assert exposures(n).answer.status is Status.PROVEN
    # IPv4 does not pass an egress-only gateway.
    assert reach(n, "i-app", "8.8.8.8", TCP, 443).reachable is False


def test_icmp_echo_answers_need_the_acl_too():
    n = net("""
      sg web { in icmp type 8 from 0.0.0.0/0 }
      nacl acl-pub subnets pub {
        in 100 allow icmp type 8 from 0.0.0.0/0
        out 100 allow icmp type 3 to 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    r = reach(n, "internet", "i-web", ICMP)
    assert r.reachable is False and blocked_code(r) is Code.SUBNET_ACL_RESTRICTION
    assert r.blocked is not None and r.blocked.forward.delivered
    fixed = net("""
      sg web { in icmp type 8 from 0.0.0.0/0 }
      nacl acl-pub subnets pub {
        in 100 allow icmp type 8 from 0.0.0.0/0
        out 100 allow icmp type 0 to 0.0.0.0/0 }
      instance i-web in pub ip 10.0.1.10 public 54.0.0.10 sg web""")
    ok = reach(fixed, "internet", "i-web", ICMP)
    assert ok.reachable is True and ok.paths[0].packet.icmp_type == 8
