"""JSON held in a string value (a Terraform `policy` attribute, a CloudFormation JSON string),
parsed with positions mapped back into the enclosing file.

A JSON string literal on one line maps exactly, escapes included (`terraform show -json` writes
the whole plan on one line, so the column is all there is); a YAML block scalar maps line by
line; anything else (a value built by `!Sub`, a URL-encoded export) maps to the string itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from policyreason.errors import JsonSyntaxError
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar, parse_json

Position = tuple[int, int]
Mapper = Callable[[Position, bool], Position]


def parse_embedded(value: str, span: Span, source: str) -> JNode:
    """Parse `value` (the text of the string at `span` in `source`) as JSON; spans of the
    result, and of a JsonSyntaxError, point into the enclosing file."""
    mapper = _mapper(value, span, source)
    try:
        inner = parse_json(value, span.file)
    except JsonSyntaxError as exc:
        raise JsonSyntaxError(
            f"in the embedded policy: {exc.message}", _map_span(exc.span, mapper)
        ) from None
    return _remap(inner, mapper)


def _remap(node: JNode, mapper: Mapper) -> JNode:
    span = _map_span(node.span, mapper)
    if isinstance(node, JScalar):
        return JScalar(node.value, span)
    if isinstance(node, JArray):
        return JArray(tuple(_remap(i, mapper) for i in node.items), span)
    pairs = tuple((_remap_key(k, mapper), _remap(v, mapper)) for k, v in node.pairs)
    return JObject(pairs, span)


def _remap_key(key: JScalar, mapper: Mapper) -> JScalar:
    return JScalar(key.value, _map_span(key.span, mapper))


def _map_span(span: Span, mapper: Mapper) -> Span:
    line, column = mapper((span.line, span.column), False)
    end_line, end_column = mapper((span.end_line, span.end_column), True)
    return span._replace(line=line, column=column, end_line=end_line, end_column=end_column)


def _mapper(value: str, span: Span, source: str) -> Mapper:
    lines = source.split("\n")
    if not 1 <= span.line <= len(lines):
        return _whole(span)
    first = lines[span.line - 1]
    if span.line == span.end_line:
        raw = first[span.column - 1 : span.end_column - 1]
        if raw.startswith('"'):
            try:
                same = json.loads(raw) == value
            except ValueError:
                same = False
            if same:
                return _json_literal(value, raw, span)
    head = first[span.column - 1 :].strip()
    if head.startswith("|") and span.line < len(lines):
        body = lines[span.line]
        indent = len(body) - len(body.lstrip(" "))
        return lambda pos, _end: (span.line + pos[0], indent + pos[1])
    return _whole(span)


def _whole(span: Span) -> Mapper:
    return lambda _pos, end: (span.end_line, span.end_column) if end else (span.line, span.column)


def _json_literal(value: str, raw: str, span: Span) -> Mapper:
    # offsets[i]: where the i-th decoded character starts inside the raw literal.
    offsets: list[int] = []
    i = 1  # past the opening quote
    while i < len(raw) - 1:
        offsets.append(i)
        if raw[i] != "\\":
            i += 1
        elif raw[i + 1] == "u":
            code = int(raw[i + 2 : i + 6], 16)
            i += 12 if 0xD800 <= code < 0xDC00 else 6
        else:
            i += 2
    offsets.append(len(raw) - 1)
    starts = [0]
    for index, char in enumerate(value):
        if char == "\n":
            starts.append(index + 1)

    def mapping(pos: Position, _end: bool) -> Position:
        line, column = pos
        index = starts[min(max(line, 1), len(starts)) - 1] + column - 1
        index = min(max(index, 0), len(offsets) - 1)
        return span.line, span.column + offsets[index]

    return mapping
