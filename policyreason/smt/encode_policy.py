"""IAM policies to SMT terms over one symbolic request that AWS could receive.

The semantics mirror `policyreason/analysis/evaluate.py` exactly (see its docstring for the
choices AWS's documentation leaves open); the differential tests hold the two together. The
request itself, and what makes it real, is `smt/encode_request.py`.

Encoding choices:
- the action is a cell of the request space (`smt/request_space.py`): an Action list is the
  set of cells whose actions it matches, decided before the solver runs;
- every resource pattern becomes regular-expression membership; ARN patterns are one regex
  whose non-final segments exclude `:` (no pre-splitting, no existential variables, so patterns
  keep their meaning under negation);
- policy variables are the symbolic value of their key, placed in the regex with str.to_re;
- each condition key gets one typed sort (String, Int for numbers, Int milliseconds for dates,
  BV128 with an IPv6 flag for addresses).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

import cvc5
from cvc5 import Kind

from policyreason.data import reference
from policyreason.data.global_keys import ALSO_NUMERIC, SENT_AS_DATETIME
from policyreason.data.requests import ArnFormat, key_type
from policyreason.errors import EncodeError
from policyreason.ir.cidr import Cidr
from policyreason.ir.pattern import AnyChar, Part, Pattern, Star, Text, Variable, arn_segments
from policyreason.ir.pattern import ascii_lower as lower
from policyreason.ir.policy import (
    Comparison,
    Condition,
    ConditionValue,
    Effect,
    Family,
    Policy,
    PolicySet,
    Principal,
    PrincipalEntry,
    PrincipalType,
    SetQualifier,
    Statement,
)
from policyreason.ir.span import unknown_span
from policyreason.ir.template import canonical, has_refs, is_template, pattern_refs
from policyreason.smt.encode_request import (
    DERIVED_KEYS,
    KeyDecl,
    KeySort,
    KeyVars,
    SymbolicRequest,
)
from policyreason.smt.encode_template import (
    TemplateTerms,
    either_case,
    template_resources,
    unsupported,
)
from policyreason.smt.factory import Factory, Term
from policyreason.smt.globs import (
    WILDCARD_TOKENS,
    Tokens,
    component_tokens,
    format_tokens,
    includes,
    overlap,
    pattern_tokens,
    segment_tokens,
)
from policyreason.smt.request_space import RequestSpace

_FAMILY_SORT = {
    Family.STRING: KeySort.STRING,
    Family.ARN: KeySort.STRING,
    Family.BINARY: KeySort.STRING,
    Family.BOOL: KeySort.STRING,
    Family.NUMERIC: KeySort.INT,
    Family.DATE: KeySort.DATE,
    Family.IP: KeySort.IP,
}


_NATURAL_SORT = {"Date": KeySort.DATE, "Numeric": KeySort.INT, "IPAddress": KeySort.IP}


def declare_keys(policies: Sequence[Policy], extra: Iterable[str] = ()) -> dict[str, KeyDecl]:
    """The condition keys the policies read (in conditions and as variables), each with one
    sort, its spelling, its slots and its numeric scale (see `smt/encode_request.py`)."""
    sorts: dict[str, set[KeySort]] = {}
    names: dict[str, str] = {}
    tests: dict[str, set[tuple[object, ...]]] = {}
    decimals: dict[str, int] = {}
    for key in extra:
        sorts.setdefault(key, set())
        names.setdefault(key, key)
    for policy in policies:
        for stmt in policy.statements:
            for pattern in _patterns(stmt):
                for part in pattern.parts:
                    if isinstance(part, Variable) and not is_template(part):
                        sorts.setdefault(part.key, set()).add(KeySort.STRING)
                        names.setdefault(part.key, part.key)
            for cond in stmt.conditions:
                names.setdefault(cond.key, cond.key_text)
                sort = _FAMILY_SORT.get(cond.op.family)
                sorts.setdefault(cond.key, set())
                if sort is not None and not unreadable(cond):
                    sorts[cond.key].add(sort)
                    # One value test, whichever way it is negated or quantified.
                    op = cond.op
                    test = (
                        op.family,
                        op.comparison,
                        op.ignore_case,
                        *(v.text for v in cond.values),
                    )
                    tests.setdefault(cond.key, set()).add(test)
                if cond.op.family is Family.NUMERIC:
                    places = max((_decimals(v.text) for v in cond.values), default=0)
                    decimals[cond.key] = max(decimals.get(cond.key, 0), places)
    out: dict[str, KeyDecl] = {}
    for key, used in sorts.items():
        if len(used) > 1:
            raise EncodeError(
                f"condition key {names[key]!r} is compared as "
                f"{' and '.join(sorted(s.value for s in used))}; one key with operators of "
                "different types is not supported"
            )
        slots = 2 * len(tests.get(key, ())) + 1 if reference.multivalued(key) else 1
        # A key no typed operator reads (Null, variables) takes the reference's type.
        typed = (key_type(key) or "String").removeprefix("ArrayOf")
        natural = _NATURAL_SORT.get(typed)
        sort = next(iter(used), natural or KeySort.STRING)
        if _mismatched(key, typed, natural, sort):
            raise EncodeError(
                f"condition key {names[key]!r} holds {typed} values and is compared with "
                f"{_SORT_OPERATORS[sort]} operators, which AWS cannot read them with; such "
                "comparisons are not encoded"
            )
        # Fractional literals: integers on a grid one digit finer than the literals, so every
        # open interval between two literals still holds a value.
        places = decimals.get(key, 0)
        scale = 10 ** (places + 1) if places else 1
        out[key] = KeyDecl(names[key], sort, slots, scale)
    return out


_SORT_OPERATORS = {KeySort.INT: "Numeric", KeySort.DATE: "Date", KeySort.IP: "IpAddress"}

# Operator families that never read a value of a key's type (PR306's mismatches): no value AWS
# sends for such a key parses as the operator's type (`true`, an ARN or an address is no number
# or date; a date or a number is no address), so each comparison is false, as the evaluator has
# it, and negation, IfExists and the set qualifiers apply as to any failed comparison. A number
# may read as a date (epoch seconds), and a date key's value as a number (aws:EpochTime): those
# pairs are not among them.
_UNREADABLE: dict[str, frozenset[Family]] = {
    "Bool": frozenset({Family.NUMERIC, Family.DATE, Family.IP}),
    "ARN": frozenset({Family.NUMERIC, Family.DATE, Family.IP}),
    "Date": frozenset({Family.IP}),
    "Numeric": frozenset({Family.IP}),
    "IPAddress": frozenset({Family.NUMERIC, Family.DATE}),
}


def unreadable(cond: Condition) -> bool:
    """The condition's operator never reads a value of its key's type: every comparison fails
    (a time AWS sends as a full date-time is no number either)."""
    if cond.op.family is Family.NUMERIC and cond.key in SENT_AS_DATETIME:
        return True
    typed = (key_type(cond.key) or "String").removeprefix("ArrayOf")
    return cond.op.family in _UNREADABLE.get(typed, frozenset())


def _mismatched(key: str, typed: str, natural: KeySort | None, sort: KeySort) -> bool:
    """A key whose values AWS sends in one type compared with operators of another that may
    read some of them (a Numeric key with Date operators): its slots would hold values of the
    operators' type, which no request carries. String keys may hold any text, numbers and
    addresses included; Date keys are also read by string operators, in the form AWS sends
    them (`encode_request`); the pairs that never read a value are `unreadable`."""
    if typed == "String" or sort is KeySort.STRING or sort is natural:
        return False
    return not (sort is KeySort.INT and key in ALSO_NUMERIC)


def action_sets(policies: Sequence[Policy]) -> list[tuple[Pattern, ...]]:
    """The Action/NotAction lists of the policies' statements."""
    return [stmt.actions for policy in policies for stmt in policy.statements]


