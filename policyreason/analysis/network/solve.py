"""Solver queries over one symbolic packet header, and readable witnesses."""

from __future__ import annotations

from dataclasses import dataclass, field

from policyreason.errors import ModelInvalid
from policyreason.ir.network import (
    TCP,
    Cidr,
    Packet,
)
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

# Preferences for the packet shown, most readable first; each is dropped when it does not fit.
_NICE = (
    conj(eq("proto", TCP), eq("sport", 49152), in_cidr("src", Cidr.parse("203.0.113.0/24"))),
    conj(eq("proto", TCP), eq("sport", 49152)),
    eq("sport", 49152),
)
# One try per exposure class (its protocol is fixed already): queries are what exposures cost.
NICE_EXPOSURE = (
    conj(
        disj(eq("sport", 49152), eq("sport", 0)),
        in_cidr("src", Cidr.parse("203.0.113.0/24")),
    ),
)


@dataclass
class PacketSolver:
    """One session over one symbolic header, asked many questions."""

    session: Session = field(default_factory=Session)

    def __post_init__(self) -> None:
        self.hv = HeaderVars(self.session)
        self.session.add(self.hv.to_term(well_formed(View())))

    def solve(self, p: Pred) -> tuple[Verdict, Packet | None, str]:
        """Check `p`, refining address-set exclusions until the model satisfies all of it."""
        if p == FALSE:
            return Verdict.UNSAT, None, ""
        while True:
            result = self.session.check(self.hv.to_term(p))
            if result.verdict is not Verdict.SAT:
                return result.verdict, None, result.reason
            env = self.hv.env()
            if evaluate(p, env):
                return Verdict.SAT, self.hv.packet(env), ""
            if not self.hv.refine(p, env):
                raise ModelInvalid("a model violates a constraint it was given")

    def witness(self, p: Pred, tries: tuple[Pred, ...] = ()) -> tuple[Verdict, Packet | None, str]:
        """Like `solve`, preferring a readable packet (TCP, a typical client port, a source
        from the documentation range) when one exists."""
        verdict, pkt, why = self.solve(p)
        if verdict is Verdict.SAT:
            for nice in tries or _NICE:
                nicer, better, _ = self.solve(conj(p, nice))
                if nicer is Verdict.SAT:
                    return nicer, better, ""
        return verdict, pkt, why
