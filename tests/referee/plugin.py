"""pytest fixtures: the referee for a whole test run, and every witness the suite's questions
produce replayed through it.

Every solver question goes through `Searcher.find` (compare, public, findings, not-granted,
diff, escalation probes, administrator and redundancy checks), so wrapping that one method
records each witness with the policies it was found over, whatever test asked and through
whichever verb. After the test, each witness is replayed against each of those policies in its
own direction (`tests.referee.replay`); a disagreement no documented deviation explains fails
the test that produced it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from policyreason.analysis.search import Searcher
from policyreason.ir.policy import Policy
from policyreason.ir.request import Request
from tests.referee import Referee, RefereeUnavailable
from tests.referee.replay import judge, unexplained, witness_cases

SHOWN = 3


class LazyReferee:
    """The run's referee, started on first use (most tests produce no witness)."""

    def __init__(self) -> None:
        self._referee: Referee | None = None

    def get(self) -> Referee:
        if self._referee is None:
            try:
                self._referee = Referee.start()
            except RefereeUnavailable as exc:
                pytest.fail(f"the referee is unavailable: {exc}", pytrace=False)
        return self._referee

    def close(self) -> None:
        if self._referee is not None:
            self._referee.close()


@pytest.fixture(scope="session")
def referee_holder() -> Iterator[LazyReferee]:
    holder = LazyReferee()
    yield holder
    holder.close()


@pytest.fixture(scope="session")
def referee(referee_holder: LazyReferee) -> Referee:
    """The independent evaluator, one Node process per test process; fails (never skips)
    when Node or the pinned package is missing."""
    return referee_holder.get()


@pytest.fixture(autouse=True)
def witnesses_replayed(
    referee_holder: LazyReferee, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[tuple[list[Policy], Request]]]:
    """Record the witnesses of every solver question the test asks; replay them after it."""
    recorded: list[tuple[list[Policy], Request]] = []
    original = Searcher.find

    def find(self: Searcher, question: Any, limit: int = 1) -> Any:
        answer = original(self, question, limit)
        recorded.extend((list(self._policies), w) for w in answer.witnesses)
        return answer

    monkeypatch.setattr(Searcher, "find", find)
    yield recorded
    monkeypatch.undo()
    if not recorded:
        return
    cases = [case for policies, w in recorded for case in witness_cases(policies, w)]
    judgements, _untranslatable = judge(referee_holder.get(), cases)
    wrong = unexplained(judgements)
    if wrong:
        shown = "\n\n".join(j.explain() for j in wrong[:SHOWN])
        pytest.fail(
            f"{len(wrong)} of {len(judgements)} witness replays disagree with the referee and "
            f"no documented deviation (docs/referee-deviations.md) explains them:\n\n{shown}",
            pytrace=False,
        )
