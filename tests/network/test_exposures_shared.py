"""`exposures` walks from the internet once and shares one answer among interfaces alike; it
must answer exactly as asking each interface on its own does."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.analysis.network.exposures import Exposure, ExposureResult, exposures
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.trace import PathWitness, Trace
from policyreason.inputs.aws_describe import read_snapshot
from policyreason.ir.network import Network
from policyreason.parse.network_dsl import parse_network
from tests.network.edits import SNAPSHOTS

RULES = [
    "in tcp 22 from 0.0.0.0/0",
    "in tcp 80 from 0.0.0.0/0",
    "in tcp 1000-2000 from 1.2.3.0/24",
    "in udp 53 from 0.0.0.0/0",
    "in icmp type 8 from 0.0.0.0/0",
    "in all from 10.0.0.0/8",
    "in tcp 443 from ::/0",
    "in all from sg @1",
]
ACL = [
    "in 100 deny tcp 22 from 0.0.0.0/0",
    "in 150 deny udp 53 from 1.2.3.0/24",
    "in 200 allow all from 0.0.0.0/0",
    "in 210 allow all from ::/0",
    "out 100 allow all to 0.0.0.0/0",
    "out 110 allow all to ::/0",
]


def _groups(vpc: str, first: list[str], second: list[str]) -> list[str]:
    """Four groups: the first, the second, a copy of the first under another id, and the
    first with its rules in reverse order (the same packets, other rules opening them)."""
    rules = [[r.replace("@", vpc) for r in rs] for rs in (first, second, first, first[::-1])]
    return [f"sg {vpc}{n} {{ {' '.join(r)} }}" for n, r in enumerate(rules)]


@st.composite
def instance(draw: st.DrawFn, v6: bool) -> tuple[str, bool, bool, tuple[int, ...], bool]:
    subnet = draw(st.sampled_from(["p1", "p2", "q"]))
    public = draw(st.booleans())
    ipv6 = v6 and draw(st.booleans())
    groups = draw(st.lists(st.integers(0, 3), max_size=2, unique=True))
    stopped = draw(st.integers(0, 5)) == 0
    return subnet, public, ipv6, tuple(groups), stopped


@st.composite
def exports(draw: st.DrawFn) -> Network:
    """Two VPCs built alike under their own ids (as copies of a network in one export are),
    whose interfaces differ in subnet, public address, IPv6, groups and state; the second
    VPC's interfaces sometimes differ from their twins, and its groups' rules sometimes."""
    v6 = draw(st.booleans())
    first = draw(st.lists(st.sampled_from(RULES), min_size=1, max_size=3))
    second = draw(st.lists(st.sampled_from(RULES), max_size=2))
    acl = draw(st.lists(st.sampled_from(ACL), min_size=1, max_size=4, unique=True))
    nat = draw(st.booleans())
    layout = draw(st.lists(instance(v6), min_size=2, max_size=6))
    text = []
    public = 0
    for k, vpc in enumerate(("va", "vb")):
        if k and draw(st.booleans()):
            first = draw(st.lists(st.sampled_from(RULES), min_size=1, max_size=3))
        lines = [
            f"vpc {vpc} 10.{k}.0.0/16 {f'2600:{k}::/56' if v6 else ''} {{",
            f"  igw {vpc}-igw",
            *(
                f"  subnet {vpc}-{s} 10.{k}.{n}.0/24 {f'2600:{k}:0:{n}::/64' if v6 else ''} az a"
                for n, s in enumerate(("p1", "p2", "q"), 1)
            ),
            f"  route-table {vpc}-rp {{ associate {vpc}-p1 {vpc}-p2 "
            f"route 0.0.0.0/0 -> {vpc}-igw {f'route ::/0 -> {vpc}-igw' if v6 else ''} }}",
            *_groups(vpc, first, second),
            f"  nacl {vpc}-acl subnets {vpc}-p2 {{ {' '.join(acl)} }}",
        ]
        if nat:
            lines.append(f"  nat {vpc}-nat in {vpc}-p1 ip 10.{k}.1.5 public 198.18.{k}.250")
            lines.append(
                f"  route-table {vpc}-rq {{ associate {vpc}-q route 0.0.0.0/0 -> {vpc}-nat }}"
            )
        for i, (subnet, pub, ipv6, groups, stopped) in enumerate(layout):
            if k and draw(st.integers(0, 3)) == 0:
                subnet, pub, ipv6, groups, stopped = draw(instance(v6))
            n = ("p1", "p2", "q").index(subnet) + 1
            ip = f"10.{k}.{n}.{10 + i}" + (f" 2600:{k}:0:{n}::{10 + i:x}" if ipv6 else "")
            address = f" public 198.18.{k}.{public + 1}" if pub else ""
            public += 1
            sgs = f" sg {' '.join(f'{vpc}{g}' for g in groups)}" if groups else ""
            state = " stopped" if stopped else ""
            lines.append(f"  instance {vpc}-i{i} in {vpc}-{subnet} ip {ip}{address}{sgs}{state}")
        text += [*lines, "}"]
    return parse_network("\n".join(text) + "\n", "export.net")


def _trace(t: Trace | None) -> object:
    if t is None:
        return None
    return t.disposition, t.delivered_to, tuple((h.component, h.kind, h.rule) for h in t.hops)


def _witness(w: PathWitness) -> object:
    """What a witness shows apart from the packet's free choices (client address and port,
    and which port of the class)."""
    p = w.packet
    return w.source, p.protocol, p.dst, _trace(w.forward), _trace(w.reply), w.round_trip


def _exposure(e: Exposure) -> object:
    assert e.witness.packet.dst_port in range(65536)
    if e.ports:
        assert any(lo <= e.witness.packet.dst_port <= hi for lo, hi in e.ports)
    return (
        e.target,
        e.eni,
        e.protocol,
        e.ports,
        e.rule,
        e.icmp_types,
        e.unknowns,
        _witness(e.witness),
    )


def _same(shared: ExposureResult, alone: ExposureResult) -> None:
    a, b = shared.answer, alone.answer
    assert (a.status, a.reason, a.assumptions) == (b.status, b.reason, b.assumptions)
    assert (a.proof is None) == (b.proof is None)
    assert [_exposure(e) for e in shared.exposures] == [_exposure(e) for e in alone.exposures]
    assert [_exposure(e) for e in shared.possible] == [_exposure(e) for e in alone.possible]
    assert shared.unknown == alone.unknown
    # Sharing is the point: never more questions than asking each interface.
    assert shared.queries <= alone.queries


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_shared_answer_is_each_interfaces_answer(network: Network) -> None:
    ix = NetIndex(network)
    _same(exposures(ix), exposures(ix, share=False))


def test_copies_share_one_answer() -> None:
    """Interfaces alike up to their ids and addresses are asked about once."""
    network = parse_network(
        "\n".join(
            f"""vpc v{k} 10.0.0.0/16 {{
  igw igw{k}
  subnet s{k} 10.0.1.0/24
  route-table r{k} {{ associate s{k} route 0.0.0.0/0 -> igw{k} }}
  sg g{k} {{ in tcp 22 from 0.0.0.0/0 in tcp 443 from 0.0.0.0/0 }}
  instance i{k} in s{k} ip 10.0.1.10 public 198.18.0.{k + 1} sg g{k}
}}"""
            for k in range(5)
        ),
        "copies.net",
    )
    shared, alone = exposures(network), exposures(network, share=False)
    _same(shared, alone)
    assert {e.rule for e in shared.exposures} == {
        f"g{k} inbound rule #{n}" for k in range(5) for n in (1, 2)
    }
    assert shared.queries * 5 == alone.queries


@pytest.mark.parametrize("name", sorted(p.name for p in SNAPSHOTS.glob("*") if p.is_dir()))
def test_snapshots_answer_alike_shared_or_not(snapshots: Path, name: str) -> None:
    network, _ = read_snapshot(snapshots / name)
    ix = NetIndex(network)
    _same(exposures(ix), exposures(ix, share=False))
