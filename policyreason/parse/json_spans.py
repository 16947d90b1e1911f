"""JSON with the position of every value, as `grammars/json.lark` defines the language.

The tree is deliberately small: objects keep their pairs in order, duplicates included, and every
node carries a Span. `to_python` gives the plain value when positions are not needed.

The reader is a scanner, not Lark: Lark's LALR parser with positions reads about 1 MB a second,
too slow for the exports this tool reads (a 15 MB describe-* file took a minute). One C-level
regular expression finds each token with the white space and comma before it (a key with its
colon and the value after it), and a small state machine in one loop builds the tree.
`tests/test_parse_json.py` holds it equal to the grammar: the same values, positions and errors
(message and place) as Lark's parser on generated documents and on every corpus file. Spans are
made when first asked for, from the offsets the scanner keeps, because most nodes of a large
export are never reported on.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate, count
from json import decoder
from operator import add
from typing import Any

from policyreason.collector import paused
from policyreason.errors import JsonSyntaxError
from policyreason.ir.span import Span

# Deeper input is refused with a located error: readers and checks walk the tree recursively,
# and no policy, template or export nests anywhere near this deep.
MAX_DEPTH = 128

_new = object.__new__
_tuple = tuple.__new__  # Span(...) without its keyword handling


class Locator:
    """Turns the positions a reader kept for a node into its Span, when first asked for."""

    __slots__ = ()

    def span(self, start: Any, end: Any) -> Span:
        raise NotImplementedError


class _Source(Locator):
    """The text a tree was read from: turns offsets into spans."""

    __slots__ = ("_line_starts", "file", "text")

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self._line_starts: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; lines end at "\\n" only, as in Lark."""
        starts = self._starts()
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        starts = self._line_starts or self._starts()
        line = bisect_right(starts, start)
        first = starts[line - 1]
        # Most spans (every scalar's: a JSON string holds no raw newline) end on the line they
        # start on, before the next line's start: one search finds both ends.
        if line == len(starts) or end < starts[line]:
            return _tuple(Span, (self.file, line, start - first + 1, line, end - first + 1))
        end_line = bisect_right(starts, end, line)
        return _tuple(
            Span, (self.file, line, start - first + 1, end_line, end - starts[end_line - 1] + 1)
        )

    def _starts(self) -> list[int]:
        starts = self._line_starts
        if starts is None:
            # Line n + 1 starts after the first n lines and their n newlines.
            lengths = accumulate(map(len, self.text.split("\n")))
            starts = self._line_starts = [0, *map(add, lengths, count(1))]
        return starts


class _Node:
    # A node a reader made holds a Locator and its start and end positions in `_span` /
    # `_start` / `_end` until its span is first asked for; a node built in code holds its Span.
    __slots__ = ("_end", "_span", "_start")

    _span: Span | Locator
    _start: Any
    _end: Any

    @property
    def span(self) -> Span:
        """Where the node is in its file (the end is exclusive)."""
        found = self._span
        if isinstance(found, Locator):
            found = self._span = found.span(self._start, self._end)
        return found


class JScalar(_Node):
    """A string, number, true, false or null; also every object key."""

    __slots__ = ("value",)

    def __init__(self, value: str | int | float | bool | None, span: Span) -> None:
        self.value = value
        self._span = span

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JScalar):
            return NotImplemented
        return type(self.value) is type(other.value) and (self.value, self.span) == (
            other.value,
            other.span,
        )

    def __hash__(self) -> int:
        return hash((self.value, self.span))

    def __repr__(self) -> str:
        return f"JScalar({self.value!r}, {self.span})"


