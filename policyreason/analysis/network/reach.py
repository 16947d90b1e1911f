"""The reach question: can a packet get from A to B, and its answer come back?"""

from __future__ import annotations

from dataclasses import dataclass, replace

from policyreason.analysis.network.endpoints import Goal, make_goal, resolve_endpoint, sources
from policyreason.analysis.network.explore import DELIVERED, UNSUPPORTED, Branch, explore, replies
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.simulate import replay, round_trip
from policyreason.analysis.network.solve import PacketSolver
from policyreason.analysis.network.trace import PathWitness
from policyreason.errors import ModelInvalid
from policyreason.ir.network import (
    Network,
    Packet,
)
from policyreason.smt.encode_network import (
    TRUE,
    View,
    conj,
    eq,
)
from policyreason.smt.session import DEFAULT_RLIMIT, Session, Verdict


@dataclass(frozen=True)
class ReachResult:
    reachable: bool | None
    paths: tuple[PathWitness, ...] = ()
    blocked: PathWitness | None = None
    reason: str = ""
    queries: int = 0


# The furthest blocked path is searched among this many branches at most; the proof of
# unreachability does not depend on it, only the choice of the explanation shown.
_EXPLAIN_LIMIT = 200


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
    s_ep, d_ep = resolve_endpoint(ix, src), resolve_endpoint(ix, dst)
    goal = make_goal(ix, d_ep)
    query = conj(
        goal.pred(ix),
        eq("proto", protocol) if protocol is not None else TRUE,
        eq("dport", port) if port is not None else TRUE,
    )
    q = PacketSolver(Session(rlimit=rlimit))
    unknown = ""
    dead: list[tuple[str, Branch]] = []
    for source, v, extra in sources(ix, s_ep):
        base = conj(query, extra)
        for fwd in explore(ix, source, v, goal.wanted):
            if fwd.end == UNSUPPORTED:
                verdict, _, why = q.solve(conj(base, fwd.pred()))
                if verdict is not Verdict.UNSAT:
                    unknown = unknown or "a path leads through a component that is not modelled"
                continue
            if fwd.end != DELIVERED or not goal.accepts(fwd.delivered_to):
                dead.append((source, replace(fwd, preds=(base, *fwd.preds))))
                continue
            for back in replies(ix, fwd, source):
                if back.end != DELIVERED or back.delivered_to != source:
                    dead.append((source, replace(back, preds=(base, *back.preds))))
                    continue
                verdict, pkt, why = q.witness(conj(base, back.pred()))
                if verdict is Verdict.SAT and pkt is not None:
                    trace, reply = replay(ix, source, pkt, back.choices)
                    if not trace.delivered or not round_trip(source, reply):
                        raise ModelInvalid(f"solver witness {pkt} from {source} is not delivered")
                    witness = PathWitness(source, pkt, trace, reply)
                    return ReachResult(True, (witness,), queries=q.session.queries)
                if verdict is Verdict.UNKNOWN:
                    unknown = unknown or f"solver: {why}"
    if unknown:
        return ReachResult(None, reason=unknown, queries=q.session.queries)
    blocked = _explain(ix, q, dead, goal)
    reason = blocked.forward.explanation if blocked else "no packet matches the endpoints"
    if blocked is not None and blocked.reply is not None:
        reason = f"the reply is dropped: {blocked.reply.explanation}"
    return ReachResult(False, blocked=blocked, reason=reason, queries=q.session.queries)


def _explain(
    ix: NetIndex, q: PacketSolver, dead: list[tuple[str, Branch]], goal: Goal
) -> PathWitness | None:
    """The blocked path that gets furthest, replayed concretely."""
    ranked = sorted(dead, key=lambda sb: -len(sb[1].components))
    for source, branch in ranked[:_EXPLAIN_LIMIT]:
        verdict, pkt, _ = q.witness(branch.pred())
        if verdict is not Verdict.SAT or pkt is None:
            continue
        trace, reply = replay(ix, source, pkt, branch.choices)
        if goal.accepts(trace.delivered_to) and round_trip(source, reply):
            raise ModelInvalid(f"{pkt} from {source} gets through, the encoding says it cannot")
        return PathWitness(source, pkt, trace, reply)
    return None


def packet_reachable(network: Network | NetIndex, source: str, pkt: Packet) -> bool | None:
    """The solver's verdict on one concrete packet (every header field pinned): does it arrive
    somewhere and does its reply come back? The differential tests compare it with `simulate`."""
    ix = network if isinstance(network, NetIndex) else NetIndex(network)
    pinned = conj(
        eq("src", pkt.src),
        eq("dst", pkt.dst),
        eq("proto", pkt.protocol),
        eq("sport", pkt.src_port),
        eq("dport", pkt.dst_port),
    )
    q = PacketSolver()
    unknown = False
    for fwd in explore(ix, source, View(), lambda e: True):
        if fwd.end != DELIVERED:
            continue
        for back in replies(ix, fwd, source):
            if back.end != DELIVERED or back.delivered_to != source:
                continue
            verdict, _, _ = q.solve(conj(pinned, back.pred()))
            if verdict is Verdict.SAT:
                return True
            unknown = unknown or verdict is Verdict.UNKNOWN
    return None if unknown else False
