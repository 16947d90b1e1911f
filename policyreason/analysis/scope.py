"""Reading pins off a policy, zones of trust, and the concrete meaning of a scope.

`in_scope` is the reference semantics of `smt/encode_scope.py`: every witness found inside a
scope is re-checked with it (and with the concrete evaluator) before it is shown.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

from policyreason.analysis.evaluate import Context, context_of
from policyreason.errors import ZoneError
from policyreason.ir import template
from policyreason.ir.cidr import Cidr
from policyreason.ir.pattern import Text, Variable, ascii_lower
from policyreason.ir.policy import (
    ConditionValue,
    Family,
    Policy,
    PrincipalEntry,
    PrincipalType,
)
from policyreason.ir.request import Request
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
from policyreason.ir.span import unknown_span
from policyreason.ir.template import has_refs

_KINDS = {
    PrincipalType.SERVICE: PrincipalKind.SERVICE,
    PrincipalType.FEDERATED: PrincipalKind.FEDERATED,
    PrincipalType.CANONICAL_USER: PrincipalKind.CANONICAL_USER,
}
_PRIVATE_V4 = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_ACCOUNT = re.compile(r"\d{12}")
_ORG = re.compile(r"o-[a-z0-9]{10,32}")


def parse_zone(entries: Iterable[str]) -> Zone:
    """`123456789012` and `o-abcdefghij` entries as a Zone."""
    accounts: list[str] = []
    orgs: list[str] = []
    for entry in entries:
        text = entry.strip()
        if _ACCOUNT.fullmatch(text):
            accounts.append(text)
        elif _ORG.fullmatch(text):
            orgs.append(text)
        else:
            raise ZoneError(
                f"zone of trust {entry!r} is neither a 12-digit account id nor an "
                "organization id (o-...)"
            )
    return Zone(accounts=tuple(sorted(set(accounts))), orgs=tuple(sorted(set(orgs))))


def pins_of(policy: Policy) -> Pins:
    """Every fixed value the policy mentions for a principal or a pinning key (see
    `ir/scope.py`), in any statement and under any operator.

    A value with a wildcard or a policy variable is not fixed. Values of Deny statements and
    negated operators count too: "anyone" must avoid every one of them, which is what makes
    an Allow of `*` with a Deny unless aws:SourceVpce is one endpoint non-public, and keeps an
    Allow unless aws:SourceAccount is 111122223333 public (every other account escapes)."""
    accounts: set[str] = set()
    arns: set[str] = set()
    others: set[tuple[PrincipalKind, str]] = set()
    keys: dict[str, set[str]] = {}
    ips: set[Cidr] = set()
    tested: set[str] = set()
    for stmt in policy.statements:
        if stmt.principal is not None:
            for entry in stmt.principal.entries:
                if entry.type is PrincipalType.AWS:
                    if entry.account is not None:
                        accounts.add(entry.account)
                    else:
                        arns.add(entry.value)
                else:
                    others.add((_KINDS[entry.type], entry.value))
        for cond in stmt.conditions:
            tested.add(cond.key)
            if cond.key == SOURCE_IP and cond.op.family is Family.IP:
                ips.update(v.cidr for v in cond.values if v.cidr is not None and _narrow(v.cidr))
                continue
            if cond.op.family not in (Family.STRING, Family.ARN):
                continue
            fixed = [t for v in cond.values if (t := fixed_text(v)) is not None]
            if cond.key == "aws:principalaccount":
                accounts.update(v for v in fixed if _ACCOUNT.fullmatch(v) or has_refs(v))
            elif cond.key == "aws:principalarn":
                arns.update(fixed)
            elif cond.key in PINNING_KEYS:
                keys.setdefault(cond.key, set()).update(template.lower(v) for v in fixed)
    return Pins(
        accounts=tuple(sorted(accounts)),
        arns=tuple(sorted(arns)),
        others=tuple(sorted(others)),
        keys=tuple((k, tuple(sorted(v))) for k, v in sorted(keys.items()) if v),
        source_ips=tuple(sorted(ips, key=lambda c: (c.version, c.address, c.length))),
        tested=tuple(sorted(tested)),
    )


def fixed_text(value: ConditionValue) -> str | None:
    """The fixed value a condition value stands for, template values as references; None
    when it holds a wildcard or a policy variable."""
    if value.pattern is None:
        return value.text
    out: list[str] = []
    for part in value.pattern.parts:
        if isinstance(part, Text):
            out.append(part.text)
        elif isinstance(part, Variable) and template.is_template(part):
            out.append(template.reference(part.key))
        else:
            return None
    return "".join(out)


def bind_scope(scope: Scope, bindings: Mapping[str, str]) -> Scope:
    """The scope with the template values of a witness filled in. A Principal that is a whole
    template value names an account or a principal ARN depending on its value."""
    pins = scope.pins

    def one(text: str) -> str:
        # A reference without a value stands for nothing any request carries.
        bound = template.bind(text, bindings)
        return "\0unbound" if bound is None else bound

    accounts = {one(a) for a in pins.accounts}
    arns: set[str] = set()
    for arn in pins.arns:
        value = one(arn)
        account = _account_of(value) if template.has_refs(arn) else None
        if account is not None:
            accounts.add(account)
        else:
            arns.add(value)
    principal = scope.principal
    if principal.value and template.has_refs(principal.value):
        value = one(principal.value)
        account = _account_of(value) if principal.kind is PrincipalKind.ARN else None
        principal = (
            PrincipalClass(kind=PrincipalKind.ACCOUNT, value=account)
            if account is not None
            else principal.model_copy(update={"value": value})
        )
    bound = pins.model_copy(
        update={
            "accounts": tuple(sorted(accounts)),
            "arns": tuple(sorted(arns)),
            "others": tuple(sorted((k, one(v)) for k, v in pins.others)),
            "keys": tuple(
                (k, tuple(sorted({ascii_lower(one(v)) for v in vs}))) for k, vs in pins.keys
            ),
        }
    )
    fixed = tuple((k, v if k == SOURCE_IP else ascii_lower(one(v))) for k, v in scope.fixed)
    outside = scope.outside
    if outside is not None:
        outside = outside.model_copy(
            update={"accounts": tuple(sorted({one(a) for a in outside.accounts}))}
        )
    return scope.model_copy(
        update={"pins": bound, "principal": principal, "fixed": fixed, "outside": outside}
    )


def _account_of(principal: str) -> str | None:
    return PrincipalEntry(type=PrincipalType.AWS, value=principal, span=unknown_span()).account


def written_keys(policy: Policy) -> dict[str, str]:
    """Condition keys as the policy spells them, by their lower-case name (for messages)."""
    return {c.key: c.key_text for s in policy.statements for c in s.conditions}


def _narrow(cidr: Cidr) -> bool:
    """A source-IP range narrow enough to pin a grant: IPv4 /8 or longer outside RFC 1918,
    IPv6 /32 or longer."""
    if cidr.version == 6:
        return cidr.length >= 32
    net = ipaddress.ip_network((cidr.address, cidr.length))
    return cidr.length >= 8 and not any(net.subnet_of(p) for p in _PRIVATE_V4)  # type: ignore[arg-type]


def principal_classes(pins: Pins) -> list[PrincipalClass]:
    """Anyone, then every principal the policy names, in a stable order."""
    out = [PrincipalClass(kind=PrincipalKind.ANYONE)]
    out += [PrincipalClass(kind=PrincipalKind.ACCOUNT, value=a) for a in pins.accounts]
    out += [PrincipalClass(kind=PrincipalKind.ARN, value=a) for a in pins.arns]
    out += [PrincipalClass(kind=k, value=v) for k, v in pins.others]
    return out


def in_scope(scope: Scope, req: Request) -> bool:
    """The concrete request lies in the scope's cell (mirrors `smt/encode_scope.py`). Keys
    the policy never tests are ignored, as the encoding has no value for them. Template values
    are the request's `bindings`."""
    scope = bind_scope(scope, req.bindings)
    ctx = {k: v for k, v in context_of(req).items() if k in scope.pins.tested}
    fixed = dict(scope.fixed)
    if not _principal_in(scope.principal, scope.pins, req):
        return False
    for key in PINNING_KEYS:
        values = [ascii_lower(v) for v in ctx.get(key, ())]
        wanted = [fixed[key]] if key in fixed else list(scope.pins.literals(key))
        hit = any(v in wanted for v in values)
        if hit != (key in fixed):
            return False
    addresses = [_address(v) for v in ctx.get(SOURCE_IP, ())]
    nets = [
        ipaddress.ip_network((c.address, c.length))
        for c in scope.pins.source_ips
        if SOURCE_IP not in fixed or str(c) == fixed[SOURCE_IP]
    ]
    ip_hit = any(
        a is not None and a.version == n.version and a in n for a in addresses for n in nets
    )
    if ip_hit != (SOURCE_IP in fixed):
        return False
    if scope.outside is not None and _inside(scope.outside, req, ctx):
        return False
    action = ascii_lower(req.action)
    return not scope.services or any(action.startswith(s + ":") for s in scope.services)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _principal_in(cls: PrincipalClass, pins: Pins, req: Request) -> bool:
    kind = cls.kind
    if req.principal_type is PrincipalType.AWS:
        account = req.principal_account or ""
        # A caller is named by its own ARN or, for a role session, by its role's.
        arns = {req.principal, req.identity_arn} - {None}
        named = bool(arns & set(pins.arns))
        if kind is PrincipalKind.ANYONE:
            return account not in pins.accounts and not named
        if kind is PrincipalKind.ACCOUNT:
            return account == cls.value and not named
        return kind is PrincipalKind.ARN and cls.value in arns
    if req.principal_type is None:
        return kind is PrincipalKind.ANYONE
    mine = _KINDS[req.principal_type]
    if kind is PrincipalKind.ANYONE:
        return (mine, req.principal or "") not in pins.others
    return kind is mine and req.principal == cls.value


def inside_zone(zone: Zone, req: Request, pins: Pins) -> bool:
    """The request's caller belongs to the zone of trust: an IAM principal of a trusted
    account, a caller of a trusted organization, or a service acting for either. Only keys
    the policies test (`pins`) count, as in the solver's `inside_zone`."""
    ctx = {k: v for k, v in context_of(req).items() if k in pins.tested}
    return _inside(zone, req, ctx)


def _inside(zone: Zone, req: Request, ctx: Context) -> bool:
    if req.principal_type is PrincipalType.AWS and req.principal_account in zone.accounts:
        return True
    orgs = {o.lower() for o in zone.orgs}
    if any(ascii_lower(v) in orgs for key in ORG_KEYS for v in ctx.get(key, ())):
        return True
    if any(v in zone.accounts for key in CALLER_ACCOUNT_KEYS for v in ctx.get(key, ())):
        return True
    if req.principal_type is not PrincipalType.SERVICE:
        return False
    sources = [v for key in SOURCE_ACCOUNT_KEYS for v in ctx.get(key, ())]
    sources += [_arn_account(v) for v in ctx.get(SOURCE_ARN, ())]
    return any(v in zone.accounts for v in sources)


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else ""