class JArray(_Node):
    """A JSON array."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[JNode, ...], span: Span) -> None:
        self.items = items
        self._span = span

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JArray):
            return NotImplemented
        return (self.items, self.span) == (other.items, other.span)

    def __hash__(self) -> int:
        return hash((self.items, self.span))

    def __repr__(self) -> str:
        return f"JArray({self.items!r}, {self.span})"


class JObject(_Node):
    """A JSON object: its pairs in order, duplicate keys kept."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: tuple[tuple[JScalar, JNode], ...], span: Span) -> None:
        self.pairs = pairs
        self._span = span

    def get(self, key: str) -> JNode | None:
        """The value of the last pair named `key` (case-sensitive), as JSON parsers do."""
        for k, v in reversed(self.pairs):
            if k.value == key:
                return v
        return None

    def keys(self) -> list[str]:
        return [str(k.value) for k, _ in self.pairs]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JObject):
            return NotImplemented
        return (self.pairs, self.span) == (other.pairs, other.span)

    def __hash__(self) -> int:
        return hash((self.pairs, self.span))

    def __repr__(self) -> str:
        return f"JObject({self.pairs!r}, {self.span})"


JNode = JScalar | JArray | JObject


def located_scalar(
    value: str | int | float | bool | None, locator: Locator, start: Any, end: Any
) -> JScalar:
    """A scalar whose span `locator` makes from `start` and `end` when it is first asked for."""
    node = _new(JScalar)
    node.value = value
    node._span, node._start, node._end = locator, start, end
    return node


def located_array(items: tuple[JNode, ...], locator: Locator, start: Any, end: Any) -> JArray:
    """An array whose span `locator` makes when it is first asked for."""
    node = _new(JArray)
    node.items = items
    node._span, node._start, node._end = locator, start, end
    return node


def located_object(
    pairs: tuple[tuple[JScalar, JNode], ...], locator: Locator, start: Any, end: Any
) -> JObject:
    """An object whose span `locator` makes when it is first asked for."""
    node = _new(JObject)
    node.pairs = pairs
    node._span, node._start, node._end = locator, start, end
    return node


def made_spans(root: JNode) -> dict[int, JNode]:
    """The nodes (and object keys) under `root` whose span has been made, by the id of that
    Span: what reports a node is usually the very Span its node made, which this finds without
    making the span of every node a search by position passes. Empty unless `parse_json` read
    every node (trees are joined only under nodes built in code, so such a tree is one text's):
    only then is each node's span its own (nodes built in code may repeat a span, and which
    one is meant is then the search's to say). The ids hold while `root` is alive."""
    out: dict[int, JNode] = {}
    stack: list[JNode] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, JObject):
            stack += [value for _, value in node.pairs]
            stack += [key for key, _ in node.pairs]
        elif isinstance(node, JArray):
            stack += node.items
        if type(getattr(node, "_start", None)) is not int:
            return {}
        if not isinstance(node._span, Locator):
            out[id(node._span)] = node
    return out


def to_python(node: JNode) -> Any:
    """Drop positions: the plain JSON value (the last of duplicate keys wins)."""
    if isinstance(node, JScalar):
        return node.value
    if isinstance(node, JArray):
        return [to_python(i) for i in node.items]
    return {str(k.value): to_python(v) for k, v in node.pairs}


