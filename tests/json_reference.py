"""The JSON language as `grammars/json.lark` defines it, read by Lark: the reference that the
scanner in `policyreason.parse.json_spans` is held equal to (values, positions and errors).

`read` gives a plain picture of a tree: ("object", span, [(key, value), ...]), ("array", span,
[...]) or ("scalar", span, type name, value), with spans as (line, column, end line, end
column), so two readers' results compare with `==` and print readably when they differ.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar
from policyreason.resources import grammar_text

Where = tuple[int, int, int, int]


class LarkError(Exception):
    """Lark's verdict on invalid input: the message this project prints, and where."""

    def __init__(self, message: str, where: tuple[int, int]) -> None:
        super().__init__(message, where)
        self.message = message
        self.where = where


def _where(line: int, column: int, end_line: int, end_column: int) -> Where:
    return (line, column, end_line, end_column)


class _Picture(Transformer[Token, Any]):
    def _tok(self, tok: Token, value: Any) -> Any:
        assert tok.line is not None and tok.column is not None
        assert tok.end_line is not None and tok.end_column is not None
        span = _where(tok.line, tok.column, tok.end_line, tok.end_column)
        return ("scalar", span, type(value).__name__, value)

    def STRING(self, tok: Token) -> Any:
        return self._tok(tok, json.loads(tok))

    def NUMBER(self, tok: Token) -> Any:
        text = str(tok)
        return self._tok(tok, int(text) if not any(c in text for c in ".eE") else float(text))

    def TRUE(self, tok: Token) -> Any:
        return self._tok(tok, True)

    def FALSE(self, tok: Token) -> Any:
        return self._tok(tok, False)

    def NULL(self, tok: Token) -> Any:
        return self._tok(tok, None)

    @v_args(meta=True)
    def object(self, meta: Any, pairs: list[Any]) -> Any:
        span = _where(meta.line, meta.column, meta.end_line, meta.end_column)
        return ("object", span, [p for p in pairs if p is not None])

    @v_args(meta=True)
    def array(self, meta: Any, items: list[Any]) -> Any:
        span = _where(meta.line, meta.column, meta.end_line, meta.end_column)
        return ("array", span, [i for i in items if i is not None])

    def pair(self, children: list[Any]) -> Any:
        return (children[0], children[1])

    def start(self, children: list[Any]) -> Any:
        return children[0]


@cache
def _parser() -> Lark:
    return Lark(
        grammar_text("json.lark"), parser="lalr", propagate_positions=True, maybe_placeholders=True
    )


def read(text: str) -> Any:
    """Lark's picture of `text`; raises LarkError as the project reports invalid JSON."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise LarkError(_describe(exc), (exc.line, exc.column)) from None
    return _Picture().transform(tree)


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


def picture(node: JNode) -> Any:
    """The same picture of a tree read by `policyreason.parse.json_spans`."""
    s = node.span
    span = _where(s.line, s.column, s.end_line, s.end_column)
    if isinstance(node, JScalar):
        return ("scalar", span, type(node.value).__name__, node.value)
    if isinstance(node, JArray):
        return ("array", span, [picture(i) for i in node.items])
    assert isinstance(node, JObject)
    return ("object", span, [(picture(k), picture(v)) for k, v in node.pairs])
