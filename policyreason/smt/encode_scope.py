"""Scopes (`ir/scope.py`) as constraints on the symbolic request of a `PolicyEncoder`.

Mirrors `analysis/scope.py`'s `in_scope`, which re-checks every witness. Keys the scope's policy
never tests (`Pins.tested`) play no part: they constrain nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from cvc5 import Kind

from policyreason.ir.cidr import Cidr
from policyreason.ir.pattern import Pattern, Star, Text
from policyreason.ir.policy import PrincipalType
from policyreason.ir.scope import (
    CALLER_ACCOUNT_KEYS,
    ORG_KEYS,
    PINNING_KEYS,
    SOURCE_ACCOUNT_KEYS,
    SOURCE_ARN,
    SOURCE_IP,
    Pins,
    PrincipalClass,
    PrincipalKind,
    Scope,
    Zone,
)
from policyreason.ir.template import refs
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.encode_request import KeySort, KeyVars
from policyreason.smt.factory import Term

_TYPES = {
    PrincipalKind.SERVICE: PrincipalType.SERVICE,
    PrincipalKind.FEDERATED: PrincipalType.FEDERATED,
    PrincipalKind.CANONICAL_USER: PrincipalType.CANONICAL_USER,
}


def scope_term(enc: PolicyEncoder, scope: Scope) -> Term:
    """The request lies in the scope's cell."""
    f = enc.f
    fixed = dict(scope.fixed)
    pins = scope.pins
    parts = [_principal(enc, scope.principal, scope)]
    for key in PINNING_KEYS:
        kv = _string_key(enc, pins, key)
        if kv is None:
            continue
        if key in fixed:
            parts.append(_some(enc, kv, [fixed[key]]))
        else:
            parts.append(f.not_(_some(enc, kv, scope.pins.literals(key))))
    ip = enc.keys.get(SOURCE_IP) if SOURCE_IP in scope.pins.tested else None
    if ip is not None and ip.sort is KeySort.IP:
        if SOURCE_IP in fixed:
            cidr = next(c for c in scope.pins.source_ips if str(c) == fixed[SOURCE_IP])
            parts.append(_some_ip(enc, ip, [cidr]))
        else:
            parts.append(f.not_(_some_ip(enc, ip, scope.pins.source_ips)))
    if scope.outside is not None:
        parts.append(f.not_(_inside(enc, pins, scope.outside)))
    if scope.services:
        parts.append(enc.action_in(service_actions(scope.services)))
    return f.and_(parts)


def service_actions(services: Iterable[str]) -> tuple[Pattern, ...]:
    """Every action of the services, as one action list (register it with the encoder)."""
    return tuple(
        Pattern(text=f"{s}:*", parts=(Text(text=f"{s}:"), Star())) for s in sorted(services)
    )


def _ptype(enc: PolicyEncoder, t: PrincipalType | None) -> Term:
    return enc.request.is_type(t)


def _one_of(enc: PolicyEncoder, term: Term, values: Iterable[str]) -> Term:
    """`term` is one of the values (texts with template values)."""
    return enc.f.or_(enc.f.eq(term, enc.templates.text(v)) for v in values)


def _named(enc: PolicyEncoder, arn: str) -> Term:
    """The caller is the principal an ARN pin names. A pin that is a whole template value
    names a principal only when its value is not an account (then it is an account pin)."""
    req = enc.request
    if not _whole(arn):
        return req.principal_names(enc.templates.text(arn))
    is_account, _account = enc.account_form(enc.templates.text(arn))
    return enc.f.and_([enc.f.not_(is_account), req.principal_names(enc.templates.text(arn))])


def _in_account_pin(enc: PolicyEncoder, arn: str) -> Term:
    """The caller is in the account a whole-template-value ARN pin turned out to name."""
    if not _whole(arn):
        return enc.f.false
    is_account, account = enc.account_form(enc.templates.text(arn))
    return enc.f.and_([is_account, enc.request.principal_in_account(account)])


def _whole(text: str) -> bool:
    names = refs(text)
    return len(names) == 1 and text == "${" + names[0] + "}"


