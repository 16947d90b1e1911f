"""IAM patterns as `grammars/pattern.lark` defines them, read by Lark: the reference that the
scanner in `policyreason.parse.pattern` is held equal to (parts, and errors with their offsets).
"""

from __future__ import annotations

from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from policyreason.errors import PatternError
from policyreason.ir.pattern import AnyChar, Part, Star, Text, Variable
from policyreason.ir.template import template_name
from policyreason.parse.pattern import _merge_text, _variable_problem
from policyreason.resources import grammar_text


@cache
def _parser() -> Lark:
    return Lark(grammar_text("pattern.lark"), parser="lalr", maybe_placeholders=True)


def parts(text: str) -> tuple[Part, ...]:
    """The parts of a pattern with policy variables, as the grammar reads it; PatternError
    (with the scanner's wording of the problem) where Lark's parser stops."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
        code, message = _variable_problem(text, offset)
        raise PatternError(message, offset, code) from None
    out: list[Part] = []
    for child in tree.children:
        if isinstance(child, Token):
            kinds = {"STAR": Star(), "QMARK": AnyChar()}
            out.append(kinds.get(child.type, Text(text=str(child))))
        elif isinstance(child, Tree) and child.data == "escape":
            out.append(Text(text=str(child.children[0])))
        elif isinstance(child, Tree) and child.data == "variable":
            key, _sep, default = child.children
            name = template_name(str(key))
            if name is not None:
                out.append(Variable(key=name))
            else:
                value = None if default is None else str(default)[1:-1]
                out.append(Variable(key=str(key).lower(), default=value))
    return tuple(_merge_text(out))
