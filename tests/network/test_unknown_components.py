"""No proof through what is not modelled: generated networks with components whose verdict
is unknown (an on-premises network nobody declared, an instance that forwards, a Gateway Load
Balancer endpoint, a firewall without its policy, transit gateway routes learned over BGP) or
that the export lacks (a dropped route table, gateway or security group), and sometimes a
declared on-premises network as source and destination. Whenever a packet's concrete walk
meets an undecided component, the solver must not call that packet's question "not
reachable", and on every packet it must agree with the simulator."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.analysis.network.exposures import exposures
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.reach import packet_reachable, reach
from policyreason.ir.answer import Status
from policyreason.ir.cidr import Cidr, format_ip, parse_ip
from policyreason.ir.network import ICMP, TCP, UDP, Network, OnPremNetwork, Packet
from policyreason.parse.network_dsl import parse_network
from tests.network.test_network_differential import concrete, sg_rule

MIDDLEBOXES = ["i-fw", "vpce-g", "vpce-fw"]
TARGETS = ["igw-a", "vgw-a", "tgw-1", *MIDDLEBOXES]


@st.composite
def networks(draw: st.DrawFn) -> Network:
    groups = []
    for g in ("g0", "g1"):
        rules = draw(st.lists(sg_rule("in"), max_size=3))
        groups.append(f"sg {g} {{ {' '.join(rules)} }}")
    forwards = " no-source-dest-check" if draw(st.booleans()) else ""
    s2_target = draw(st.sampled_from(TARGETS))
    edge = ""
    if draw(st.booleans()):
        middle = draw(st.sampled_from(MIDDLEBOXES))
        edge = f"route-table edge {{ associate igw-a route 10.0.2.0/24 -> {middle} }}"
    onprem_route = "route 192.168.0.0/16 -> vgw-a" if draw(st.booleans()) else ""
    vpn_attachment = draw(st.booleans())
    instances = []
    for name, subnet, ip, public in (
        ("i-a", "s1", "10.0.1.10", "54.0.0.10"),
        ("i-b", "s2", "10.0.2.10", "54.0.0.20"),
    ):
        pub = f" public {public}" if draw(st.booleans()) else ""
        sgs = " ".join(draw(st.lists(st.sampled_from(["g0", "g1"]), min_size=1, unique=True)))
        instances.append(f"instance {name} in {subnet} ip {ip}{pub} sg {sgs}")
    text = f"""