def resource_patterns(policies: Sequence[Policy]) -> list[Pattern]:
    """The Resource/NotResource patterns of the policies' statements (but those with template
    values, which `template_resources` registers with their statements)."""
    return [
        p
        for policy in policies
        for stmt in policy.statements
        for p in stmt.resources or ()
        if not pattern_refs(p)
    ]


class PolicyEncoder:
    """Encodes policies over one symbolic request shared by every policy given at creation.

    A question that asks about actions or resources of its own (not-granted's `--action`, a
    scope's services) registers those patterns here, so the request space tells them apart. A
    question about requests of known actions only may say so (`only_actions`): the request
    space is then built for those actions alone."""

    def __init__(
        self,
        tm: cvc5.TermManager,
        policies: Sequence[Policy],
        extra_actions: Iterable[Sequence[Pattern]] = (),
        extra_resources: Iterable[Pattern] = (),
        set_sizes: Mapping[str, int] | None = None,
        only_actions: Iterable[str] | None = None,
        by_format: bool = True,
    ) -> None:
        """`set_sizes` gives multivalued keys at least that many slots: the bound is exact for
        every question, but pinning one concrete request needs room for all its values.
        Without `by_format`, resource patterns are matched against the whole ARN
        (`resource_match`)."""
        self.f = Factory(tm)
        reason = unsupported([*policies])
        if reason is not None:
            raise EncodeError(reason)
        self.templates = TemplateTerms(self.f, policies)
        keys = declare_keys(policies)
        for key, size in (set_sizes or {}).items():
            if key in keys and reference.multivalued(key):
                keys[key] = replace(keys[key], slots=max(keys[key].slots, size))
        for key, decl in keys.items():
            if decl.sort is not KeySort.STRING and key in DERIVED_KEYS:
                raise EncodeError(f"{decl.name!r} is a string key, compared as {decl.sort.value}")
        self.space = RequestSpace(
            [*action_sets(policies), *extra_actions],
            [*resource_patterns(policies), *extra_resources],
            keys,
            template_resources(policies),
            only_actions,
        )
        self.request = SymbolicRequest(self.f, self.space, keys)
        self.keys = self.request.keys
        self._patterns = [*resource_patterns(policies), *extra_resources]
        self._formats: dict[ArnFormat, list[int]] = {}
        for cell in self.space.cells:
            self._formats.setdefault(cell.typing.format, []).append(cell.index)
        self._matches: dict[str, Term] = {}
        self._by_format = by_format

    def domain(self, principal_types: Iterable[PrincipalType | None] | None = None) -> Term:
        """The request is one AWS could receive (`SymbolicRequest.domain`), and the template
        values are values a deployment could give."""
        return self.f.and_([self.request.domain(principal_types), self.templates.domain()])

    def action_in(self, patterns: Sequence[Pattern]) -> Term:
        """The action matches one of the (registered) action patterns."""
        space = self.space
        return self.request.in_cells(space.cells_in(space.action_set(patterns)))

    def resource_in(self, patterns: Sequence[Pattern]) -> Term:
        """The resource matches one of the (registered) resource patterns."""
        for p in patterns:
            self.space.check_resource_pattern(p)
        return self.f.or_(self.resource_match(p) for p in patterns)

    def resource_match(self, pattern: Pattern) -> Term:
        """The resource matches the ARN pattern, format by format: a cell fixes its resource's
        format (the domain says so), and the automata of pattern and format decide most pairs
        outright, never or always (`smt/globs.py`); the rest match component by component,
        each undecided component against its segment. The string solver then never matches
        a whole ARN against a whole pattern, nor its complement, which it finds hard (a new
        access in another partition only was beyond its resource limit). An encoder made
        without `by_format` matches the whole ARN: where requests are linked through their
        resources, the same expression on both sides of a link is what the solver needs."""
        f = self.f
        if pattern.is_match_all:
            return f.true
        if pattern_refs(pattern) or not self._by_format:
            return self.arn(pattern, self.request.resource)
        found = self._matches.get(pattern.text)
        if found is None:
            tokens = pattern_tokens(pattern)
            found = self._matches[pattern.text] = f.or_(
                f.and_([self.request.in_cells(cells), meets])
                for fmt, cells in self._formats.items()
                if (meets := self._meets_format(tokens, pattern, fmt)) != f.false
            )
        return found

    def _meets_format(self, tokens: Tokens, pattern: Pattern, fmt: ArnFormat) -> Term:
        """A resource that is an ARN of `fmt` matches the pattern. A variable counts as `*`
        for the automata, which then only ever say "never"."""
        f = self.f
        exact = not pattern.has_variable
        if fmt.wildcard:
            if not overlap(tokens, WILDCARD_TOKENS):
                return f.false
            return f.true if exact else self.arn(pattern, self.request.resource)
        segments = arn_segments(pattern)
        if len(segments) != 6:
            if not overlap(tokens, format_tokens(fmt)):
                return f.false
            if exact and includes(tokens, format_tokens(fmt)):
                return f.true
            return self.arn(pattern, self.request.resource)
        # Segment by segment only: a segment that never meets its component means "never" for
        # the whole ARN, and segments that each include theirs mean "always" (ARNs join them
        # with `:`); the whole ARN's automata are far larger (a policy's inclusions of whole
        # ARNs cost a second of Python), and what they could add only spares a regex.
        pairs = [
            (segment_tokens(segment, i == 5), component_tokens(component))
            for i, (segment, component) in enumerate(zip(segments, fmt.components, strict=True))
        ]
        if not all(overlap(seg, comp) for seg, comp in pairs):
            return f.false
        parts: list[Term] = []
        for i, (segment, (seg, comp)) in enumerate(zip(segments, pairs, strict=True)):
            if any(isinstance(p, Variable) for p in segment) or not includes(seg, comp):
                regex, guards = self._regex(
                    segment, f.any_char_re if i == 5 else f.no_colon_char_re
                )
                parts += [*guards, f.in_re(self.request.component(fmt, i), regex)]
        return f.and_(parts)

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
        req = self.request
        every = policies.all_policies()
        denies = [self.denies(p) for p in every]
        if policies.boundary is not None and policies.resource is not None:
            # A NotPrincipal Deny applies to every IAM caller with a permissions boundary.
            denies += [
                f.and_([req.is_type(PrincipalType.AWS), self.statement(s, principal=False)])
                for s in policies.resource.statements
                if s.effect is Effect.DENY and s.not_principal
            ]
        no_deny = f.not_(f.or_(denies))
        levels = [*policies.scps, *policies.rcps]
        orgs = f.and_(f.or_(self.effect(p, Effect.ALLOW) for p in level) for level in levels)
        endpoint = (
            f.true if policies.endpoint is None else self.effect(policies.endpoint, Effect.ALLOW)
        )
        # The boundary and session policies limit the identity policies and grants naming the
        # caller's role, not grants naming the caller itself.
        unlimited = f.and_(
            [
                f.true
                if policies.boundary is None
                else self.effect(policies.boundary, Effect.ALLOW),
                f.true
                if not policies.session
                else f.or_(self.effect(p, Effect.ALLOW) for p in policies.session),
            ]
        )
        identity = f.and_(
            [f.or_(self.effect(p, Effect.ALLOW) for p in policies.identity), unlimited]
        )
        resource, direct, to_caller = f.false, f.false, f.false
        if policies.resource is not None:
            allows = [s for s in policies.resource.statements if s.effect is Effect.ALLOW]
            resource = f.or_(self.statement(s) for s in allows)
            # Naming the caller's account delegates to its identity policies.
            direct = f.or_(self.statement(s, direct_only=True) for s in allows)
            to_caller = f.or_(self.statement(s, direct_only=True, caller_only=True) for s in allows)
        cross = f.and_(
            [
                req.is_type(PrincipalType.AWS),
                f.not_(f.eq(req.principal_account, req.resource_account)),
            ]
        )
        granted = f.ite(
            cross,
            f.and_([identity, resource]),
            f.or_([identity, to_caller, f.and_([direct, unlimited])]),
        )
        return f.and_([no_deny, orgs, endpoint, granted])

    def statement(
        self,
        stmt: Statement,
        direct_only: bool = False,
        caller_only: bool = False,
        principal: bool = True,
    ) -> Term:
        """The statement applies to the request (its Effect aside). With `direct_only`, a
        Principal element counts only where it names the caller or its role, not its account;
        with `caller_only` too, only where it names the caller itself; without `principal`, the
        Principal element is not looked at."""
        f = self.f
        parts: list[Term] = []
        if stmt.principal is not None and principal:
            if stmt.not_principal:
                parts.append(f.not_(self.principal_term(stmt.principal)))
            else:
                parts.append(self.principal_term(stmt.principal, direct_only, caller_only))
        actions = self.action_in(stmt.actions)
        parts.append(f.not_(actions) if stmt.not_action else actions)
        if stmt.resources is not None:
            res = self.resource_in(stmt.resources)
            parts.append(f.not_(res) if stmt.not_resource else res)
        # In one order whatever order the document wrote them in: the solver's terms are shared
        # structurally, so the same statement written with its keys in another order is the
        # same term, and comparing it with itself costs nothing (in the order written, the two
        # versions of an 86-statement boundary policy took 9 s to prove equivalent).
        conditions = sorted(stmt.conditions, key=_condition_order)
        parts += [self.condition(c) for c in (*conditions, *stmt.when)]
        return f.and_(parts)

    def principal_term(
        self, principal: Principal, direct_only: bool = False, caller_only: bool = False
    ) -> Term:
        """The request's principal is one the element names (with `direct_only`, by its own
        ARN or its role's, not through its account; with `caller_only`, by its own ARN)."""
        f = self.f
        if principal.anyone:
            return f.true
        req = self.request
        out: list[Term] = []
        for entry in principal.entries:
            if has_refs(entry.value):
                out.append(self.template_principal(entry.type, entry.value, direct_only))
            elif entry.type is not PrincipalType.AWS:
                out.append(req.principal_other(entry.type, entry.value))
            elif entry.account is not None:
                if not direct_only:
                    out.append(req.principal_in_account(entry.account))
            elif caller_only:
                out.append(
                    f.and_(
                        [req.is_type(PrincipalType.AWS), f.eq(req.caller, f.string(entry.value))]
                    )
                )
            else:
                out.append(req.principal_names(entry.value))
        return f.or_(out)

    def template_principal(self, ptype: PrincipalType, value: str, direct_only: bool) -> Term:
        """The request's principal is the one a Principal value with template values names:
        an account (its id or root ARN: delegation, unless `direct_only`) or the caller."""
        f = self.f
        req = self.request
        if ptype is not PrincipalType.AWS:
            return req.principal_other(ptype, self.templates.text(value))
        account = PrincipalEntry(type=ptype, value=value, span=unknown_span()).account
        if account is not None:
            if direct_only:
                return f.false
            return req.principal_in_account(self.templates.text(account))
        v = self.templates.text(value)
        is_account, account_term = self.account_form(v)
        in_account = f.false if direct_only else req.principal_in_account(account_term)
        return f.ite(is_account, in_account, req.principal_names(v))

    def account_form(self, v: Term) -> tuple[Term, Term]:
        """Whether a principal value names a whole account (its id or root ARN), and which."""
        f = self.f
        digits = f.in_re(v, f.re_repeat(f.re_range("0", "9"), 12))
        is_account = f.or_([digits, f.in_re(v, self.templates.root_arn_re())])
        # arn:P:iam::ACCOUNT:root ends with the account and ":root" (17 characters).
        start = f.app(Kind.SUB, f.app(Kind.STRING_LENGTH, v), f.integer(17))
        of_root = f.app(Kind.STRING_SUBSTR, v, start, f.integer(12))
        return is_account, f.ite(digits, v, of_root)

    # -- patterns ----------------------------------------------------------------------------

    def _variable(self, var: Variable, fold: bool) -> tuple[Term, Term]:
        """(value, guard): the variable's string and when it is usable (a template value
        always is)."""
        f = self.f
        if is_template(var):
            value = self.templates.value(var.key)
            return (f.app(Kind.STRING_TO_LOWER, value) if fold else value), f.true
        kv = self.keys[var.key]
        resolved = f.eq(kv.count, f.integer(1))
        value = kv.slots[0]
        if fold:
            value = f.app(Kind.STRING_TO_LOWER, value)
        if var.default is None:
            return value, resolved
        default = f.string(lower(var.default) if fold else var.default)
        return f.ite(resolved, value, default), f.true

    def _regex(
        self, parts: Sequence[Part], char: Term, fold: bool = False
    ) -> tuple[Term, list[Term]]:
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
        if pattern.is_literal:
            text = pattern.literal_text()
            if fold:
                # Not str.to_lower(s) = text: over a regex-constrained s (an IAM name, never
                # `a*`) the solver could spend its whole resource limit on it.
                return f.in_re(s, either_case(f, text))
            return f.eq(s, f.string(text))
        subject = f.app(Kind.STRING_TO_LOWER, s) if fold else s
        fixed = _fixed_text(pattern)
        if fixed is not None:
            # Text and template values only: an equation, far easier to solve than a regex.
            return f.eq(subject, self.templates.text(fixed, fold))
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
        fixed = _fixed_text(pattern)
        if fixed is not None:
            # A template value inside an ARN segment holds no `:` (its domain says so), so the
            # segments match exactly when the texts are equal.
            return f.eq(s, self.templates.text(fixed))
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
        kv = self.keys[cond.key] if ":" in cond.key else self._template_key(cond.key)
        missing = f.eq(kv.count, f.integer(0))
        if cond.op.family is Family.NULL:
            return f.or_(missing if v.flag else f.not_(missing) for v in cond.values)
        present = [f.app(Kind.GT, kv.count, f.integer(i)) for i in range(len(kv.slots))]
        never = unreadable(cond)
        matches = [
            f.false if never else f.or_(self._compare(cond, kv, i, v) for v in cond.values)
            for i in range(len(kv.slots))
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

    def _template_key(self, name: str) -> KeyVars:
        """A template value tested like a key (a statement's `when`): one value, always there."""
        f = self.f
        return KeyVars(name, KeySort.STRING, f.integer(1), [self.templates.value(name)])

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
            head = cv.pattern.parts[0] if cv.pattern.parts else None
            if len(arn_segments(cv.pattern)) == 6 or (
                isinstance(head, Variable) and is_template(head)
            ):
                # Six components already, or a template value an ARN's shape is demanded of.
                return self.arn(cv.pattern, slot)
            # A value without six components is no ARN and matches no ARN pattern (`*` too).
            return f.and_([self._has_six_components(slot), self.arn(cv.pattern, slot)])
        if family is Family.BOOL and cv.pattern is not None:
            value = self.templates.text(canonical(cv.text), fold=True)
            return f.eq(f.app(Kind.STRING_TO_LOWER, slot), value)
        if family is Family.BOOL:
            # Case-insensitive as a regex ([tT][rR]...): str.to_lower made such queries
            # several times slower.
            return f.in_re(slot, either_case(f, cv.text))
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

    def _has_six_components(self, s: Term) -> Term:
        f = self.f
        # At least five `:`, as `(.*:){5}.*`: the same language as `([^:]*:){5}.*`, cheaper.
        colon = f.re_concat([f.all_re, f.re_lit(":")])
        return f.in_re(s, f.re_concat([*[colon] * 5, f.all_re]))

    def in_cidr(self, kv: KeyVars, i: int, cidr: Cidr) -> Term:
        """Slot `i` of an IP-sorted key is an address of the network."""
        f = self.f
        width = 32 if cidr.version == 4 else 128
        version = f.not_(kv.v6[i]) if cidr.version == 4 else kv.v6[i]
        if cidr.length == 0:
            return version
        hi, lo = width - 1, width - cidr.length
        bits = f.app(f.tm.mkOp(Kind.BITVECTOR_EXTRACT, hi, lo), kv.slots[i])
        want = f.tm.mkBitVector(cidr.length, cidr.address >> lo)
        return f.and_([version, f.eq(bits, want)])


def _condition_order(cond: Condition) -> tuple[str, str, tuple[str, ...]]:
    return cond.key, cond.operator_text, tuple(v.text for v in cond.values)


def _fixed_text(pattern: Pattern) -> str | None:
    """The pattern's text when it holds only text and template values (no wildcard, no
    policy variable), template values as references."""
    out: list[str] = []
    for part in pattern.parts:
        if isinstance(part, Text):
            out.append(part.text)
        elif isinstance(part, Variable) and is_template(part):
            out.append("${" + part.key + "}")
        else:
            return None
    return "".join(out)


def _decimals(text: str) -> int:
    """Digits after the decimal point of a numeric literal (0 for integers)."""
    exponent = Decimal(text).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _patterns(stmt: Statement) -> list[Pattern]:
    out = list(stmt.resources or ())
    for cond in stmt.conditions:
        out += [v.pattern for v in cond.values if v.pattern is not None]
    return out
