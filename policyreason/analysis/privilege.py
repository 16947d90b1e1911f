"""Is an identity policy full administrator? Semantic, not textual: "equivalent to
AdministratorAccess" is a proof that no request is denied, however the policy is written.
(Escalation to administrator through published paths is `analysis/escalation/`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from policyreason.analysis.questions import allows, not_
from policyreason.analysis.real_request import is_real
from policyreason.analysis.samples import statement_samples
from policyreason.analysis.search import Searcher
from policyreason.ir.answer import Status
from policyreason.ir.pattern import literal
from policyreason.ir.policy import Effect, Policy
from policyreason.ir.request import Request
from policyreason.memo import keep_last
from policyreason.smt.limits import DEFAULT_RLIMIT


@dataclass
class AdminResult:
    """`admin` True: proven to allow every request; False with a witness of a request it
    does not allow; None: unknown with the reason."""

    admin: bool | None
    reason: str = ""
    witness: Request | None = None
    statement: int | None = None  # the broad Allow statement that makes it possible


# PR603 and PR604 ask this of each identity policy, one after the other.
@keep_last
def full_admin(policy: Policy, rlimit: int | None = DEFAULT_RLIMIT) -> AdminResult:
    """Whether the policy allows every action on every resource in every context."""
    return _full_admin(policy, rlimit)


def _full_admin(policy: Policy, rlimit: int | None) -> AdminResult:
    broad = _broad_statement(policy)
    if broad is None:
        return AdminResult(False, "no Allow statement covers every action and resource")
    question = not_(allows(policy))
    # Most broad policies that are not administrator leave services out with NotAction
    # (PowerUserAccess) or hold their Allow to a condition: a request of one of those
    # actions, or one without the condition's keys, shows it without the solver.
    refused = next((r for r in _left_out(policy) if question.holds(r)), None)
    if refused is not None:
        return AdminResult(False, "some request is not allowed", refused, broad)
    search = Searcher([policy], rlimit).find(question)
    if search.status is Status.UNKNOWN:
        return AdminResult(None, search.reason, statement=broad)
    if search.status is Status.PROVEN:
        return AdminResult(True, "every request is allowed (proven)", statement=broad)
    return AdminResult(False, "some request is not allowed", search.witnesses[0], broad)


def _broad_statement(policy: Policy) -> int | None:
    """A cheap necessary condition: the first Allow statement naming every action (or using
    NotAction) and every resource (or using NotResource)."""
    for index, stmt in enumerate(policy.statements):
        if stmt.effect is not Effect.ALLOW:
            continue
        every_resource = (
            stmt.resources is None
            or stmt.not_resource
            or any(p.text.strip("*") == "" for p in stmt.resources)
        )
        # The actions after the resources: a statement lists far more of them.
        if every_resource and (
            stmt.not_action or any(p.text.strip("*") == "" for p in stmt.actions)
        ):
            return index
    return None


_LEFT_OUT_TRIED = 3  # actions of each such statement
# The action an Allow of `*` held to a condition is tried with (samples leave `*` out): any
# would do, and creating a user is what an administrator is expected to be able to do.
_FOR_EVERY_ACTION = (literal("iam:CreateUser"),)


def _left_out(policy: Policy) -> Iterator[Request]:
    """Real requests of the first actions each Allow with NotAction names, or each Allow with
    conditions allows, with no context."""
    for stmt in policy.statements:
        if stmt.effect is Effect.ALLOW and (stmt.not_action or stmt.conditions):
            every = not stmt.not_action and any(p.is_match_all for p in stmt.actions)
            named = stmt.model_copy(
                update={
                    "not_action": False,
                    "conditions": (),
                    "actions": _FOR_EVERY_ACTION if every else stmt.actions,
                }
            )
            for req, _ in statement_samples(named, max_actions=_LEFT_OUT_TRIED):
                if is_real(req):
                    yield req
