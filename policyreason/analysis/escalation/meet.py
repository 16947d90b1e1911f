"""An ARN that a Resource pattern matches and that has a resource type's format, found by
walking both at once (the product of two small automata), for the guesses of a path.

A statement's `arn:aws:ecs:*:*:task-definition/AWSTransform*` names task definitions, but none
of its plain fillings (`.../AWSTransformexample`) is one: the format wants
`task-definition/${Family}:${Revision}`. The walk finds `.../AWSTransform:x`. It only proposes:
the evaluator and the request typing judge every guess.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from enum import Enum

from policyreason.data.requests import ArnFormat, Var
from policyreason.ir.pattern import AnyChar, Part, Pattern, Star, Text, Variable, arn_segments

FILLER = "x"
EXAMPLE_REGION = "us-east-1"


class _Wild(Enum):
    """The wildcards of the pattern side: not characters, so that a literal `*` or `?`
    (written `${*}`, `${?}`) is never read as one."""

    STAR = "*"
    ONE = "?"


# Tokens of the pattern side: a character, or a wildcard.
_Token = str | _Wild
_FREE = ""  # the pattern side takes any character here


def meet(
    pattern: Pattern,
    fmt: ArnFormat,
    partition: str,
    account: str,
    context: Mapping[str, Sequence[str]],
) -> str | None:
    """A shortest ARN of `fmt` that `pattern` matches, with the given partition and account
    and the region us-east-1 where the pattern leaves them open; None when the walk finds none
    (a variable without one value in `context`, or no common string)."""
    if fmt.wildcard or pattern.is_match_all:
        return None
    segments = arn_segments(pattern)
    if len(segments) != 6:
        return None
    fixed = {"partition": partition, "account": account}
    out: list[str] = []
    for index, (segment, comp) in enumerate(zip(segments, fmt.components, strict=True)):
        tokens = _tokens(segment, context)
        if tokens is None:
            return None
        found = None
        for region in (True, False) if index == 3 else (False,):
            pieces = _pieces(comp, fixed, region)
            found = _walk(tokens, pieces)
            if found is not None:
                break
        if found is None:
            return None
        out.append(found)
    return ":".join(out)


def _tokens(segment: Sequence[Part], context: Mapping[str, Sequence[str]]) -> list[_Token] | None:
    out: list[_Token] = []
    for part in segment:
        if isinstance(part, Text):
            out += list(part.text)
        elif isinstance(part, Star):
            out.append(_Wild.STAR)
        elif isinstance(part, AnyChar):
            out.append(_Wild.ONE)
        else:
            assert isinstance(part, Variable)
            values = context.get(part.key, ())
            value = values[0] if len(values) == 1 else part.default
            if value is None:
                return None
            out += list(value)
    return out


def _pieces(comp: Sequence[str | Var], fixed: Mapping[str, str], region: bool) -> list[str | Var]:
    """The format component as characters and variables, the partition, the account and (if
    `region`) the region filled in."""
    out: list[str | Var] = []
    for piece in comp:
        if isinstance(piece, Var) and piece.kind in fixed:
            out += list(fixed[piece.kind])
        elif isinstance(piece, Var) and region and piece.name.lower() == "region":
            out += list(EXAMPLE_REGION)
        elif isinstance(piece, Var):
            out.append(piece)
        else:
            out += list(piece)
    return out


def _walk(tokens: list[_Token], pieces: list[str | Var]) -> str | None:
    """A short string both sides accept (breadth first; moves that read nothing first). A
    state is (position in the pattern, position in the format, inside a variable that has read
    a character)."""
    start = (0, 0, False)
    parent: dict[tuple[int, int, bool], tuple[tuple[int, int, bool], str] | None] = {start: None}
    queue: deque[tuple[int, int, bool]] = deque([start])
    while queue:
        state = queue.popleft()
        i, j, inside = state
        if i == len(tokens) and j == len(pieces):
            return _spelled(state, parent)
        moves: list[tuple[tuple[int, int, bool], str]] = []
        if i < len(tokens) and tokens[i] is _Wild.STAR:
            moves.append(((i + 1, j, inside), ""))
        if inside:
            moves.append(((i, j + 1, False), ""))
        for char, after in _steps(tokens, pieces, i, j):
            moves.append((after, char))
        for after, char in moves:
            if after in parent:
                continue
            parent[after] = (state, char)
            if char:
                queue.append(after)
            else:
                queue.appendleft(after)
    return None


def _steps(
    tokens: list[_Token], pieces: list[str | Var], i: int, j: int
) -> list[tuple[str, tuple[int, int, bool]]]:
    """The moves that read one character (a format variable never takes a `:` or `/` unless
    it is one that may)."""
    if i >= len(tokens) or j >= len(pieces):
        return []
    token, piece = tokens[i], pieces[j]
    after_i = i if token is _Wild.STAR else i + 1
    wanted = _FREE if isinstance(token, _Wild) else token
    if isinstance(piece, str):
        if wanted != _FREE and wanted != piece:
            return []
        return [(piece, (after_i, j + 1, False))]
    char = FILLER if wanted == _FREE else wanted
    if piece.kind != "any" and char in ":/":
        return []
    return [(char, (after_i, j, True))]


def _spelled(
    state: tuple[int, int, bool],
    parent: Mapping[tuple[int, int, bool], tuple[tuple[int, int, bool], str] | None],
) -> str:
    chars: list[str] = []
    step = parent[state]
    while step is not None:
        state, char = step
        chars.append(char)
        step = parent[state]
    return "".join(reversed(chars))


def may_meet(pattern: Pattern, fmt: ArnFormat) -> bool:
    """False only when no ARN of `fmt`, in any partition, region or account, matches
    `pattern` (IAM's ARN matching: segment by segment, wildcards crossing `:` only in the
    resource part). Every variable of the format is taken as any non-empty value of its
    class, a superset of its real values, so False is exact; a pattern with a policy variable,
    or that is not six segments, may always meet."""
    if fmt.wildcard or pattern.is_match_all or pattern.has_variable:
        return True
    segments = arn_segments(pattern)
    if len(segments) != 6:
        return True
    for segment, comp in zip(segments, fmt.components, strict=True):
        tokens = _tokens(segment, {})
        assert tokens is not None
        if _walk(tokens, list(_pieces(comp, {}, region=False))) is None:
            return False
    return True
