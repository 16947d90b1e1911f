"""Each named property of `analysis/questions.py` held against its concrete twin.

For generated small policies: every witness the solver finds has the property concretely,
and when the solver proves there is none, the twin fails on every request of a finite request
space drawn from the same vocabulary (and, for the network, on every packet of a finite packet
space). Pinned to one concrete request, the encoded goal and the twin agree exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import product
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.analysis import questions as q
from policyreason.analysis.escalation.joint import Joint
from policyreason.analysis.escalation.paths import ANY_CALLER, _Question
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.reach import reach
from policyreason.analysis.network.solve import PacketSolver
from policyreason.analysis.public import anyone_scope, infer_resource_type
from policyreason.analysis.real_request import is_real
from policyreason.analysis.search import Searcher, principal_types
from policyreason.errors import ModelInvalid
from policyreason.ir.answer import Answer, Status
from policyreason.ir.cidr import Cidr, parse_ip
from policyreason.ir.network import ICMP, TCP, UDP, Network, Packet
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Policy, PolicyKind, PrincipalType
from policyreason.ir.request import Request
from policyreason.ir.scope import Zone
from policyreason.ir.values import parse_date
from policyreason.parse.pattern import parse_pattern
from policyreason.smt.encode_network import conj, eq, in_cidr
from policyreason.smt.limits import DEFAULT_RLIMIT
from tests.network.test_network_differential import concrete, networks
from tests.pinning import holds_for
from tests.strategies import (
    ACCOUNT_A,
    ACCOUNT_B,
    CALLERS,
    CALLS,
    KEYS,
    MULTIVALUED,
    PRINCIPAL_ONLY,
    policy_documents,
    requests,
    to_policy,
)
from tests.test_escalation import CONCRETE, PATHS, lambda_policies

QUICK = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A quarter of the tool's limit: a generated case the solver cannot settle costs that much.
RLIMIT = DEFAULT_RLIMIT // 4
PINNED = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

identity_policies = policy_documents().map(to_policy)
resource_policies = policy_documents(PolicyKind.RESOURCE).map(
    lambda d: to_policy(d, PolicyKind.RESOURCE)
)


# -- the finite request space ------------------------------------------------------------------


def _contexts(ptype: PrincipalType | None, userid: str | None) -> Iterable[dict[str, Any]]:
    """No optional key; every key with its first value; every key with its last (all of them
    for a multivalued key)."""
    for pick in (None, 0, -1):
        context: dict[str, tuple[str, ...]] = {}
        for key, (_kind, _values, sent) in KEYS.items():
            if pick is None or not sent:
                continue
            if key in PRINCIPAL_ONLY and ptype is not PrincipalType.AWS:
                continue
            chosen = tuple(sent) if key in MULTIVALUED and pick == -1 else (sent[pick],)
            context[key] = chosen
        context.setdefault("aws:CurrentTime", ("2025-06-01T00:00:00Z",))
        context.setdefault("aws:SecureTransport", ("true",))
        moment = parse_date(context["aws:CurrentTime"][0])
        assert moment is not None
        context["aws:EpochTime"] = (str(moment // 1000),)
        if userid is not None:
            context["aws:userid"] = (userid,)
        yield context


def _enumerated() -> list[Request]:
    out = []
    for (principal, arn, ptype, account, userid), (action, resource) in product(CALLERS, CALLS):
        parts = resource.split(":")
        owners = [parts[4]] if len(parts) > 4 and parts[4] else [ACCOUNT_A, ACCOUNT_B]
        for owner, context in product(owners, _contexts(ptype, userid)):
            out.append(
                Request(
                    principal=principal,
                    principal_type=ptype,
                    principal_account=account,
                    principal_arn=arn,
                    action=action,
                    resource=resource,
                    resource_account=owner,
                    context=context,
                )
            )
    return [r for r in out if is_real(r)]


SPACE = _enumerated()


def _space(policies: Sequence[Policy]) -> list[Request]:
    """The enumerated requests the question ranges over (identity policies: IAM callers)."""
    kinds = principal_types(*policies)
    return [r for r in SPACE if kinds is None or r.principal_type in kinds]


def held(
    policies: Sequence[Policy],
    question: q.Property,
    actions: Sequence[Sequence[Pattern]] = (),
    resources: Sequence[Pattern] = (),
) -> Answer[Request]:
    """Ask, then hold the answer to the twin: witnesses have the property, a proof leaves no
    enumerated request with it (an unknown at the limit says nothing)."""
    searcher = Searcher(policies, RLIMIT, actions=actions, resources=resources)
    answer = searcher.find(question)
    for witness in answer.witnesses:
        assert question.holds(witness), witness.to_json()
    if answer.status is Status.PROVEN:
        having = [r for r in _space(policies) if question.holds(r)]
        assert having == [], having[0].to_json()
    return answer


S3_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


def test_the_request_space_is_real_and_varied() -> None:
    assert len(SPACE) > 300
    assert {r.principal_type for r in SPACE} == {None, PrincipalType.AWS, PrincipalType.SERVICE}
    assert {r.action for r in SPACE} == {a for a, _ in CALLS}


def test_a_property_whose_twin_disagrees_is_caught() -> None:
    policy = to_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    wrong = q.Property("wrong", q.allows(policy).goal, lambda r: False)
    with pytest.raises(ModelInvalid):
        Searcher([policy], DEFAULT_RLIMIT).find(wrong)


def test_conjunctions_stay_flat() -> None:
    a, b = (to_policy(S3_DOC), to_policy(S3_DOC))
    scope = q.actions_in([parse_pattern("s3:*", variables=False, lower=True)])
    question = q.more_permissive(a, b).within(scope.and_(q.denies(a)))
    assert [p.name for p in question.parts] == ["allows", "not allows", "action in", "denies"]
    assert q.every([]).holds(SPACE[0])


# -- each property: solver against twin ----------------------------------------------------------


@QUICK
@given(policy=identity_policies)
def test_allows(policy: Policy) -> None:
    held([policy], q.allows(policy))


@QUICK
@given(policy=identity_policies)
def test_denies(policy: Policy) -> None:
    held([policy], q.denies(policy))


@QUICK
@given(policy=identity_policies)
def test_not_allows(policy: Policy) -> None:
    held([policy], q.not_(q.allows(policy)))


@QUICK
@given(wider=resource_policies, narrower=resource_policies)
def test_more_permissive(wider: Policy, narrower: Policy) -> None:
    held([narrower, wider], q.more_permissive(wider, narrower))


@QUICK
@given(policy=resource_policies)
def test_public(policy: Policy) -> None:
    from policyreason.smt.encode_scope import service_actions

    scope = anyone_scope(policy, infer_resource_type(policy))
    actions = [service_actions(scope.services)] if scope.services else []
    held([policy], q.public(policy, scope), actions)


@QUICK
@given(
    policy=identity_policies,
    action=st.sampled_from(["s3:Get*", "s3:getobject", "ec2:*", "iam:passrole", "*"]),
    resource=st.sampled_from(["*", "arn:aws:s3:::b/*", "arn:aws:iam::111122223333:role/*"]),
)
def test_allows_within_an_action_and_a_resource(policy: Policy, action: str, resource: str) -> None:
    acts = parse_pattern(action, variables=False, lower=True)
    res = parse_pattern(resource, variables=False)
    scope = q.actions_in([acts]).and_(q.resources_in([res]))
    held([policy], q.allows(policy).within(scope), [(acts,)], [res])


# Two policies and two registered action lists: the costliest encoding here.
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wider=identity_policies, narrower=identity_policies)
def test_more_permissive_outside_accepted_actions(wider: Policy, narrower: Policy) -> None:
    accepted = [parse_pattern(a, variables=False, lower=True) for a in ("s3:get*", "ec2:*")]
    question = q.more_permissive(wider, narrower).within(q.actions_outside(accepted))
    held([narrower, wider], question, [(p,) for p in accepted])


@QUICK
@given(policy=resource_policies, trusted=st.sampled_from([(), (ACCOUNT_A,), (ACCOUNT_B,)]))
def test_cross_account(policy: Policy, trusted: tuple[str, ...]) -> None:
    question = q.allows(policy).within(q.cross_account(policy, frozenset(trusted), Zone()))
    held([policy], question)


@QUICK
@given(policy=resource_policies, data=st.data())
def test_public_beyond_some_statements(policy: Policy, data: st.DataObject) -> None:
    blocked = data.draw(st.sets(st.sampled_from(range(len(policy.statements)))))
    scope = anyone_scope(policy, None)
    others = (q.not_(q.applies(policy.statements[i])) for i in sorted(blocked))
    held([policy], q.public(policy, scope).and_(*others))


# -- pinned to one request, the goal is the twin --------------------------------------------------


@PINNED
@given(policy=resource_policies, other=resource_policies, req=requests(), which=st.integers(0, 4))
def test_pinned_goal_is_the_twin(policy: Policy, other: Policy, req: Request, which: int) -> None:
    question = [
        q.allows(policy),
        q.denies(policy),
        q.more_permissive(policy, other),
        q.public(policy, anyone_scope(policy, None)),
        q.cross_account(policy, frozenset(), Zone()),
    ][which]
    assert holds_for([policy, other], req, question.goal) == question.holds(req)


# -- several requests by one caller: escalation's joint property -------------------------------


@QUICK
@given(ps=lambda_policies())
def test_joint_path(ps: Any) -> None:
    asked = _Question(ps, PATHS["lambda-001"], ANY_CALLER, relaxed=False)
    question = asked.question
    sets = [c for c in CONCRETE if all(is_real(r) for r in c)]
    if asked.parts is None:  # no statement can allow a step: nothing to ask
        assert [c for c in sets if question.holds(c)] == []
        return
    answer = Joint(asked.parts).find(question, asked.complete, RLIMIT)
    if answer.status is Status.WITNESSED:
        assert question.holds(list(answer.witnesses))
    elif answer.status is Status.PROVEN:
        assert [c for c in sets if question.holds(c)] == []


@pytest.mark.slow
@QUICK
@given(ps=lambda_policies())
def test_joint_questions_share_one_encoding(ps: Any) -> None:
    """A path asked with its resources fixed, then over every resource, of one `Joint` (one
    encoding, a solver per question) answers each as a fresh encoding does."""
    asked = _Question(ps, PATHS["lambda-001"], ANY_CALLER, relaxed=False)
    if asked.parts is None:
        return
    narrowed = asked.question.and_(q.resources_are(asked.fixed_resources()))
    shared = Joint(asked.parts)
    for question in (narrowed, asked.question):
        answer = shared.find(question, asked.complete, RLIMIT)
        fresh = Joint(asked.parts).find(question, asked.complete, RLIMIT)
        assert (answer.status, answer.queries) == (fresh.status, fresh.queries)
        if answer.status is Status.WITNESSED:
            assert question.holds(list(answer.witnesses))


# -- packets: reachable against the hop-by-hop replay -----------------------------------------

SOURCES = {"eni-i-a": "10.0.1.10", "eni-i-b": "10.0.2.10", "eni-i-c": "10.1.1.10"}
TARGETS = ["10.0.1.10", "10.0.2.10", "10.1.1.10", "54.0.0.10", "54.0.0.20", "8.8.8.8"]


def _packets(src: str, dst: str) -> list[Packet]:
    out = [
        Packet(src=parse_ip(src), dst=parse_ip(dst), protocol=p, src_port=s, dst_port=d)
        for p, s, d in product((TCP, UDP), (1024, 49152), (22, 80, 443, 1500, 3000))
    ]
    out += [
        Packet(src=parse_ip(src), dst=parse_ip(dst), protocol=ICMP, icmp_type=t) for t in (0, 8)
    ]
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network=networks(), src=st.sampled_from(sorted(SOURCES)), dst=st.sampled_from(TARGETS))
def test_reachable(network: Network, src: str, dst: str) -> None:
    ix = NetIndex(network)
    result = reach(ix, src.removeprefix("eni-"), dst)
    if result.reachable:
        (path,) = result.paths
        question = q.reachable(ix, path.source, in_cidr("dst", Cidr.parse(f"{dst}/32")))
        assert question.holds(path.packet)
    elif result.reachable is False:
        for pkt in _packets(SOURCES[src], dst):
            assert concrete(ix, src, pkt) is not True, str(pkt)


@QUICK
@given(network=networks(), src=st.sampled_from(sorted(SOURCES)), dst=st.sampled_from(TARGETS))
def test_a_packet_the_replay_rejects_is_caught(network: Network, src: str, dst: str) -> None:
    ix = NetIndex(network)
    packets = conj(eq("src", parse_ip(SOURCES[src])), in_cidr("dst", Cidr.parse(f"{dst}/32")))
    never = q.PacketProperty("never", packets, lambda pkt: False)
    solver = PacketSolver(DEFAULT_RLIMIT, ipv6=ix.has_v6)
    try:
        solved = solver.find(never)
    except ModelInvalid:
        return
    assert solved.packet is None