# The terminals of grammars/json.lark. STRING is the grammar's expression unrolled (the same
# language; Python's regex engine runs this form about three times as fast).
_WS = r"[ \t\r\n]*+"
_STRING = r'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+"'
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
# One match per token: white space, perhaps a comma and more white space, then the token; a key
# also takes its colon and the value after it. Each case (comma or not, key or not) has groups
# of its own, so the number of the group that matched last (`lastindex`) tells them apart.
_STR, _NUM, _LIT, _OPEN_A, _OPEN_O, _CLOSE_A, _CLOSE_O, _SEP2, _OTHER = range(9)
_KIND_RE = {
    _STR: _STRING,
    _NUM: _NUMBER,
    _LIT: "true|false|null",
    _OPEN_A: r"\[",
    _OPEN_O: r"\{",
    _CLOSE_A: r"\]",
    _CLOSE_O: r"\}",
    _SEP2: "[,:]",
    _OTHER: r".|\Z",  # a character no terminal starts with, or the end of the text
}
# Alternatives whose first character rules them out quickly come first; `_OTHER` must be last.
_VALUE_ORDER = [_STR, _OPEN_O, _OPEN_A, _CLOSE_O, _CLOSE_A, _LIT, _NUM, _SEP2, _OTHER]
_NON_STRING_ORDER = _VALUE_ORDER[1:]
_VALUE = "|".join(f"({_KIND_RE[k]})" for k in _VALUE_ORDER)
_NON_STRING = "|".join(f"({_KIND_RE[k]})" for k in _NON_STRING_ORDER)
_BODY = rf"({_STRING})(?:{_WS}:{_WS}(?:{_VALUE}))?|{_NON_STRING}"
_TOKEN = re.compile(rf"{_WS}(?:,{_WS}(?:{_BODY})|(?:{_BODY}))", re.DOTALL)
# For each group: the token kind, whether a comma came first, and (for a value after a key)
# the key's group.
_KIND = [-1]
_COMMA = [False]
_KEY = [0]
for _comma in (True, False):
    _key_group = len(_KIND)
    _KIND += [_STR, *_VALUE_ORDER, *_NON_STRING_ORDER]
    _COMMA += [_comma] * (1 + len(_VALUE_ORDER) + len(_NON_STRING_ORDER))
    _KEY += [0] + [_key_group] * len(_VALUE_ORDER) + [0] * len(_NON_STRING_ORDER)
_LITERALS: dict[str, bool | None] = {"true": True, "false": False, "null": None}

# What the parser expects next. "Value" states take any value; `_A_FIRST` also a "]", `_O_FIRST`
# a key or "}"; the `_NEXT` states take a comma then a value (or key), or the closing bracket.
_ROOT, _DONE, _A_FIRST, _A_VALUE, _A_NEXT, _O_FIRST, _O_KEY, _O_COLON, _O_VALUE, _O_NEXT = range(10)
_STATES = range(10)
_TAKES_VALUE = [s in (_ROOT, _A_FIRST, _A_VALUE, _O_VALUE) for s in _STATES]
_TAKES_KEY = [s in (_O_FIRST, _O_KEY) for s in _STATES]
_CLOSES_ARRAY = [s in (_A_FIRST, _A_NEXT) for s in _STATES]
_CLOSES_OBJECT = [s in (_O_FIRST, _O_NEXT) for s in _STATES]
# The state after a value read in each value state, and after a comma (-1: no comma there).
_AFTER_VALUE = [_DONE if s == _ROOT else _A_NEXT if s in (_A_FIRST, _A_VALUE) else _O_NEXT
                for s in _STATES]  # fmt: skip
_AFTER_COMMA = [_A_VALUE if s == _A_NEXT else _O_KEY if s == _O_NEXT else -1 for s in _STATES]

# The C decoder of a JSON string from its opening quote (json's own; typeshed omits it).
_scanstring: Callable[[str, int], tuple[str, int]] = decoder.scanstring  # type: ignore[attr-defined]


def parse_json(text: str, file: str = "<input>") -> JNode:
    """Parse JSON text; raises JsonSyntaxError with the line and column of the problem."""
    with paused():
        return _parse(text, _Source(text, file))


