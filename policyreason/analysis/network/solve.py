"""Solver queries over one symbolic packet header, and readable witnesses."""

from __future__ import annotations

from dataclasses import dataclass, field

from policyreason.errors import ModelInvalid
from policyreason.ir.answer import Proof
from policyreason.ir.network import ICMP, TCP, Cidr, Packet
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
    well_formed,
)
from policyreason.smt.session import Session, Verdict

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


@dataclass
class PacketSolver:
    """One session over one symbolic header, asked many questions. In a network without
    IPv6 every header is IPv4."""

    session: Session = field(default_factory=Session)
    v4_only: bool = False

    def __post_init__(self) -> None:
        self.hv = HeaderVars(self.session, self.v4_only)
        self.session.add(self.hv.to_term(well_formed(View())))

    def solve(self, p: Pred) -> Solved:
        """Check `p`, refining address-set exclusions until the model satisfies all of it."""
        if p == FALSE:
            return Solved(Verdict.UNSAT)
        while True:
            result = self.session.check(self.hv.to_term(p))
            if result.verdict is not Verdict.SAT:
                return Solved(result.verdict, proof=result.proof, reason=result.reason)
            env = self.hv.env()
            if evaluate(p, env):
                return Solved(Verdict.SAT, self.hv.packet(env))
            if not self.hv.refine(p, env):
                raise ModelInvalid("a model violates a constraint it was given")

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

    def refute(self) -> Proof:
        """The proof of a claim the walk settled before any query (no branch at all): the
        session shows that false is unsat."""
        result = self.session.check(self.hv.to_term(FALSE))
        assert result.proof is not None
        return result.proof
