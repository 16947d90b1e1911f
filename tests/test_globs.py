"""The automata of `smt/globs.py` held to plain definitions: inclusion to the textbook subset
construction over sets of states, and both inclusion and overlap to the strings they accept,
enumerated over a small alphabet."""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from policyreason.data.requests import arn_format
from policyreason.parse.pattern import parse_pattern
from policyreason.smt.globs import Token, Tokens, format_tokens, includes, overlap, pattern_tokens

TOKEN = st.one_of(
    st.sampled_from("ab:/").map(lambda c: ("lit", c)),
    st.sampled_from(["any", "nocolon", "nosep"]).map(lambda c: ("one", c)),
    st.sampled_from(["any", "nocolon", "nosep"]).map(lambda c: ("loop", c)),
)
TOKENS = st.lists(TOKEN, max_size=6).map(tuple)
# Short enough that every word of up to WORDS' length can be tried.
SHORT = st.lists(TOKEN, max_size=4).map(tuple)
# Every character class the tokens tell apart: literals, the separators and a letter no
# literal names.
ALPHABET = "ab:/x"


def _accepts(token: Token, c: str) -> bool:
    kind, value = token
    if kind == "lit":
        return value == c
    return value == "any" or (value == "nocolon" and c != ":") or c not in ":/"


def _closure(tokens: Tokens, states: frozenset[int]) -> frozenset[int]:
    out = set(states)
    todo = list(states)
    while todo:
        i = todo.pop()
        if i < len(tokens) and tokens[i][0] == "loop" and i + 1 not in out:
            out.add(i + 1)
            todo.append(i + 1)
    return frozenset(out)


def _step(tokens: Tokens, states: frozenset[int], c: str) -> frozenset[int]:
    nxt = {
        i if tokens[i][0] == "loop" else i + 1
        for i in states
        if i < len(tokens) and _accepts(tokens[i], c)
    }
    return _closure(tokens, frozenset(nxt))


def _matches(tokens: Tokens, text: str) -> bool:
    states = _closure(tokens, frozenset({0}))
    for c in text:
        states = _step(tokens, states, c)
    return len(tokens) in states


def _subset_includes(big: Tokens, small: Tokens, alphabet: str = ALPHABET) -> bool:
    start = (_closure(small, frozenset({0})), _closure(big, frozenset({0})))
    todo, seen = [start], {start}
    while todo:
        s, b = todo.pop()
        if len(small) in s and len(big) not in b:
            return False
        for c in alphabet:
            state = (_step(small, s, c), _step(big, b, c))
            if state[0] and state not in seen:
                seen.add(state)
                todo.append(state)
    return True


def _words(n: int) -> list[str]:
    return ["".join(w) for k in range(n + 1) for w in product(ALPHABET, repeat=k)]


WORDS = _words(4)


@settings(max_examples=400, deadline=None)
@given(TOKENS, TOKENS)
def test_inclusion_is_the_subset_construction(big: Tokens, small: Tokens) -> None:
    assert includes(big, small) == _subset_includes(big, small)


@settings(max_examples=200, deadline=None)
@given(SHORT, SHORT)
def test_inclusion_and_overlap_agree_with_the_strings(a: Tokens, b: Tokens) -> None:
    in_a = {w for w in WORDS if _matches(a, w)}
    in_b = {w for w in WORDS if _matches(b, w)}
    if includes(a, b):
        assert in_b <= in_a
    if not overlap(a, b):
        assert not in_a & in_b
    # Without loops, `b`'s words are as long as `b`: a word that tells them apart is among WORDS.
    if all(t[0] != "loop" for t in b):
        assert includes(a, b) == (in_b <= in_a)
        assert overlap(a, b) == bool(in_a & in_b)


def test_inclusion_examples() -> None:
    star = (("loop", "any"),)
    seg = (("loop", "nocolon"),)
    a_colon = (("lit", "a"), ("lit", ":"), ("loop", "nosep"))
    assert includes(star, a_colon)
    assert includes(seg, (("lit", "a"), ("one", "nosep")))
    assert not includes(seg, a_colon)
    assert not includes(a_colon, star)
    assert overlap(seg, a_colon) is False


# Patterns and formats as the encoder meets them: `includes` settles most such pairs by their
# literal heads and tails before any search.
_FORMATS = [
    f
    for service, kind in [
        ("s3", "bucket"),
        ("s3", "object"),
        ("ec2", "instance"),
        ("iam", "role"),
        ("lambda", "function"),
        ("sqs", "queue"),
    ]
    if (f := arn_format(service, kind)) is not None
]
_PATTERNS = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(
        ["arn:aws:s3:::", "arn:*:s3:::", "arn:aws:ec2:*:*:instance/", "arn:aws:iam::*:", "*"]
    ),
    st.text(alphabet="ab/*?:", max_size=6),
).map(lambda text: pattern_tokens(parse_pattern(text)))
_ARN_TOKENS = st.one_of(_PATTERNS, st.sampled_from(_FORMATS).map(format_tokens))


@settings(max_examples=1000, deadline=None)
@given(_ARN_TOKENS, _ARN_TOKENS)
def test_inclusion_of_patterns_and_formats_is_the_subset_construction(
    big: Tokens, small: Tokens
) -> None:
    assert len(_FORMATS) == 6
    # Each literal, the separators, and a character no token names.
    alphabet = "".join({c for kind, c in big + small if kind == "lit"} | {":", "/", "\u0100"})
    assert includes(big, small) == _subset_includes(big, small, alphabet)
