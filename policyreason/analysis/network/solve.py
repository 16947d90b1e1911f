"""Solver queries over one symbolic packet header, and readable witnesses."""

from __future__ import annotations

from dataclasses import dataclass

from policyreason.analysis.questions import PacketProperty
from policyreason.errors import ModelInvalid
from policyreason.ir.answer import Proof
from policyreason.ir.cidr import V4_SPACE, Cidr
from policyreason.ir.network import ICMP, TCP, Packet
from policyreason.smt.encode_network import (
    FALSE,
    HeaderVars,
    Pred,
    View,
    conj,
    disj,
    eq,
    evaluate,
    in_cidr,
    neg,
    well_formed,
)
from policyreason.smt.session import DEFAULT_RLIMIT, Session, Verdict

_CLIENT_V4 = Cidr.parse("203.0.113.0/24")
_CLIENT_V6 = Cidr.parse("2001:db8::/32")

# Preferences for the packet shown, most readable first; each is dropped when it does not fit.
_NICE = (
    conj(eq("proto", TCP), eq("sport", 49152), in_cidr("src", _CLIENT_V4)),
    conj(eq("proto", TCP), eq("sport", 49152), in_cidr("src", _CLIENT_V6)),
    conj(eq("proto", TCP), eq("sport", 49152)),
    eq("sport", 49152),
    conj(eq("proto", ICMP), eq("itype", 8), eq("icode", 0)),
)
# One try per exposure class (its protocol is fixed already): queries are what exposures cost.
NICE_EXPOSURE = (
    conj(
        disj(eq("sport", 49152), eq("sport", 0)),
        disj(in_cidr("src", _CLIENT_V4), in_cidr("src", _CLIENT_V6)),
    ),
)


@dataclass(frozen=True)
class Solved:
    """A query's outcome: a packet when sat, a proof when unsat, a reason when unknown."""

    verdict: Verdict
    packet: Packet | None = None
    proof: Proof | None = None
    reason: str = ""


class _Family:
    """One session for the packets of one address family (or of both)."""

    def __init__(self, rlimit: int | None, family: int | None) -> None:
        self.session = Session(rlimit=rlimit)
        self.hv = HeaderVars(self.session, family)
        facts = well_formed(View())
        if family == 6:
            facts = conj(facts, neg(in_cidr("src", V4_SPACE)), neg(in_cidr("dst", V4_SPACE)))
        self.session.add(self.hv.to_term(facts))

    def solve(self, p: Pred) -> Solved:
        """Check `p`, refining address-set exclusions until the model satisfies all of it."""
        while True:
            result = self.session.check(self.hv.to_term(p))
            if result.verdict is not Verdict.SAT:
                return Solved(result.verdict, proof=result.proof, reason=result.reason)
            env = self.hv.env()
            if evaluate(p, env):
                return Solved(Verdict.SAT, self.hv.packet(env))
            if not self.hv.refine(p, env):
                raise ModelInvalid("a model violates a constraint it was given")


class PacketSolver:
    """Sessions over one symbolic header, asked many questions: a packet is IPv4 or IPv6, so
    a network with IPv6 is asked twice, each family in its own session (an IPv4 session works
    on 32-bit addresses; one session for both would work on 128 bits throughout)."""

    def __init__(self, rlimit: int | None = DEFAULT_RLIMIT, ipv6: bool = False) -> None:
        self.families = [_Family(rlimit, 4)] + ([_Family(rlimit, 6)] if ipv6 else [])

    @property
    def queries(self) -> int:
        return sum(f.session.queries for f in self.families)

    def solve(self, p: Pred) -> Solved:
        """Sat with a packet of either family, or unsat for both (the proofs joined), or
        unknown."""
        if p == FALSE:
            return Solved(Verdict.UNSAT)
        proof: Proof | None = None
        unknown = ""
        for family in self.families:
            solved = family.solve(p)
            if solved.verdict is Verdict.SAT:
                return solved
            if solved.verdict is Verdict.UNKNOWN:
                unknown = unknown or solved.reason
            elif solved.proof is not None:
                proof = solved.proof if proof is None else proof.join(solved.proof)
        if unknown:
            return Solved(Verdict.UNKNOWN, reason=unknown)
        return Solved(Verdict.UNSAT, proof=proof)

    def witness(self, p: Pred, tries: tuple[Pred, ...] = ()) -> Solved:
        """Like `solve`, preferring a readable packet (TCP, a typical client port, a source
        from the documentation ranges, an ICMP echo) when one exists."""
        solved = self.solve(p)
        if solved.verdict is Verdict.SAT:
            for nice in tries or _NICE:
                nicer = self.solve(conj(p, nice))
                if nicer.verdict is Verdict.SAT:
                    return nicer
        return solved

    def find(self, question: PacketProperty, tries: tuple[Pred, ...] = ()) -> Solved:
        """A readable packet with the property (see `witness`), re-checked by its concrete
        twin, or the proof that there is none, or unknown."""
        solved = self.witness(question.goal, tries)
        if solved.packet is not None and not question.holds(solved.packet):
            raise ModelInvalid(
                f"the concrete replay rejects the solver's packet {solved.packet} "
                f"({question.name}); this is a bug in policyreason"
            )
        return solved

    def refute(self) -> Proof:
        """The proof of a claim the walk settled before any query (no branch at all): the
        session shows that false is unsat."""
        family = self.families[0]
        result = family.session.check(family.hv.to_term(FALSE))
        assert result.proof is not None
        return result.proof
