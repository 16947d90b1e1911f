"""The reference semantics: concrete evaluation of one request, pure Python, no solver.

This module is the ground truth the SMT encoding is tested against, and every solver witness is
replayed through it before it is shown. It follows the IAM User Guide's policy evaluation logic;
the choices made where AWS's text leaves room are listed in DESIGN.md and mirrored in
`policyreason/smt/encode_policy.py`:

- a context key with no values is treated as missing (ForAllValues: true; ForAnyValue: false);
- a policy variable resolves only when its key has exactly one value, else its default, else
  the pattern matches nothing;
- a plain (unqualified) operator on a multivalued key matches when any value matches; its
  negation when none does;
- keys that are functions of the principal (aws:PrincipalArn, aws:PrincipalAccount,
  aws:PrincipalType, aws:username, aws:PrincipalIsAWSService, aws:PrincipalServiceName) and
  aws:ResourceAccount come from the request itself (`data/requests.py`); aws:PrincipalArn of a
  role session is its role's ARN, so a Principal or aws:PrincipalArn naming a role matches the
  role's sessions;
- a resource policy that names an account (`"AWS": "111122223333"` or its root ARN) delegates
  to that account: within the account it grants nothing by itself, the caller's identity
  policies must allow (IAM User Guide, "Cross account resource access": "the account
  administrator must then grant permission"); naming the caller itself, or `*`, grants directly;
- a grant naming a role session's role (not the session) is "limited by an implicit deny in a
  permissions boundary or session policy"; a grant to the caller itself (its user or session
  ARN, `*`) is not (IAM User Guide, "Policy evaluation logic", resource-based policies);
- a resource policy's Deny with NotPrincipal "will always deny any IAM principal that has a
  permissions boundary policy attached, regardless of the values specified in the NotPrincipal
  element" (IAM User Guide, "Permissions boundaries for IAM entities").
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache, partial

from policyreason.data.requests import (
    DERIVED_PRINCIPAL_KEYS,
    RESOURCE_ACCOUNT,
    iam_principal,
)
from policyreason.ir.cidr import parse_cidr
from policyreason.ir.pattern import (
    AnyChar,
    Pattern,
    Star,
    Text,
    Variable,
    arn_segments,
    ascii_lower,
    pieces_match,
)
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
from policyreason.ir.request import Request
from policyreason.ir.template import bind, canonical, has_refs
from policyreason.ir.values import parse_date

Context = dict[str, tuple[str, ...]]

DERIVED_KEYS = (*DERIVED_PRINCIPAL_KEYS, RESOURCE_ACCOUNT)


class Decision(StrEnum):
    ALLOWED = "Allowed"
    EXPLICIT_DENY = "ExplicitlyDenied"
    IMPLICIT_DENY = "ImplicitlyDenied"


@dataclass(frozen=True)
class Evaluation:
    """The decision and the statements that made it (matching Denies, or the Allows)."""

    decision: Decision
    deciding: list[tuple[Policy, Statement]] = field(default_factory=list)
    reason: str = ""


def context_of(req: Request) -> Context:
    """The request's context with lower-cased keys and the keys derived from the request."""
    ctx = {k.lower(): v for k, v in req.context.items() if v}
    for key in DERIVED_KEYS:
        ctx.pop(key, None)
    identity = req.identity_arn
    if identity is not None and req.principal is not None:
        ctx["aws:principalarn"] = (identity,)
        if req.principal_account:
            ctx["aws:principalaccount"] = (req.principal_account,)
        who = iam_principal(req.principal)
        if who is not None:
            ctx["aws:principaltype"] = (who.kind,)
            if who.kind == "User":
                ctx["aws:username"] = (who.name,)
        ctx["aws:principalisawsservice"] = ("false",)
    elif req.principal_type is PrincipalType.SERVICE and req.principal:
        ctx["aws:principalisawsservice"] = ("true",)
        ctx["aws:principalservicename"] = (req.principal,)
    if req.resource_account:
        ctx[RESOURCE_ACCOUNT] = (req.resource_account,)
    # Template values are read like keys; their names hold no `:`, so no key is shadowed.
    ctx.update((name, (value,)) for name, value in req.bindings.items())
    return ctx


# -- patterns ----------------------------------------------------------------------------------


def _resolve(var: Variable, ctx: Context) -> str | None:
    values = ctx.get(var.key, ())
    if len(values) == 1:
        return values[0]
    return var.default


