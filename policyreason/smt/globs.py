"""IAM ARN patterns and resource-type formats as small automata (no cvc5 here).

String solvers find inclusion between wildcard patterns hard (it is a question about the
complement of a regular language); the glob language of IAM makes it cheap to decide directly.
The encoder uses these answers to match a resource pattern against each resource format before
the solver runs (`PolicyEncoder.resource_match`; the solver's answer stays the check), and the
request space uses overlap to group formats.

A pattern or format is a tuple of tokens over the whole string: ("lit", c), ("one", cls) or
("loop", cls), where cls is "any", "nocolon" ([^:], a `*` inside an ARN segment) or "nosep"
([^:/], a format variable alone in its component).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache

from policyreason.data.requests import ArnFormat, Piece, Var
from policyreason.ir.pattern import AnyChar, Part, Pattern, Star, Text, Variable, arn_segments

Token = tuple[str, str]
Tokens = tuple[Token, ...]

# The resource of actions that take no resource type: the string `*`.
WILDCARD_TOKENS: Tokens = (("lit", "*"),)


def pattern_tokens(pattern: Pattern) -> Tokens:
    """An ARN pattern: wildcards never cross a `:` before the last segment. A variable counts
    as `*` (an over-approximation: use only where one is safe)."""
    segments = arn_segments(pattern)
    out: list[Token] = []
    for i, seg in enumerate(segments):
        if i:
            out.append(("lit", ":"))
        out += segment_tokens(seg, i == len(segments) - 1)
    return tuple(out)


def segment_tokens(segment: Sequence[Part], last: bool) -> Tokens:
    """One ARN segment of a pattern on its own (`last`: the resource part, which may hold
    `:`); a variable counts as `*`, as in `pattern_tokens`."""
    cls = "any" if last else "nocolon"
    out: list[Token] = []
    for part in segment:
        if isinstance(part, Text):
            out += [("lit", c) for c in part.text]
        elif isinstance(part, AnyChar):
            out.append(("one", cls))
        else:
            assert isinstance(part, Star | Variable)
            out.append(("loop", cls))
    return tuple(out)


@cache
def format_tokens(fmt: ArnFormat) -> Tokens:
    """A resource type's ARN format (an over-approximation: every variable is non-empty)."""
    out: list[Token] = []
    for i, comp in enumerate(fmt.components):
        if i:
            out.append(("lit", ":"))
        out += component_tokens(comp)
    return tuple(out)


def component_tokens(component: Sequence[Piece]) -> Tokens:
    """One component of a format on its own (an over-approximation, as `format_tokens`)."""
    out: list[Token] = []
    for piece in component:
        if isinstance(piece, Var):
            cls = "any" if piece.kind == "any" else "nosep"
            out += [("one", cls), ("loop", cls)]
        else:
            out += [("lit", c) for c in piece]
    return tuple(out)


def _accepts(token: Token, c: str) -> bool:
    kind, value = token
    if kind == "lit":
        return value == c
    if value == "nocolon":
        return c != ":"
    return value == "any" or c not in ":/"


def _meets(a: Token, b: Token) -> bool:
    """Some character is consumed by both tokens."""
    if a[0] == "lit":
        return _accepts(b, a[1])
    if b[0] == "lit":
        return _accepts(a, b[1])
    return True  # every class holds letters


@lru_cache(maxsize=1 << 16)
def overlap(a: Tokens, b: Tokens) -> bool:
    """Some string is in both languages."""
    todo = [(0, 0)]
    seen = {(0, 0)}
    while todo:
        i, j = todo.pop()
        if i == len(a) and j == len(b):
            return True
        nxt: list[tuple[int, int]] = []
        if i < len(a) and a[i][0] == "loop":
            nxt.append((i + 1, j))
        if j < len(b) and b[j][0] == "loop":
            nxt.append((i, j + 1))
        if i < len(a) and j < len(b) and _meets(a[i], b[j]):
            nxt.append((i if a[i][0] == "loop" else i + 1, j if b[j][0] == "loop" else j + 1))
        for state in nxt:
            if state not in seen:
                seen.add(state)
                todo.append(state)
    return False


def _alphabet(*token_lists: Tokens) -> list[str]:
    """One character per class of characters the tokens tell apart: each literal, `:`, `/`,
    and one character no token names."""
    chars = {c for tokens in token_lists for kind, c in tokens if kind == "lit"}
    chars |= {":", "/"}
    fresh = next(chr(c) for c in range(0x100, 0x200) if chr(c) not in chars)
    return [*sorted(chars), fresh]


class _Nfa:
    """The tokens as a bit-parallel automaton: state i (bit i) is before token i, state
    len(tokens) accepts; a set of states is an int, so a step is a few integer operations
    (the subset construction of `includes` takes hundreds of thousands of steps on the
    resource patterns of one large policy)."""

    def __init__(self, tokens: Tokens, alphabet: Sequence[str]) -> None:
        self.loops = sum(1 << i for i, t in enumerate(tokens) if t[0] == "loop")
        self.accept = 1 << len(tokens)
        # For each character: the states whose token consumes it and moves on, and those
        # whose loop consumes it and stays.
        self.moves = [
            (
                sum(1 << i for i, t in enumerate(tokens) if t[0] != "loop" and _accepts(t, c)),
                sum(1 << i for i, t in enumerate(tokens) if t[0] == "loop" and _accepts(t, c)),
            )
            for c in alphabet
        ]
        self.start = self.closure(1)

    def closure(self, states: int) -> int:
        """The states reachable by skipping loops (a loop may consume nothing)."""
        while True:
            more = states | (states & self.loops) << 1
            if more == states:
                return states
            states = more

    def step(self, states: int, char: int) -> int:
        move, stay = self.moves[char]
        return self.closure((states & move) << 1 | (states & stay))


@lru_cache(maxsize=1 << 16)
def includes(big: Tokens, small: Tokens) -> bool:
    """Every string of `small` is in `big`. `big`'s literal head and tail must be `small`'s:
    a class of `small` where `big` has a literal holds another character too (every token
    accepts at least two, and every state can still reach the end). Most pairs of a pattern
    and a format part there; the others are searched."""
    if big == small:
        return True
    if _literal_run(small) < (head := _literal_run(big)) or small[:head] != big[:head]:
        return False
    tail = _literal_run(big[::-1])
    if _literal_run(small[::-1]) < tail or (tail and small[-tail:] != big[-tail:]):
        return False
    return _search(big, small)


def _literal_run(tokens: Tokens) -> int:
    return next((i for i, (kind, _c) in enumerate(tokens) if kind != "lit"), len(tokens))


def _search(big: Tokens, small: Tokens) -> bool:
    """`includes` by search: no word reaches an accepting state of `small` while the subset
    construction of `big` holds no accepting state."""
    alphabet = _alphabet(big, small)
    b, s = _Nfa(big, alphabet), _Nfa(small, alphabet)
    chars = range(len(alphabet))
    start = (s.start, b.start)
    todo = [start]
    seen = {start}
    while todo:
        s_states, b_states = todo.pop()
        if s_states & s.accept and not b_states & b.accept:
            return False
        for c in chars:
            s_next = s.step(s_states, c)
            if not s_next:
                continue
            state = (s_next, b.step(b_states, c))
            if state not in seen:
                seen.add(state)
                todo.append(state)
    return True
