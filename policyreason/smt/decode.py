"""Models back into concrete requests."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from policyreason.errors import DecodeError
from policyreason.ir.policy import PrincipalType
from policyreason.ir.request import Request
from policyreason.ir.values import parse_date
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.encode_request import PRINCIPAL_CODES, KeySort, KeyVars
from policyreason.smt.session import Session

_TYPES = {code: ptype for ptype, code in PRINCIPAL_CODES.items()}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What a witness says for a key AWS always sends when no policy tests it.
_DEFAULT_TIME_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
_DEFAULT_SECURE = "true"


def iso_time(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 (UTC), with milliseconds only when there are some."""
    when = _EPOCH + timedelta(milliseconds=ms)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ms % 1000:03d}Z" if ms % 1000 else f"{text}Z"


def _value(session: Session, key: str, kv: KeyVars, i: int) -> str:
    raw = session.value(kv.slots[i])
    if kv.sort is KeySort.INT:
        if kv.scale == 1:
            return str(raw)
        # Fixed-point notation: normalize() alone writes 1767225600 as 1.7672256E+9.
        return format((Decimal(int(raw)) / kv.scale).normalize(), "f")
    if kv.sort is KeySort.DATE:
        return str(int(raw) // 1000) if key == "aws:epochtime" else iso_time(int(raw))
    if kv.sort is KeySort.IP:
        if session.value(kv.v6[i]):
            return str(ipaddress.IPv6Address(int(raw)))
        return str(ipaddress.IPv4Address(int(raw)))
    return str(raw)


def decode_request(session: Session, enc: PolicyEncoder) -> Request:
    """The request of the current model (call right after a sat check)."""
    req = enc.request
    cell = int(session.value(req.cell))
    if not 0 <= cell < len(enc.space.cells):
        raise DecodeError(f"request cell {cell} is outside the request space")
    typing = enc.space.cells[cell].typing
    code = session.value(req.ptype)
    if code not in _TYPES:
        raise DecodeError(f"principal type code {code} is outside the encoding")
    ptype = _TYPES[code]
    context: dict[str, tuple[str, ...]] = {}
    for key, kv in enc.keys.items():
        if kv.derived and key != "aws:userid":
            continue
        n = int(session.value(kv.count))
        values = [_value(session, key, kv, i) for i in range(n)]
        if values:
            context[kv.name] = tuple(values)
    _always_present(context)
    principal: str | None = None
    account = principal_arn = None
    if ptype is PrincipalType.AWS:
        principal = str(session.value(req.caller))
        principal_arn = str(session.value(req.identity))
        account = str(session.value(req.principal_account))
    elif ptype is not None:
        principal = str(session.value(req.other))
    return Request(
        principal=principal,
        principal_type=ptype,
        principal_account=account,
        principal_arn=principal_arn if principal_arn != principal else None,
        action=typing.action.full_name,
        resource=str(session.value(req.resource)),
        resource_account=str(session.value(req.resource_account)),
        context=context,
        bindings={name: str(session.value(t)) for name, t in enc.templates.terms.items()},
    )


def _always_present(context: dict[str, tuple[str, ...]]) -> None:
    """Give the keys AWS sends with every request (`ALWAYS_PRESENT`) values, where no policy
    chose them."""
    given = {k.lower(): v for k, v in context.items()}
    current = given.get("aws:currenttime")
    epoch = given.get("aws:epochtime")
    if current is None:
        ms = int(Decimal(epoch[0]) * 1000) if epoch else _DEFAULT_TIME_MS
        context["aws:CurrentTime"] = (iso_time(ms),)
    if epoch is None:
        seconds = _DEFAULT_TIME_MS // 1000
        if current is not None:
            at = parse_date(current[0])
            if at is None:
                raise DecodeError(f"aws:CurrentTime {current[0]!r} is outside the encoding")
            seconds = at // 1000
        context["aws:EpochTime"] = (str(seconds),)
    if "aws:securetransport" not in given:
        context["aws:SecureTransport"] = (_DEFAULT_SECURE,)