def _parse(text: str, source: _Source) -> JNode:
    # Each open container: its start offset, the state it was opened in, and its parent's
    # children so far (an object's children are key, value, key, value, ...).
    stack: list[tuple[int, int, list[Any]]] = []
    children: list[Any] = []
    state = _ROOT
    start = -1
    for match in _TOKEN.finditer(text):
        group: int = match.lastindex  # type: ignore[assignment]
        kind = _KIND[group]
        key_group = _KEY[group]
        if _COMMA[group]:
            state = _AFTER_COMMA[state]
            if state < 0:
                raise _unexpected(source, _before(text, match.start(key_group or group)), ",")
        previous = start
        start = match.start(group)
        node: Any
        if key_group:
            raw = match.group(key_group)
            if not _TAKES_KEY[state]:
                if _TAKES_VALUE[state]:  # a string value, then a colon out of place
                    raise _unexpected(source, _before(text, start), ":")
                raise _unexpected(source, match.start(key_group), raw)
            node = _new(JScalar)
            node.value = _scanstring(raw, 1)[0] if "\\" in raw else raw[1:-1]
            node._span = source
            node._start = key_at = match.start(key_group)
            node._end = key_at + len(raw)
            children.append(node)
            state = _O_VALUE
        if kind == _STR:
            raw = match.group(group)
            node = _new(JScalar)
            node.value = _scanstring(raw, 1)[0] if "\\" in raw else raw[1:-1]
            node._span = source
            node._start = start
            node._end = start + len(raw)
            if _TAKES_KEY[state]:  # a key with no colon after it
                children.append(node)
                state = _O_COLON
                continue
            if not _TAKES_VALUE[state]:
                raise _unexpected(source, start, raw)
        elif kind in (_OPEN_O, _OPEN_A):
            if not _TAKES_VALUE[state]:
                raise _unexpected(source, start, text[start])
            stack.append((start, state, children))
            if len(stack) > MAX_DEPTH:
                raise JsonSyntaxError(
                    f"invalid JSON: nested deeper than {MAX_DEPTH} levels",
                    _error_span(source, start),
                )
            children = []
            state = _O_FIRST if kind == _OPEN_O else _A_FIRST
            continue
        elif kind == _CLOSE_O:
            if not _CLOSES_OBJECT[state]:
                raise _unexpected(source, start, "}")
            node = _new(JObject)
            pairs = iter(children)
            node.pairs = tuple(zip(pairs, pairs, strict=True))
            node._span = source
            node._end = start + 1
            node._start, state, children = stack.pop()
        elif kind == _CLOSE_A:
            if not _CLOSES_ARRAY[state]:
                raise _unexpected(source, start, "]")
            node = _new(JArray)
            node.items = tuple(children)
            node._span = source
            node._end = start + 1
            node._start, state, children = stack.pop()
        elif kind in (_LIT, _NUM):
            raw = match.group(group)
            if not _TAKES_VALUE[state]:
                raise _unexpected(source, start, raw)
            node = _new(JScalar)
            node.value = _LITERALS[raw] if kind == _LIT else _number(source, start, raw)
            node._span = source
            node._start = start
            node._end = start + len(raw)
        elif kind == _SEP2:
            raise _unexpected(source, start, text[start])
        elif start < len(text):
            raise JsonSyntaxError(
                f"invalid JSON: unexpected character {text[start]!r}", _error_span(source, start)
            )
        elif state == _DONE:
            break
        else:
            # Lark reports a missing end at the last token it read (1:1 when there was none):
            # the comma or colon of this match, or the previous match's token.
            last = _before(text, start) if _COMMA[group] or key_group else previous
            raise JsonSyntaxError(
                "invalid JSON: the document ends too early (truncated file?)",
                _error_span(source, max(last, 0)),
            )
        children.append(node)
        state = _AFTER_VALUE[state]
    root: JNode = children[0]
    return root


def _before(text: str, token_at: int) -> int:
    """The offset of the comma or colon before the token at `token_at` (white space between)."""
    return len(text[:token_at].rstrip(" \t\r\n")) - 1


def _number(source: _Source, start: int, raw: str) -> int | float:
    if "." in raw or "e" in raw or "E" in raw:
        return float(raw)
    try:
        return int(raw)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise JsonSyntaxError(
            "invalid JSON: number too long to read", _error_span(source, start)
        ) from None


def _unexpected(source: _Source, offset: int, token: str) -> JsonSyntaxError:
    return JsonSyntaxError(f"invalid JSON: unexpected {token!r}", _error_span(source, offset))


def _error_span(source: _Source, offset: int) -> Span:
    line, column = source.position(offset)
    return Span(file=source.file, line=line, column=column, end_line=line, end_column=column + 1)
