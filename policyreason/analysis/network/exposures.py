"""The exposures question: what is reachable from the internet, on which ports?

Every interface the internet could address (a public IPv4 or an IPv6 address in a VPC with an
internet gateway, or a target of an internet-facing load balancer) is asked in turn. Paths
whose every component is decided give exposures with witnesses; paths past components whose
verdict is unknown (inspection appliances, firewalls without their rules) give *possible*
exposures; branches that stop at something the model lacks leave the answer unknown, naming
it. "Nothing is reachable from the internet" is proven only when all of these are unsat.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial

from policyreason.analysis.network.branch import DELIVERED, UNKNOWN, Branch
from policyreason.analysis.network.explore import explore, explore_internet, replies
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.simulate import replay
from policyreason.analysis.network.solve import NICE_EXPOSURE, PacketSolver, Solved
from policyreason.analysis.network.trace import INTERNET, PathWitness, Trace, Unknown
from policyreason.errors import ModelInvalid
from policyreason.ir.answer import Answer, Proof
from policyreason.ir.cidr import is_v4
from policyreason.ir.network import (
    ICMP,
    ICMP_PROTOCOLS,
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
    sg_rule,
)
from policyreason.smt.session import DEFAULT_RLIMIT, Verdict


@dataclass(frozen=True)
class Exposure:
    """An interface reachable from the internet: the protocol, its exact destination ports
    (TCP, UDP) or ICMP types, the security group rule that lets it in, one witness. A possible
    exposure lists the `unknowns` it passes (it is real only if they let the traffic through).
    """

    target: str
    eni: str
    protocol: str
    ports: tuple[tuple[int, int], ...]
    witness: PathWitness
    rule: str = ""
    icmp_types: tuple[tuple[int, int], ...] = ()
    unknowns: tuple[Unknown, ...] = ()


@dataclass(frozen=True)
class ExposureResult:
    """The answer of `reach --exposures`: witnessed exposures, or proven that there are none,
    or unknown. `possible` are exposures through components whose verdict is unknown, and
    `unknown` the targets (or components) the solver or the model could not decide."""

    answer: Answer[Exposure]
    possible: tuple[Exposure, ...] = ()
    unknown: tuple[tuple[str, str], ...] = ()

    @property
    def exposures(self) -> tuple[Exposure, ...]:
        return self.answer.witnesses

    @property
    def queries(self) -> int:
        return self.answer.queries


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
    for group in ix.net.rule_groups:
        for fw_rule in group.rules:
            cuts |= {p for r in fw_rule.destination_ports for p in (r.lo, r.hi + 1)}
    return sorted(c for c in cuts if 0 <= c <= 65536)


def _type_cuts(ix: NetIndex) -> list[int]:
    """Boundaries of the ICMP type intervals within which every rule behaves alike."""
    kinds = [r.icmp for g in ix.net.security_groups for r in g.ingress + g.egress]
    kinds += [e.icmp for a in ix.net.network_acls for e in a.entries]
    cuts = {0, 256}
    for k in kinds:
        if k is not None and k.type is not None:
            cuts |= {k.type, k.type + 1}
    return sorted(cuts)


def _protocols(ix: NetIndex) -> set[int]:
    named = {TCP, UDP, ICMP}
    for sg in ix.net.security_groups:
        named |= {r.protocol for r in sg.ingress + sg.egress if r.protocol != -1}
    for acl in ix.net.network_acls:
        named |= {e.protocol for e in acl.entries if e.protocol != -1}
    for group in ix.net.rule_groups:
        named |= {p for rule in group.rules for p in rule.protocols}
    return named


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


@dataclass
class _Classes:
    """How exposures are cut into classes that behave alike, and the solver that asks."""

    ix: NetIndex
    rlimit: int | None
    cuts: list[int]
    type_cuts: list[int]
    named: set[int]
    proof: Proof | None = None

    def __post_init__(self) -> None:
        self.solver = self._solver()

    def _solver(self) -> PacketSolver:
        return PacketSolver(self.rlimit, ipv6=self.ix.has_v6)

    @property
    def queries(self) -> int:
        return self.solver.queries

    def record(self, solved: Solved) -> None:
        if solved.verdict is Verdict.UNSAT and solved.proof is not None:
            self.proof = solved.proof if self.proof is None else self.proof.join(solved.proof)


def exposures(
    network: Network | NetIndex, rlimit: int | None = DEFAULT_RLIMIT, share: bool = True
) -> ExposureResult:
    """Every interface reachable from the internet, with exact protocols and port ranges.

    Within one interval between consecutive rule boundaries every destination port behaves
    alike (all port constraints are unions of such intervals), so one witness proves the whole
    interval; the interval is then excluded and the solver asked again until unsat.

    One walk from the internet serves every interface. Interfaces whose reachability
    predicate is the same up to their public address, and whose security groups have the same
    rules in the same order (same ACL, route and rule contents; the ids may differ), share one
    answer; each still gets its own witness, replayed concretely, and is solved afresh if the
    replay fails. `share=False` walks and solves each interface on its own: the same answer,
    slower (the reference the sharing is tested against).
    """
    ix = network if isinstance(network, NetIndex) else NetIndex(network)
    classes = _Classes(ix, rlimit, _cuts(ix), _type_cuts(ix), _protocols(ix))
    found: list[Exposure] = []
    possible: list[Exposure] = []
    unknown: list[tuple[str, str]] = []
    assumptions: list[str] = []
    shapes: dict[tuple[Pred, _Rules], _Known] = {}
    stopped: dict[tuple[tuple[Unknown, ...], Pred], Branch] = {}
    balancers = frozenset(e for e in ix.lb_of_eni if _facing(ix, ix.enis[e]))
    behind = _behind(ix, balancers)
    asked = [
        eni
        for eni in ix.net.enis
        if eni.id not in ix.nat_of_eni
        and eni.id not in ix.lb_of_eni
        and (_facing(ix, eni) or eni.id in behind)
    ]
    walk = _Walk(ix, frozenset(e.id for e in asked), balancers) if share and asked else None
    rules = _RuleSignatures(ix)
    for eni in asked:
        paths = walk.paths(eni) if walk is not None else _paths(ix, eni, balancers)
        for b in paths.all:
            assumptions += [a for a in b.assumptions if a not in assumptions]
        for fwd in paths.stopped:
            stopped.setdefault((fwd.unknowns, fwd.pred()), fwd)
        target = eni.instance_id or eni.id
        reachable = disj(*(b.pred() for b in paths.certain))
        exposed: list[_Exposed] | None = []
        if reachable != FALSE:
            shape = (_shape(reachable, eni), rules.of(eni))
            exposed = _reuse(ix, eni, shapes.get(shape)) if share else None
            if exposed is None:
                exposed, why = _expose(classes, eni, paths.certain)
                if why:
                    unknown.append((target, why))
                else:
                    shapes[shape] = _Known(exposed, _faces(eni), eni.group_ids)
            found += [e.exposure(target, eni.id) for e in exposed]
        if paths.conditional:
            # Only classes not already exposed for certain can be possible exposures.
            known = [neg(e.block) for e in exposed or ()]
            maybe, why = _expose(classes, eni, paths.conditional, known)
            if why:
                unknown.append((target, why))
            possible += [e.exposure(target, eni.id) for e in maybe]
        for back in paths.open_answers:
            solved = classes.solver.solve(back.pred())
            classes.record(solved)
            if solved.verdict is not Verdict.UNSAT:
                passed = "; ".join(str(u) for u in back.unknowns) or solved.reason
                unknown.append((target, f"the answer passes what is not decided: {passed}"))
                break
    for fwd in stopped.values():
        solved = classes.solver.solve(fwd.pred())
        classes.record(solved)
        if solved.verdict is not Verdict.UNSAT:
            for u in fwd.unknowns or (Unknown(INTERNET, solved.reason),):
                entry = (u.component, f"packets from the internet may reach it: {u.why}")
                if entry not in unknown:
                    unknown.append(entry)
    entries = ix.onprem_entries()
    if entries:
        assumptions.append(
            "the internet enters only through internet gateways, not through the on-premises "
            f"networks behind {', '.join(entries)}"
        )
    queries = classes.queries
    kept = tuple(assumptions)
    answer: Answer[Exposure]
    if found:
        answer = Answer.witnessed(found, queries, kept)
    elif possible or unknown:
        parts = [f"{e.target} {e.protocol} if {_unless(e)}" for e in possible]
        parts += [f"{t}: {why}" for t, why in unknown]
        reason = "what the internet reaches depends on what is not decided: " + "; ".join(parts)
        answer = Answer.unknown(reason, queries, kept)
    else:
        proof = classes.proof or classes.solver.refute()
        answer = Answer.proven(proof, "nothing is reachable from the internet", kept)
        answer = answer.with_queries(classes.queries)
    return ExposureResult(answer, tuple(possible), tuple(unknown))


def _unless(e: Exposure) -> str:
    return ", ".join(f"{u.component} lets it through" for u in e.unknowns)


def _facing(ix: NetIndex, eni: Eni) -> bool:
    """Can the internet address the interface: a public IPv4 or an IPv6 address, in a VPC
    with an internet gateway?"""
    if eni.vpc_id not in ix.igw_of_vpc and eni.vpc_id not in ix.missing_igw:
        return False
    return bool(eni.public_ips) or any(not is_v4(ip) for ip in eni.private_ips)


@dataclass(frozen=True)
class _Exposed:
    protocol: str
    rule: str
    ports: tuple[tuple[int, int], ...]
    witness: PathWitness
    icmp_types: tuple[tuple[int, int], ...] = ()
    # The headers of the classes found (protocol and port or type intervals).
    block: Pred = FALSE

    def exposure(self, target: str, eni_id: str) -> Exposure:
        return Exposure(
            target,
            eni_id,
            self.protocol,
            self.ports,
            self.witness,
            self.rule,
            self.icmp_types,
            self.witness.unknowns,
        )


def _behind(ix: NetIndex, balancers: frozenset[str]) -> set[str]:
    """The interfaces that internet-facing load balancers forward to."""
    out = set()
    for eni_id in balancers:
        vpc = ix.enis[eni_id].vpc_id
        for listener in ix.lb_of_eni[eni_id].listeners:
            for _, ip, _, _ in ix.lb_targets(listener):
                target = ix.eni_by_ip.get((vpc, ip))
                if target is not None:
                    out.add(target.id)
    return out


@dataclass
class _Paths:
    """The ways from the internet to one interface and back: `certain` (every verdict known),
    `conditional` (past components whose verdict is unknown), answers that stop at something
    undecided, and forward branches that stop before getting anywhere."""

    certain: list[Branch] = field(default_factory=list)
    conditional: list[Branch] = field(default_factory=list)
    open_answers: list[Branch] = field(default_factory=list)
    stopped: list[Branch] = field(default_factory=list)
    all: list[Branch] = field(default_factory=list)


def _paths(ix: NetIndex, eni: Eni, balancers: frozenset[str]) -> _Paths:
    wanted = partial(_is_eni_or, eni.id, balancers)
    return _sort(ix, eni, explore(ix, INTERNET, View(), wanted))


def _sort(ix: NetIndex, eni: Eni, forward: list[Branch]) -> _Paths:
    """The forward branches of a walk from the internet, and the answers of those that
    reach `eni`, sorted by how they end."""
    out = _Paths()
    for fwd in forward:
        out.all.append(fwd)
        if fwd.end == UNKNOWN:
            out.stopped.append(fwd)
            continue
        if fwd.end != DELIVERED or fwd.delivered_to != eni.id:
            continue
        for back in replies(ix, fwd, INTERNET):
            out.all.append(back)
            if back.end == UNKNOWN:
                out.open_answers.append(back)
            elif back.end == DELIVERED and back.delivered_to == INTERNET:
                (out.conditional if back.unknowns else out.certain).append(back)
    return out


class _Walk:
    """One walk from the internet, read as the walk towards each interface asked about:
    `_paths` of each, without walking to every other interface again each time."""

    def __init__(self, ix: NetIndex, asked: frozenset[str], balancers: frozenset[str]) -> None:
        self.ix = ix
        self.parts = explore_internet(ix, partial(_is_in, asked | balancers))
        # The walk towards one interface is the parts that entered by its addresses, by a
        # balancer's, or by no interface's own (`explore_internet`), in walk order. The
        # shared parts add only what the first interface has seen already, except branches
        # delivered to the interface itself (through a balancer, say).
        self.shared: list[int] = []
        self.own: dict[str, list[int]] = {}
        self.shared_to: dict[str, dict[int, list[Branch]]] = {}
        for i, (entered, branches) in enumerate(self.parts):
            if entered is None or entered in balancers:
                self.shared.append(i)
                for b in branches:
                    if b.end == DELIVERED and b.delivered_to is not None:
                        self.shared_to.setdefault(b.delivered_to, {}).setdefault(i, []).append(b)
            else:
                self.own.setdefault(entered, []).append(i)
        self.first = True

    def paths(self, eni: Eni) -> _Paths:
        """What `_paths` finds for `eni`, except shared branches only the first interface
        needs."""
        own = self.own.get(eni.id, [])
        if self.first:
            self.first = False
            order = sorted(own + self.shared)
            forward = [b for i in order for b in self.parts[i][1]]
        else:
            to_eni = self.shared_to.get(eni.id, {})
            order = sorted([*own, *to_eni])
            forward = [b for i in order for b in (to_eni[i] if i in to_eni else self.parts[i][1])]
        return _sort(self.ix, eni, forward)


def _is_in(ids: frozenset[str], eni: Eni) -> bool:
    return eni.id in ids


def _env(pkt: Packet) -> dict[str, int]:
    return {
        "src": pkt.src,
        "dst": pkt.dst,
        "proto": pkt.protocol,
        "sport": pkt.src_port,
        "dport": pkt.dst_port,
        "itype": pkt.icmp_type,
        "icode": pkt.icmp_code,
    }


def _choices_of(paths: list[Branch], pkt: Packet) -> tuple[tuple[str, str], ...]:
    """The load balancer targets of the first path `pkt` takes."""
    env = _env(pkt)
    return next((b.choices for b in paths if evaluate(b.pred(), env)), ())


def _expose(
    c: _Classes, eni: Eni, paths: list[Branch], known: list[Pred] | None = None
) -> tuple[list[_Exposed], str]:
    """The exposure classes of one interface over `paths` (outside the `known` ones), each
    with a replayed witness."""
    reachable = disj(*(b.pred() for b in paths))
    ranges: dict[tuple[str, str], list[tuple[int, int]]] = {}
    witnesses: dict[tuple[str, str], PathWitness] = {}
    found: dict[tuple[str, str], list[Pred]] = {}
    blocks: list[Pred] = list(known or ())
    certain = all(not b.unknowns for b in paths)
    why = ""
    while True:
        solved = c.solver.solve(conj(reachable, *blocks))
        c.record(solved)
        why = solved.reason
        if solved.verdict is not Verdict.SAT or solved.packet is None:
            break
        block, name, span = _class_of(solved.packet, c.cuts, c.type_cuts, c.named)
        nicer = c.solver.witness(conj(reachable, block), NICE_EXPOSURE)
        pkt = nicer.packet or solved.packet
        trace, reply = replay(c.ix, INTERNET, pkt, _choices_of(paths, pkt))
        witness = PathWitness(INTERNET, pkt, trace, reply)
        if trace.delivered_to != eni.id or not witness.round_trip:
            raise ModelInvalid(f"exposure witness {pkt} does not reach {eni.id}")
        if certain and witness.unknowns:
            raise ModelInvalid(f"exposure witness {pkt} meets an undecided component on replay")
        key = (name, _opening_rule(trace))
        ranges.setdefault(key, []).append(span)
        witnesses.setdefault(key, witness)
        found.setdefault(key, []).append(block)
        blocks.append(neg(block))
    exposed = []
    for (name, rule), spans in ranges.items():
        merged = _merge(spans)
        ports = merged if name in ("tcp", "udp") else ()
        types = merged if name in ("icmp", "icmpv6") else ()
        block = disj(*found[(name, rule)])
        exposed.append(_Exposed(name, rule, ports, witnesses[(name, rule)], types, block))
    return exposed, why


def _faces(eni: Eni) -> tuple[int, ...]:
    """The addresses the internet reaches the interface by: its public IPv4 addresses and its
    IPv6 addresses."""
    return (*(pub for _, pub in eni.public_ips), *(ip for ip in eni.private_ips if not is_v4(ip)))


def _shape(p: Pred, eni: Eni) -> Pred:
    """`p` with the interface's internet-facing addresses abstracted (in order, by family:
    an IPv4 and an IPv6 address are not alike, whatever `p` says)."""
    names = {a: -(2 * n + 1 + is_v4(a)) for n, a in enumerate(_faces(eni))}

    def rename(q: Pred) -> Pred:
        if isinstance(q, Eq) and q.field == "dst" and q.value in names:
            return Eq("dst", names[q.value])
        if isinstance(q, And):
            return And(tuple(rename(i) for i in q.items))
        if isinstance(q, Or):
            return Or(tuple(rename(i) for i in q.items))
        if isinstance(q, Not):
            return Not(rename(q.item))
        return q

    return rename(p)


@dataclass(frozen=True)
class _Known:
    """The answer of one interface, to be moved to interfaces shaped alike."""

    exposed: list[_Exposed]
    faces: tuple[int, ...]
    group_ids: tuple[str, ...]


# Per security group of an interface, in order: each inbound rule as the predicate it is
# (None for a group the export lacks). Equal for two interfaces, the same packets are let in
# by the rules in the same places, whatever the groups' ids.
_Rules = tuple[tuple[tuple[Pred, Pred], ...] | None, ...]


class _RuleSignatures:
    """`_Rules` of interfaces, each group's computed once."""

    def __init__(self, ix: NetIndex) -> None:
        self.ix = ix
        self.groups: dict[str, tuple[tuple[Pred, Pred], ...] | None] = {}

    def of(self, eni: Eni) -> _Rules:
        return tuple(self._group(gid) for gid in eni.group_ids)

    def _group(self, gid: str) -> tuple[tuple[Pred, Pred], ...] | None:
        if gid not in self.groups:
            sg = self.ix.sgs.get(gid)
            self.groups[gid] = None
            if sg is not None:
                self.groups[gid] = tuple(
                    sg_rule(View(), rule, True, self._members, self.ix.prefix_lists.get)
                    for rule in sg.ingress
                )
        return self.groups[gid]

    def _members(self, gid: str) -> tuple[int, ...] | None:
        return self.ix.group_ips.get(gid, ()) if self.ix.group_known(gid) else None


