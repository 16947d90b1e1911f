"""Solver versus concrete evaluator on generated policies and requests.

The evaluator is the reference semantics. For a concrete request the encoding, restricted to
exactly that request, must be satisfiable iff the evaluator allows it; every witness the
comparison returns must be confirmed by the evaluator (compare raises ModelInvalid otherwise).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.evaluate import Decision, allows, evaluate
from policyreason.analysis.real_request import is_real
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.request import Request
from tests.pinning import holds_for
from tests.strategies import (
    BASE,
    GeneratedCase,
    policy_documents,
    policy_sets,
    requests,
    to_policy,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def solver_allows(policy: Policy, req: Request) -> bool:
    return holds_for([policy], req, lambda enc: enc.allows(policy))


@pytest.mark.slow
@SETTINGS
@given(doc=policy_documents(), req=requests())
def test_identity_policy_solver_matches_evaluator(doc: dict[str, object], req: Request) -> None:
    policy = to_policy(doc)
    assert solver_allows(policy, req) == allows(policy, req)


@pytest.mark.slow
@SETTINGS
@given(doc=policy_documents(PolicyKind.RESOURCE), req=requests())
def test_resource_policy_solver_matches_evaluator(doc: dict[str, object], req: Request) -> None:
    policy = to_policy(doc, PolicyKind.RESOURCE)
    assert solver_allows(policy, req) == allows(policy, req)


@pytest.mark.slow
# Each example is two comparisons with witnesses, every witness replayed through the referee;
# perf/referee_campaign.py runs the large numbers.
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=policy_documents(PolicyKind.RESOURCE),
    new=policy_documents(PolicyKind.RESOURCE),
    probes=st.lists(requests(), min_size=5, max_size=5),
)
def test_compare_witnesses_and_verdicts(
    old: dict[str, object], new: dict[str, object], probes: list[Request]
) -> None:
    p_old, p_new = to_policy(old, PolicyKind.RESOURCE), to_policy(new, PolicyKind.RESOURCE)
    result = compare(p_old, p_new)
    assert result.verdict is not CompareVerdict.UNKNOWN, result.reason
    for w in result.new_access.witnesses:
        assert is_real(w) and allows(p_new, w) and not allows(p_old, w)
    for w in result.lost_access.witnesses:
        assert is_real(w) and allows(p_old, w) and not allows(p_new, w)
    # A proof of "no new access" must hold for every concrete request we can think of.
    if result.verdict in (CompareVerdict.EQUIVALENT, CompareVerdict.LESS_PERMISSIVE):
        assert not any(allows(p_new, r) and not allows(p_old, r) for r in probes)
    if result.verdict in (CompareVerdict.EQUIVALENT, CompareVerdict.MORE_PERMISSIVE):
        assert not any(allows(p_old, r) and not allows(p_new, r) for r in probes)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=policy_sets(BASE))
def test_policy_set_solver_matches_evaluator(case: GeneratedCase) -> None:
    """The whole evaluation logic (accounts, boundaries, session policies, SCPs, RCPs) encoded
    is the evaluator's, on generated policy sets around one request."""
    ps = case.policies
    allowed = evaluate(ps, case.request).decision is Decision.ALLOWED
    assert holds_for(ps.all_policies(), case.request, lambda enc: enc.allows_set(ps)) == allowed
