"""Redundant statements, decided semantically: a statement is redundant when the policy
without it allows exactly the same requests (an unsat answer, not a string compare).

Only statements whose known actions (service reference) and Resource ARNs all appear in other
statements of the same effect, with no more conditions, are asked about: a statement with an
action or resource of its own is needed unless it can never apply, which the lint does not
try to prove.

A suggestion is not a safety claim, so the questions get a short time limit and a statement
whose question times out is returned as undecided rather than waited for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from policyreason.analysis.evaluate import allows, arn_match
from policyreason.analysis.search import Searcher
from policyreason.analysis.witness import EXAMPLE_ACCOUNT, guessed_request
from policyreason.data import reference
from policyreason.ir.answer import Answer, Status
from policyreason.ir.pattern import ascii_lower
from policyreason.ir.policy import Effect, Policy, Statement
from policyreason.ir.request import Request
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.factory import Term
from policyreason.smt.session import DEFAULT_RLIMIT

_MAX_SAMPLE_ACTIONS = 40
# One strategy with a twentieth of the resource limit (about a second): enough for every
# redundant statement of the managed-policy corpus (34 proven; the questions that run out
# would not finish with twice as much either).
QUICK: tuple[tuple[dict[str, str], float], ...] = (({}, 0.05),)


@dataclass
class Redundancy:
    """A statement asked about: `search` UNSAT means redundant (proven), UNKNOWN undecided."""

    index: int
    search: Answer[Request]


def redundant_statements(policy: Policy, rlimit: int | None = DEFAULT_RLIMIT) -> list[Redundancy]:
    """The statements proven redundant, and those the solver could not decide."""
    out: list[Redundancy] = []
    for index, stmt in enumerate(policy.statements):
        others = [s for i, s in enumerate(policy.statements) if i != index]
        mine = _conditions(stmt)
        # Only statements at least as general in their conditions (a subset of them) can
        # make this one redundant cheaply enough to be worth a question.
        peers = [s for s in others if s.effect is stmt.effect and _conditions(s) <= mine]
        if not _covered(stmt, peers):
            continue
        reduced = policy.model_copy(update={"statements": tuple(others)})
        wider, narrower = (policy, reduced) if stmt.effect is Effect.ALLOW else (reduced, policy)
        if any(allows(wider, r) and not allows(narrower, r) for r in _samples(stmt)):
            continue  # a plain request shows the statement matters; no question needed
        # Only requests `stmt` applies to can tell the two apart, so statements of other
        # services never matter: asking about the rest is the same question, much smaller.
        services = _services(stmt)
        cut_full = _cut(policy, services)
        cut_reduced = _cut(reduced, services)
        wider, narrower = (
            (cut_full, cut_reduced) if stmt.effect is Effect.ALLOW else (cut_reduced, cut_full)
        )

        def goal(enc: PolicyEncoder, wider: Policy = wider, narrower: Policy = narrower) -> Term:
            return enc.f.and_([enc.allows(wider), enc.f.not_(enc.allows(narrower))])

        def check(r: Request, wider: Policy = wider, narrower: Policy = narrower) -> bool:
            return allows(wider, r) and not allows(narrower, r)

        search = Searcher([cut_full, cut_reduced], rlimit, QUICK).find(goal, check)
        if search.status is not Status.WITNESSED:
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
    return mine <= theirs and _resources_covered(stmt, others)


def _resources_covered(stmt: Statement, others: list[Statement]) -> bool:
    """Each Resource pattern of `stmt`, read as a literal ARN, is matched by another
    statement (otherwise that very ARN is one only `stmt` grants)."""
    if stmt.resources is None or stmt.not_resource:
        return True
    for pattern in stmt.resources:
        if pattern.has_variable:
            continue
        if not any(
            o.resources is None
            or o.not_resource
            or any(p.has_variable or arn_match(p, pattern.text, {}) for p in o.resources)
            for o in others
        ):
            return False
    return True


def _services(stmt: Statement) -> frozenset[str] | None:
    """The literal service prefixes of the statement's actions; None if any is a pattern."""
    out: set[str] = set()
    for pattern in stmt.actions:
        service, sep, _name = pattern.text.partition(":")
        if not sep or pattern.has_variable or "*" in service or "?" in service:
            return None
        out.add(ascii_lower(service))
    return frozenset(out)


def _cut(policy: Policy, services: frozenset[str] | None) -> Policy:
    """The statements that can apply to an action of one of `services` (all when None)."""
    if services is None:
        return policy
    kept = tuple(
        s
        for s in policy.statements
        if s.not_action or _services(s) is None or (_services(s) or set()) & services
    )
    return policy.model_copy(update={"statements": kept})


def _samples(stmt: Statement) -> Iterator[Request]:
    """Plain requests the statement applies to, when its text spells them out: each known
    action with each Resource pattern (wildcards filled in), conditions given their first
    literal value. They are only guesses; the concrete evaluator judges them."""
    actions = sorted(_known(tuple(p.text for p in stmt.actions)))[:_MAX_SAMPLE_ACTIONS]
    resources = [p.text.replace("*", "x").replace("?", "x") for p in stmt.resources or ()]
    for action in actions:
        for resource in resources or ["*"]:
            yield guessed_request(action, resource, EXAMPLE_ACCOUNT, stmt)


def _conditions(stmt: Statement) -> frozenset[tuple[str, str, str, tuple[str, ...]]]:
    return frozenset(
        (c.op.name, c.key, f"{c.if_exists}{c.qualifier}", tuple(sorted(v.text for v in c.values)))
        for c in stmt.conditions
    )


@cache
def _known(patterns: tuple[str, ...]) -> frozenset[str]:
    return frozenset(
        ascii_lower(a.full_name) for text in patterns for a in reference.actions_matching(text)
    )