_Parts = tuple[Text | Star | AnyChar | Variable, ...]


def _regex(
    parts: _Parts,
    ctx: Context,
    any_char: str,
    fold: bool = False,
) -> str | None:
    out: list[str] = []
    for p in parts:
        if isinstance(p, Text):
            out.append(re.escape(ascii_lower(p.text) if fold else p.text))
        elif isinstance(p, Star):
            out.append(f"{any_char}*")
        elif isinstance(p, AnyChar):
            out.append(any_char)
        else:
            value = _resolve(p, ctx)
            if value is None or (any_char != "." and ":" in value):
                return None
            out.append(re.escape(ascii_lower(value) if fold else value))
    return "".join(out)


def glob_match(pattern: Pattern, value: str, ctx: Context, ignore_case: bool = False) -> bool:
    """Whole-string match of an IAM pattern (`*`, `?`, variables) against `value`.

    With `ignore_case` both sides compare lower-cased (StringEqualsIgnoreCase)."""
    subject = ascii_lower(value) if ignore_case else value
    matcher = _fixed_glob(pattern.parts, ignore_case)
    if matcher is not None:
        return matcher(subject)
    rx = _regex(pattern.parts, ctx, ".", ignore_case)
    return rx is not None and _compiled(rx).fullmatch(subject) is not None


Matcher = Callable[[str], bool]


# A pattern without variables matches alike in every context: its matcher is built once (the
# escalation paths match each statement's actions against dozens of actions).
@lru_cache(maxsize=1 << 16)
def _fixed_glob(parts: _Parts, fold: bool) -> Matcher | None:
    if any(isinstance(p, Variable) for p in parts):
        return None
    shaped = _shaped(parts, fold)
    if shaped is not None:
        return shaped
    rx = _regex(parts, {}, ".", fold)
    assert rx is not None  # only a variable leaves a pattern without a regex
    return _whole(_compiled(rx))


@lru_cache(maxsize=1 << 16)
def _fixed_arn(parts: _Parts) -> Matcher | None:
    if any(isinstance(p, Variable) for p in parts):
        return None
    # A `*` after the fifth `:` is in the resource segment, where it may span `:` like a glob's.
    head = parts[0].text if parts and isinstance(parts[0], Text) else ""
    if head.count(":") >= 5 or all(isinstance(p, Text) for p in parts):
        shaped = _shaped(parts, False)
        if shaped is not None:
            return shaped
    # Else segment by segment: the value's first colons are the segments' ends, as no `*`
    # before the resource segment spans a `:` (the managed policies hold some 800 such
    # patterns, like `arn:aws:iam::*:role/...`, each matched a few times).
    pattern = Pattern(text="", parts=parts)
    segments = [_pieces(s, False) for s in arn_segments(pattern)]
    if all(s is not None for s in segments):
        return partial(_segments_match, tuple(s for s in segments if s is not None))
    compiled = _arn_regex(pattern, {})
    assert compiled is not None  # only a variable leaves a pattern without a regex
    return _whole(compiled)


def _segments_match(segments: tuple[tuple[str, ...], ...], value: str) -> bool:
    found = value.split(":", len(segments) - 1)
    return len(found) == len(segments) and all(map(pieces_match, segments, found))


def _whole(compiled: re.Pattern[str]) -> Matcher:
    return lambda v: compiled.fullmatch(v) is not None


def _shaped(parts: _Parts, fold: bool) -> Matcher | None:
    """A matcher from string methods (`pieces_match`) for patterns of text and `*` alone; None
    for others (a `?`). Compiling a regex costs about 0.25 ms, and a policy corpus holds tens
    of thousands of distinct patterns."""
    pieces = _pieces(parts, fold)
    return None if pieces is None else partial(pieces_match, pieces)


def _pieces(parts: _Parts, fold: bool) -> tuple[str, ...] | None:
    """The texts between a pattern's `*`s (`pieces_match`); None when it has another kind of
    part."""
    pieces = [""]
    for p in parts:
        if isinstance(p, Text):
            pieces[-1] += ascii_lower(p.text) if fold else p.text
        elif isinstance(p, Star):
            pieces.append("")
        else:
            return None
    return tuple(pieces)


@lru_cache(maxsize=1 << 16)
def _compiled(rx: str) -> re.Pattern[str]:
    # re's own cache holds 512 patterns; a large managed policy has thousands.
    return re.compile(rx, re.DOTALL)


