"""The AWS managed policies (1,523 real documents nobody here wrote) through the whole engine."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache

import pytest

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.evaluate import allows
from policyreason.ir.policy import Effect, Policy
from policyreason.parse.json_spans import to_python
from policyreason.parse.policy import ParsedPolicy, parse_policy_text
from tests.corpus import every_policy, solver_sample

# Every test here runs over the whole corpus or its solver sample.
pytestmark = pytest.mark.slow


@cache
def corpus() -> dict[str, ParsedPolicy]:
    files = every_policy()
    return {f.name: parse_policy_text(f.read_text(encoding="utf-8"), str(f)) for f in files}


def policies() -> list[tuple[str, Policy]]:
    return [(name, p.policy) for name, p in corpus().items() if p.policy is not None]


def sampled() -> list[tuple[str, Policy]]:
    """The policies the solver is asked about (`tests/corpus.py`)."""
    names = {f.name for f in solver_sample()}
    return [(name, p) for name, p in policies() if name in names]


def test_corpus_is_there() -> None:
    assert len(corpus()) == 1523


def test_every_managed_policy_parses_without_error() -> None:
    errors = {name: [str(d) for d in p.errors] for name, p in corpus().items() if p.errors}
    assert errors == {}
    assert len(policies()) == 1523


@pytest.mark.parametrize("part", range(4))
def test_every_managed_policy_is_equivalent_to_itself_and_a_reserialised_copy(part: int) -> None:
    verdicts: Counter[str] = Counter()
    chosen = sampled()[part::4]
    for name, policy in chosen:
        root = corpus()[name].root
        assert root is not None
        # Reformatted, keys sorted: a different text, the same document.
        text = json.dumps(to_python(root), sort_keys=True, indent=1)
        copy = parse_policy_text(text, name).policy
        assert copy is not None
        verdicts[compare(policy, policy).verdict.value] += 1
        verdicts[compare(policy, copy).verdict.value] += 1
    assert verdicts == Counter({"equivalent": 2 * len(chosen)})


@pytest.mark.parametrize("part", range(4))
def test_dropping_an_allow_statement_never_adds_access(part: int) -> None:
    """OLD = the policy minus one Allow statement, NEW = the policy: NEW is more permissive
    exactly when the dropped statement granted something no other statement grants."""
    verdicts: Counter[CompareVerdict] = Counter()
    for name, policy in sampled()[part::4]:
        allows_idx = [i for i, s in enumerate(policy.statements) if s.effect is Effect.ALLOW]
        if len(policy.statements) < 2 or not allows_idx:
            continue
        dropped = allows_idx[len(allows_idx) // 2]
        smaller = policy.model_copy(
            update={"statements": tuple(s for i, s in enumerate(policy.statements) if i != dropped)}
        )
        result = compare(smaller, policy, witnesses=1)
        verdicts[result.verdict] += 1
        # Unknown (a solver time limit, reported as such) is honest; a wrong verdict is not.
        assert result.verdict in (
            CompareVerdict.MORE_PERMISSIVE,
            CompareVerdict.EQUIVALENT,
            CompareVerdict.UNKNOWN,
        ), (name, result.verdict, result.reason)
        for w in result.new_access.witnesses:
            assert allows(policy, w) and not allows(smaller, w), name
    # Most statements in AWS's own policies do matter; a broken encoding that proves
    # everything equivalent would fail here.
    assert verdicts[CompareVerdict.MORE_PERMISSIVE] > 0.8 * sum(verdicts.values())
    assert verdicts[CompareVerdict.UNKNOWN] <= 3, verdicts
