"""IAM patterns, as `grammars/pattern.lark` defines them, into `ir.pattern.Pattern`.

The reader is a scanner, not Lark: building Lark's parser for the grammar costs about 40 ms of
CPU, more than a one-file check's whole question, in every process that meets a `${`.
`tests/test_parse_pattern.py` holds it equal to the grammar read by Lark (the same parts, and
the same errors at the same offsets) on generated patterns and on every corpus pattern.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NoReturn

from policyreason.errors import PatternError
from policyreason.ir.pattern import AnyChar, Part, Pattern, Star, Text, Variable, ascii_lower
from policyreason.ir.template import canonical, pieces, template_name
from policyreason.parse.built import built

# The grammar's terminals inside `${...}`, each tried where the grammar expects it.
_KEY = re.compile(r"[A-Za-z0-9_.:/\-@+=]+")
_DEFAULT_SEP = re.compile(r"\s*,\s*")
_DEFAULT = re.compile(r"'[^']*'")
_ESCAPED = re.compile(r"[*?$]")
_CLOSE = re.compile(r"\}")


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
        # Every action and nearly every resource: the text is its literal runs and wildcards,
        # and folding case first folds the runs alone (it leaves `*` and `?` as they are).
        folded = ascii_lower(text) if lower else text
        if not wildcards:
            return _pattern(text, (Text(text=folded),) if folded else ())
        return _pattern(text, tuple(_wildcards_only(folded)))
    parts = _with_variables(text) if variables else _with_template_refs(text)
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
    return _pattern(text, tuple(_merge_text(parts)))


def _pattern(text: str, parts: tuple[Part, ...]) -> Pattern:
    """Pattern(text=text, parts=parts), of parts the scanner made."""
    return built(Pattern, {"text": text, "parts": parts, "span": None}, _UNPLACED)


_UNPLACED = frozenset({"span"})


# Wildcards are alike wherever they are: one instance of each serves every pattern.
_STAR = Star()
_ANY_CHAR = AnyChar()
_WILDCARD = re.compile(r"([*?])")


def _wildcards_only(text: str) -> list[Part]:
    """The literal runs and wildcards of text without variables, in order; a literal run is
    never empty, so no two are adjacent."""
    parts: list[Part] = []
    # The split alternates literal runs (perhaps empty) with the wildcard between them.
    for index, piece in enumerate(_WILDCARD.split(text)):
        if index % 2:
            parts.append(_STAR if piece == "*" else _ANY_CHAR)
        elif piece:
            parts.append(built(Text, {"kind": "text", "text": piece}, _KIND))
    return parts


_KIND = frozenset({"kind"})


def _with_variables(text: str) -> list[Part]:
    parts: list[Part] = []
    i = 0
    while True:
        at = text.find("${", i)
        parts += _wildcards_only(text[i : len(text) if at < 0 else at])
        if at < 0:
            return parts
        part, i = _braced(text, at)
        parts.append(part)


def _braced(text: str, at: int) -> tuple[Part, int]:
    """The escape or variable whose `${` is at `at`, and the offset after its `}`. Raises
    PatternError where the grammar's parser stops: at the first character no rule expects, or,
    when the text ends too soon, at the start of the last token read (as Lark reports it)."""
    last, i = at, at + 2

    def expect(terminal: re.Pattern[str]) -> str:
        nonlocal last, i
        found = terminal.match(text, i)
        if found is None:
            _fail(text, i if i < len(text) else last)
        last, i = i, found.end()
        return found.group()

    if text[i : i + 1] in ("*", "?", "$"):
        escaped = expect(_ESCAPED)
        expect(_CLOSE)
        return Text(text=escaped), i
    key = expect(_KEY)
    default = None
    if not _CLOSE.match(text, i):
        expect(_DEFAULT_SEP)
        default = expect(_DEFAULT)[1:-1]
    expect(_CLOSE)
    name = template_name(key)
    if name is not None:
        # A template value has no default: the deployment always gives it.
        return Variable(key=name), i
    return Variable(key=key.lower(), default=default), i


def _fail(text: str, offset: int) -> NoReturn:
    code, message = _variable_problem(text, offset)
    raise PatternError(message, offset, code)


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
