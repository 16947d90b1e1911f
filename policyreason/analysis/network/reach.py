"""The reach question: can a packet get from A to B, and its answer come back?

Every forward branch that arrives is joined with every branch of its answer, and the solver
looks for one packet that satisfies the pair: sat gives a witness, which `simulate` must
confirm hop by hop. "Not reachable" is proven only when every pair that arrives is unsat and
so is every branch that meets a component the model cannot decide (not in the export, or not
modelled); when one of those is satisfiable the answer is unknown and names the component.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from policyreason.analysis.network.branch import DELIVERED, UNKNOWN, Branch
from policyreason.analysis.network.endpoints import Source, make_goal, resolve_endpoint, sources
from policyreason.analysis.network.explore import explore, replies
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.simulate import replay
from policyreason.analysis.network.solve import PacketSolver, Solved
from policyreason.analysis.network.trace import ONPREM, PathWitness, Unknown
from policyreason.analysis.questions import reachable
from policyreason.errors import ModelInvalid
from policyreason.ir.answer import Answer, Proof, Status
from policyreason.ir.network import Network, Packet
from policyreason.smt.encode_network import TRUE, Pred, View, conj, eq
from policyreason.smt.session import DEFAULT_RLIMIT, Verdict

# The furthest blocked path is searched among this many branches at most; the proof of
# unreachability does not depend on it, only the choice of the explanation shown.
_EXPLAIN_LIMIT = 200


@dataclass(frozen=True)
class ReachResult:
    """The answer of `reach` with what explains it: for a proof, the packet that gets
    furthest (`blocked`); for an unknown, the components that leave it open and a packet
    that gets through if they let it (`candidate`)."""

    answer: Answer[PathWitness]
    blocked: PathWitness | None = None
    candidate: PathWitness | None = None
    unknowns: tuple[Unknown, ...] = ()

    @property
    def reachable(self) -> bool | None:
        """True when witnessed, False when proven, None otherwise."""
        return {Status.WITNESSED: True, Status.PROVEN: False}.get(self.answer.status)

    @property
    def paths(self) -> tuple[PathWitness, ...]:
        return self.answer.witnesses

    @property
    def reason(self) -> str:
        return self.answer.reason

    @property
    def queries(self) -> int:
        return self.answer.queries


def reach(
    network: Network | NetIndex,
    src: str,
    dst: str,
    protocol: int | None = None,
    port: int | None = None,
    rlimit: int | None = DEFAULT_RLIMIT,
) -> ReachResult:
    """Can a packet from `src` reach `dst`, and its answer come back? Witnessed, proven, or
    unknown (never a "no" without a proof). `rlimit` bounds each solver query."""
    ix = network if isinstance(network, NetIndex) else NetIndex(network)
    goal = make_goal(ix, resolve_endpoint(ix, dst))
    query = conj(
        goal.pred(ix),
        eq("proto", protocol) if protocol is not None else TRUE,
        eq("dport", port) if port is not None else TRUE,
    )
    search = _Search(ix, PacketSolver(rlimit, ipv6=ix.has_v6))
    found, unknown = sources(ix, resolve_endpoint(ix, src))
    search.open.extend(unknown)
    for source in found:
        base = conj(query, source.extra)
        branches = explore(ix, source.id, source.view, goal.wanted, base, source.choices)
        for fwd in branches:
            search.note(fwd)
            if fwd.end == UNKNOWN:
                search.undecided(source, base, fwd)
                continue
            if fwd.end != DELIVERED or not goal.accepts(fwd.delivered_to):
                search.dead.append((source, fwd))
                continue
            for back in replies(ix, fwd, source.id):
                search.note(back)
                back_home = back.end == DELIVERED and back.delivered_to == source.id
                if back.end == UNKNOWN or (back_home and back.unknowns):
                    search.undecided(source, base, back)
                elif not back_home:
                    search.dead.append((source, back))
                elif (witness := search.witness(source, base, back, goal.accepts)) is not None:
                    answer = Answer.witnessed([witness], search.queries, witness.assumptions)
                    return ReachResult(answer)
    return search.conclude(src, dst)


@dataclass
class _Search:
    """What one reach question has learned so far."""

    ix: NetIndex
    solver: PacketSolver
    dead: list[tuple[Source, Branch]] = field(default_factory=list)
    open: list[Unknown] = field(default_factory=list)
    candidate: PathWitness | None = None
    proof: Proof | None = None
    solver_reason: str = ""
    assumptions: list[str] = field(default_factory=list)

    @property
    def queries(self) -> int:
        return self.solver.queries

    def note(self, branch: Branch) -> None:
        """A proof rests on the assumptions of every branch the walk took."""
        self.assumptions += [a for a in branch.assumptions if a not in self.assumptions]

    def _record(self, solved: Solved) -> None:
        if solved.verdict is Verdict.UNSAT:
            if solved.proof is not None:
                self.proof = solved.proof if self.proof is None else self.proof.join(solved.proof)
        elif solved.verdict is Verdict.UNKNOWN:
            self.solver_reason = self.solver_reason or solved.reason

    def witness(
        self, source: Source, base: Pred, back: Branch, arrives: Callable[[str | None], bool]
    ) -> PathWitness | None:
        """The replayed witness of a pair that arrives with every verdict known, if any."""
        question = reachable(self.ix, source.id, conj(base, back.pred()), back.choices, arrives)
        solved = self.solver.find(question)
        self._record(solved)
        if solved.verdict is not Verdict.SAT or solved.packet is None:
            return None
        return _replay(self.ix, source.id, solved.packet, back.choices)

    def undecided(self, source: Source, base: Pred, branch: Branch) -> None:
        """A branch through components the model cannot decide: if some packet takes it, the
        answer cannot be a proof."""
        solved = self.solver.witness(conj(base, branch.pred()))
        self._record(solved)
        if solved.verdict is not Verdict.SAT or solved.packet is None:
            return
        self.open += [u for u in branch.unknowns if u not in self.open]
        if self.candidate is None:
            candidate = _replay(self.ix, source.id, solved.packet, branch.choices)
            if not candidate.unknowns:
                raise ModelInvalid(
                    f"{solved.packet} from {source.id} meets no unknown component on replay"
                )
            self.candidate = candidate

    def conclude(self, src: str, dst: str) -> ReachResult:
        """No witness: unknown if anything was left open, else proven with an explanation."""
        assumptions = tuple(self.assumptions)
        if self.open:
            parts = "; ".join(str(u) for u in self.open)
            reason = f"packets from {src} to {dst} may pass through what is not decided: {parts}"
            answer: Answer[PathWitness] = Answer.unknown(reason, self.queries, assumptions)
            return ReachResult(answer, candidate=self.candidate, unknowns=tuple(self.open))
        if self.solver_reason:
            return ReachResult(Answer.unknown(self.solver_reason, self.queries, assumptions))
        blocked = self._explain()
        reason = blocked.forward.explanation if blocked else "no packet matches the endpoints"
        if blocked is not None and blocked.reply is not None:
            reason = f"the reply is dropped: {blocked.reply.explanation}"
        proof = self.proof or self.solver.refute()
        return ReachResult(Answer.proven(proof, reason, assumptions), blocked=blocked)

    def _explain(self) -> PathWitness | None:
        """The blocked path that gets furthest, replayed concretely."""
        ranked = sorted(self.dead, key=lambda sb: -len(sb[1].components))
        for source, branch in ranked[:_EXPLAIN_LIMIT]:
            solved = self.solver.witness(conj(source.extra, branch.pred()))
            if solved.verdict is not Verdict.SAT or solved.packet is None:
                continue
            return _replay(self.ix, source.id, solved.packet, branch.choices)
        return None


def _replay(
    ix: NetIndex, source: str, pkt: Packet, choices: tuple[tuple[str, str], ...]
) -> PathWitness:
    fwd, back = replay(ix, source, pkt, choices)
    return PathWitness(source, pkt, fwd, back)


def packet_reachable(network: Network | NetIndex, source: str, pkt: Packet) -> bool | None:
    """The solver's verdict on one concrete packet (every header field pinned): does it arrive
    somewhere and does its answer come back? None when that depends on a component the model
    cannot decide. The differential tests compare it with `simulate`."""
    ix = network if isinstance(network, NetIndex) else NetIndex(network)
    pinned = conj(
        eq("src", pkt.src),
        eq("dst", pkt.dst),
        eq("proto", pkt.protocol),
        eq("sport", pkt.src_port),
        eq("dport", pkt.dst_port),
        eq("itype", pkt.icmp_type),
        eq("icode", pkt.icmp_code),
    )
    solver = PacketSolver(ipv6=ix.has_v6)
    undecided = False
    for fwd in explore(ix, source, View(), lambda e: True, pinned, _arrival(ix, source)):
        pairs = [fwd] if fwd.end == UNKNOWN else []
        if fwd.end == DELIVERED:
            pairs = replies(ix, fwd, source)
        for branch in pairs:
            home = branch.end == DELIVERED and branch.delivered_to == source
            if branch.end != UNKNOWN and not home:
                continue
            solved = solver.solve(conj(pinned, branch.pred()))
            if solved.verdict is Verdict.SAT and branch.certain:
                return True
            undecided = undecided or solved.verdict is not Verdict.UNSAT
    return None if undecided else False


def _arrival(ix: NetIndex, source: str) -> tuple[tuple[str, str], ...]:
    """The connection an on-premises packet arrives over in `simulate` (its default)."""
    entries = ix.onprem_entries()
    return ((source, entries[0]),) if entries and source.startswith(ONPREM) else ()
