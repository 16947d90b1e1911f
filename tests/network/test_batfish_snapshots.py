"""The Batfish AWS snapshots and what Batfish's own tests say about them."""

from pathlib import Path

import pytest

from policyreason.analysis.network.exposures import exposures
from policyreason.analysis.network.reach import reach
from policyreason.analysis.network.trace import Code, Trace
from policyreason.inputs.aws_describe import read_snapshot
from policyreason.ir.cidr import Cidr, parse_ip
from policyreason.ir.diagnostic import Level
from policyreason.ir.network import ICMP, TCP, UDP, Network, TargetKind

SNAPSHOTS = Path(__file__).parents[2].parent / "shared/corpora/batfish-aws-snapshots"

ALL = sorted(p.name for p in SNAPSHOTS.iterdir() if p.is_dir()) if SNAPSHOTS.is_dir() else []


def load(snapshots: Path, name: str) -> Network:
    network, diagnostics = read_snapshot(snapshots / name)
    assert [d for d in diagnostics if d.level is Level.ERROR] == []
    return network


def kinds(trace: Trace) -> list[str]:
    return [h.kind for h in trace.hops]


@pytest.mark.parametrize("name", ALL)
def test_every_snapshot_reads_and_answers(snapshots: Path, name: str) -> None:
    network, diagnostics = read_snapshot(snapshots / name)
    assert [d for d in diagnostics if d.level is Level.ERROR] == []
    result = exposures(network)
    for e in result.exposures:
        assert e.witness.forward.delivered_to == e.eni
    # Only an export that lacks what it names leaves anything undecided, and says what.
    lacking = {d.message.split()[2] for d in diagnostics if d.code == "NET-MISSING-REF"}
    assert {target for target, _ in result.unknown} <= lacking
    assert result.possible == ()


def test_multi_account_folders_keep_account_and_region(snapshots: Path) -> None:
    network = load(snapshots, "test-multi-account")
    assert {(v.account, v.region) for v in network.vpcs} == {
        ("111", "us-west-1"),
        ("222", "us-west-2"),
    }


def test_public_subnet(snapshots: Path) -> None:
    n = load(snapshots, "test-public-subnet")
    # Port 80 crosses the IGW (destination NAT to 10.0.0.91) and dies at the security group.
    r = reach(n, "internet", "18.216.80.133", TCP, 80)
    assert r.reachable is False and r.blocked is not None
    fwd = r.blocked.forward
    assert fwd.code is Code.ENI_SG_RULES_MISMATCH
    igw = next(h for h in fwd.hops if h.kind == "internet-gateway")
    assert igw.packet is not None and igw.packet.dst == parse_ip("10.0.0.91")
    # An unknown public address is not routed to the VPC.
    unknown = reach(n, "internet", "18.216.80.134", TCP, 22)
    assert unknown.reachable is False and unknown.blocked is not None
    assert unknown.blocked.forward.code is Code.NO_ROUTE_TO_DESTINATION
    # The instance reaches 8.8.8.8 through the IGW, which rewrites its source.
    out = reach(n, "i-06669a407b2ef3ae5", "8.8.8.8", UDP, 53)
    assert out.reachable is True
    final = out.paths[0].forward.final
    assert final is not None and final.src == parse_ip("18.216.80.133")
    # SSH is the one thing open to the internet.
    exposed = exposures(n).exposures
    assert [(e.target, e.protocol, e.ports) for e in exposed] == [
        ("i-06669a407b2ef3ae5", "tcp", ((22, 22),))
    ]


def test_public_subnet_private_source_without_public_ip_dies_at_igw(snapshots: Path) -> None:
    n = load(snapshots, "test-public-subnet")
    eni = n.enis[0]
    extra = eni.model_copy(update={"private_ips": (*eni.private_ips, parse_ip("10.0.0.92"))})
    n2 = n.model_copy(update={"enis": (extra,)})
    r = reach(n2, "10.0.0.92", "8.8.8.8", UDP, 53)
    assert r.reachable is False and r.blocked is not None
    assert r.blocked.forward.code is Code.IGW_NO_PUBLIC_IP


def test_subnet_instances_meet_security_groups_only(snapshots: Path) -> None:
    n = load(snapshots, "test-subnet")
    r = reach(n, "i-08ef86e76fceabd8d", "i-07519d6ba3f9497e4", TCP, 22)
    assert r.reachable is True
    assert "network-acl" not in kinds(r.paths[0].forward)
    assert "security-group" in kinds(r.paths[0].forward)
    assert reach(n, "i-08ef86e76fceabd8d", "i-07519d6ba3f9497e4", TCP, 80).reachable is False


