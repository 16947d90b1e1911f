"""The questions asked of the solver, each declared once with its two faces: the symbolic goal
over the encoder's one request (`goal`) and its concrete twin over one request (`holds`, the
evaluator's verdict). The searchers take a property, never a goal and a check apart, so a
witness is always re-checked against the very question it answers.

Properties are pure values: building one encodes nothing and never calls the solver. They
compose: `more_permissive(new, old).within(actions_in(...))` asks the scoped question, and
its twin is the conjunction of the twins. The joint question of escalation (several requests
by one caller) is a `JointProperty`, the network's (a packet and its way) a `PacketProperty`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policyreason.analysis import evaluate
from policyreason.analysis import scope as concrete_scope
from policyreason.ir.pattern import Pattern, ascii_lower
from policyreason.ir.policy import Effect, Policy, PrincipalType, Statement
from policyreason.ir.request import Request
from policyreason.ir.scope import Pins, Scope, Zone
from policyreason.ir.template import OWNER

if TYPE_CHECKING:
    from policyreason.analysis.network.index import NetIndex
    from policyreason.ir.network import Packet
    from policyreason.smt.encode_network import Pred
    from policyreason.smt.encode_path import JointEncoder
    from policyreason.smt.encode_policy import PolicyEncoder
    from policyreason.smt.factory import Term


@dataclass(frozen=True)
class Property:
    """A property of one request: `goal` encodes it, `holds` decides it for a concrete one.
    A conjunction keeps its `parts`, so conjunctions of conjunctions stay one flat `and`."""

    name: str
    goal: Callable[[PolicyEncoder], Term]
    holds: Callable[[Request], bool]
    parts: tuple[Property, ...] = ()

    def and_(self, *others: Property) -> Property:
        """Every one of the properties at once."""
        return every([self, *others])

    def within(self, scope: Property) -> Property:
        """The property, asked only of the requests `scope` holds for."""
        return every([self, scope])


def every(props: Sequence[Property]) -> Property:
    """The conjunction of the properties (true of every request when there are none)."""
    parts = tuple(q for p in props for q in (p.parts or (p,)))
    return Property(
        " and ".join(p.name for p in parts) or "any request",
        lambda enc: enc.f.and_([p.goal(enc) for p in parts]),
        lambda r: all(p.holds(r) for p in parts),
        parts,
    )


def not_(p: Property) -> Property:
    """The complement of `p`."""
    return Property(f"not {p.name}", lambda enc: enc.f.not_(p.goal(enc)), lambda r: not p.holds(r))


def allows(policy: Policy) -> Property:
    """The policy on its own allows the request: some Allow applies and no Deny does."""
    return Property("allows", lambda enc: enc.allows(policy), lambda r: evaluate.allows(policy, r))


def denies(policy: Policy) -> Property:
    """Some Deny statement of the policy applies (an explicit deny)."""

    def holds(r: Request) -> bool:
        ctx = evaluate.context_of(r)
        return any(
            s.effect is Effect.DENY and evaluate.statement_matches(s, r, ctx)
            for s in policy.statements
        )

    return Property("denies", lambda enc: enc.denies(policy), holds)


def applies(stmt: Statement) -> Property:
    """The statement applies to the request (whatever its effect)."""
    return Property(
        f"{stmt.label} applies",
        lambda enc: enc.statement(stmt),
        lambda r: evaluate.statement_matches(stmt, r),
    )


def more_permissive(wider: Policy, narrower: Policy) -> Property:
    """Access `wider` grants and `narrower` does not (the gained access of a change)."""
    return allows(wider).and_(not_(allows(narrower)))


def actions_in(patterns: Sequence[Pattern]) -> Property:
    """The request's action matches one of the (lower-case) patterns. A question built on it
    registers the patterns with its searcher, so the request space tells them apart."""
    listed = list(patterns)

    def holds(r: Request) -> bool:
        ctx = evaluate.context_of(r)
        return any(evaluate.glob_match(p, ascii_lower(r.action), ctx) for p in listed)

    return Property("action in", lambda enc: enc.action_in(listed), holds)


def resources_in(patterns: Sequence[Pattern]) -> Property:
    """The request's resource matches one of the ARN patterns."""
    listed = list(patterns)

    def holds(r: Request) -> bool:
        ctx = evaluate.context_of(r)
        return any(evaluate.arn_match(p, r.resource, ctx) for p in listed)

    return Property("resource in", lambda enc: enc.resource_in(listed), holds)


def actions_outside(patterns: Sequence[Pattern]) -> Property:
    """The request's action matches none of the (lower-case) patterns."""
    return every([not_(actions_in([p])) for p in patterns])


