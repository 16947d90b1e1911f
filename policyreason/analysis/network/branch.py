"""A branch of the symbolic walk: its constraints, the components passed, how it ends, and
the state it is built in, which prunes contradictory branches before the solver sees them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from policyreason.analysis.network.trace import Unknown
from policyreason.ir.cidr import ADDRESS_BITS, Cidr
from policyreason.smt.encode_network import (
    FALSE,
    TRUE,
    And,
    Eq,
    Field,
    InCidr,
    Not,
    Or,
    OutsideSet,
    Pred,
    View,
    conj,
    disj,
    neg,
)

DELIVERED = "delivered"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Branch:
    """One way through the network: its constraints, the components passed, how it ends.
    `end` is DELIVERED, UNKNOWN or a drop code."""

    preds: tuple[Pred, ...]
    components: tuple[str, ...]
    end: str
    view: View
    delivered_to: str | None = None
    sessions: tuple[tuple[str, tuple[Field, ...]], ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    returns: tuple[tuple[str, str], ...] = ()
    unknowns: tuple[Unknown, ...] = ()
    assumptions: tuple[str, ...] = ()

    def pred(self) -> Pred:
        return conj(*self.preds)

    @property
    def certain(self) -> bool:
        """Delivered past components whose verdicts are all known."""
        return self.end == DELIVERED and not self.unknowns


_EVERYWHERE = Cidr.of(0, 0)


@dataclass(frozen=True)
class _Bound:
    inside: Cidr = _EVERYWHERE
    avoid: tuple[Cidr, ...] = ()
    avoid_sets: tuple[frozenset[int], ...] = ()

    def consistent(self) -> bool:
        if any(self.inside.within(n) for n in self.avoid):
            return False
        exact = self.inside.prefix == ADDRESS_BITS
        return not (exact and any(self.inside.addr in s for s in self.avoid_sets))


@dataclass(frozen=True)
class State:
    """A branch under construction. `bounds` keeps, per address field, the narrowest prefix
    it must lie in, the prefixes it must avoid and the address sets it must avoid, and
    `fixed` the other fields pinned to one value, so that contradictory branches (a route that
    can no longer be the longest match, a loop back into a range already left, an ICMP answer
    to a TCP packet) are pruned before the solver sees them."""

    preds: tuple[Pred, ...] = ()
    components: tuple[str, ...] = ()
    sessions: tuple[tuple[str, tuple[Field, ...]], ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    returns: tuple[tuple[str, str], ...] = ()
    unknowns: tuple[Unknown, ...] = ()
    assumptions: tuple[str, ...] = ()
    bounds: tuple[tuple[str, _Bound], ...] = ()
    fixed: tuple[tuple[str, int], ...] = ()
    dead: bool = False

    def excludes(self, f: Field, ip: int) -> bool:
        """Is `f == ip` already ruled out (a cheap test before building a branch)?"""
        if isinstance(f, int):
            return f != ip
        b = next((b for name, b in self.bounds if name == f), None)
        if b is None:
            return False
        if any(ip in s for s in b.avoid_sets) or not b.inside.covers(ip):
            return True
        return any(n.covers(ip) for n in b.avoid)

    def avoid_sets(self, f: str) -> tuple[frozenset[int], ...]:
        """The address sets `f` is known to avoid."""
        b = next((b for name, b in self.bounds if name == f), None)
        return () if b is None else b.avoid_sets

    def add(self, p: Pred, component: str | None = None) -> State:
        comps = (*self.components, component) if component else self.components
        # Built field by field: `replace` inspects the class on every call, and a walk adds
        # to its state hundreds of thousands of times.
        if p == TRUE:
            bounds, fixed, dead, preds = self.bounds, self.fixed, self.dead, self.preds
        else:
            b, f = dict(self.bounds), dict(self.fixed)
            dead = self.dead or p == FALSE or not narrow(b, f, p)
            bounds, fixed, preds = tuple(b.items()), tuple(f.items()), (*self.preds, p)
        return State(
            preds,
            comps,
            self.sessions,
            self.choices,
            self.returns,
            self.unknowns,
            self.assumptions,
            bounds,
            fixed,
            dead,
        )

    def fold(self, p: Pred) -> Pred:
        return fold(p, dict(self.bounds), dict(self.fixed))

    def session(self, key: str) -> tuple[Field, ...] | None:
        return dict(self.sessions).get(key)

    def with_session(self, key: str, fields: tuple[Field, ...] = ()) -> State:
        kept = tuple(s for s in self.sessions if s[0] != key)
        return replace(self, sessions=(*kept, (key, fields)))

    def with_return(self, key: str, value: str) -> State:
        kept = tuple(r for r in self.returns if r[0] != key)
        return replace(self, returns=(*kept, (key, value)))

    def assuming(self, text: str) -> State:
        if text in self.assumptions:
            return self
        return replace(self, assumptions=(*self.assumptions, text))

    def past(self, u: Unknown) -> State:
        """Gone past `u`, whose verdict is unknown."""
        if u in self.unknowns:
            return self
        return replace(self, unknowns=(*self.unknowns, u))


def fold(p: Pred, bounds: dict[str, _Bound], fixed: dict[str, int]) -> Pred:
    """`p` with tests already decided by `bounds` and `fixed` replaced by their value (a
    security group naming other groups, seen from the internet, is mostly such tests)."""
    if isinstance(p, And):
        return conj(*(fold(i, bounds, fixed) for i in p.items))
    if isinstance(p, Or):
        return disj(*(fold(i, bounds, fixed) for i in p.items))
    if isinstance(p, Not):
        return neg(fold(p.item, bounds, fixed))
    if isinstance(p, Eq) and p.field in fixed:
        return TRUE if fixed[p.field] == p.value else FALSE
    if isinstance(p, InCidr | Eq) and p.field in bounds:
        c = p.cidr if isinstance(p, InCidr) else Cidr.host(p.value)
        b = bounds[p.field]
        if b.inside.within(c):
            return TRUE
        if not c.within(b.inside) or any(c.within(n) for n in b.avoid):
            return FALSE
    return p


def narrow(bounds: dict[str, _Bound], fixed: dict[str, int], p: Pred) -> bool:
    """Record facts implied by `p`; False when they contradict what is known."""
    if isinstance(p, And):
        return all(narrow(bounds, fixed, i) for i in p.items)
    if isinstance(p, Not) and isinstance(p.item, Or):
        return all(narrow(bounds, fixed, neg(i)) for i in p.item.items)
    if isinstance(p, OutsideSet):
        b = bounds.get(p.field, _Bound())
        bounds[p.field] = b = _Bound(b.inside, b.avoid, (*b.avoid_sets, p.ips))
        return b.consistent()
    if isinstance(p, Eq) and p.field not in ("src", "dst"):
        if fixed.get(p.field, p.value) != p.value:
            return False
        fixed[p.field] = p.value
        return True
    if isinstance(p, Not) and isinstance(p.item, Eq) and p.item.field not in ("src", "dst"):
        return fixed.get(p.item.field) != p.item.value
    fact: tuple[str, Cidr, bool] | None = None
    if isinstance(p, InCidr):
        fact = (p.field, p.cidr, True)
    elif isinstance(p, Eq):
        fact = (p.field, Cidr.host(p.value), True)
    elif isinstance(p, Not) and isinstance(p.item, InCidr):
        fact = (p.item.field, p.item.cidr, False)
    elif isinstance(p, Not) and isinstance(p.item, Eq):
        fact = (p.item.field, Cidr.host(p.item.value), False)
    if fact is None:
        return True
    f, c, positive = fact
    b = bounds.get(f, _Bound())
    if not positive:
        b = _Bound(b.inside, (*b.avoid, c), b.avoid_sets)
    elif c.within(b.inside):
        b = _Bound(c, b.avoid, b.avoid_sets)
    elif not b.inside.within(c):
        return False
    bounds[f] = b
    return b.consistent()