def is_arn(value: str) -> bool:
    """The value has an ARN's six components (what the ARN operators compare)."""
    return value.count(":") >= 5


def arn_match(pattern: Pattern, value: str, ctx: Context) -> bool:
    """ARN matching as IAM does it: segment by segment; wildcards never cross a `:` except in
    the last (resource) segment."""
    if pattern.is_match_all:
        return True
    matcher = _fixed_arn(pattern.parts)
    if matcher is not None:
        return matcher(value)
    compiled = _arn_regex(pattern, ctx)
    return compiled is not None and compiled.fullmatch(value) is not None


def _arn_regex(pattern: Pattern, ctx: Context) -> re.Pattern[str] | None:
    segments = arn_segments(pattern)
    pieces: list[str] = []
    for i, seg in enumerate(segments):
        rx = _regex(seg, ctx, "." if i == len(segments) - 1 else "[^:]")
        if rx is None:
            return None
        pieces.append(rx)
    return _compiled(":".join(pieces))


# -- elements ----------------------------------------------------------------------------------


def principal_matches(principal: Principal, req: Request) -> bool:
    """Whether the request's principal is one the Principal element names."""
    return principal_match(principal, req) is not None


class Grant(StrEnum):
    """How a Principal element names the caller: directly (`*`, its own ARN), through its role
    (a session's role ARN: limited by the boundary and session policies) or through its account
    (which delegates to the account's identity policies)."""

    DIRECT = "direct"
    ROLE = "role"
    ACCOUNT = "account"


_GRANT_ORDER = (Grant.DIRECT, Grant.ROLE, Grant.ACCOUNT)


def principal_match(principal: Principal, req: Request) -> Grant | None:
    """How the Principal element names the request's principal (the most direct way, when it
    names it several ways), or None if it does not."""
    if principal.anyone:
        return Grant.DIRECT
    found: set[Grant] = set()
    for written in principal.entries:
        if written.type is not req.principal_type:
            continue
        entry = bound_entry(written, req.bindings)
        if entry is None:
            continue
        account = entry.account
        if account is not None:
            if req.principal_account == account:
                found.add(Grant.ACCOUNT)
        elif entry.value == req.principal:
            found.add(Grant.DIRECT)
        elif entry.value == req.identity_arn:
            found.add(Grant.ROLE)
    return next((g for g in _GRANT_ORDER if g in found), None)


def bound_entry(entry: PrincipalEntry, bindings: Mapping[str, str]) -> PrincipalEntry | None:
    """The entry with its template values filled in (None if one has no value)."""
    if not has_refs(entry.value):
        return entry
    value = bind(entry.value, bindings)
    return None if value is None else entry.model_copy(update={"value": value})


def _bound_value(family: Family, cv: ConditionValue, ctx: Context) -> ConditionValue | None:
    """A typed condition value a template fills in, read as its family reads it."""
    bindings = {k: v[0] for k, v in ctx.items() if len(v) == 1 and ":" not in k}
    text = bind(canonical(cv.text), bindings)
    if text is None:
        return None
    if family is Family.DATE:
        return cv.model_copy(update={"text": text, "number": parse_date(text), "pattern": None})
    if family is Family.IP:
        return cv.model_copy(update={"text": text, "cidr": parse_cidr(text), "pattern": None})
    flag = text.lower() == "true" if text.lower() in ("true", "false") else None
    return cv.model_copy(update={"text": text, "flag": flag, "pattern": None})


def _compare(cond: Condition, value: str, cv: ConditionValue, ctx: Context) -> bool:
    op = cond.op
    family = op.family
    if cv.pattern is not None and family not in (Family.STRING, Family.BINARY, Family.ARN):
        bound = _bound_value(family, cv, ctx)
        if bound is None:
            return False
        cv = bound
    if family in (Family.STRING, Family.BINARY):
        if cv.pattern is None:
            return value == cv.text
        # Outside the Like operators the parser made `*` and `?` literal text already.
        return glob_match(cv.pattern, value, ctx, op.ignore_case)
    if family is Family.ARN:
        # "Each of the six colon-delimited components of the ARN is checked separately": a
        # value without six components is no ARN and matches no ARN pattern, `*` included.
        return cv.pattern is not None and is_arn(value) and arn_match(cv.pattern, value, ctx)
    if family is Family.BOOL:
        return value.lower() == cv.text.lower()
    if family is Family.IP:
        try:
            addr = ipaddress.ip_address(value)
        except ValueError:
            return False
        net = cv.cidr
        return (
            net is not None
            and addr.version == net.version
            and int(addr) >> (addr.max_prefixlen - net.length)
            == net.address >> (addr.max_prefixlen - net.length)
        )
    if family is Family.NUMERIC:
        try:
            left, right = Decimal(value), Decimal(cv.text)
        except InvalidOperation:
            return False
        return _order(op.comparison, left, right)
    if family is Family.DATE:
        when = parse_date(value)
        return when is not None and cv.number is not None and _order(op.comparison, when, cv.number)
    return False


