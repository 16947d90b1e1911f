"""Reading pins off a policy, zones of trust, and the concrete meaning of a scope.

`in_scope` is the reference semantics of `smt/encode_scope.py`: every witness found inside a
scope is re-checked with it (and with the concrete evaluator) before it is shown.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from policyreason.analysis.evaluate import Context, context_of
from policyreason.ir.pattern import Text, ascii_lower
from policyreason.ir.policy import Cidr, Family, Policy, PrincipalType
from policyreason.ir.request import Request
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


class ZoneError(ValueError):
    """A zone-of-trust entry that is neither a 12-digit account nor an organization id."""


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
            fixed = [v.text for v in cond.values if v.pattern is None or _literal(v.pattern)]
            if cond.key == "aws:principalaccount":
                accounts.update(v for v in fixed if _ACCOUNT.fullmatch(v))
            elif cond.key == "aws:principalarn":
                arns.update(fixed)
            elif cond.key in PINNING_KEYS:
                keys.setdefault(cond.key, set()).update(ascii_lower(v) for v in fixed)
    return Pins(
        accounts=tuple(sorted(accounts)),
        arns=tuple(sorted(arns)),
        others=tuple(sorted(others)),
        keys=tuple((k, tuple(sorted(v))) for k, v in sorted(keys.items()) if v),
        source_ips=tuple(sorted(ips, key=lambda c: (c.version, c.address, c.prefix))),
        tested=tuple(sorted(tested)),
    )


def written_keys(policy: Policy) -> dict[str, str]:
    """Condition keys as the policy spells them, by their lower-case name (for messages)."""
    return {c.key: c.key_text for s in policy.statements for c in s.conditions}


def _literal(pattern: object) -> bool:
    parts = getattr(pattern, "parts", ())
    return all(isinstance(p, Text) for p in parts)


def _narrow(cidr: Cidr) -> bool:
    """A source-IP range narrow enough to pin a grant: IPv4 /8 or longer outside RFC 1918,
    IPv6 /32 or longer."""
    if cidr.version == 6:
        return cidr.prefix >= 32
    net = ipaddress.ip_network((cidr.address, cidr.prefix))
    return cidr.prefix >= 8 and not any(net.subnet_of(p) for p in _PRIVATE_V4)  # type: ignore[arg-type]


def principal_classes(pins: Pins) -> list[PrincipalClass]:
    """Anyone, then every principal the policy names, in a stable order."""
    out = [PrincipalClass(kind=PrincipalKind.ANYONE)]
    out += [PrincipalClass(kind=PrincipalKind.ACCOUNT, value=a) for a in pins.accounts]
    out += [PrincipalClass(kind=PrincipalKind.ARN, value=a) for a in pins.arns]
    out += [PrincipalClass(kind=k, value=v) for k, v in pins.others]
    return out


def in_scope(scope: Scope, req: Request) -> bool:
    """The concrete request lies in the scope's cell (mirrors `smt/encode_scope.py`). Keys
    the policy never tests are ignored, as the encoding has no value for them."""
    ctx = {k: v for k, v in context_of(req).items() if k in scope.pins.tested}
    fixed = dict(scope.fixed)
    if not _principal_in(scope.principal, scope.pins, req, ctx):
        return False
    for key in PINNING_KEYS:
        values = [ascii_lower(v) for v in ctx.get(key, ())]
        wanted = [fixed[key]] if key in fixed else list(scope.pins.literals(key))
        hit = any(v in wanted for v in values)
        if hit != (key in fixed):
            return False
    addresses = [_address(v) for v in ctx.get(SOURCE_IP, ())]
    nets = [
        ipaddress.ip_network((c.address, c.prefix))
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


def _principal_in(cls: PrincipalClass, pins: Pins, req: Request, ctx: Context) -> bool:
    kind = cls.kind
    if req.principal_type is PrincipalType.AWS:
        account, arn = req.principal_account or "", req.principal or ""
        if kind is PrincipalKind.ANYONE:
            return account not in pins.accounts and arn not in pins.arns
        if kind is PrincipalKind.ACCOUNT:
            return account == cls.value and arn not in pins.arns
        return kind is PrincipalKind.ARN and arn == cls.value
    if req.principal_type is None:
        # An anonymous caller carries no aws:Principal* keys (its organization, say).
        return kind is PrincipalKind.ANYONE and not any(
            k.startswith(PRINCIPAL_KEY_PREFIX) for k in ctx
        )
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
