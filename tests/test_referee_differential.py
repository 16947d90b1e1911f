"""The concrete evaluator and the verbs' witnesses against the independent referee, on generated
inputs: policy sets of every shape around real requests, and compare / public / findings /
not-granted over generated policies, each witness replayed in its own direction (the solver
questions use the base vocabulary and few examples: the campaign, perf/referee_campaign.py,
runs hundreds of compare pairs over the wide one).

A disagreement fails unless a deviation documented in docs/referee-deviations.md explains it
(`tests.referee.deviations`). The suite's other tests have their witnesses replayed too
(`tests/referee/plugin.py`); these tests do not depend on what the others happen to produce.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from policyreason.analysis.access import not_granted
from policyreason.analysis.compare import compare
from policyreason.analysis.external import external_access
from policyreason.analysis.public import public_access
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.request import Request
from policyreason.ir.scope import Zone
from policyreason.smt.limits import DEFAULT_RLIMIT
from tests.referee import Referee
from tests.referee.deviations import Case, classify, describe
from tests.referee.replay import judge, unexplained, witness_cases
from tests.strategies import (
    ACCOUNT_A,
    GeneratedCase,
    policy_documents,
    policy_sets,
    to_policy,
)

QUICK = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SOLVER = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
kinds = st.sampled_from([PolicyKind.IDENTITY, PolicyKind.RESOURCE])


@QUICK
@given(generated=policy_sets())
def test_the_evaluator_agrees_with_the_referee(generated: GeneratedCase, referee: Referee) -> None:
    event(generated.shape)
    case = Case(generated.policies, generated.request, generated.documents)
    outcome = referee.run(case.simulation())
    verdict = classify(case, outcome, referee)
    event(verdict.label)
    assert verdict.ok, describe(case, outcome, verdict)


def _replayed(referee: Referee, policies: list[Policy], witnesses: tuple[Request, ...]) -> None:
    cases = [c for w in witnesses for c in witness_cases(policies, w)]
    judgements, _ = judge(referee, cases)
    wrong = unexplained(judgements)
    assert not wrong, wrong[0].explain()


@SOLVER
@given(kind=kinds, data=st.data())
def test_compare_witnesses_hold_for_the_referee(
    kind: PolicyKind, data: st.DataObject, referee: Referee
) -> None:
    """New access: NEW allows and OLD does not, per the referee; lost access the other way.
    A small resource limit keeps the rare pathological pair quick (an unknown answer has no
    witness to replay)."""
    old, new = (to_policy(data.draw(policy_documents(kind)), kind) for _ in range(2))
    result = compare(old, new, rlimit=DEFAULT_RLIMIT // 20)
    _replayed(referee, [old, new], result.new_access.witnesses + result.lost_access.witnesses)


@SOLVER
@given(doc=policy_documents(PolicyKind.RESOURCE))
def test_public_and_findings_witnesses_hold_for_the_referee(
    doc: dict[str, object], referee: Referee
) -> None:
    policy = to_policy(doc, PolicyKind.RESOURCE)
    public = public_access(policy)
    if public.witness is not None:
        _replayed(referee, [policy], (public.witness,))
    found = external_access(policy, Zone(accounts=(ACCOUNT_A,)))
    _replayed(referee, [policy], tuple(w for f in found.findings for w in f.witnesses))


@SOLVER
@given(doc=policy_documents(PolicyKind.IDENTITY))
def test_not_granted_witnesses_hold_for_the_referee(
    doc: dict[str, object], referee: Referee
) -> None:
    policy = to_policy(doc)
    answers = not_granted(policy, ["s3:GetObject", "iam:PassRole", "sqs:*"], [])
    _replayed(referee, [policy], tuple(w for a in answers for w in a.search.witnesses))
