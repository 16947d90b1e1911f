"""File bytes to text: UTF-8 (with or without a byte order mark), and UTF-16 or UTF-32 as
Windows tools write them (PowerShell's `>` writes UTF-16 with a byte order mark)."""

from __future__ import annotations

import codecs

from policyreason.errors import InputError
from policyreason.ir.span import Span

# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, shown: str) -> str:
    """The text of a JSON or YAML file; raises a located InputError for anything else."""
    encoding = next((name for mark, name in _MARKS if data.startswith(mark)), None)
    if encoding is None:
        encoding = _unmarked_utf16(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise InputError(
                "encoding", f"not {encoding.upper()} text, although it starts like it", _at(shown)
            ) from None
        if "\x00" in text:
            raise InputError("binary", "binary file, not JSON or YAML text", _at(shown))
        return text
    if b"\x00" in data[:8192]:
        raise InputError("binary", "binary file, not JSON or YAML text", _at(shown))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        span = Span(file=shown, line=line, column=column, end_line=line, end_column=column + 1)
        raise InputError("encoding", "not UTF-8 text (a binary file?)", span) from None


def _unmarked_utf16(data: bytes) -> str | None:
    # JSON and YAML start with an ASCII character, so UTF-16 without a mark shows a zero
    # byte beside it (RFC 4627's detection); the first few characters must all agree.
    head = data[:8]
    if len(head) < 4 or len(head) % 2:
        return None
    if all(head[i] and not head[i + 1] for i in range(0, len(head), 2)):
        return "utf-16-le"
    if all(not head[i] and head[i + 1] for i in range(0, len(head), 2)):
        return "utf-16-be"
    return None


def _at(file: str) -> Span:
    return Span(file=file, line=1, column=1, end_line=1, end_column=1)
