"""The automata of ARN patterns and formats (`smt/globs.py`): the quick answers of inclusion
agree with the search."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policyreason.data.requests import arn_format
from policyreason.parse.pattern import parse_pattern
from policyreason.smt.globs import Tokens, _search, format_tokens, includes, pattern_tokens

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

_TOKENS = st.one_of(_PATTERNS, st.sampled_from(_FORMATS).map(format_tokens))


@settings(max_examples=1000)
@given(_TOKENS, _TOKENS)
def test_inclusion_answers_as_the_search(big: Tokens, small: Tokens) -> None:
    assert includes(big, small) is _search(big, small)


def test_the_formats_are_there() -> None:
    assert len(_FORMATS) == 6
