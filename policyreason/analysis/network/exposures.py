"""The exposures question: what is reachable from the internet, on which ports?"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from policyreason.analysis.network.explore import DELIVERED, Branch, explore, replies
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.simulate import replay, round_trip
from policyreason.analysis.network.solve import NICE_EXPOSURE, PacketSolver
from policyreason.analysis.network.trace import INTERNET, PathWitness, Trace
from policyreason.errors import ModelInvalid
from policyreason.ir.network import (
    ICMP,
    TCP,
    UDP,
    Eni,
    Network,
    Packet,
    protocol_name,
)
from policyreason.smt.encode_network import (
    FALSE,
    And,
    Eq,
    Not,
    Or,
    Pred,
    View,
    between,
    conj,
    disj,
    eq,
    evaluate,
    neg,
    one_of,
)
from policyreason.smt.session import DEFAULT_RLIMIT, Session, Verdict


@dataclass(frozen=True)
class Exposure:
    """An interface reachable from the internet: the protocol, its exact ports, one witness."""

    target: str
    eni: str
    protocol: str
    ports: tuple[tuple[int, int], ...]
    witness: PathWitness
    rule: str = ""


@dataclass(frozen=True)
class ExposureResult:
    exposures: tuple[Exposure, ...]
    unknown: tuple[tuple[str, str], ...] = ()
    queries: int = 0


def _is_eni_or(eni_id: str, others: frozenset[str], eni: Eni) -> bool:
    return eni.id == eni_id or eni.id in others


def _cuts(ix: NetIndex) -> list[int]:
    cuts = {0, 65536}
    for sg in ix.net.security_groups:
        for rule in sg.ingress + sg.egress:
            if rule.ports:
                cuts |= {rule.ports.lo, rule.ports.hi + 1}
    for acl in ix.net.network_acls:
        for entry in acl.entries:
            if entry.ports:
                cuts |= {entry.ports.lo, entry.ports.hi + 1}
    for lb in ix.net.load_balancers:
        cuts |= {p for li in lb.listeners for p in (li.port, li.port + 1)}
    return sorted(c for c in cuts if 0 <= c <= 65536)


def _protocols(ix: NetIndex) -> set[int]:
    named = {TCP, UDP, ICMP}
    for sg in ix.net.security_groups:
        named |= {r.protocol for r in sg.ingress + sg.egress if r.protocol != -1}
    for acl in ix.net.network_acls:
        named |= {e.protocol for e in acl.entries if e.protocol != -1}
    return named


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def exposures(network: Network | NetIndex, rlimit: int | None = DEFAULT_RLIMIT) -> ExposureResult:
    """Every interface reachable from the internet, with exact protocols and port ranges.

    Within one interval between consecutive rule boundaries every destination port behaves
    alike (all port constraints are unions of such intervals), so one witness proves the whole
    interval; the interval is then excluded and the solver asked again until unsat.

    Interfaces whose reachability predicate is the same up to their public address (same
    groups, same ACL and route contents) share one answer; each still gets its own witness,
    replayed concretely, and is solved afresh if the replay fails.
    """
    ix = network if isinstance(network, NetIndex) else NetIndex(network)
    cuts = _cuts(ix)
    named = _protocols(ix)
    q = PacketSolver(Session(rlimit=rlimit))
    found: list[Exposure] = []
    unknown: list[tuple[str, str]] = []
    shapes: dict[Pred, list[_Exposed]] = {}
    balancers = frozenset(e for e in ix.lb_of_eni if ix.enis[e].public_ips)
    behind = _behind(ix, balancers)
    for eni in ix.net.enis:
        if eni.id in ix.nat_of_eni or eni.id in ix.lb_of_eni:
            continue
        public = eni.public_ips and eni.vpc_id in ix.igw_of_vpc
        if not public and eni.id not in behind:
            continue
        paths = _reachable_from_internet(ix, eni, balancers)
        reachable = disj(*(b.pred() for b in paths))
        if reachable == FALSE:
            continue
        target = eni.instance_id or eni.id
        shape = _shape(reachable, eni)
        exposed = _reuse(ix, eni, shapes.get(shape)) if shape is not None else None
        if exposed is None:
            exposed, why = _expose(ix, q, eni, paths, cuts, named)
            if why:
                unknown.append((target, why))
            elif shape is not None:
                shapes[shape] = exposed
        for e in exposed:
            found.append(Exposure(target, eni.id, e.protocol, e.ports, e.witness, e.rule))
    return ExposureResult(tuple(found), tuple(unknown), q.session.queries)


@dataclass(frozen=True)
class _Exposed:
    protocol: str
    rule: str
    ports: tuple[tuple[int, int], ...]
    witness: PathWitness


def _behind(ix: NetIndex, balancers: frozenset[str]) -> set[str]:
    """The interfaces that internet-facing load balancers forward to."""
    out = set()
    for eni_id in balancers:
        vpc = ix.enis[eni_id].vpc_id
        for listener in ix.lb_of_eni[eni_id].listeners:
            for _, ip, _ in ix.lb_targets(listener):
                target = ix.eni_by_ip.get((vpc, ip))
                if target is not None:
                    out.add(target.id)
    return out


def _reachable_from_internet(ix: NetIndex, eni: Eni, balancers: frozenset[str]) -> list[Branch]:
    """Every way a packet from the internet reaches `eni` (directly or through an
    internet-facing load balancer) and its answer gets back."""
    paths = []
    wanted = partial(_is_eni_or, eni.id, balancers)
    for fwd in explore(ix, INTERNET, View(), wanted):
        if fwd.end != DELIVERED or fwd.delivered_to != eni.id:
            continue
        paths += [
            b
            for b in replies(ix, fwd, INTERNET)
            if b.end == DELIVERED and b.delivered_to == INTERNET
        ]
    return paths


def _choices_of(paths: list[Branch], pkt: Packet) -> tuple[tuple[str, str], ...]:
    """The load balancer targets of the first path `pkt` takes."""
    env = {
        "src": pkt.src,
        "dst": pkt.dst,
        "proto": pkt.protocol,
        "sport": pkt.src_port,
        "dport": pkt.dst_port,
    }
    return next((b.choices for b in paths if evaluate(b.pred(), env)), ())


def _expose(
    ix: NetIndex, q: PacketSolver, eni: Eni, paths: list[Branch], cuts: list[int], named: set[int]
) -> tuple[list[_Exposed], str]:
    """The exposure classes of one interface, each with a replayed witness."""
    reachable = disj(*(b.pred() for b in paths))
    ranges: dict[tuple[str, str], list[tuple[int, int]]] = {}
    witnesses: dict[tuple[str, str], PathWitness] = {}
    blocks: list[Pred] = []
    why = ""
    while True:
        verdict, pkt, why = q.solve(conj(reachable, *blocks))
        if verdict is not Verdict.SAT or pkt is None:
            break
        block, name, span = _class_of(pkt, cuts, named)
        _, nicer, _ = q.witness(conj(reachable, block), NICE_EXPOSURE)
        pkt = nicer or pkt
        trace, reply = replay(ix, INTERNET, pkt, _choices_of(paths, pkt))
        if trace.delivered_to != eni.id or not round_trip(INTERNET, reply):
            raise ModelInvalid(f"exposure witness {pkt} does not reach {eni.id}")
        key = (name, _opening_rule(trace))
        ranges.setdefault(key, []).append(span)
        witnesses.setdefault(key, PathWitness(INTERNET, pkt, trace, reply))
        blocks.append(neg(block))
    exposed = []
    for (name, rule), spans in ranges.items():
        ports = _merge(spans) if name in ("tcp", "udp") else ()
        exposed.append(_Exposed(name, rule, ports, witnesses[(name, rule)]))
    return exposed, why


def _shape(p: Pred, eni: Eni) -> Pred | None:
    """`p` with the interface's public address abstracted (None if it has several)."""
    if len(eni.public_ips) != 1:
        return None
    public = eni.public_ips[0][1]

    def rename(q: Pred) -> Pred:
        if isinstance(q, Eq) and q.field == "dst" and q.value == public:
            return Eq("dst", -1)
        if isinstance(q, And):
            return And(tuple(rename(i) for i in q.items))
        if isinstance(q, Or):
            return Or(tuple(rename(i) for i in q.items))
        if isinstance(q, Not):
            return Not(rename(q.item))
        return q

    return rename(p)


