"""IAM patterns (grammars/pattern.lark) into `ir.pattern.Pattern`."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from policyreason.errors import PatternError
from policyreason.ir.pattern import AnyChar, Part, Pattern, Star, Text, Variable, ascii_lower
from policyreason.ir.template import canonical, pieces, template_name
from policyreason.resources import grammar_text

if TYPE_CHECKING:
    from lark import Lark


@cache
def _parser() -> Lark:
    # Lark is loaded with the first pattern that has a `${`: most policies have none.
    from lark import Lark

    return Lark(grammar_text("pattern.lark"), parser="lalr", maybe_placeholders=True)


@cache
def parse_pattern(
    text: str, variables: bool = True, lower: bool = False, wildcards: bool = True
) -> Pattern:
    """Parse an IAM pattern. Without `variables` (Version 2008-10-17, actions) `$` is literal
    but for references to template values (`ir/template.py`), which a template fills in before
    AWS reads the policy.

    `lower` lower-cases the literal text (action names compare case-insensitively); without
    `wildcards` (every condition operator but the Like ones) `*` and `?` are ordinary text.
    """
    if "$" not in text:
        parts = _wildcards_only(text)
    elif variables:
        parts = _with_variables(text)
    else:
        parts = _with_template_refs(text)
    if not wildcards:
        parts = [
            Text(text="*")
            if isinstance(p, Star)
            else Text(text="?")
            if isinstance(p, AnyChar)
            else p
            for p in parts
        ]
    if lower:
        parts = [Text(text=ascii_lower(p.text)) if isinstance(p, Text) else p for p in parts]
    return Pattern(text=text, parts=tuple(_merge_text(parts)))


def _wildcards_only(text: str) -> list[Part]:
    parts: list[Part] = []
    buf: list[str] = []
    for ch in text:
        if ch in "*?":
            if buf:
                parts.append(Text(text="".join(buf)))
                buf = []
            parts.append(Star() if ch == "*" else AnyChar())
        else:
            buf.append(ch)
    if buf:
        parts.append(Text(text="".join(buf)))
    return parts


def _with_variables(text: str) -> list[Part]:
    from lark import Token, Tree
    from lark.exceptions import UnexpectedInput

    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
        code, message = _variable_problem(text, offset)
        raise PatternError(message, offset, code) from None
    parts: list[Part] = []
    for child in tree.children:
        if isinstance(child, Token):
            if child.type == "STAR":
                parts.append(Star())
            elif child.type == "QMARK":
                parts.append(AnyChar())
            else:
                parts.append(Text(text=str(child)))
        elif isinstance(child, Tree) and child.data == "escape":
            parts.append(Text(text=str(child.children[0])))
        elif isinstance(child, Tree) and child.data == "variable":
            key, _sep, default = child.children
            name = template_name(str(key))
            if name is not None:
                # A template value has no default: the deployment always gives it.
                parts.append(Variable(key=name))
                continue
            parts.append(
                Variable(
                    key=str(key).lower(),
                    default=None if default is None else str(default)[1:-1],
                )
            )
    return parts


def _with_template_refs(text: str) -> list[Part]:
    parts: list[Part] = []
    for piece, is_ref in pieces(canonical(text)):
        parts += [Variable(key=piece)] if is_ref else _wildcards_only(piece)
    return parts


_PROBLEMS = {
    "variable-missing-brace": "the policy variable has no closing brace: add } after it",
    "variable-empty": "empty policy variable ${}: name a key, e.g. ${aws:username}",
    "variable-missing-quote": "a policy variable's default value must be in single quotes, "
    "e.g. ${aws:username, 'nobody'}",
    "variable-space": "a policy variable's key cannot contain a space",
    "variable-symbol": "a policy variable's key has a character keys never contain",
}


def _variable_problem(text: str, offset: int) -> tuple[str, str]:
    """What is wrong with the `${...}` around `offset`: (code, message)."""
    start = text.rfind("${", 0, offset + 1)
    rest = text[start + 2 :] if start >= 0 else text
    close = rest.find("}")
    if close < 0:
        code = "variable-missing-brace"
    else:
        key, comma, default = rest[:close].partition(",")
        if not rest[:close].strip():
            code = "variable-empty"
        elif comma and not re.fullmatch(r"\s*'[^']*'\s*", default):
            code = "variable-missing-quote"
        elif re.search(r"\s", key.strip()):
            code = "variable-space"
        else:
            code = "variable-symbol"
    return code, _PROBLEMS[code]


def _merge_text(parts: list[Part]) -> list[Part]:
    """Adjacent text parts become one, so equal patterns have equal parts."""
    out: list[Part] = []
    for p in parts:
        if isinstance(p, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(text=out[-1].text + p.text)
        else:
            out.append(p)
    return out
