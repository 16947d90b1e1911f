"""Packet headers as bitvectors and network components as predicates over them.

A path through the network is a conjunction of per-hop predicates over one symbolic packet
(src/dst BV128 in the address space of `ir.network`, protocol BV8, ports BV16, ICMP type and
code BV8). Translations in AWS (IGW 1:1 NAT, NAT gateway) always rewrite to concrete
addresses, so each hop sees a `View`: every header field is either the symbolic variable of the
original packet (named by a string) or a concrete integer. Predicates are built by
constant-folding constructors, so most checks on concrete fields vanish before the solver sees
them; `to_term` then turns what is left into cvc5 terms.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import cvc5

from policyreason.errors import EncodeError
from policyreason.ir.cidr import ADDRESS_BITS, V4_MAPPED, V4_SPACE, Cidr, is_v4
from policyreason.ir.network import (
    EPHEMERAL_PORTS,
    ICMP,
    ICMP_PROTOCOLS,
    ICMPV6,
    NON_INTERNET,
    TCP,
    UDP,
    V6_INTERNET,
    AclEntry,
    FirewallProgram,
    FirewallRule,
    IcmpMatch,
    NetworkAcl,
    Packet,
    PortRange,
    SgRule,
)
from policyreason.smt.session import Session

Field = str | int
WIDTH = {
    "src": ADDRESS_BITS,
    "dst": ADDRESS_BITS,
    "proto": 8,
    "sport": 16,
    "dport": 16,
    "itype": 8,
    "icode": 8,
}


@dataclass(frozen=True)
class View:
    """The header as one hop sees it."""

    src: Field = "src"
    dst: Field = "dst"
    sport: Field = "sport"
    dport: Field = "dport"
    proto: Field = "proto"
    itype: Field = "itype"
    icode: Field = "icode"

    def reply(self, itype: Field | None = None) -> View:
        """The answer's header: addresses and ports swapped, and the ICMP type of the
        answer (`itype`; the same type when not given)."""
        return View(
            src=self.dst,
            dst=self.src,
            sport=self.dport,
            dport=self.sport,
            proto=self.proto,
            itype=self.itype if itype is None else itype,
            icode=self.icode,
        )


# -- predicates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InCidr:
    """`field` lies in `cidr`, by prefix arithmetic alone (`in_cidr` adds the address family)."""

    field: str
    cidr: Cidr


@dataclass(frozen=True)
class Between:
    field: str
    lo: int
    hi: int


@dataclass(frozen=True)
class Eq:
    field: str
    value: int


@dataclass(frozen=True)
class And:
    items: tuple[Pred, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Pred, ...]


@dataclass(frozen=True)
class Not:
    item: Pred


@dataclass(frozen=True)
class OutsideSet:
    """`field` is none of `ips` (say, not one of the network's own public addresses).

    Sets like this can hold thousands of addresses, and one disequality each makes every query
    slow. The solver therefore sees only the addresses it has already picked once: a model that
    lands in the set teaches `HeaderVars.refine` that address, and the query is asked again.
    Each round is an over-approximation, so unsat is final, and sat is returned only for a
    model that satisfies the real predicate. This holds because the atom is only ever used
    positively (never under Not); `to_term` enforces it.
    """

    field: str
    ips: frozenset[int]


Pred = InCidr | Between | Eq | And | Or | Not | OutsideSet
TRUE: Pred = And(())
FALSE: Pred = Or(())


def conj(*items: Pred) -> Pred:
    flat: list[Pred] = []
    for p in items:
        if p == FALSE:
            return FALSE
        if isinstance(p, And):
            flat += p.items
        else:
            flat.append(p)
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def disj(*items: Pred) -> Pred:
    flat: list[Pred] = []
    for p in items:
        if p == TRUE:
            return TRUE
        if isinstance(p, Or):
            flat += p.items
        else:
            flat.append(p)
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def neg(p: Pred) -> Pred:
    if p == TRUE:
        return FALSE
    if p == FALSE:
        return TRUE
    if isinstance(p, Not):
        return p.item
    return Not(p)


def _prefix(f: str, cidr: Cidr) -> Pred:
    return TRUE if cidr.prefix == 0 else InCidr(f, cidr)


def in_cidr(f: Field, cidr: Cidr) -> Pred:
    """`f` matches `cidr` as AWS matches it: an IPv6 prefix spanning the IPv4-mapped range
    (::/0) matches no IPv4 address."""
    if isinstance(f, int):
        return TRUE if cidr.contains(f) else FALSE
    if cidr.spans_v4:
        return conj(_prefix(f, cidr), Not(InCidr(f, V4_SPACE)))
    return _prefix(f, cidr)


def is_v4_address(f: Field) -> Pred:
    return in_cidr(f, V4_SPACE)


def in_any(f: Field, cidrs: Iterable[Cidr]) -> Pred:
    return disj(*(in_cidr(f, c) for c in cidrs))


def between(f: Field, lo: int, hi: int) -> Pred:
    if isinstance(f, int):
        return TRUE if lo <= f <= hi else FALSE
    if lo <= 0 and hi >= (1 << WIDTH[f]) - 1:
        return TRUE
    return Between(f, lo, hi)


def eq(f: Field, value: int) -> Pred:
    if isinstance(f, int):
        return TRUE if f == value else FALSE
    return Eq(f, value)


def one_of(f: Field, values: Iterable[int]) -> Pred:
    return disj(*(eq(f, v) for v in values))


@cache
def covering(ips: frozenset[int]) -> tuple[Cidr, ...]:
    """The fewest CIDRs covering exactly `ips` (adjacent addresses merge into one prefix)."""
    nets = ipaddress.collapse_addresses(ipaddress.IPv6Network(ip) for ip in ips)
    return tuple(Cidr.of(int(n.network_address), n.prefixlen) for n in nets)


def in_set(f: Field, ips: Iterable[int]) -> Pred:
    """`f` is one of `ips`, as a few prefix tests rather than one equality per address."""
    if isinstance(f, int):
        return TRUE if f in set(ips) else FALSE
    return disj(*(in_cidr(f, c) for c in covering(frozenset(ips))))


def outside_set(f: Field, ips: frozenset[int]) -> Pred:
    """`f` is none of `ips`; for use in positive positions only (see OutsideSet)."""
    if isinstance(f, int):
        return FALSE if f in ips else TRUE
    return OutsideSet(f, ips) if ips else TRUE


def evaluate(p: Pred, env: dict[str, int]) -> bool:
    """The truth of `p` under concrete values of the symbolic fields (for tests and checks)."""
    if isinstance(p, InCidr):
        return p.cidr.covers(env[p.field])
    if isinstance(p, Between):
        return p.lo <= env[p.field] <= p.hi
    if isinstance(p, Eq):
        return env[p.field] == p.value
    if isinstance(p, And):
        return all(evaluate(i, env) for i in p.items)
    if isinstance(p, Or):
        return any(evaluate(i, env) for i in p.items)
    if isinstance(p, OutsideSet):
        return env[p.field] not in p.ips
    return not evaluate(p.item, env)


# -- components ---------------------------------------------------------------------------------


def well_formed(v: View) -> Pred:
    """Ports are zero without TCP/UDP and a TCP/UDP client picks an ephemeral source port;
    the ICMP type and code are zero without ICMP; both addresses are of one family, ICMP's
    IPv4 and ICMPv6's IPv6."""
    ported = one_of(v.proto, (TCP, UDP))
    icmp = one_of(v.proto, ICMP_PROTOCOLS)
    src4, dst4 = is_v4_address(v.src), is_v4_address(v.dst)
    return conj(
        disj(neg(ported), between(v.sport, *EPHEMERAL_PORTS)),
        disj(ported, conj(eq(v.sport, 0), eq(v.dport, 0))),
        disj(icmp, conj(eq(v.itype, 0), eq(v.icode, 0))),
        disj(conj(src4, dst4), conj(neg(src4), neg(dst4))),
        disj(neg(eq(v.proto, ICMP)), src4),
        disj(neg(eq(v.proto, ICMPV6)), neg(src4)),
    )


def internet_parts(f: Field) -> tuple[Pred, Pred]:
    """An address of the internet, one part per family: public IPv4, global unicast IPv6.
    Each part is a conjunction of prefix facts, which a walk can prune with."""
    v4 = conj(is_v4_address(f), *(neg(in_cidr(f, c)) for c in NON_INTERNET))
    return v4, in_cidr(f, V6_INTERNET)


def internet_address(f: Field) -> Pred:
    """An address of the internet: public IPv4 or global unicast IPv6."""
    return disj(*internet_parts(f))


def proto_match(
    v: View, protocol: int, ports: PortRange | None, icmp: IcmpMatch | None = None
) -> Pred:
    """A rule's protocol, destination ports (TCP/UDP) and ICMP type and code."""
    if protocol == -1:
        return TRUE
    p = eq(v.proto, protocol)
    if ports is not None and protocol in (TCP, UDP):
        p = conj(p, between(v.dport, ports.lo, ports.hi))
    if icmp is not None and protocol in ICMP_PROTOCOLS:
        if icmp.type is not None:
            p = conj(p, eq(v.itype, icmp.type))
        if icmp.code is not None:
            p = conj(p, eq(v.icode, icmp.code))
    return p


def sg_rule(
    v: View,
    rule: SgRule,
    ingress: bool,
    group_ips: Callable[[str], Iterable[int] | None],
    prefix_list: Callable[[str], Iterable[Cidr] | None],
) -> tuple[Pred, Pred]:
    """One security group rule as (matches, may match): a group reference matches the
    addresses of its members. A group or prefix list the network lacks makes the rule match
    unknown peers, so packets it might admit are in the second part."""
    peer = v.src if ingress else v.dst
    kind = proto_match(v, rule.protocol, rule.ports, rule.icmp)
    sources = [in_cidr(peer, c) for c in rule.cidrs]
    unresolved = False
    members: list[int] = []
    for g in rule.group_ids:
        ips = group_ips(g)
        unresolved = unresolved or ips is None
        members += ips or ()
    sources.append(in_set(peer, members))
    for pl in rule.prefix_list_ids:
        cidrs = prefix_list(pl)
        unresolved = unresolved or cidrs is None
        sources += [in_cidr(peer, c) for c in cidrs or ()]
    return conj(kind, disj(*sources)), kind if unresolved else FALSE


def acl_entry(v: View, entry: AclEntry) -> Pred:
    peer = v.dst if entry.egress else v.src
    return conj(proto_match(v, entry.protocol, entry.ports, entry.icmp), in_cidr(peer, entry.cidr))


def firewall_rule(v: View, rule: FirewallRule) -> Pred:
    """A Network Firewall rule over the 5-tuple (port ranges only match TCP and UDP); a
    bidirectional rule matches either way round."""

    def one(src: Field, dst: Field, sport: Field, dport: Field) -> Pred:
        parts = []
        if rule.protocols:
            parts.append(one_of(v.proto, rule.protocols))
        if rule.sources:
            parts.append(in_any(src, rule.sources))
        if rule.destinations:
            parts.append(in_any(dst, rule.destinations))
        for ranges, port in ((rule.source_ports, sport), (rule.destination_ports, dport)):
            if ranges:
                within = disj(*(between(port, r.lo, r.hi) for r in ranges))
                parts.append(conj(one_of(v.proto, (TCP, UDP)), within))
        return conj(*parts)

    match = one(v.src, v.dst, v.sport, v.dport)
    if rule.bidirectional:
        match = disj(match, one(v.dst, v.src, v.dport, v.sport))
    return match


def firewall_verdict(v: View, prog: FirewallProgram, established: bool) -> tuple[Pred, Pred]:
    """Network Firewall as (passes, unknown): the stateless rules as a decision list, then for
    what they forward the stateful engine (established flows pass; new ones by the rules in
    strict order, or pass rules before drop rules in default order). Packets that reach a
    stage the model cannot decide are in the second part."""
    if prog.stateless_unknown:
        return FALSE, TRUE
    outcomes: dict[str, list[Pred]] = {"pass": [], "drop": [], "forward": []}
    rest = TRUE
    for rule in prog.stateless:
        match = firewall_rule(v, rule)
        outcomes[rule.action].append(conj(rest, match))
        rest = conj(rest, neg(match))
    outcomes[prog.stateless_default].append(rest)
    passed, forward = disj(*outcomes["pass"]), disj(*outcomes["forward"])
    if established:
        return disj(passed, forward), FALSE
    if prog.stateful_unknown:
        return passed, forward
    if prog.strict:
        verdict, rest = FALSE, TRUE
        for rule in prog.stateful:
            if rule.action == "alert":
                continue
            match = firewall_rule(v, rule)
            if rule.action == "pass":
                verdict = disj(verdict, conj(rest, match))
            rest = conj(rest, neg(match))
        stateful = disj(verdict, FALSE if prog.default_drop else rest)
    else:
        passing = disj(*(firewall_rule(v, r) for r in prog.stateful if r.action == "pass"))
        dropping = disj(
            *(firewall_rule(v, r) for r in prog.stateful if r.action in ("drop", "reject"))
        )
        stateful = disj(passing, neg(dropping))
    return disj(passed, conj(forward, stateful)), FALSE


def acl_allows(v: View, acl: NetworkAcl, egress: bool) -> Pred:
    """First match wins in rule-number order; nothing matching is a deny."""
    result = FALSE
    for entry in reversed(acl.ordered(egress)):
        m = acl_entry(v, entry)
        result = disj(conj(m, TRUE if entry.allow else FALSE), conj(neg(m), result))
    return result


def longest_match(f: Field, entries: list[Cidr], index: int) -> Pred:
    """Entry `index` is the longest prefix containing `f` (ties go to the earlier entry)."""
    chosen = entries[index]
    beaten = [
        c
        for i, c in enumerate(entries)
        if c.prefix > chosen.prefix or (c.prefix == chosen.prefix and i < index)
    ]
    return conj(in_cidr(f, chosen), *(neg(in_cidr(f, c)) for c in beaten))


def no_match(f: Field, entries: Iterable[Cidr]) -> Pred:
    return conj(*(neg(in_cidr(f, c)) for c in entries))


# -- solver terms -------------------------------------------------------------------------------


class HeaderVars:
    """The symbolic header of one query, in one session, for packets of one address family
    (`family` 4 or 6) or of both (None). An IPv4 session has 32-bit addresses in the solver, a
    quarter of the work; in an IPv6 session IPv4 prefix tests are false before the solver sees
    them. Predicates and models stay in the 128-bit space of `ir.network`."""

    def __init__(self, session: Session, family: int | None = None) -> None:
        self.session = session
        self.family = family
        tm = session.tm
        widths = dict(WIDTH)
        if family == 4:
            widths.update(src=32, dst=32)
        self.vars: dict[str, cvc5.Term] = {
            name: tm.mkConst(tm.mkBitVectorSort(width), name) for name, width in widths.items()
        }
        # Per OutsideSet (field and set): the members a model has picked so far.
        self.learned: dict[tuple[str, frozenset[int]], set[int]] = {}
        # Terms already built, by the identity of their (immutable, shared) predicate; the
        # predicate is kept so that its id is not reused. Cleared when `learned` grows.
        self._terms: dict[tuple[int, bool], tuple[Pred, cvc5.Term]] = {}
        self._constants: dict[tuple[int, int], cvc5.Term] = {}

    def refine(self, p: Pred, env: dict[str, int]) -> bool:
        """Learn every OutsideSet member the model `env` picked; False if there was none."""
        learned = False
        stack = [p]
        while stack:
            q = stack.pop()
            if isinstance(q, And | Or):
                stack += q.items
            elif isinstance(q, Not):
                stack.append(q.item)
            elif isinstance(q, OutsideSet) and env[q.field] in q.ips:
                seen = self.learned.setdefault((q.field, q.ips), set())
                if env[q.field] not in seen:
                    seen.add(env[q.field])
                    learned = True
        if learned:
            self._terms.clear()
        return learned

    def _bv(self, value: int, width: int) -> cvc5.Term:
        term = self._constants.get((value, width))
        if term is None:
            term = self._constants[(value, width)] = self.session.tm.mkBitVector(width, value)
        return term

    def to_term(self, p: Pred, positive: bool = True) -> cvc5.Term:
        """`p` as a cvc5 term (an OutsideSet only in positive position)."""
        key = (id(p), positive)
        hit = self._terms.get(key)
        if hit is not None:
            return hit[1]
        term = self._build(p, positive)
        self._terms[key] = (p, term)
        return term

    def _build(self, p: Pred, positive: bool) -> cvc5.Term:
        tm = self.session.tm
        if isinstance(p, OutsideSet):
            if not positive:
                raise EncodeError("an address-set exclusion was negated")
            var, seen = self.vars[p.field], self.learned.get((p.field, p.ips), set())
            outside = [
                tm.mkTerm(cvc5.Kind.DISTINCT, var, self._address(ip))
                for ip in sorted(seen)
                if self.family is None or is_v4(ip) == (self.family == 4)
            ]
            if not outside:
                return tm.mkTrue()
            return outside[0] if len(outside) == 1 else tm.mkTerm(cvc5.Kind.AND, *outside)
        if isinstance(p, InCidr):
            return self._prefix(p.field, p.cidr)
        if isinstance(p, Between):
            var, w = self.vars[p.field], WIDTH[p.field]
            return tm.mkTerm(
                cvc5.Kind.AND,
                tm.mkTerm(cvc5.Kind.BITVECTOR_UGE, var, self._bv(p.lo, w)),
                tm.mkTerm(cvc5.Kind.BITVECTOR_ULE, var, self._bv(p.hi, w)),
            )
        if isinstance(p, Eq) and p.field in ("src", "dst"):
            return self._prefix(p.field, Cidr.host(p.value))
        if isinstance(p, Eq):
            return tm.mkTerm(cvc5.Kind.EQUAL, self.vars[p.field], self._bv(p.value, WIDTH[p.field]))
        if isinstance(p, Not):
            item = self.to_term(p.item, not positive)
            if item.isBooleanValue():
                return tm.mkBoolean(not item.getBooleanValue())
            return tm.mkTerm(cvc5.Kind.NOT, item)
        # Tests of the other address family are constants here: fold them away.
        unit = isinstance(p, And)
        items = []
        for i in p.items:
            term = self.to_term(i, positive)
            if not term.isBooleanValue():
                items.append(term)
            elif term.getBooleanValue() != unit:
                return tm.mkBoolean(not unit)
        if not items:
            return tm.mkBoolean(unit)
        if len(items) == 1:
            return items[0]
        return tm.mkTerm(cvc5.Kind.AND if unit else cvc5.Kind.OR, *items)

    def _address(self, ip: int) -> cvc5.Term:
        if self.family == 4:
            return self._bv(ip & 0xFFFFFFFF, 32)
        return self._bv(ip, ADDRESS_BITS)

    def _prefix(self, f: str, cidr: Cidr) -> cvc5.Term:
        """The address field `f` within `cidr`, by prefix arithmetic."""
        tm = self.session.tm
        var = self.vars[f]
        width, addr = ADDRESS_BITS, cidr.addr
        if self.family == 4:
            if V4_SPACE.within(cidr):
                return tm.mkTrue()
            if not cidr.within(V4_SPACE):
                return tm.mkFalse()
            width, addr = 32, addr & 0xFFFFFFFF
        elif self.family == 6 and cidr.within(V4_SPACE):
            return tm.mkFalse()
        bits = cidr.prefix - (ADDRESS_BITS - width)
        if bits >= width:
            return tm.mkTerm(cvc5.Kind.EQUAL, var, self._bv(addr, width))
        if bits <= 0:
            return tm.mkTrue()
        # The top `bits` bits, compared as a narrower constant: far less for the solver than
        # a mask over every bit of the address.
        top = tm.mkTerm(tm.mkOp(cvc5.Kind.BITVECTOR_EXTRACT, width - 1, width - bits), var)
        return tm.mkTerm(cvc5.Kind.EQUAL, top, self._bv(addr >> (width - bits), bits))

    def env(self) -> dict[str, int]:
        """The header fields of the last sat model."""
        values = self.session.values(list(self.vars.values()))
        env = {name: int(v) for name, v in zip(self.vars, values, strict=True)}
        if self.family == 4:
            env["src"] |= V4_MAPPED
            env["dst"] |= V4_MAPPED
        return env

    def packet(self, v: dict[str, int] | None = None) -> Packet:
        """The header of the last sat model (or of `v`)."""
        v = v if v is not None else self.env()
        return Packet(
            src=int(v["src"]),
            dst=int(v["dst"]),
            protocol=int(v["proto"]),
            src_port=int(v["sport"]),
            dst_port=int(v["dport"]),
            icmp_type=int(v["itype"]),
            icmp_code=int(v["icode"]),
        )
