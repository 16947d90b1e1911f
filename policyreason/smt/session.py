"""A cvc5 session: term manager, solver, limits, and models as Python values.

This module is the only one that creates solvers. Every query carries a resource limit
(reproducible, unlike wall-clock time) and optionally a time limit; running out of either is an
*unknown* answer with its reason, never a hang and never a silent "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import cvc5

from policyreason.errors import SolverError

DEFAULT_RLIMIT = 2_000_000
DEFAULT_TLIMIT_MS = 30_000


class Verdict(StrEnum):
    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict
    reason: str = ""


class Session:
    """Wraps one cvc5 Solver. Use `check` with assumptions, or push/pop around assertions."""

    def __init__(
        self,
        rlimit: int | None = DEFAULT_RLIMIT,
        tlimit_ms: int | None = DEFAULT_TLIMIT_MS,
        options: dict[str, str] | None = None,
    ) -> None:
        self.tm = cvc5.TermManager()
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
        self.queries = 0

    def add(self, formula: cvc5.Term) -> None:
        """Assert a formula at the current push level."""
        try:
            self.solver.assertFormula(formula)
        except RuntimeError as exc:
            raise SolverError(str(exc)) from exc

    def push(self) -> None:
        self.solver.push()

    def pop(self) -> None:
        self.solver.pop()

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
            return CheckResult(Verdict.UNSAT)
        return CheckResult(Verdict.UNKNOWN, str(result.getUnknownExplanation()))

    def value(self, term: cvc5.Term) -> Any:
        """The model value of `term` after a sat check: str, int, bool, or int for bitvectors."""
        v = self.solver.getValue(term)
        if v.isBitVectorValue():
            return int(v.getBitVectorValue(10))
        return v.toPythonObj()

    def dump_smt2(self) -> str:
        """The current assertions as SMT-LIB text, for bug reports and offline replay."""
        lines = ["(set-logic ALL)"]
        lines += [f"(assert {a})" for a in self.solver.getAssertions()]
        lines.append("(check-sat)")
        return "\n".join(lines)
