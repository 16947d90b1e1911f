"""JSON with the position of every value (grammars/json.lark).

The tree is deliberately small: objects keep their pairs in order, duplicates included, and every
node carries a Span. `to_python` gives the plain value when positions are not needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from policyreason.ir.span import Span
from policyreason.resources import grammar_text


@dataclass(frozen=True, slots=True)
class JScalar:
    value: str | int | float | bool | None
    span: Span


@dataclass(frozen=True, slots=True)
class JArray:
    items: tuple[JNode, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class JObject:
    pairs: tuple[tuple[JScalar, JNode], ...]
    span: Span

    def get(self, key: str) -> JNode | None:
        """The value of the last pair named `key` (case-sensitive), as JSON parsers do."""
        found: JNode | None = None
        for k, v in self.pairs:
            if k.value == key:
                found = v
        return found

    def keys(self) -> list[str]:
        return [str(k.value) for k, _ in self.pairs]


JNode = JScalar | JArray | JObject


class JsonSyntaxError(Exception):
    """Invalid JSON, located."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def to_python(node: JNode) -> Any:
    """Drop positions: the plain JSON value (the last of duplicate keys wins)."""
    if isinstance(node, JScalar):
        return node.value
    if isinstance(node, JArray):
        return [to_python(i) for i in node.items]
    return {str(k.value): to_python(v) for k, v in node.pairs}


class _Build(Transformer[Token, JNode]):
    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def _span(self, line: int, col: int, end_line: int, end_col: int) -> Span:
        return Span(file=self.file, line=line, column=col, end_line=end_line, end_column=end_col)

    def _tok(self, tok: Token, value: str | int | float | bool | None) -> JScalar:
        assert tok.line is not None and tok.column is not None
        end_line = tok.end_line if tok.end_line is not None else tok.line
        end_col = tok.end_column if tok.end_column is not None else tok.column
        return JScalar(value, self._span(tok.line, tok.column, end_line, end_col))

    def STRING(self, tok: Token) -> JScalar:
        return self._tok(tok, json.loads(tok))

    def NUMBER(self, tok: Token) -> JScalar:
        text = str(tok)
        is_int = not any(c in text for c in ".eE")
        return self._tok(tok, int(text) if is_int else float(text))

    def TRUE(self, tok: Token) -> JScalar:
        return self._tok(tok, True)

    def FALSE(self, tok: Token) -> JScalar:
        return self._tok(tok, False)

    def NULL(self, tok: Token) -> JScalar:
        return self._tok(tok, None)

    @v_args(meta=True)
    def object(self, meta: Any, pairs: list[tuple[JScalar, JNode] | None]) -> JObject:
        kept = tuple(p for p in pairs if p is not None)
        return JObject(kept, self._span(meta.line, meta.column, meta.end_line, meta.end_column))

    @v_args(meta=True)
    def array(self, meta: Any, items: list[JNode | None]) -> JArray:
        kept = tuple(i for i in items if i is not None)
        return JArray(kept, self._span(meta.line, meta.column, meta.end_line, meta.end_column))

    def pair(self, children: list[JNode]) -> tuple[JNode, JNode]:
        return (children[0], children[1])

    def start(self, children: list[JNode]) -> JNode:
        return children[0]


@cache
def _parser() -> Lark:
    return Lark(
        grammar_text("json.lark"),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def parse_json(text: str, file: str = "<input>") -> JNode:
    """Parse JSON text; raises JsonSyntaxError with the line and column of the problem."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise JsonSyntaxError(_describe(exc), _error_span(exc, text, file)) from None
    node = _Build(file).transform(tree)
    assert isinstance(node, JScalar | JArray | JObject)
    return node


def _describe(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedEOF):
        return "invalid JSON: the document ends too early (truncated file?)"
    if isinstance(exc, UnexpectedCharacters):
        return f"invalid JSON: unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedToken):
        if exc.token.type == "$END":
            return "invalid JSON: the document ends too early (truncated file?)"
        return f"invalid JSON: unexpected {str(exc.token)!r}"
    return "invalid JSON"


def _error_span(exc: UnexpectedInput, text: str, file: str) -> Span:
    line = getattr(exc, "line", -1)
    col = getattr(exc, "column", -1)
    if not isinstance(line, int) or line < 1:
        # End of input: point just past the last character.
        line = text.count("\n") + 1
        col = len(text) - (text.rfind("\n") + 1) + 1
    return Span(file=file, line=line, column=col, end_line=line, end_column=col + 1)
