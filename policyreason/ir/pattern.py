"""IAM string patterns: literals, `*`, `?` and policy variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from policyreason.ir.span import Span

# Patterns and their parts key the matchers' caches, millions of lookups over a corpus; pydantic's
# own hash of a frozen model walks its fields in Python, so each hashes its text instead (equal
# models have equal texts, so this agrees with equality).


class Text(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: Literal["text"] = "text"
    text: str

    def __hash__(self) -> int:
        return hash(self.text)


class Star(BaseModel):
    """`*`: any sequence of characters, also the empty one."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["star"] = "star"

    def __hash__(self) -> int:
        return hash("*")


class AnyChar(BaseModel):
    """`?`: exactly one character."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["anychar"] = "anychar"

    def __hash__(self) -> int:
        return hash("?")


class Variable(BaseModel):
    """`${key}` or `${key, 'default'}`; `key` is lower-cased (condition keys ignore case)."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["variable"] = "variable"
    key: str
    default: str | None = None

    def __hash__(self) -> int:
        return hash(self.key)


Part = Annotated[Text | Star | AnyChar | Variable, Field(discriminator="kind")]


class Pattern(BaseModel):
    """A parsed pattern. `text` is the source text exactly as written."""

    model_config = ConfigDict(frozen=True)

    text: str
    parts: tuple[Part, ...]
    span: Span | None = None

    def __hash__(self) -> int:
        return hash(self.text)

    @property
    def is_literal(self) -> bool:
        return all(isinstance(p, Text) for p in self.parts)

    @property
    def has_wildcard(self) -> bool:
        return any(isinstance(p, Star | AnyChar) for p in self.parts)

    @property
    def has_variable(self) -> bool:
        return any(isinstance(p, Variable) for p in self.parts)

    @property
    def is_match_all(self) -> bool:
        """True for `*` (and `**`, ...): matches every string."""
        return bool(self.parts) and all(isinstance(p, Star) for p in self.parts)

    def literal_text(self) -> str:
        """The text the pattern stands for when it has no wildcard or variable."""
        return "".join(p.text for p in self.parts if isinstance(p, Text))


MATCH_ALL = Pattern(text="*", parts=(Star(),))


def literal(text: str) -> Pattern:
    """The pattern that matches exactly `text` (no wildcards, no variables)."""
    return Pattern(text=text, parts=(Text(text=text),) if text else ())


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only: IAM's case-insensitive comparisons, and SMT-LIB's str.to_lower."""
    # `str.lower` changes only A-Z in ASCII text (nearly every name and value), four times as
    # fast as the table.
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def pieces_match(pieces: tuple[str, ...] | list[str], value: str) -> bool:
    """Whether `value` is the literal `pieces` in order with any characters between them: the
    pieces of a wildcard split at its `*`s (one piece: no `*`, the value itself). String
    methods, not a regex: compiling one costs about 0.2 ms, and a corpus has tens of thousands
    of distinct patterns, most matched a few times."""
    if len(pieces) == 1:
        return value == pieces[0]
    first, last = pieces[0], pieces[-1]
    end = len(value) - len(last)
    if end < len(first) or not value.startswith(first) or not value.endswith(last):
        return False
    # Each piece between stars at its first place after the one before: a later place leaves
    # less room for the pieces after it, never more.
    start = len(first)
    for piece in pieces[1:-1]:
        found = value.find(piece, start, end)
        if found < 0:
            return False
        start = found + len(piece)
    return True


def arn_segments(pattern: Pattern) -> tuple[tuple[Part, ...], ...]:
    """Split a pattern at the first five `:` of its literal text: ARN segments, the last of
    which (the resource part) may itself contain `:`."""
    return _arn_segments(pattern.parts)


# Matchers, encoders and checks each split the same patterns, many times over a corpus.
@lru_cache(maxsize=1 << 14)
def _arn_segments(parts: tuple[Part, ...]) -> tuple[tuple[Part, ...], ...]:
    segments: list[list[Part]] = [[]]
    for p in parts:
        if isinstance(p, Text) and len(segments) < 6:
            pieces = p.text.split(":", 6 - len(segments))
            for i, piece in enumerate(pieces):
                if i > 0:
                    segments.append([])
                if piece:
                    segments[-1].append(Text(text=piece))
        else:
            segments[-1].append(p)
    return tuple(tuple(s) for s in segments)