vpc vpc-a 10.0.0.0/16 {{
  igw igw-a
  vgw vgw-a
  subnet s1 10.0.1.0/24 az a
  subnet s2 10.0.2.0/24 az a
  subnet s3 10.0.3.0/24 az a
  route-table r1 {{ associate s1
                   route 0.0.0.0/0 -> igw-a
                   route 10.1.0.0/16 -> tgw-1 }}
  route-table r2 {{ associate s2
                   route 0.0.0.0/0 -> {s2_target}
                   {onprem_route} }}
  route-table r3 {{ associate s3
                   route 0.0.0.0/0 -> igw-a }}
  {edge}
  {" ".join(groups)}
  sg gfw {{ in all from 0.0.0.0/0 }}
  {" ".join(instances)}
  instance i-fw in s3 ip 10.0.3.10 sg gfw{forwards}
  endpoint vpce-g gatewayloadbalancer com.amazonaws.vpce.svc eni eni-g in s3 ip 10.0.3.20
  firewall fw-1 endpoint vpce-fw in s3
}}
vpc vpc-b 10.1.0.0/16 {{
  subnet s4 10.1.1.0/24 az a
  route-table r4 main {{ route 10.0.0.0/16 -> tgw-1
                        route 0.0.0.0/0 -> tgw-1 }}
  sg gb {{ {draw(sg_rule("in"))} }}
  instance i-c in s4 ip 10.1.1.10 sg gb
}}
vpn vpn-1 to vgw-a
{"vpn vpn-2 to tgw-1" if vpn_attachment else ""}
tgw tgw-1 {{
  attach att-a vpc vpc-a subnets s1 table t
  attach att-b vpc vpc-b subnets s4 table t
  {"attach att-v vpn vpn-2 table t" if vpn_attachment else ""}
  table t {{ propagate att-a att-b {"att-v" if vpn_attachment else ""} }}
}}
"""
    network = parse_network(text, "generated.net")
    if draw(st.booleans()):
        dc = OnPremNetwork(cidr=Cidr.parse("192.168.0.0/16"), name="dc")
        network = network.model_copy(update={"onprem": (dc,)})
    return _lose(network, draw(st.sampled_from(["", "r2", "igw-a", "g1"])))


def _lose(network: Network, lost: str) -> Network:
    """The network as an export that lacks `lost` (a route table, a gateway, a group)."""
    return network.model_copy(
        update={
            "route_tables": tuple(t for t in network.route_tables if t.id != lost),
            "internet_gateways": tuple(g for g in network.internet_gateways if g.id != lost),
            "security_groups": tuple(g for g in network.security_groups if g.id != lost),
        }
    )


ADDRESSES = [
    "10.0.1.10",
    "10.0.2.10",
    "10.1.1.10",
    "54.0.0.10",
    "54.0.0.20",
    "192.168.1.1",
    "8.8.8.8",
    "10.9.9.9",
]
SOURCES = {
    "internet": "1.2.3.4",
    "eni-i-a": "10.0.1.10",
    "eni-i-b": "10.0.2.10",
    "eni-i-c": "10.1.1.10",
    "onprem:dc": "192.168.1.1",
}
ENDPOINTS = {
    "internet": "internet",
    "eni-i-a": "i-a",
    "eni-i-b": "i-b",
    "eni-i-c": "i-c",
    "onprem:dc": "dc",
}


@st.composite
def packets(draw: st.DrawFn) -> tuple[str, Packet]:
    source = draw(st.sampled_from(sorted(SOURCES)))
    proto = draw(st.sampled_from([TCP, UDP, ICMP]))
    ported = proto in (TCP, UDP)
    return source, Packet(
        src=parse_ip(SOURCES[source]),
        dst=parse_ip(draw(st.sampled_from(ADDRESSES))),
        protocol=proto,
        src_port=40000 if ported else 0,
        dst_port=draw(st.sampled_from([22, 80, 443])) if ported else 0,
        icmp_type=8 if proto == ICMP else 0,
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.lists(packets(), min_size=1, max_size=3))
def test_no_proof_through_an_unknown_component(
    network: Network, cases: list[tuple[str, Packet]]
) -> None:
    ix = NetIndex(network)
    for source, pkt in cases:
        if source.startswith("onprem:") and not network.onprem:
            continue
        verdict = concrete(ix, source, pkt)
        assert packet_reachable(ix, source, pkt) is verdict, (source, str(pkt))
        if verdict is False:
            continue
        port = pkt.dst_port if pkt.protocol in (TCP, UDP) else None
        answer = reach(ix, ENDPOINTS[source], format_ip(pkt.dst), pkt.protocol, port).answer
        # This very packet gets through, or might: no proof of the contrary may stand.
        assert answer.status is not Status.PROVEN, (source, str(pkt), answer.reason)
        if verdict is None:
            assert answer.status is Status.UNKNOWN, (source, str(pkt))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.sampled_from([22, 80, 443]))
def test_nothing_exposed_is_never_proven_past_an_unknown(network: Network, port: int) -> None:
    ix = NetIndex(network)
    result = exposures(ix)
    for eni in network.enis:
        for _, public in eni.public_ips:
            pkt = Packet(
                src=parse_ip("1.2.3.4"), dst=public, protocol=TCP, src_port=40000, dst_port=port
            )
            verdict = concrete(ix, "internet", pkt)
            if verdict is not False:
                assert result.answer.status is not Status.PROVEN, (eni.id, port)
            if verdict is True:
                listed = [e for e in result.exposures if e.eni == eni.id and e.protocol == "tcp"]
                assert any(lo <= port <= hi for e in listed for lo, hi in e.ports), (eni.id, port)
