"""The contract of an answer, shared by every question, gate and reporter.

Every question (is it public? does NEW grant what OLD did not? can the internet reach port
22?) is existential: is there a request, or a packet, with some property? Its answer is one of

- **witnessed**: yes, and here are concrete witnesses, each re-checked by a concrete evaluator;
- **proven**: no; the evidence is a `Proof`, which only the solver session issues, on unsat
  answers over input that was read and modelled in full;
- **unknown**: undecided (a resource limit, an unsupported construct, a component that is not
  modelled), with a reason a user can read;
- **error**: the input could not be read, with the reason.

Nothing else carries a verdict out of the solver: `smt/` keeps sat and unsat to itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Generic, TypeVar

W = TypeVar("W")


class Status(StrEnum):
    WITNESSED = "witnessed"
    PROVEN = "proven"
    UNKNOWN = "unknown"
    ERROR = "error"


@dataclass(frozen=True)
class Proof:
    """The unsat answers a "proven" claim rests on. Created by `smt.session.Session` only (a
    test holds it to that); analyses join the proofs of the queries they asked."""

    queries: int = 1

    def join(self, other: Proof) -> Proof:
        """The proof of two claims together."""
        return Proof(self.queries + other.queries)


@dataclass(frozen=True)
class Answer(Generic[W]):
    """One question's answer with its evidence. Build it with the class methods, which keep
    the invariants: witnesses only when witnessed, a proof only when proven, a reason when
    unknown or error. `assumptions` name what the answer takes for granted about the world
    outside the input (a dated service reference, an export's missing parts)."""

    status: Status
    witnesses: tuple[W, ...] = ()
    proof: Proof | None = None
    reason: str = ""
    assumptions: tuple[str, ...] = ()
    queries: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if (self.status is Status.WITNESSED) != bool(self.witnesses):
            raise ValueError("an answer has witnesses exactly when it is witnessed")
        if (self.status is Status.PROVEN) != (self.proof is not None):
            raise ValueError("an answer has a proof exactly when it is proven")
        if self.status in (Status.UNKNOWN, Status.ERROR) and not self.reason:
            raise ValueError(f"an {self.status.value} answer needs a reason")

    @classmethod
    def witnessed(
        cls, witnesses: Iterable[W], queries: int = 0, assumptions: tuple[str, ...] = ()
    ) -> Answer[W]:
        return cls(Status.WITNESSED, tuple(witnesses), None, "", assumptions, queries)

    @classmethod
    def proven(cls, proof: Proof, reason: str = "", assumptions: tuple[str, ...] = ()) -> Answer[W]:
        """`reason` says what was proven, in the question's words."""
        return cls(Status.PROVEN, (), proof, reason, assumptions, proof.queries)

    @classmethod
    def unknown(cls, reason: str, queries: int = 0, assumptions: tuple[str, ...] = ()) -> Answer[W]:
        return cls(Status.UNKNOWN, (), None, reason, assumptions, queries)

    @classmethod
    def error(cls, reason: str) -> Answer[W]:
        return cls(Status.ERROR, (), None, reason)

    @property
    def witness(self) -> W | None:
        """The first witness, if any."""
        return self.witnesses[0] if self.witnesses else None

    @property
    def decided(self) -> bool:
        """Witnessed or proven: the question has an answer."""
        return self.status in (Status.WITNESSED, Status.PROVEN)

    def with_reason(self, reason: str) -> Answer[W]:
        """The same answer, explained in the question's words."""
        return replace(self, reason=reason)

    def with_queries(self, queries: int) -> Answer[W]:
        return replace(self, queries=queries)

    def map(self, witnesses: Iterable[W]) -> Answer[W]:
        """A witnessed answer with its witnesses replaced (for instance made more readable)."""
        ws = tuple(witnesses)
        if self.status is not Status.WITNESSED or not ws:
            raise ValueError("only a witnessed answer has witnesses to replace")
        return replace(self, witnesses=ws)

    def assuming(self, *assumptions: str) -> Answer[W]:
        """The same answer, taking more for granted."""
        new = tuple(a for a in assumptions if a not in self.assumptions)
        return replace(self, assumptions=self.assumptions + new)

    def weakened(self, why: str) -> Answer[W]:
        """A proof that rests on input not read or not modelled in full is no proof: it
        becomes unknown, saying why. Witnesses stand (each was re-checked concretely)."""
        if self.status is not Status.PROVEN:
            return self
        return Answer.unknown(why, self.queries, self.assumptions)
