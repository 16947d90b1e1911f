"""Many cases through the referee at once, and witnesses replayed in their own direction.

A witness is replayed against every policy of the question that produced it: the referee's
verdict on each policy on its own must equal the evaluator's (`evaluate.allows`). For compare's
new-access witness that is "NEW allows it and OLD does not", per the referee; for a public
witness, "the policy grants it".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policyreason.ir.policy import Policy, PolicySet
from policyreason.ir.request import Request
from tests.referee import Outcome, Referee
from tests.referee.deviations import UNEXPLAINED, Case, Verdict, classify, describe
from tests.referee.simulation import IDENTITY_LIKE, Untranslatable

BATCH = 500


@dataclass(frozen=True)
class Judgement:
    case: Case
    outcome: Outcome
    verdict: Verdict

    @property
    def label(self) -> str:
        return self.verdict.label

    def explain(self) -> str:
        return describe(self.case, self.outcome, self.verdict)


def alone(policy: Policy) -> PolicySet:
    """A policy set holding just `policy`, in the role its kind plays."""
    if policy.kind in IDENTITY_LIKE:
        return PolicySet(identity=(policy,))
    return PolicySet(resource=policy)


def witness_cases(policies: Sequence[Policy], witness: Request) -> list[Case]:
    """One per-policy question for each policy the witness was found over."""
    return [Case(alone(p), witness, single=True) for p in policies]


def judge(referee: Referee, cases: Iterable[Case]) -> tuple[list[Judgement], int]:
    """Each case answered by the referee and classified; also how many cases had no faithful
    simulation (they are counted, not judged)."""
    ready: list[tuple[Case, dict[str, object]]] = []
    untranslatable = 0
    for case in cases:
        try:
            ready.append((case, case.simulation()))
        except Untranslatable:
            untranslatable += 1
    out: list[Judgement] = []
    for start in range(0, len(ready), BATCH):
        chunk = ready[start : start + BATCH]
        outcomes = referee.run_many(sim for _case, sim in chunk)
        for (case, _sim), outcome in zip(chunk, outcomes, strict=True):
            out.append(Judgement(case, outcome, classify(case, outcome, referee)))
    return out, untranslatable


def unexplained(judgements: Iterable[Judgement]) -> list[Judgement]:
    """The disagreements no documented deviation explains."""
    return [j for j in judgements if j.label == UNEXPLAINED]