def test_nat_gateway(snapshots: Path) -> None:
    n = load(snapshots, "test-nat-gateway")
    out = reach(n, "i-0a128d26e59be60f3", "8.8.8.8", TCP, 80)
    assert out.reachable is True
    path = out.paths[0]
    assert path.reply is not None
    assert "nat-gateway" in kinds(path.forward) and "nat-gateway" in kinds(path.reply)
    assert path.forward.final is not None
    assert path.forward.final.src == parse_ip("3.135.127.225")
    other = reach(n, "i-0a128d26e59be60f3", "8.8.8.8", 50)
    assert other.reachable is False and other.blocked is not None
    assert other.blocked.forward.code is Code.NAT_UNSUPPORTED_PROTOCOL
    assert reach(n, "i-0a128d26e59be60f3", "8.8.8.8", ICMP).reachable is True
    inbound = reach(n, "internet", "3.135.127.225", TCP, 80)
    assert inbound.reachable is False and inbound.blocked is not None
    assert inbound.blocked.forward.code is Code.NAT_INBOUND
    # The instance in the NAT gateway's own subnet goes out through the IGW, not the NAT.
    own = reach(n, "i-0b31b509174d7f5de", "8.8.8.8", TCP, 80)
    assert own.reachable is True
    assert "nat-gateway" not in kinds(own.paths[0].forward)


def test_vpc_peering(snapshots: Path) -> None:
    n = load(snapshots, "test-vpc-peering")
    a, b, c = "eni-0f0708220e812876c", "eni-0024c0af5aa1387e5", "eni-06347554b65539ff3"
    ab = reach(n, a, b, TCP, 22)
    assert ab.reachable is True and "vpc-peering" in kinds(ab.paths[0].forward)
    assert reach(n, b, a, TCP, 22).reachable is True
    assert reach(n, a, c, TCP, 22).reachable is True
    for unused in ("192.168.3.9", "192.168.200.1"):
        r = reach(n, a, unused, TCP, 22)
        assert r.reachable is False and r.blocked is not None
        assert r.blocked.forward.code is Code.NO_ROUTE_TO_DESTINATION
        assert r.blocked.forward.hops[-1].kind == "route-table"


def test_transit_gateway(snapshots: Path) -> None:
    n = load(snapshots, "test-transit-gateway")
    a1, a2, b = "eni-0f0708220e812876c", "eni-030eeb1fb8c2d6654", "eni-0024c0af5aa1387e5"
    assert reach(n, a1, b, TCP, 22).reachable is True
    assert reach(n, b, a1, TCP, 22).reachable is True
    # A2's zone has no attachment subnet: its packets die leaving the subnet.
    dead = reach(n, a2, b, TCP, 22)
    assert dead.reachable is False and dead.blocked is not None
    assert dead.blocked.forward.code is Code.TGW_NO_ATTACHMENT_IN_AZ
    # B reaches A2, but A2's answer cannot get back.
    back = reach(n, b, a2, TCP, 22)
    assert back.reachable is False and back.blocked is not None
    assert back.blocked.forward.delivered and back.blocked.forward.delivered_to == a2
    assert back.blocked.reply is not None
    assert back.blocked.reply.code is Code.TGW_NO_ATTACHMENT_IN_AZ


def test_transit_gateway_peering_crosses_regions(snapshots: Path) -> None:
    n = load(snapshots, "test-transit-gateway-peering")
    # 10.20/16 reaches 192.168/16 across the peering attachment (a static route each side),
    # but the table the peering attachment is associated with on the way back only knows
    # 10.10/16: the answer is dropped there.
    r = reach(n, "10.20.1.100", "192.168.1.100", TCP, 22)
    assert r.reachable is False and r.blocked is not None
    assert r.blocked.forward.delivered
    assert "transit-gateway-attachment" in kinds(r.blocked.forward)
    assert r.blocked.reply is not None
    assert r.blocked.reply.code is Code.NO_ROUTE_TO_DESTINATION
    assert r.blocked.reply.hops[-1].component == "tgw-rtb-05d2952671d1f460a"


def test_gateway_endpoint(snapshots: Path) -> None:
    n = load(snapshots, "test-vpc-endpoint-gateway")
    r = reach(n, "i-01c6c0647fdccc89e", "52.216.1.1", TCP, 443)
    assert r.reachable is True
    assert r.paths[0].forward.delivered_to == "vpce-0b7357542bb7b83ec"
    # The private subnet has no other way out.
    assert reach(n, "i-01c6c0647fdccc89e", "8.8.8.8", TCP, 443).reachable is False