def _reuse(ix: NetIndex, eni: Eni, known: list[_Exposed] | None) -> list[_Exposed] | None:
    """The answer of a same-shaped interface, with witnesses moved to `eni` and replayed."""
    if known is None:
        return None
    public = eni.public_ips[0][1]
    out = []
    for e in known:
        pkt = e.witness.packet.model_copy(update={"dst": public})
        trace, reply = replay(ix, INTERNET, pkt)
        if trace.delivered_to != eni.id or not round_trip(INTERNET, reply):
            return None
        if _opening_rule(trace) != e.rule:
            return None
        out.append(replace(e, witness=PathWitness(INTERNET, pkt, trace, reply)))
    return out


def _opening_rule(trace: Trace) -> str:
    """The security group rule that admitted the packet (empty for unfiltered interfaces)."""
    return next((h.rule for h in trace.hops if h.kind == "security-group" and h.rule), "")


def _class_of(pkt: Packet, cuts: list[int], named: set[int]) -> tuple[Pred, str, tuple[int, int]]:
    """The class of headers that behave like `pkt`: protocol, and the port interval if any."""
    if pkt.protocol in (TCP, UDP):
        lo = max(c for c in cuts if c <= pkt.dst_port)
        hi = min(c for c in cuts if c > pkt.dst_port) - 1
        block = conj(eq("proto", pkt.protocol), _ports(lo, hi))
        return block, protocol_name(pkt.protocol), (lo, hi)
    if pkt.protocol in named:
        return eq("proto", pkt.protocol), protocol_name(pkt.protocol), (0, 0)
    return neg(one_of("proto", sorted(named))), "other", (0, 0)


def _ports(lo: int, hi: int) -> Pred:
    return between("dport", lo, hi)