def in_cell(scope: Scope) -> Property:
    """The request lies in the scope's cell: its kind of caller, its fixed values, its
    services (`ir/scope.py`)."""

    def goal(enc: PolicyEncoder) -> Term:
        from policyreason.smt.encode_scope import scope_term

        return scope_term(enc, scope)

    return Property("in cell", goal, lambda r: concrete_scope.in_scope(scope, r))


def public(policy: Policy, scope: Scope) -> Property:
    """The policy allows a request from the scope's "anyone" (S3 Block Public Access's
    definition, `analysis/public.py`)."""
    return allows(policy).within(in_cell(scope))


def cross_account(policy: Policy, trusted: frozenset[str], zone: Zone) -> Property:
    """An AWS principal of another account than the resource's, trusted neither by name nor
    by the zone of trust (nor the stack's own account), makes the request. `policy` is the
    one asked about: its pins decide what the zone's keys can be compared with."""
    pins: Pins = concrete_scope.pins_of(policy)

    def goal(enc: PolicyEncoder) -> Term:
        from policyreason.smt.encode_scope import inside_zone

        f, req = enc.f, enc.request
        return f.and_(
            [
                req.is_type(PrincipalType.AWS),
                f.not_(f.eq(req.principal_account, req.resource_account)),
                *(f.not_(f.eq(req.principal_account, f.string(a))) for a in sorted(trusted)),
                f.not_(inside_zone(enc, pins, zone)),
            ]
        )

    def holds(r: Request) -> bool:
        return bool(
            r.principal_type is PrincipalType.AWS
            and r.principal_account
            and r.resource_account
            and r.principal_account != r.resource_account
            and r.principal_account not in trusted
            and r.principal_account != r.bindings.get(OWNER)
            and not concrete_scope.inside_zone(zone, r, pins)
        )

    return Property("cross-account", goal, holds)


# -- several requests by one caller ----------------------------------------------------------

JointHolds = Callable[[Sequence[Request]], list[str]]  # what is wrong with a set; [] if nothing


@dataclass(frozen=True)
class JointProperty:
    """A property of several requests together (escalation's path: each step allowed, one
    caller, resources and keys linked): `goal` over a `JointEncoder`, and `problems`, its
    concrete twin, says what keeps a concrete set from having it (nothing when it does)."""

    name: str
    goal: Callable[[JointEncoder], Term]
    problems: JointHolds

    def holds(self, requests: Sequence[Request]) -> bool:
        return not self.problems(requests)

    def and_(self, other: JointProperty) -> JointProperty:
        """Both properties at once."""
        return JointProperty(
            f"{self.name} and {other.name}",
            lambda enc: enc.f.and_([self.goal(enc), other.goal(enc)]),
            lambda rs: [*self.problems(rs), *other.problems(rs)],
        )


def resources_are(fixed: dict[int, str]) -> JointProperty:
    """Request i acts on exactly the resource `fixed[i]`."""

    def goal(enc: JointEncoder) -> Term:
        return enc.f.and_([enc.resource_is(i, [arn]) for i, arn in fixed.items()])

    def problems(requests: Sequence[Request]) -> list[str]:
        return [
            f"request {i + 1} is not on {arn}"
            for i, arn in fixed.items()
            if i < len(requests) and requests[i].resource != arn
        ]

    return JointProperty("resources fixed", goal, problems)


# -- packets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PacketProperty:
    """A property of one packet header: `goal` as a predicate over the symbolic header
    (`smt/encode_network.py`) and `holds`, its concrete twin (a hop-by-hop replay)."""

    name: str
    goal: Pred
    holds: Callable[[Packet], bool]


def reachable(
    ix: NetIndex,
    source: str,
    packets: Pred,
    choices: tuple[tuple[str, str], ...] = (),
    arrives: Callable[[str | None], bool] = lambda _: True,
) -> PacketProperty:
    """A packet from `source` among `packets` (a path's predicate, read off the walk) that
    arrives where `arrives` accepts and whose answer comes back, every verdict on the way
    known. Its twin is the hop-by-hop replay of `analysis/network/simulate.py` along the same
    `choices` (which gateway, which connection)."""

    def holds(pkt: Packet) -> bool:
        from policyreason.analysis.network.simulate import replay
        from policyreason.analysis.network.trace import PathWitness

        forward, reply = replay(ix, source, pkt, choices)
        witness = PathWitness(source, pkt, forward, reply)
        return witness.round_trip and not witness.unknowns and arrives(forward.delivered_to)

    return PacketProperty("reachable", packets, holds)
