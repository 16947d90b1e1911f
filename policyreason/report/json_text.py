"""JSON text indented by two spaces, as `json.dumps(value, indent=2)` writes it, byte for byte.

With an indent, `json` encodes in pure Python, passing each piece up through a generator per
level of nesting; for a report over a large batch (4.8 MB for the managed policies) that took
0.09 s, after every file was checked. Writing the pieces into one list takes half of that.
`tests/test_json_text.py` holds the two equal on generated values.
"""

from __future__ import annotations

from json.encoder import INFINITY, encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any


def indented(value: Any, ensure_ascii: bool = True) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=ensure_ascii)`."""
    string = encode_basestring_ascii if ensure_ascii else encode_basestring
    out: list[str] = []
    put = out.append

    def write(item: Any, newline: str) -> None:
        # `newline` is a line break with the indent of the current level.
        if isinstance(item, str):
            put(string(item))
        elif item is None:
            put("null")
        elif item is True:
            put("true")
        elif item is False:
            put("false")
        elif isinstance(item, int):
            put(int.__repr__(item))
        elif isinstance(item, float):
            put(_float(item))
        elif isinstance(item, dict):
            if not item:
                put("{}")
                return
            inner = newline + "  "
            before = "{" + inner
            for key, member in item.items():
                put(before)
                put(string(_key(key)))
                put(": ")
                write(member, inner)
                before = "," + inner
            put(newline + "}")
        elif isinstance(item, list | tuple):
            if not item:
                put("[]")
                return
            inner = newline + "  "
            before = "[" + inner
            for member in item:
                put(before)
                write(member, inner)
                before = "," + inner
            put(newline + "]")
        else:
            raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    write(value, "\n")
    return "".join(out)


def _float(number: float) -> str:
    if number != number:
        return "NaN"
    if number == INFINITY:
        return "Infinity"
    if number == -INFINITY:
        return "-Infinity"
    return float.__repr__(number)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _float(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
