"""Access not granted: prove that a policy grants none of the listed actions on the listed
resources, or show a request it does grant."""

from __future__ import annotations

from dataclasses import dataclass

from policyreason.analysis.evaluate import allows as concrete_allows
from policyreason.analysis.evaluate import arn_match, context_of, glob_match
from policyreason.analysis.search import Search, Searcher
from policyreason.ir.pattern import Pattern, ascii_lower
from policyreason.ir.policy import Policy
from policyreason.ir.request import Request
from policyreason.parse.pattern import parse_pattern
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.factory import Term
from policyreason.smt.session import DEFAULT_RLIMIT


@dataclass
class ActionAnswer:
    """For one listed action: proven not granted (UNSAT), granted with a witness, or unknown."""

    action: str
    search: Search


def not_granted(
    policy: Policy, actions: list[str], resources: list[str], rlimit: int | None = DEFAULT_RLIMIT
) -> list[ActionAnswer]:
    """One answer per action pattern; `resources` are ARN patterns (any of them)."""
    resource_patterns = [parse_pattern(r, variables=False) for r in resources or ["*"]]
    searcher = Searcher([policy], rlimit)  # one encoding for every action asked about
    return [_answer(policy, a, resource_patterns, searcher) for a in actions]


def _answer(
    policy: Policy, action: str, resource_patterns: list[Pattern], searcher: Searcher
) -> ActionAnswer:
    action_pattern = parse_pattern(action, variables=False, lower=True)

    def in_scope(r: Request) -> bool:
        ctx = context_of(r)
        return glob_match(action_pattern, ascii_lower(r.action), ctx) and any(
            arn_match(p, r.resource, ctx) for p in resource_patterns
        )

    def check(r: Request) -> bool:
        return in_scope(r) and concrete_allows(policy, r)

    def goal(enc: PolicyEncoder) -> Term:
        f = enc.f
        return f.and_(
            [
                enc.allows(policy),
                enc.glob(action_pattern, enc.action),
                f.or_(enc.arn(p, enc.resource) for p in resource_patterns),
            ]
        )

    before = searcher.queries
    search = searcher.find(goal, check, 1)
    search.queries = searcher.queries - before
    return ActionAnswer(action, search)
