"""Solver versus concrete evaluator on generated policies and requests.

The evaluator is the reference semantics. For a concrete request the encoding, restricted to
exactly that request, must be satisfiable iff the evaluator allows it; every witness the
comparison returns must be confirmed by the evaluator (compare raises ModelInvalid otherwise).
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.evaluate import allows
from policyreason.ir.pattern import ascii_lower
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.request import Request
from policyreason.smt.encode_policy import PRINCIPAL_CODES, KeySort, PolicyEncoder
from policyreason.smt.factory import Term
from policyreason.smt.session import Session, Verdict
from tests.strategies import policy_documents, requests, to_policy

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pin(enc: PolicyEncoder, req: Request) -> list[Term]:
    """Constraints that make the symbolic request equal to `req`."""
    f = enc.f
    out = [
        f.eq(enc.ptype, f.integer(PRINCIPAL_CODES[req.principal_type])),
        f.eq(enc.principal, f.string(req.principal or "")),
        f.eq(enc.principal_account, f.string(req.principal_account or "")),
        f.eq(enc.action, f.string(ascii_lower(req.action))),
        f.eq(enc.resource, f.string(req.resource)),
        f.eq(enc.resource_account, f.string(req.resource_account or "")),
    ]
    lowered = {k.lower(): v for k, v in req.context.items()}
    for key, kv in enc.keys.items():
        if kv.derived:
            continue
        values = lowered.get(key, ())
        assert len(values) <= len(kv.slots), "generated more values than the encoding holds"
        out.append(f.eq(kv.count, f.integer(len(values))))
        for i, text in enumerate(values):
            if kv.sort is KeySort.STRING:
                out.append(f.eq(kv.slots[i], f.string(text)))
            elif kv.sort is KeySort.INT:
                out.append(f.eq(kv.slots[i], f.integer(int(text))))
            elif kv.sort is KeySort.DATE:
                when = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
                out.append(f.eq(kv.slots[i], f.integer(int(when.timestamp()))))
            else:
                addr = ipaddress.ip_address(text)
                out.append(f.eq(kv.slots[i], f.tm.mkBitVector(128, int(addr))))
                out.append(f.eq(kv.v6[i], f.bool_const(addr.version == 6)))
    return out


def _solver_allows(policy: Policy, req: Request) -> bool:
    session = Session()
    enc = PolicyEncoder(session.tm, [policy])
    session.add(enc.domain())
    result = session.check(enc.f.and_([enc.allows(policy), *pin(enc, req)]))
    assert result.verdict is not Verdict.UNKNOWN, result.reason
    return result.verdict is Verdict.SAT


@pytest.mark.slow
@SETTINGS
@given(doc=policy_documents(), req=requests())
def test_identity_policy_solver_matches_evaluator(doc: dict[str, object], req: Request) -> None:
    policy = to_policy(doc)
    assert _solver_allows(policy, req) == allows(policy, req)


@pytest.mark.slow
@SETTINGS
@given(doc=policy_documents(PolicyKind.RESOURCE), req=requests())
def test_resource_policy_solver_matches_evaluator(doc: dict[str, object], req: Request) -> None:
    policy = to_policy(doc, PolicyKind.RESOURCE)
    assert _solver_allows(policy, req) == allows(policy, req)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
        assert allows(p_new, w) and not allows(p_old, w)
    for w in result.lost_access.witnesses:
        assert allows(p_old, w) and not allows(p_new, w)
    # A proof of "no new access" must hold for every concrete request we can think of.
    if result.verdict in (CompareVerdict.EQUIVALENT, CompareVerdict.LESS_PERMISSIVE):
        assert not any(allows(p_new, r) and not allows(p_old, r) for r in probes)
    if result.verdict in (CompareVerdict.EQUIVALENT, CompareVerdict.MORE_PERMISSIVE):
        assert not any(allows(p_old, r) and not allows(p_new, r) for r in probes)