def _renamed(rule: str, groups: dict[str, str]) -> str:
    """A rule label ("sg-1 inbound rule #2") of one interface as the label of the rule in
    the same place for another interface."""
    gid, _, rest = rule.partition(" ")
    return f"{groups[gid]} {rest}" if gid in groups else rule


def _reuse(ix: NetIndex, eni: Eni, known: _Known | None) -> list[_Exposed] | None:
    """The answer of a same-shaped interface, with witnesses moved to `eni`'s corresponding
    addresses (and rules to its groups' rules in the same places), replayed."""
    if known is None:
        return None
    moved = dict(zip(known.faces, _faces(eni), strict=False))
    groups: dict[str, str] = {}
    for theirs, ours in zip(known.group_ids, eni.group_ids, strict=True):
        groups.setdefault(theirs, ours)
    out = []
    for e in known.exposed:
        if e.witness.packet.dst not in moved:
            return None
        pkt = e.witness.packet.model_copy(update={"dst": moved[e.witness.packet.dst]})
        trace, reply = replay(ix, INTERNET, pkt)
        witness = PathWitness(INTERNET, pkt, trace, reply)
        if trace.delivered_to != eni.id or not witness.round_trip:
            return None
        rule = _renamed(e.rule, groups)
        if _opening_rule(trace) != rule or witness.unknowns:
            return None
        out.append(replace(e, witness=witness, rule=rule))
    return out


