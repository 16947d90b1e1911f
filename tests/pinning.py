"""The solver pinned to one concrete request: how tests hold every encoded question to its
concrete twin."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from policyreason.analysis.real_request import fits
from policyreason.data.requests import typings
from policyreason.ir.pattern import Pattern, literal
from policyreason.ir.policy import Policy
from policyreason.ir.request import Request
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.factory import Term
from policyreason.smt.session import Session, Verdict


def holds_for(
    policies: Sequence[Policy],
    req: Request,
    goal: Callable[[PolicyEncoder], Term],
    actions: Sequence[Sequence[Pattern]] = (),
) -> bool:
    """The encoded `goal` holds for exactly `req` (the request's action and resource are
    registered, so the request space sets them apart)."""
    typing = next(t for t in typings(req.action) if fits(t, req.resource))
    session = Session()
    enc = PolicyEncoder(
        session.tm,
        policies,
        [(literal(req.action.lower()),), *actions],
        [literal(req.resource)],
        {k.lower(): len(v) for k, v in req.context.items()},
    )
    session.add(enc.domain())
    result = session.check(enc.f.and_([goal(enc), enc.request.pin(req, typing)]))
    assert result.verdict is not Verdict.UNKNOWN, result.reason
    return result.verdict is Verdict.SAT
