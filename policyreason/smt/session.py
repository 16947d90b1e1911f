"""A cvc5 session: term manager, solver, limits, and models as Python values.

This module is the only one that creates solvers, and the only one that issues a `Proof` (on an
unsat answer). Every query carries a resource limit, which is reproducible: the same query
gives the same answer on any machine under any load. A wall-clock limit stays only as an outer
guard against a runaway query; running out of either is an *unknown* answer whose reason says
which, never a hang and never a silent "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import cvc5

from policyreason.errors import SolverError
from policyreason.ir.answer import Proof

# Re-exported: the network analyses name the limit by its older home.
from policyreason.smt.limits import DEFAULT_RLIMIT as DEFAULT_RLIMIT
from policyreason.smt.limits import DEFAULT_TLIMIT_MS


class Verdict(StrEnum):
    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict
    reason: str = ""
    proof: Proof | None = None


def _unknown_reason(explanation: object, rlimit: int | None, tlimit_ms: int | None) -> str:
    """cvc5's UnknownExplanation as a sentence for users."""
    name = str(explanation).rsplit(".", 1)[-1]
    if name == "RESOURCEOUT":
        return f"the solver reached its resource limit ({rlimit:,} units) before deciding"
    if name == "TIMEOUT":
        seconds = (tlimit_ms or 0) / 1000
        return (
            f"the solver ran past the {seconds:g} s guard on wall-clock time before deciding "
            "(the machine may be overloaded; the answer can differ on another run)"
        )
    if name in ("INCOMPLETE", "REQUIRES_FULL_CHECK", "REQUIRES_CHECK_AGAIN"):
        return "the solver's theory of strings is incomplete for this question"
    if name == "MEMOUT":
        return "the solver ran out of memory"
    if name == "INTERRUPTED":
        return "the solver was interrupted"
    return f"the solver could not decide ({name.lower()})"


class Session:
    """Wraps one cvc5 Solver: formulas asserted with `add` hold for every later `check`, which
    takes a question's own facts as assumptions.

    Sessions may share a term manager (`tm`): terms built once are then asserted in each, as
    when one encoding is asked under different limits (a solver's limits are fixed once it
    has begun)."""

    def __init__(
        self,
        rlimit: int | None = DEFAULT_RLIMIT,
        tlimit_ms: int | None = DEFAULT_TLIMIT_MS,
        options: dict[str, str] | None = None,
        tm: cvc5.TermManager | None = None,
    ) -> None:
        self.tm = cvc5.TermManager() if tm is None else tm
        self.solver = cvc5.Solver(self.tm)
        self.solver.setOption("produce-models", "true")
        self.solver.setOption("strings-exp", "true")
        for name, value in (options or {}).items():
            self.solver.setOption(name, value)
        if rlimit is not None:
            self.solver.setOption("rlimit-per", str(rlimit))
        if tlimit_ms is not None:
            self.solver.setOption("tlimit-per", str(tlimit_ms))
        self.solver.setLogic("ALL")
        self.rlimit = rlimit
        self.tlimit_ms = tlimit_ms
        self.queries = 0

    def add(self, formula: cvc5.Term) -> None:
        """Assert a formula for every later check."""
        try:
            self.solver.assertFormula(formula)
        except RuntimeError as exc:
            raise SolverError(str(exc)) from exc

    def check(self, *assumptions: cvc5.Term) -> CheckResult:
        """Check satisfiability of the assertions plus `assumptions`."""
        self.queries += 1
        try:
            if assumptions:
                result = self.solver.checkSatAssuming(*assumptions)
            else:
                result = self.solver.checkSat()
        except RuntimeError as exc:
            raise SolverError(str(exc)) from exc
        if result.isSat():
            return CheckResult(Verdict.SAT)
        if result.isUnsat():
            return CheckResult(Verdict.UNSAT, proof=Proof())
        reason = _unknown_reason(result.getUnknownExplanation(), self.rlimit, self.tlimit_ms)
        return CheckResult(Verdict.UNKNOWN, reason)

    def value(self, term: cvc5.Term) -> Any:
        """The model value of `term` after a sat check: str, int, bool, or int for bitvectors."""
        return _python(self.solver.getValue(term))

    def values(self, terms: list[cvc5.Term]) -> list[Any]:
        """The model values of several terms at once (one call into the solver)."""
        return [_python(v) for v in self.solver.getValue(terms)]

    def model_term(self, term: cvc5.Term) -> cvc5.Term:
        """The model value of `term` as a term (to block it in later queries)."""
        return self.solver.getValue(term)

    def dump_smt2(self) -> str:
        """The current assertions as SMT-LIB text, for bug reports and offline replay."""
        lines = ["(set-logic ALL)"]
        lines += [f"(assert {a})" for a in self.solver.getAssertions()]
        lines.append("(check-sat)")
        return "\n".join(lines)


def _python(v: cvc5.Term) -> Any:
    if v.isBitVectorValue():
        return int(v.getBitVectorValue(10))
    return v.toPythonObj()