def test_interface_endpoint(snapshots: Path) -> None:
    n = load(snapshots, "test-vpc-endpoint-interface")
    r = reach(n, "i-0eb6eb395a0d09117", "eni-0084b734451ba23ca", TCP, 443)
    assert r.reachable is True
    assert r.paths[0].forward.hops[-1].kind == "vpc-endpoint"
    assert reach(n, "i-0eb6eb395a0d09117", "eni-0084b734451ba23ca", TCP, 80).reachable is False


def test_load_balancer_forwards_its_listener_port_to_the_targets(snapshots: Path) -> None:
    n = load(snapshots, "test-load-balancer")
    client, lb_ip = "i-0c8ce8bbdd98cc4e8", "10.1.1.237"
    r = reach(n, client, lb_ip, TCP, 80)
    assert r.reachable is True
    path = r.paths[0]
    lb_hop = next(h for h in path.forward.hops if h.kind == "load-balancer")
    assert lb_hop.packet is not None and lb_hop.packet.dst_port == 22
    assert path.forward.delivered_to in ("eni-0a4486d9ba39d5e3e", "eni-02e730a1b02dbc756")
    assert path.reply is not None and path.reply.delivered_to == "eni-038def4bc4303c3e6"
    other = reach(n, client, lb_ip, TCP, 81)
    assert other.reachable is False and other.blocked is not None
    assert other.blocked.forward.code is Code.LB_NO_LISTENER
    # A target is reached through the balancer on the listener's port.
    via = reach(n, client, "i-0f4af951d61a19245", TCP, 80)
    assert via.reachable is True and via.paths[0].packet.dst != parse_ip("10.1.20.95")


def test_targets_behind_an_internet_facing_balancer_are_exposed(snapshots: Path) -> None:
    n = load(snapshots, "test-load-balancer")
    # Make the balancer internet-facing: a public address on one of its interfaces and a
    # default route to the internet gateway in the subnets' main table.
    lb_eni = next(e for e in n.enis if e.id == "eni-0c82d6f7254ae6695")
    public = parse_ip("3.3.3.3")
    lb_eni = lb_eni.model_copy(update={"public_ips": ((lb_eni.private_ips[0], public),)})
    igw = n.internet_gateways[0]
    tables = []
    for table in n.route_tables:
        if table.main:
            default = table.routes[0].model_copy(
                update={
                    "destination": Cidr.parse("0.0.0.0/0"),
                    "target_kind": TargetKind.INTERNET_GATEWAY,
                    "target_id": igw.id,
                }
            )
            table = table.model_copy(update={"routes": (*table.routes, default)})
        tables.append(table)
    enis = tuple(lb_eni if e.id == lb_eni.id else e for e in n.enis)
    n2 = n.model_copy(update={"enis": enis, "route_tables": tuple(tables)})
    found = {(e.target, e.protocol, e.ports) for e in exposures(n2).exposures}
    assert ("i-0f4af951d61a19245", "tcp", ((80, 80),)) in found
    assert ("i-055b0db7be365202c", "tcp", ((80, 80),)) in found
    assert ("i-0f4af951d61a19245", "tcp", ((22, 22),)) not in found


def _tgw_tables(trace: Trace | None) -> list[str]:
    assert trace is not None
    return [h.component for h in trace.hops if h.kind == "transit-gateway-route-table"]


def test_cross_account_peering_and_transit_gateway(snapshots: Path) -> None:
    peering = load(snapshots, "test-vpc-peering-multi-account")
    r = reach(peering, "10.2.1.252", "10.1.1.100", TCP, 22)
    assert r.reachable is True and "vpc-peering" in kinds(r.paths[0].forward)
    tgw = load(snapshots, "test-transit-gateway-multi-account")
    assert reach(tgw, "10.1.1.100", "10.2.1.183", TCP, 22).reachable is True


def test_each_attachment_uses_its_own_tgw_route_table(snapshots: Path) -> None:
    n = load(snapshots, "test-transit-gateway-multi-table")
    r = reach(n, "10.10.10.157", "192.168.1.106", TCP, 22)
    assert r.reachable is True
    path = r.paths[0]
    assert _tgw_tables(path.forward) == ["tgw-rtb-0fa40c8df355dce6e"]
    assert _tgw_tables(path.reply) == ["tgw-rtb-096a7119299ab1c42"]


def test_asymmetric_paths_through_two_transit_gateways(snapshots: Path) -> None:
    n = load(snapshots, "test-transit-gateway-asymmetric-paths")
    r = reach(n, "10.1.1.100", "10.2.1.100", TCP, 22)
    assert r.reachable is True
    path = r.paths[0]
    assert _tgw_tables(path.forward) != _tgw_tables(path.reply)
