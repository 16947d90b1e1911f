"""IAM policies to SMT terms over one symbolic request.

The semantics mirror `policyreason/analysis/evaluate.py` exactly (see its docstring for the
choices AWS's documentation leaves open); the differential tests hold the two together.

Encoding choices:
- action and resource are strings; action names are lower-cased on both sides;
- every pattern becomes regular-expression membership; ARN patterns are one regex whose
  non-final segments exclude `:` (no pre-splitting, no existential variables, so patterns keep
  their meaning under negation);
- policy variables are the symbolic value of their key, placed in the regex with str.to_re;
- each condition key gets one typed sort (String, Int for numbers and dates, BV128 with an
  IPv6 flag for addresses) and a bounded set of slots with a count (0 = missing);
- the principal is a type code, a string, and an account tied to the ARN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import cvc5
from cvc5 import Kind

from policyreason.errors import EncodeError
from policyreason.ir.pattern import AnyChar, Part, Pattern, Star, Text, Variable, arn_segments
from policyreason.ir.pattern import ascii_lower as lower
from policyreason.ir.policy import (
    Cidr,
    Comparison,
    Condition,
    ConditionValue,
    Effect,
    Family,
    Policy,
    PolicySet,
    Principal,
    PrincipalType,
    SetQualifier,
    Statement,
)
from policyreason.smt.factory import Factory, Term

MULTI_SLOTS = 2
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, so every date prints in ISO 8601
PRINCIPAL_CODES = {
    None: 0,
    PrincipalType.AWS: 1,
    PrincipalType.SERVICE: 2,
    PrincipalType.FEDERATED: 3,
    PrincipalType.CANONICAL_USER: 4,
}
# Keys known to carry several values (IAM User Guide, global condition context keys).
MULTIVALUED_GLOBAL_KEYS = frozenset(
    {
        "aws:tagkeys",
        "aws:calledvia",
        "aws:principalorgpaths",
        "aws:resourceorgpaths",
        "aws:principalservicenameslist",
    }
)


class KeySort(StrEnum):
    STRING = "string"
    INT = "int"
    DATE = "date"
    IP = "ip"


_FAMILY_SORT = {
    Family.STRING: KeySort.STRING,
    Family.ARN: KeySort.STRING,
    Family.BINARY: KeySort.STRING,
    Family.BOOL: KeySort.STRING,
    Family.NUMERIC: KeySort.INT,
    Family.DATE: KeySort.DATE,
    Family.IP: KeySort.IP,
}


@dataclass
class KeyVars:
    """The symbolic values of one condition key: `count` of the `slots` are present."""

    name: str  # as first written in a policy, for witnesses
    sort: KeySort
    count: Term
    slots: list[Term]
    v6: list[Term] = field(default_factory=list)  # IP sort: is slot i an IPv6 address
    derived: bool = False
    scale: int = 1  # INT sort: the integer slot stands for slot / scale


def is_multivalued_default(key: str) -> bool:
    """Without the service reference: the documented multivalued global keys."""
    return key in MULTIVALUED_GLOBAL_KEYS


class PolicyEncoder:
    """Encodes policies over one symbolic request shared by every policy given at creation."""

    def __init__(
        self,
        tm: cvc5.TermManager,
        policies: Sequence[Policy],
        multivalued: Callable[[str], bool] = is_multivalued_default,
    ) -> None:
        self.f = Factory(tm)
        f = self.f
        self.ptype = f.const(f.int_sort, "principal_type")
        self.principal = f.const(f.string_sort, "principal")
        self.principal_account = f.const(f.string_sort, "principal_account")
        self.action = f.const(f.string_sort, "action")
        self.resource = f.const(f.string_sort, "resource")
        self.resource_account = f.const(f.string_sort, "resource_account")
        self._aux: list[Term] = []
        self.keys: dict[str, KeyVars] = {}
        self._declare_keys(policies, multivalued)

    # -- declarations ------------------------------------------------------------------------

    def _declare_keys(self, policies: Sequence[Policy], multivalued: Callable[[str], bool]) -> None:
        sorts: dict[str, set[KeySort]] = {}
        names: dict[str, str] = {}
        multi: set[str] = set()
        decimals: dict[str, int] = {}
        for policy in policies:
            for stmt in policy.statements:
                for pattern in _patterns(stmt):
                    for part in pattern.parts:
                        if isinstance(part, Variable):
                            sorts.setdefault(part.key, set()).add(KeySort.STRING)
                            names.setdefault(part.key, part.key)
                for cond in stmt.conditions:
                    names.setdefault(cond.key, cond.key_text)
                    sort = _FAMILY_SORT.get(cond.op.family)
                    sorts.setdefault(cond.key, set())
                    if sort is not None:
                        sorts[cond.key].add(sort)
                    if cond.qualifier is not None:
                        multi.add(cond.key)
                    if cond.op.family is Family.NUMERIC:
                        places = max((_decimals(v.text) for v in cond.values), default=0)
                        decimals[cond.key] = max(decimals.get(cond.key, 0), places)
        derived = {
            "aws:principalarn": (self.principal, self.f.eq(self.ptype, self.f.integer(1))),
            "aws:principalaccount": (
                self.principal_account,
                self.f.eq(self.ptype, self.f.integer(1)),
            ),
            "aws:resourceaccount": (self.resource_account, self.f.true),
        }
        f = self.f
        for key, used in sorts.items():
            if len(used) > 1:
                raise EncodeError(
                    f"condition key {names[key]!r} is compared as "
                    f"{' and '.join(sorted(s.value for s in used))}; one key with operators of "
                    "different types is not supported"
                )
            sort = next(iter(used), KeySort.STRING)
            if key in derived:
                if sort is not KeySort.STRING:
                    raise EncodeError(f"{names[key]!r} is a string key, compared as {sort.value}")
                value, present = derived[key]
                count = f.ite(present, f.integer(1), f.integer(0))
                self.keys[key] = KeyVars(names[key], sort, count, [value], derived=True)
                continue
            n = MULTI_SLOTS if key in multi or multivalued(key) else 1
            smt_sort = {
                KeySort.STRING: f.string_sort,
                KeySort.INT: f.int_sort,
                KeySort.DATE: f.int_sort,
                KeySort.IP: f.tm.mkBitVectorSort(128),
            }[sort]
            slots = [f.const(smt_sort, f"ctx[{key}][{i}]") for i in range(n)]
            v6 = [f.const(f.bool_sort, f"ctx[{key}][{i}].v6") for i in range(n)]
            count = f.const(f.int_sort, f"ctx[{key}].count")
            # Fractional literals: integers on a grid one digit finer than the literals, so
            # every open interval between two literals still holds a value.
            places = decimals.get(key, 0)
            scale = 10 ** (places + 1) if places else 1
            self.keys[key] = KeyVars(
                names[key], sort, count, slots, v6 if sort is KeySort.IP else [], scale=scale
            )

    def domain(self, principal_types: Iterable[PrincipalType | None] | None = None) -> Term:
        """Well-formedness of the symbolic request: a lower-case action, an `arn:` resource,
        12-digit accounts, an ARN-shaped AWS principal, typed context values within range.

        Kept deliberately light: each regex here slows every query (a full ARN-shape regex on
        the resource made sat queries 1000x slower), and witnesses are polished afterwards."""
        f = self.f
        digits12 = f.re_repeat(f.re_range("0", "9"), 12)
        out = [
            f.eq(f.app(Kind.STRING_TO_LOWER, self.action), self.action),
            f.app(Kind.STRING_PREFIX, f.string("arn:"), self.resource),
            f.in_re(self.resource_account, digits12),
        ]
        allowed = (
            list(PRINCIPAL_CODES.values())
            if principal_types is None
            else [PRINCIPAL_CODES[t] for t in principal_types]
        )
        out.append(f.or_(f.eq(self.ptype, f.integer(c)) for c in allowed))
        svc = f.const(f.string_sort, "principal.service")
        rest = f.const(f.string_sort, "principal.rest")
        aws_arn = f.and_(
            [
                f.or_([f.eq(svc, f.string("iam")), f.eq(svc, f.string("sts"))]),
                f.in_re(rest, f.re_plus(f.any_char_re)),
                f.in_re(self.principal_account, digits12),
                f.eq(
                    self.principal,
                    f.app(
                        Kind.STRING_CONCAT,
                        f.string("arn:aws:"),
                        svc,
                        f.string("::"),
                        self.principal_account,
                        f.string(":"),
                        rest,
                    ),
                ),
            ]
        )
        anonymous = f.and_(
            [f.eq(self.principal, f.string("")), f.eq(self.principal_account, f.string(""))]
        )
        other = f.and_(
            [
                f.in_re(self.principal, f.re_plus(f.any_char_re)),
                f.eq(self.principal_account, f.string("")),
            ]
        )
        out.append(
            f.ite(
                f.eq(self.ptype, f.integer(0)),
                anonymous,
                f.ite(f.eq(self.ptype, f.integer(1)), aws_arn, other),
            )
        )
        for kv in self.keys.values():
            if kv.derived:
                continue
            out.append(f.app(Kind.GEQ, kv.count, f.integer(0)))
            out.append(f.app(Kind.LEQ, kv.count, f.integer(len(kv.slots))))
            for i, slot in enumerate(kv.slots):
                if kv.sort is KeySort.DATE:
                    out.append(f.app(Kind.GEQ, slot, f.integer(0)))
                    out.append(f.app(Kind.LEQ, slot, f.integer(MAX_EPOCH)))
                if kv.sort is KeySort.IP:
                    high = f.app(f.tm.mkOp(Kind.BITVECTOR_EXTRACT, 127, 32), slot)
                    zero = f.tm.mkBitVector(96, 0)
                    out.append(f.implies(f.not_(kv.v6[i]), f.eq(high, zero)))
        return f.and_(out)

    # -- policies ----------------------------------------------------------------------------

    def allows(self, policy: Policy) -> Term:
        """The policy on its own allows the request: some Allow applies and no Deny does."""
        return self.f.and_([self.effect(policy, Effect.ALLOW), self.f.not_(self.denies(policy))])

    def denies(self, policy: Policy) -> Term:
        """Some Deny statement of the policy applies."""
        return self.effect(policy, Effect.DENY)

    def effect(self, policy: Policy, effect: Effect) -> Term:
        """Some statement with this effect applies."""
        return self.f.or_(self.statement(s) for s in policy.statements if s.effect is effect)

    def allows_set(self, policies: PolicySet) -> Term:
        """AWS's evaluation logic over a policy set (mirrors `evaluate.evaluate`)."""
        f = self.f
        every = policies.all_policies()
        no_deny = f.not_(f.or_(self.denies(p) for p in every))
        levels = [*policies.scps, *policies.rcps]
        orgs = f.and_(f.or_(self.effect(p, Effect.ALLOW) for p in level) for level in levels)
        endpoint = (
            f.true if policies.endpoint is None else self.effect(policies.endpoint, Effect.ALLOW)
        )
        identity = f.and_(
            [
                f.or_(self.effect(p, Effect.ALLOW) for p in policies.identity),
                f.true
                if policies.boundary is None
                else self.effect(policies.boundary, Effect.ALLOW),
                f.true
                if not policies.session
                else f.or_(self.effect(p, Effect.ALLOW) for p in policies.session),
            ]
        )
        resource = (
            f.false if policies.resource is None else self.effect(policies.resource, Effect.ALLOW)
        )
        cross = f.and_(
            [
                f.eq(self.ptype, f.integer(1)),
                f.not_(f.eq(self.principal_account, self.resource_account)),
            ]
        )
        granted = f.ite(cross, f.and_([identity, resource]), f.or_([identity, resource]))
        return f.and_([no_deny, orgs, endpoint, granted])

    def statement(self, stmt: Statement) -> Term:
        """The statement applies to the request (its Effect aside)."""
        f = self.f
        parts: list[Term] = []
        if stmt.principal is not None:
            hit = self.principal_term(stmt.principal)
            parts.append(f.not_(hit) if stmt.not_principal else hit)
        actions = f.or_(self.glob(p, self.action) for p in stmt.actions)
        parts.append(f.not_(actions) if stmt.not_action else actions)
        if stmt.resources is not None:
            res = f.or_(self.arn(p, self.resource) for p in stmt.resources)
            parts.append(f.not_(res) if stmt.not_resource else res)
        parts += [self.condition(c) for c in stmt.conditions]
        return f.and_(parts)

    def principal_term(self, principal: Principal) -> Term:
        """The request's principal is one the element names."""
        f = self.f
        if principal.anyone:
            return f.true
        out: list[Term] = []
        for entry in principal.entries:
            typed = f.eq(self.ptype, f.integer(PRINCIPAL_CODES[entry.type]))
            account = entry.account
            if account is not None:
                out.append(f.and_([typed, f.eq(self.principal_account, f.string(account))]))
            else:
                out.append(f.and_([typed, f.eq(self.principal, f.string(entry.value))]))
        return f.or_(out)

    # -- patterns ----------------------------------------------------------------------------

    def _variable(self, var: Variable, fold: bool) -> tuple[Term, Term]:
        """(value, guard): the variable's string and when it is usable."""
        f = self.f
        kv = self.keys[var.key]
        resolved = f.eq(kv.count, f.integer(1))
        value = kv.slots[0]
        if fold:
            value = f.app(Kind.STRING_TO_LOWER, value)
        if var.default is None:
            return value, resolved
        default = f.string(lower(var.default) if fold else var.default)
        return f.ite(resolved, value, default), f.true

    def _regex(self, parts: Sequence[Part], char: Term, fold: bool) -> tuple[Term, list[Term]]:
        f = self.f
        pieces: list[Term] = []
        guards: list[Term] = []
        star = f.re_star(char)
        for p in parts:
            if isinstance(p, Text):
                pieces.append(f.re_lit(lower(p.text) if fold else p.text))
            elif isinstance(p, Star):
                pieces.append(star)
            elif isinstance(p, AnyChar):
                pieces.append(char)
            else:
                value, guard = self._variable(p, fold)
                piece = f.re_of(value)
                pieces.append(piece if char is f.any_char_re else f.re_inter(piece, star))
                guards.append(guard)
        return f.re_concat(pieces), guards

    def glob(self, pattern: Pattern, s: Term, fold: bool = False) -> Term:
        """Whole-string match of an IAM pattern; with `fold` both sides are lower-cased."""
        f = self.f
        if pattern.is_match_all:
            return f.true
        subject = f.app(Kind.STRING_TO_LOWER, s) if fold else s
        if pattern.is_literal:
            text = pattern.literal_text()
            return f.eq(subject, f.string(lower(text) if fold else text))
        regex, guards = self._regex(pattern.parts, f.any_char_re, fold)
        return f.and_([*guards, f.in_re(subject, regex)])

    def arn(self, pattern: Pattern, s: Term) -> Term:
        """ARN match, segment by segment (see `ir.pattern.arn_segments`)."""
        f = self.f
        if pattern.is_match_all:
            return f.true
        if pattern.is_literal:
            text = pattern.literal_text()
            if text.count(":") >= 5 or "*" not in text:
                return f.eq(s, f.string(text))
        segments = arn_segments(pattern)
        pieces: list[Term] = []
        guards: list[Term] = []
        for i, seg in enumerate(segments):
            last = i == len(segments) - 1
            regex, g = self._regex(seg, f.any_char_re if last else f.no_colon_char_re, False)
            if i > 0:
                pieces.append(f.re_lit(":"))
            pieces.append(regex)
            guards += g
        return f.and_([*guards, f.in_re(s, f.re_concat(pieces))])

    # -- conditions --------------------------------------------------------------------------

    def condition(self, cond: Condition) -> Term:
        """One operator/key pair (values OR-ed), with IfExists and set qualifiers."""
        f = self.f
        kv = self.keys[cond.key]
        missing = f.eq(kv.count, f.integer(0))
        if cond.op.family is Family.NULL:
            return f.or_(missing if v.flag else f.not_(missing) for v in cond.values)
        present = [f.app(Kind.GT, kv.count, f.integer(i)) for i in range(len(kv.slots))]
        matches = [
            f.or_(self._compare(cond, kv, i, v) for v in cond.values) for i in range(len(kv.slots))
        ]
        negated = cond.op.negated
        holds = [f.not_(m) if negated else m for m in matches]
        # IfExists makes a missing key pass, whatever the set qualifier says.
        exists_ok = missing if cond.if_exists else f.false
        if cond.qualifier is SetQualifier.FOR_ALL_VALUES:
            return f.and_(f.implies(p, h) for p, h in zip(present, holds, strict=True))
        if cond.qualifier is SetQualifier.FOR_ANY_VALUE:
            return f.or_(
                [exists_ok, *(f.and_([p, h]) for p, h in zip(present, holds, strict=True))]
            )
        hit = f.or_(f.and_([p, m]) for p, m in zip(present, matches, strict=True))
        when_missing = f.bool_const(cond.if_exists or negated)
        return f.ite(missing, when_missing, f.not_(hit) if negated else hit)

    def _compare(self, cond: Condition, kv: KeyVars, i: int, cv: ConditionValue) -> Term:
        f = self.f
        slot = kv.slots[i]
        family = cond.op.family
        if family in (Family.STRING, Family.BINARY):
            if cv.pattern is None:
                return f.eq(slot, f.string(cv.text))
            return self.glob(cv.pattern, slot, cond.op.ignore_case)
        if family is Family.ARN:
            assert cv.pattern is not None
            return self.arn(cv.pattern, slot)
        if family is Family.BOOL:
            # Case-insensitive as a regex ([tT][rR]...): str.to_lower made such queries
            # several times slower.
            return f.in_re(slot, self._ignore_case_re(cv.text))
        if family is Family.IP:
            assert cv.cidr is not None
            return self.in_cidr(kv, i, cv.cidr)
        if family is Family.NUMERIC:
            scaled = Decimal(cv.text) * kv.scale
            literal = f.integer(int(scaled))
            if scaled != scaled.to_integral_value():
                raise EncodeError(f"{cond.key_text}: cannot represent {cv.text!r} exactly")
        else:
            assert cv.number is not None
            literal = f.integer(cv.number)
        kind = {
            Comparison.EQ: Kind.EQUAL,
            Comparison.LT: Kind.LT,
            Comparison.LE: Kind.LEQ,
            Comparison.GT: Kind.GT,
            Comparison.GE: Kind.GEQ,
        }[cond.op.comparison]
        return f.app(kind, slot, literal)

    def _ignore_case_re(self, text: str) -> Term:
        f = self.f
        chars = [
            f.re_union([f.re_lit(c.lower()), f.re_lit(c.upper())])
            if c.lower() != c.upper()
            else f.re_lit(c)
            for c in text
        ]
        return f.re_concat(chars)

    def in_cidr(self, kv: KeyVars, i: int, cidr: Cidr) -> Term:
        """Slot `i` of an IP-sorted key is an address of the network."""
        f = self.f
        width = 32 if cidr.version == 4 else 128
        version = f.not_(kv.v6[i]) if cidr.version == 4 else kv.v6[i]
        if cidr.prefix == 0:
            return version
        hi, lo = width - 1, width - cidr.prefix
        bits = f.app(f.tm.mkOp(Kind.BITVECTOR_EXTRACT, hi, lo), kv.slots[i])
        want = f.tm.mkBitVector(cidr.prefix, cidr.address >> lo)
        return f.and_([version, f.eq(bits, want)])


def _decimals(text: str) -> int:
    """Digits after the decimal point of a numeric literal (0 for integers)."""
    exponent = Decimal(text).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _patterns(stmt: Statement) -> list[Pattern]:
    out = list(stmt.resources or ())
    for cond in stmt.conditions:
        out += [v.pattern for v in cond.values if v.pattern is not None]
    return out
