"""Scopes (`ir/scope.py`) as constraints on the symbolic request of a `PolicyEncoder`.

Mirrors `analysis/scope.py`'s `in_scope`, which re-checks every witness. Keys the scope's policy
never tests (`Pins.tested`) play no part: they constrain nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from cvc5 import Kind

from policyreason.ir.policy import Cidr, PrincipalType
from policyreason.ir.scope import (
    CALLER_ACCOUNT_KEYS,
    ORG_KEYS,
    PINNING_KEYS,
    PRINCIPAL_KEY_PREFIX,
    SOURCE_ACCOUNT_KEYS,
    SOURCE_ARN,
    SOURCE_IP,
    Pins,
    PrincipalClass,
    PrincipalKind,
    Scope,
    Zone,
)
from policyreason.smt.encode_policy import PRINCIPAL_CODES, KeySort, KeyVars, PolicyEncoder
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
        parts.append(
            f.or_(f.app(Kind.STRING_PREFIX, f.string(s + ":"), enc.action) for s in scope.services)
        )
    return f.and_(parts)


def _ptype(enc: PolicyEncoder, t: PrincipalType | None) -> Term:
    return enc.f.eq(enc.ptype, enc.f.integer(PRINCIPAL_CODES[t]))


def _one_of(enc: PolicyEncoder, term: Term, values: Iterable[str]) -> Term:
    return enc.f.or_(enc.f.eq(term, enc.f.string(v)) for v in values)


def _principal(enc: PolicyEncoder, cls: PrincipalClass, scope: Scope) -> Term:
    f = enc.f
    pins = scope.pins
    aws = _ptype(enc, PrincipalType.AWS)
    if cls.kind is PrincipalKind.ANYONE:
        others = [
            f.and_(
                [
                    _ptype(enc, t),
                    f.not_(_one_of(enc, enc.principal, [v for k, v in pins.others if k is kind])),
                ]
            )
            for kind, t in _TYPES.items()
        ]
        foreign = f.and_(
            [
                aws,
                f.not_(_one_of(enc, enc.principal_account, pins.accounts)),
                f.not_(_one_of(enc, enc.principal, pins.arns)),
            ]
        )
        # An anonymous caller carries no aws:Principal* keys (its organization, say).
        anonymous = f.and_(
            [
                _ptype(enc, None),
                *(
                    f.eq(kv.count, f.integer(0))
                    for key, kv in enc.keys.items()
                    if key.startswith(PRINCIPAL_KEY_PREFIX)
                    and key in pins.tested
                    and not kv.derived
                ),
            ]
        )
        return f.or_([anonymous, foreign, *others])
    if cls.kind is PrincipalKind.ACCOUNT:
        return f.and_(
            [
                aws,
                f.eq(enc.principal_account, f.string(cls.value)),
                f.not_(_one_of(enc, enc.principal, pins.arns)),
            ]
        )
    if cls.kind is PrincipalKind.ARN:
        return f.and_([aws, f.eq(enc.principal, f.string(cls.value))])
    return f.and_([_ptype(enc, _TYPES[cls.kind]), f.eq(enc.principal, f.string(cls.value))])


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
                _one_of(enc, f.app(Kind.STRING_TO_LOWER, slot), wanted),
            ]
        )
        for i, slot in enumerate(kv.slots)
    )


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
        f.and_([_ptype(enc, PrincipalType.AWS), _one_of(enc, enc.principal_account, zone.accounts)])
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
        accounts = f.re_union([f.re_lit(a) for a in zone.accounts])
        arn = f.re_concat(
            [f.re_lit("arn:"), segment, segment, segment, accounts, f.re_lit(":"), f.all_re]
        )
        present = [
            f.and_([f.app(Kind.GT, kv.count, f.integer(i)), f.in_re(slot, arn)])
            for i, slot in enumerate(kv.slots)
        ]
        out.append(f.and_([service, f.or_(present)]))
    return f.or_(out)
