"""Access not granted: prove that a policy grants none of the listed actions on the listed
resources, or show a request it does grant."""

from __future__ import annotations

from dataclasses import dataclass

from policyreason.analysis.questions import actions_in, allows, resources_in
from policyreason.analysis.search import Searcher
from policyreason.ir.answer import Answer
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Policy
from policyreason.ir.request import Request
from policyreason.parse.pattern import parse_pattern
from policyreason.smt.limits import DEFAULT_RLIMIT


@dataclass
class ActionAnswer:
    """For one listed action: proven not granted, granted with a witness, or unknown."""

    action: str
    search: Answer[Request]


def not_granted(
    policy: Policy, actions: list[str], resources: list[str], rlimit: int | None = DEFAULT_RLIMIT
) -> list[ActionAnswer]:
    """One answer per action pattern; `resources` are ARN patterns (any of them)."""
    resource_patterns = [parse_pattern(r, variables=False) for r in resources or ["*"]]
    action_patterns = [parse_pattern(a, variables=False, lower=True) for a in actions]
    # One encoding for every action asked about.
    searcher = Searcher(
        [policy], rlimit, actions=[(p,) for p in action_patterns], resources=resource_patterns
    )
    return [
        _answer(policy, a, p, resource_patterns, searcher)
        for a, p in zip(actions, action_patterns, strict=True)
    ]


def _answer(
    policy: Policy,
    action: str,
    action_pattern: Pattern,
    resource_patterns: list[Pattern],
    searcher: Searcher,
) -> ActionAnswer:
    scope = actions_in([action_pattern]).and_(resources_in(resource_patterns))
    return ActionAnswer(action, searcher.find(allows(policy).within(scope), 1))
