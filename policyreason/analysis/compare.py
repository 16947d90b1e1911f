"""Policy comparison, both ways: the access a new version grants that the old did not (new
access) and the access it takes away (lost access), each with concrete witness requests."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from policyreason.analysis.questions import more_permissive
from policyreason.analysis.search import Searcher
from policyreason.ir.answer import Answer, Status
from policyreason.ir.policy import Policy
from policyreason.ir.request import Request
from policyreason.smt.limits import DEFAULT_RLIMIT

DEFAULT_WITNESSES = 3


class CompareVerdict(StrEnum):
    EQUIVALENT = "equivalent"
    MORE_PERMISSIVE = "more_permissive"
    LESS_PERMISSIVE = "less_permissive"
    INCOMPARABLE = "incomparable"
    UNKNOWN = "unknown"


@dataclass
class CompareResult:
    verdict: CompareVerdict
    new_access: Answer[Request]
    lost_access: Answer[Request]
    seconds: float = 0.0

    @property
    def queries(self) -> int:
        return self.new_access.queries + self.lost_access.queries

    @property
    def reason(self) -> str:
        return "; ".join(s.reason for s in (self.new_access, self.lost_access) if s.reason)


def compare(
    old: Policy,
    new: Policy,
    witnesses: int = DEFAULT_WITNESSES,
    rlimit: int | None = DEFAULT_RLIMIT,
) -> CompareResult:
    """Compare two policies (each on its own: Allow minus Deny) in both directions."""
    start = time.perf_counter()
    # Both directions are questions over the same two policies: encode them once. Asked one
    # cell of the request space at a time, no part of either can take the whole limit.
    searcher = Searcher([old, new], rlimit, split=True)

    gained = searcher.find(more_permissive(new, old), witnesses)
    lost = searcher.find(more_permissive(old, new), witnesses)
    verdict = _verdict(gained.status, lost.status)
    return CompareResult(verdict, gained, lost, time.perf_counter() - start)


def _verdict(gained: Status, lost: Status) -> CompareVerdict:
    if not {gained, lost} <= {Status.WITNESSED, Status.PROVEN}:
        return CompareVerdict.UNKNOWN
    if gained is Status.WITNESSED:
        return (
            CompareVerdict.INCOMPARABLE
            if lost is Status.WITNESSED
            else CompareVerdict.MORE_PERMISSIVE
        )
    return CompareVerdict.LESS_PERMISSIVE if lost is Status.WITNESSED else CompareVerdict.EQUIVALENT
