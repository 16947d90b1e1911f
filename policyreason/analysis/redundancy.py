"""Redundant statements, decided semantically: a statement is redundant when the policy
without it allows exactly the same requests (an unsat answer, not a string compare).

Only statements whose known actions (service reference) all appear in other statements of the
same effect are asked about: a statement with an action of its own is needed unless it can
never apply, which the lint does not try to prove.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from policyreason.analysis.evaluate import allows
from policyreason.analysis.search import Search, Searcher
from policyreason.data import reference
from policyreason.ir.pattern import ascii_lower
from policyreason.ir.policy import Effect, Policy, Statement
from policyreason.ir.request import Request
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.factory import Term
from policyreason.smt.session import DEFAULT_RLIMIT, Verdict


@dataclass
class Redundancy:
    """A statement asked about: `search` UNSAT means redundant (proven), UNKNOWN undecided."""

    index: int
    search: Search


def redundant_statements(policy: Policy, rlimit: int | None = DEFAULT_RLIMIT) -> list[Redundancy]:
    """The statements proven redundant, and those the solver could not decide."""
    out: list[Redundancy] = []
    for index, stmt in enumerate(policy.statements):
        others = [s for i, s in enumerate(policy.statements) if i != index]
        if not _covered(stmt, [s for s in others if s.effect is stmt.effect]):
            continue
        reduced = policy.model_copy(update={"statements": tuple(others)})
        wider, narrower = (policy, reduced) if stmt.effect is Effect.ALLOW else (reduced, policy)

        def goal(enc: PolicyEncoder, wider: Policy = wider, narrower: Policy = narrower) -> Term:
            return enc.f.and_([enc.allows(wider), enc.f.not_(enc.allows(narrower))])

        def check(r: Request, wider: Policy = wider, narrower: Policy = narrower) -> bool:
            return allows(wider, r) and not allows(narrower, r)

        search = Searcher([policy, reduced], rlimit).find(goal, check)
        if search.verdict is not Verdict.SAT:
            out.append(Redundancy(index, search))
    return out


def _covered(stmt: Statement, others: list[Statement]) -> bool:
    """Every known action of `stmt` is matched by some other statement's Action (a necessary
    condition for redundancy of a statement that can apply at all)."""
    if stmt.not_action or not others:
        return False
    mine = _known(tuple(p.text for p in stmt.actions))
    if not mine:
        return False
    if any(o.not_action for o in others):
        return True
    theirs: set[str] = set()
    for other in others:
        theirs |= _known(tuple(p.text for p in other.actions))
    return mine <= theirs


@cache
def _known(patterns: tuple[str, ...]) -> frozenset[str]:
    return frozenset(
        ascii_lower(a.full_name) for text in patterns for a in reference.actions_matching(text)
    )