def _principal(enc: PolicyEncoder, cls: PrincipalClass, scope: Scope) -> Term:
    f = enc.f
    pins = scope.pins
    aws = _ptype(enc, PrincipalType.AWS)
    req = enc.request
    if cls.kind is PrincipalKind.ANYONE:
        others = [
            f.and_(
                [
                    _ptype(enc, t),
                    f.not_(
                        f.or_(
                            req.principal_other(t, enc.templates.text(v))
                            for k, v in pins.others
                            if k is kind
                        )
                    ),
                ]
            )
            for kind, t in _TYPES.items()
        ]
        foreign = f.and_(
            [
                aws,
                f.not_(_one_of(enc, req.principal_account, pins.accounts)),
                f.not_(f.or_(_named(enc, a) for a in pins.arns)),
                f.not_(f.or_(_in_account_pin(enc, a) for a in pins.arns)),
            ]
        )
        # An anonymous caller carries no principal keys: the request's domain sees to it.
        anonymous = _ptype(enc, None)
        return f.or_([anonymous, foreign, *others])
    if cls.kind is PrincipalKind.ACCOUNT:
        return _account_class(enc, enc.templates.text(cls.value), pins)
    if cls.kind is PrincipalKind.ARN and _whole(cls.value):
        is_account, account = enc.account_form(enc.templates.text(cls.value))
        return f.ite(is_account, _account_class(enc, account, pins), _named(enc, cls.value))
    if cls.kind is PrincipalKind.ARN:
        return req.principal_names(enc.templates.text(cls.value))
    return req.principal_other(_TYPES[cls.kind], enc.templates.text(cls.value))


def _account_class(enc: PolicyEncoder, account: Term, pins: Pins) -> Term:
    f = enc.f
    return f.and_(
        [
            enc.request.principal_in_account(account),
            f.not_(f.or_(_named(enc, a) for a in pins.arns)),
        ]
    )


def _string_key(enc: PolicyEncoder, pins: Pins, key: str) -> KeyVars | None:
    """The key's symbolic values, if the scope's policy tests it as a string."""
    if key not in pins.tested:
        return None
    kv = enc.keys.get(key)
    return kv if kv is not None and kv.sort is KeySort.STRING and not kv.derived else None


def _some(enc: PolicyEncoder, kv: KeyVars, values: Iterable[str]) -> Term:
    """Some present value of the key is, ignoring case, one of `values`."""
    f = enc.f
    wanted = list(values)
    return f.or_(
        f.and_(
            [
                f.app(Kind.GT, kv.count, f.integer(i)),
                f.or_(_equal_ignoring_case(enc, slot, v) for v in wanted),
            ]
        )
        for i, slot in enumerate(kv.slots)
    )


def _equal_ignoring_case(enc: PolicyEncoder, slot: Term, value: str) -> Term:
    f = enc.f
    regex = enc.templates.case_blind(value)
    if regex is not None:
        return f.in_re(slot, regex)
    return f.eq(f.app(Kind.STRING_TO_LOWER, slot), enc.templates.text(value, fold=True))


def _some_ip(enc: PolicyEncoder, kv: KeyVars, cidrs: Iterable[Cidr]) -> Term:
    f = enc.f
    nets = list(cidrs)
    return f.or_(
        f.and_(
            [
                f.app(Kind.GT, kv.count, f.integer(i)),
                f.or_(enc.in_cidr(kv, i, c) for c in nets),
            ]
        )
        for i in range(len(kv.slots))
    )


def inside_zone(enc: PolicyEncoder, pins: Pins, zone: Zone) -> Term:
    """The caller belongs to the zone of trust (see `_inside`); `pins` are those of the
    policies encoded, which decide the keys there are terms for."""
    return _inside(enc, pins, zone)


def _inside(enc: PolicyEncoder, pins: Pins, zone: Zone) -> Term:
    """The caller belongs to the zone of trust: an IAM principal of a trusted account, a caller
    of a trusted organization, or a service acting for a trusted account or organization."""
    f = enc.f
    out = [
        f.and_(
            [
                _ptype(enc, PrincipalType.AWS),
                _one_of(enc, enc.request.principal_account, zone.accounts),
            ]
        )
    ]
    for key in ORG_KEYS:
        kv = _string_key(enc, pins, key)
        if kv is not None:
            out.append(_some(enc, kv, [o.lower() for o in zone.orgs]))
    for key in CALLER_ACCOUNT_KEYS:
        kv = _string_key(enc, pins, key)
        if kv is not None:
            out.append(_some(enc, kv, zone.accounts))
    service = _ptype(enc, PrincipalType.SERVICE)
    for key in SOURCE_ACCOUNT_KEYS:
        kv = _string_key(enc, pins, key)
        if kv is not None:
            out.append(f.and_([service, _some(enc, kv, zone.accounts)]))
    kv = _string_key(enc, pins, SOURCE_ARN)
    if kv is not None and zone.accounts:
        segment = f.re_concat([f.no_colon_re, f.re_lit(":")])
        accounts = f.re_union([f.re_of(enc.templates.text(a)) for a in zone.accounts])
        arn = f.re_concat(
            [f.re_lit("arn:"), segment, segment, segment, accounts, f.re_lit(":"), f.all_re]
        )
        present = [
            f.and_([f.app(Kind.GT, kv.count, f.integer(i)), f.in_re(slot, arn)])
            for i, slot in enumerate(kv.slots)
        ]
        out.append(f.and_([service, f.or_(present)]))
    return f.or_(out)