def _order(cmp: Comparison, left: Decimal | int, right: Decimal | int) -> bool:
    if cmp is Comparison.LT:
        return left < right
    if cmp is Comparison.LE:
        return left <= right
    if cmp is Comparison.GT:
        return left > right
    if cmp is Comparison.GE:
        return left >= right
    return left == right


def condition_holds(cond: Condition, ctx: Context) -> bool:
    """One operator/key pair of a Condition block (its values OR-ed)."""
    values = ctx.get(cond.key, ())
    if cond.op.family is Family.NULL:
        absent = not values
        flags = [v if v.pattern is None else _bound_value(Family.NULL, v, ctx) for v in cond.values]
        return any(v is not None and v.flag == absent for v in flags)
    if not values:
        if cond.if_exists:
            return True
        if cond.qualifier is SetQualifier.FOR_ALL_VALUES:
            return True
        if cond.qualifier is SetQualifier.FOR_ANY_VALUE:
            return False
        return cond.op.negated

    def matches(v: str) -> bool:
        return any(_compare(cond, v, cv, ctx) for cv in cond.values)

    def holds(v: str) -> bool:
        return not matches(v) if cond.op.negated else matches(v)

    if cond.qualifier is SetQualifier.FOR_ALL_VALUES:
        return all(holds(v) for v in values)
    if cond.qualifier is SetQualifier.FOR_ANY_VALUE:
        return any(holds(v) for v in values)
    hit = any(matches(v) for v in values)
    return not hit if cond.op.negated else hit


def statement_matches(stmt: Statement, req: Request, ctx: Context | None = None) -> bool:
    """Whether a statement applies to the request (its Effect aside)."""
    ctx = context_of(req) if ctx is None else ctx
    if stmt.principal is not None and principal_matches(stmt.principal, req) == stmt.not_principal:
        return False
    if names_action(stmt.actions, ascii_lower(req.action), ctx) == stmt.not_action:
        return False
    if stmt.resources is not None and (
        any(arn_match(p, req.resource, ctx) for p in stmt.resources) == stmt.not_resource
    ):
        return False
    return all(condition_holds(c, ctx) for c in (*stmt.conditions, *stmt.when))


# A statement is matched against many requests (witness re-checks, guessed requests): its
# action list is read once into the names it lists literally, looked up as a set, and the
# patterns left to match. Keyed by the list's identity, which the entry keeps alive.
_ActionList = tuple[tuple[Pattern, ...], frozenset[str], tuple[Pattern, ...]]
_ACTION_LISTS: dict[int, _ActionList] = {}
_MAX_ACTION_LISTS = 4096


def names_action(actions: tuple[Pattern, ...], action: str, ctx: Context) -> bool:
    """Whether one of the action patterns (as parsed, lower-cased) matches `action` (lower-case):
    `any(glob_match(p, action, ctx) for p in actions)`."""
    plain, patterns = action_list(actions)
    return action in plain or any(glob_match(p, action, ctx) for p in patterns)


def action_list(actions: tuple[Pattern, ...]) -> tuple[frozenset[str], tuple[Pattern, ...]]:
    """The names an Action list spells out plainly (lower-case, as parsed), and its other
    patterns (wildcards and variables), read once per list."""
    known = _ACTION_LISTS.get(id(actions))
    if known is None or known[0] is not actions:
        if len(_ACTION_LISTS) >= _MAX_ACTION_LISTS:
            _ACTION_LISTS.clear()
        known = _ACTION_LISTS[id(actions)] = (
            actions,
            frozenset(p.literal_text() for p in actions if p.is_literal),
            tuple(p for p in actions if not p.is_literal),
        )
    return known[1], known[2]


