"""Typed values of conditions and requests, shared by the readers, the evaluator and the
encoder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def parse_date(text: str) -> int | None:
    """ISO 8601 date or date-time (UTC unless an offset is given), or epoch seconds, as epoch
    *milliseconds*: fractional seconds count (`...00.500Z` is after `...00Z`)."""
    if text.isdigit():
        return int(text) * 1000
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // _MS
