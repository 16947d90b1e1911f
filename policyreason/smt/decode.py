"""Models back into concrete requests."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from decimal import Decimal

from policyreason.errors import DecodeError
from policyreason.ir.policy import PrincipalType
from policyreason.ir.request import Request
from policyreason.smt.encode_policy import PRINCIPAL_CODES, KeySort, KeyVars, PolicyEncoder
from policyreason.smt.session import Session

_TYPES = {code: ptype for ptype, code in PRINCIPAL_CODES.items()}


def _value(session: Session, kv: KeyVars, i: int) -> str:
    raw = session.value(kv.slots[i])
    if kv.sort is KeySort.INT:
        if kv.scale == 1:
            return str(raw)
        return str((Decimal(int(raw)) / kv.scale).normalize())
    if kv.sort is KeySort.DATE:
        return datetime.fromtimestamp(int(raw), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kv.sort is KeySort.IP:
        if session.value(kv.v6[i]):
            return str(ipaddress.IPv6Address(int(raw)))
        return str(ipaddress.IPv4Address(int(raw)))
    return str(raw)


def decode_request(session: Session, enc: PolicyEncoder) -> Request:
    """The request of the current model (call right after a sat check)."""
    code = session.value(enc.ptype)
    if code not in _TYPES:
        raise DecodeError(f"principal type code {code} is outside the encoding")
    ptype: PrincipalType | None = _TYPES[code]
    context: dict[str, tuple[str, ...]] = {}
    for kv in enc.keys.values():
        if kv.derived:
            continue
        n = int(session.value(kv.count))
        values = [_value(session, kv, i) for i in range(n)]
        if values:
            # A set: repeated slots carry no meaning.
            context[kv.name] = tuple(dict.fromkeys(values))
    principal = str(session.value(enc.principal))
    account = str(session.value(enc.principal_account))
    return Request(
        principal=principal if ptype is not None else None,
        principal_type=ptype,
        principal_account=account or None,
        action=str(session.value(enc.action)),
        resource=str(session.value(enc.resource)),
        resource_account=str(session.value(enc.resource_account)),
        context=context,
    )