def _matching(policy: Policy, req: Request, ctx: Context, effect: Effect) -> list[Statement]:
    return [s for s in policy.statements if s.effect is effect and statement_matches(s, req, ctx)]


def allows(policy: Policy, req: Request) -> bool:
    """One policy on its own: some Allow applies and no Deny does."""
    ctx = context_of(req)
    return bool(_matching(policy, req, ctx, Effect.ALLOW)) and not _matching(
        policy, req, ctx, Effect.DENY
    )


def evaluate(policies: PolicySet, req: Request) -> Evaluation:
    """AWS's evaluation logic over every policy type that applies to the request."""
    ctx = context_of(req)
    denies = [(p, s) for p in policies.all_policies() for s in _matching(p, req, ctx, Effect.DENY)]
    denies += _bounded_not_principal_denies(policies, req, ctx, denies)
    if denies:
        return Evaluation(Decision.EXPLICIT_DENY, denies, "an explicit Deny applies")

    def allowing(p: Policy) -> list[tuple[Policy, Statement]]:
        return [(p, s) for s in _matching(p, req, ctx, Effect.ALLOW)]

    def level_allows(level: tuple[Policy, ...]) -> bool:
        return any(allowing(p) for p in level)

    for name, levels in (
        ("service control policy", policies.scps),
        ("resource control policy", policies.rcps),
    ):
        for level in levels:
            if not level_allows(level):
                return Evaluation(Decision.IMPLICIT_DENY, [], f"no {name} allows it")
    if policies.endpoint is not None and not allowing(policies.endpoint):
        return Evaluation(Decision.IMPLICIT_DENY, [], "the VPC endpoint policy does not allow it")
    # An implicit deny in the boundary or a session policy limits the identity policies and
    # grants to the caller's role, not grants to the caller itself.
    limited = (policies.boundary is not None and not allowing(policies.boundary)) or bool(
        policies.session and not level_allows(policies.session)
    )
    identity = [] if limited else [a for p in policies.identity for a in allowing(p)]
    resource = allowing(policies.resource) if policies.resource is not None else []
    cross = bool(
        req.principal_account
        and req.resource_account
        and req.principal_account != req.resource_account
    )
    if cross:
        if identity and resource:
            return Evaluation(Decision.ALLOWED, identity + resource, "cross-account: both allow")
        return Evaluation(
            Decision.IMPLICIT_DENY,
            [],
            "cross-account access needs both an identity and a resource policy Allow",
        )
    if identity:
        return Evaluation(Decision.ALLOWED, identity + resource, "allowed")
    grants = [(p, s, _grant(s, req)) for p, s in resource]
    usable = (Grant.DIRECT,) if limited else (Grant.DIRECT, Grant.ROLE)
    direct = [(p, s) for p, s, g in grants if g in usable]
    if direct:
        return Evaluation(Decision.ALLOWED, direct, "allowed by the resource policy")
    if any(g is Grant.ROLE for _p, _s, g in grants):
        return Evaluation(
            Decision.IMPLICIT_DENY,
            [],
            "the resource policy names the caller's role, and the role's permissions boundary "
            "or session policy does not allow it",
        )
    if resource:
        return Evaluation(
            Decision.IMPLICIT_DENY,
            [],
            "the resource policy names the caller's account, which delegates to the account: "
            "an identity policy must allow",
        )
    return Evaluation(Decision.IMPLICIT_DENY, [], "no policy allows it")


def _grant(stmt: Statement, req: Request) -> Grant | None:
    """How a resource policy statement that applies to the request names the caller (`*`,
    NotPrincipal and no Principal grant to the caller itself)."""
    if stmt.principal is None or stmt.not_principal:
        return Grant.DIRECT
    return principal_match(stmt.principal, req)


def _bounded_not_principal_denies(
    policies: PolicySet, req: Request, ctx: Context, found: list[tuple[Policy, Statement]]
) -> list[tuple[Policy, Statement]]:
    """Resource policy Denies with NotPrincipal that apply to an IAM caller with a permissions
    boundary whatever the NotPrincipal names."""
    resource = policies.resource
    if resource is None or policies.boundary is None or req.principal_type is not PrincipalType.AWS:
        return []
    return [
        (resource, s)
        for s in resource.statements
        if s.effect is Effect.DENY
        and s.not_principal
        and not any(s is t for _p, t in found)
        and statement_matches(s.model_copy(update={"principal": None}), req, ctx)
    ]