def _opening_rule(trace: Trace) -> str:
    """The security group rule that admitted the packet (empty for unfiltered interfaces)."""
    return next((h.rule for h in trace.hops if h.kind == "security-group" and h.rule), "")


def _class_of(
    pkt: Packet, cuts: list[int], type_cuts: list[int], named: set[int]
) -> tuple[Pred, str, tuple[int, int]]:
    """The class of headers that behave like `pkt`: protocol, and the destination port
    interval (TCP, UDP) or ICMP type interval if any."""
    if pkt.protocol in (TCP, UDP):
        lo, hi = _interval(cuts, pkt.dst_port)
        block = conj(eq("proto", pkt.protocol), between("dport", lo, hi))
        return block, protocol_name(pkt.protocol), (lo, hi)
    if pkt.protocol in ICMP_PROTOCOLS:
        lo, hi = _interval(type_cuts, pkt.icmp_type)
        block = conj(eq("proto", pkt.protocol), between("itype", lo, hi))
        return block, protocol_name(pkt.protocol), (lo, hi)
    if pkt.protocol in named:
        return eq("proto", pkt.protocol), protocol_name(pkt.protocol), (0, 0)
    return neg(one_of("proto", sorted(named | set(ICMP_PROTOCOLS)))), "other", (0, 0)


def _interval(cuts: list[int], value: int) -> tuple[int, int]:
    return max(c for c in cuts if c <= value), min(c for c in cuts if c > value) - 1
