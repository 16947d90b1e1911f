"""IAM patterns: wildcards, policy variables with defaults, escapes, the 2008 version; the
scanner held equal to grammars/pattern.lark (read by Lark) on generated and corpus patterns."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policyreason.errors import PatternError
from policyreason.ir.pattern import AnyChar, Part, Star, Text, Variable, ascii_lower
from policyreason.parse.pattern import parse_pattern
from tests import pattern_reference
from tests.corpus import every_policy


def _parts(text: str, variables: bool = True, lower: bool = False) -> tuple[Part, ...]:
    return parse_pattern(text, variables=variables, lower=lower).parts


def test_literal_text_is_one_part() -> None:
    p = parse_pattern("arn:aws:s3:::bucket/key")
    assert p.parts == (Text(text="arn:aws:s3:::bucket/key"),)
    assert p.is_literal and not p.has_wildcard and not p.has_variable
    assert p.literal_text() == "arn:aws:s3:::bucket/key"
    assert p.text == "arn:aws:s3:::bucket/key"


def test_star_and_question_mark() -> None:
    assert _parts("a*b?c") == (Text(text="a"), Star(), Text(text="b"), AnyChar(), Text(text="c"))
    assert parse_pattern("a?").has_wildcard
    assert not parse_pattern("a?").is_match_all


def test_match_all() -> None:
    assert parse_pattern("*").is_match_all
    assert parse_pattern("**").is_match_all
    assert not parse_pattern("*a").is_match_all
    # The empty pattern matches only the empty string, not everything.
    assert _parts("") == ()
    assert not parse_pattern("").is_match_all


def test_variable() -> None:
    assert _parts("home/${aws:username}/*") == (
        Text(text="home/"),
        Variable(key="aws:username"),
        Text(text="/"),
        Star(),
    )


def test_variable_keys_are_lower_cased_because_condition_keys_ignore_case() -> None:
    assert _parts("${aws:PrincipalTag/Team}") == (Variable(key="aws:principaltag/team"),)


def test_variable_with_default() -> None:
    assert _parts("${aws:PrincipalTag/team, 'none'}") == (
        Variable(key="aws:principaltag/team", default="none"),
    )
    # No space around the comma, and an empty default, are both accepted.
    assert _parts("${s3:prefix,''}") == (Variable(key="s3:prefix", default=""),)
    # The default's text keeps its case: it is a value, not a key.
    assert _parts("x${aws:username,'Nobody'}") == (
        Text(text="x"),
        Variable(key="aws:username", default="Nobody"),
    )


def test_escapes_are_literal_characters() -> None:
    p = parse_pattern("a${*}b${?}c${$}d")
    assert p.parts == (Text(text="a*b?c$d"),)
    assert p.is_literal
    assert not p.has_wildcard


def test_escapes_next_to_real_wildcards() -> None:
    assert _parts("${*}*") == (Text(text="*"), Star())


def test_lone_dollar_is_literal() -> None:
    assert _parts("a$b") == (Text(text="a$b"),)
    assert _parts("$") == (Text(text="$"),)
    assert _parts("price$*") == (Text(text="price$"), Star())


def test_version_2008_has_no_variables() -> None:
    # In Version 2008-10-17 documents `${...}` is ordinary text, wildcards still work.
    assert _parts("home/${aws:username}/*", variables=False) == (
        Text(text="home/${aws:username}/"),
        Star(),
    )
    # Not even malformed variables are errors there.
    assert _parts("${oops", variables=False) == (Text(text="${oops"),)


def test_lower_folds_literal_text_only() -> None:
    assert _parts("S3:Get*Object", variables=False, lower=True) == (
        Text(text="s3:get"),
        Star(),
        Text(text="object"),
    )
    assert _parts("Home/${aws:UserName, 'Bob'}", lower=True) == (
        Text(text="home/"),
        Variable(key="aws:username", default="Bob"),
    )


@given(st.text())
@example("İSTANBUL-Kelvin-\u212a")  # non-ASCII letters that str.lower would change
def test_ascii_lower_changes_only_a_to_z(text: str) -> None:
    expected = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)
    assert ascii_lower(text) == expected


def test_adjacent_text_parts_are_merged_so_equal_patterns_compare_equal() -> None:
    assert parse_pattern("ab${*}cd").parts == (Text(text="ab*cd"),)
    assert parse_pattern("a${$}").parts == parse_pattern("a$").parts


@pytest.mark.parametrize(
    ("text", "offset", "code"),
    [
        ("${}", 2, "variable-empty"),
        ("${a b}", 3, "variable-space"),
        ("${a,'x}", 4, "variable-missing-quote"),
        ("x${aws:username, default}", 17, "variable-missing-quote"),
    ],
)
def test_malformed_variables_are_errors_with_an_offset(text: str, offset: int, code: str) -> None:
    with pytest.raises(PatternError) as info:
        parse_pattern(text)
    assert "policy variable" in info.value.message
    assert (info.value.offset, info.value.code) == (offset, code)


def test_unterminated_variable_is_an_error_inside_the_variable() -> None:
    with pytest.raises(PatternError) as info:
        parse_pattern("a/${aws:username")
    assert 3 <= info.value.offset <= len("a/${aws:username")


def _read(read: Callable[[str], tuple[Part, ...]], text: str) -> object:
    try:
        return read(text)
    except PatternError as exc:
        return ("error", exc.code, exc.offset, exc.message)


def _scanner(text: str) -> tuple[Part, ...]:
    return parse_pattern(text).parts


# Pattern syntax, the characters of keys and defaults, and characters of neither.
_PIECES = st.sampled_from(
    ["${", "}", "$", "{", "*", "?", ",", " ", "'", "a", "B", ":", "/", "-", "=", "%", "\t", "é"]
)


@given(st.lists(_PIECES, max_size=14).map("".join))
@settings(max_examples=3000, deadline=None)
@example("${aws:username, 'x'}${*}${?}${$}$${")
@example("${AWS::Region}/${a,''}")
def test_the_scanner_reads_as_the_grammar_does(text: str) -> None:
    assert _read(_scanner, text) == _read(pattern_reference.parts, text)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_scanner_reads_every_corpus_pattern_as_the_grammar_does() -> None:
    texts = {
        text
        for path in every_policy()
        for text in _strings(json.loads(path.read_text(encoding="utf-8")))
        if "${" in text
    }
    assert len(texts) > 100
    for text in sorted(texts):
        assert _read(_scanner, text) == _read(pattern_reference.parts, text), text


def _part_by_part(text: str, lower: bool, wildcards: bool) -> tuple[Part, ...]:
    """Text without `$` read as the scanner read it before its shortcut: character by
    character, then each flag's rewrite of the parts, then adjacent text merged."""
    parts: list[Part] = []
    buf = ""
    for ch in text:
        if ch in "*?":
            parts += [Text(text=buf)] if buf else []
            parts.append(Star() if ch == "*" else AnyChar())
            buf = ""
        else:
            buf += ch
    parts += [Text(text=buf)] if buf else []
    if not wildcards:
        parts = [Text(text="*") if isinstance(p, Star) else p for p in parts]
        parts = [Text(text="?") if isinstance(p, AnyChar) else p for p in parts]
    if lower:
        parts = [Text(text=p.text.translate(_UPPER_TO_LOWER)) if isinstance(p, Text) else p
                 for p in parts]  # fmt: skip
    merged: list[Part] = []
    for p in parts:
        if isinstance(p, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(text=merged[-1].text + p.text)
        else:
            merged.append(p)
    return tuple(merged)


_UPPER_TO_LOWER = {ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


@given(
    st.text(alphabet="*?aZ:/-é İ", max_size=12),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
@settings(max_examples=1000, deadline=None)
@example("S3:Get*Object?", False, True, True)
@example("**", True, False, False)
@example("", True, True, False)
def test_text_without_dollar_reads_as_part_by_part(
    text: str, variables: bool, lower: bool, wildcards: bool
) -> None:
    pattern = parse_pattern(text, variables, lower, wildcards)
    assert pattern.text == text
    assert pattern.parts == _part_by_part(text, lower, wildcards)
