"""The typing profiles shipped in the typing table, and the request space's walk over them.

The packaged table is held equal to a fresh derivation in `test_gen_service_data.py`; here the
profiles are held to their meaning, worked out again from each action's groups, and the cells a
request space finds by taking a profile of unmatched actions as a whole are held equal to those
found by looking at every (action, group) pair.
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import example, given, settings
from hypothesis import strategies as st

from policyreason.data.requests import key_available, typing_table
from policyreason.parse.pattern import parse_pattern
from policyreason.smt import request_space
from policyreason.smt.request_space import RequestSpace


def test_profiles_are_the_pairs_of_one_format_text_and_key_set() -> None:
    table = typing_table()
    text = [f.text for f in table.formats]
    # (format text, key set) -> {action: its last group of that profile}, in action order.
    expected: dict[tuple[str, tuple[str, ...]], dict[int, int]] = {}
    for a in range(table.count):
        for g in table.groups_of(a):
            fmt, keys = table.groups[2 * g], table.groups[2 * g + 1]
            key = (text[fmt], tuple(sorted(table.keysets[keys])))
            expected.setdefault(key, {})[a] = g
    starts = table.profile_starts
    shipped = [
        dict(zip(table.profile_actions[i:j], table.profile_groups[i:j], strict=True))
        for i, j in pairwise(starts)
    ]
    assert shipped == [expected[key] for key in sorted(expected)]
    assert all(list(by) == sorted(by) for by in shipped)


def test_every_action_is_found_by_its_name_in_any_case() -> None:
    table = typing_table()
    for i in range(0, table.count, 97):
        assert table.position(table.name(i).upper()) == i
    assert table.position("s3:NoSuchAction") is None
    assert table.position("nosuchservice:GetObject") is None


def _cells_pair_by_pair(space: RequestSpace, only: frozenset[int] | None) -> list[object]:
    """The cells as found by looking at every (action, group) pair of every profile."""
    table = typing_table()
    sets = tuple(space._sets)
    signature: dict[int, int] = {}
    for i, key in enumerate(sets):
        for a in frozenset().union(*(request_space._matching(t) for t in key)):
            signature[a] = signature.get(a, 0) | 1 << i
    found: dict[tuple[int, object, frozenset[str]], tuple[tuple[int, int], int]] = {}
    starts = table.profile_starts
    for i, j in pairwise(starts):
        fmt, keyset = table.group(table.profile_groups[i])
        avail = frozenset(k for k in space.keys if key_available(k, keyset))
        for a, g in zip(table.profile_actions[i:j], table.profile_groups[i:j], strict=True):
            if only is not None and a not in only:
                continue
            mask = signature.get(a, 0)
            cell = (mask, request_space._group(fmt, space._views, mask), avail)
            seen = found.get(cell)
            found[cell] = ((a, g), 1) if seen is None else (seen[0], seen[1] + 1)
    typed = {cell: (table.typing(*first), n) for cell, (first, n) in found.items()}
    ordered = sorted(
        typed.items(), key=lambda kv: request_space._order(kv[0][0], kv[0][2], kv[1][0])
    )
    return [(mask, avail, t, n) for (mask, _group, avail), (t, n) in ordered]


ACTIONS = ["s3:GetObject", "s3:*", "s3:Put*", "iam:PassRole", "kms:Decrypt", "ec2:Describe*", "*"]
RESOURCES = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket",
    "arn:aws:iam::111122223333:role/*",
    "arn:*:kms:*:*:key/*",
    "arn:aws:*:*:*:*",
]
# With `only`, the cells of a few actions: some of one resource type, some of many (whose
# pairs lie in several profiles), some of none.
ONLY = ["s3:GetObject", "iam:PassRole", "ec2:RunInstances", "s3:ListAllMyBuckets", "kms:Decrypt"]
KEYS = ["s3:prefix", "kms:viaservice", "aws:sourceip", "iam:passedtoservice", "ec2:region"]


@settings(max_examples=12, deadline=None)
@given(
    sets=st.lists(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3), max_size=3),
    resources=st.lists(st.sampled_from(RESOURCES), max_size=3),
    keys=st.lists(st.sampled_from(KEYS), max_size=2),
    only=st.none() | st.lists(st.sampled_from(ONLY), min_size=1),
)
# iam:AttachGroupPolicy comes first in its profile, before iam:DetachGroupPolicy, and is the
# first of its cell when iam:PolicyARN is asked about.
@example(sets=[["iam:AttachGroupPolicy"]], resources=[], keys=["iam:policyarn"], only=None)
@example(
    sets=[["iam:AttachGroupPolicy"]],
    resources=[],
    keys=["iam:policyarn"],
    only=["iam:AttachGroupPolicy", "iam:DetachGroupPolicy"],
)
# Every list holds `*`: each profile is one cell as a whole.
@example(
    sets=[["*"], ["s3:GetObject", "*"]],
    resources=["arn:aws:s3:::bucket/*", "*"],
    keys=["s3:prefix", "aws:sourceip"],
    only=None,
)
def test_cells_are_those_of_every_pair(
    sets: list[list[str]], resources: list[str], keys: list[str], only: list[str] | None
) -> None:
    space = RequestSpace(
        [[parse_pattern(t, lower=True) for t in s] for s in sets],
        [parse_pattern(t) for t in resources],
        keys,
        only=only,
    )
    restrict = None if only is None else frozenset(request_space._position(a) for a in only)
    got = [(c.action_sets, c.keys, c.typing, c.size) for c in space.cells]
    want = [
        (frozenset(j for j in range(len(space._sets)) if mask >> j & 1), avail, t, n)
        for mask, avail, t, n in _cells_pair_by_pair(space, restrict)  # type: ignore[misc]
    ]
    assert got == want


@settings(max_examples=3, deadline=None)
@given(
    sets=st.lists(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3), max_size=3),
    resources=st.lists(st.sampled_from(RESOURCES), max_size=3),
    keys=st.lists(st.sampled_from(KEYS), max_size=2),
)
def test_every_action_restricts_nothing(
    sets: list[list[str]], resources: list[str], keys: list[str]
) -> None:
    """A space for every action of the table has the cells of every pair, each pair kept."""
    table = typing_table()
    space = RequestSpace(
        [[parse_pattern(t, lower=True) for t in s] for s in sets],
        [parse_pattern(t) for t in resources],
        keys,
        only=[table.name(a) for a in range(table.count)],
    )
    got = [(c.action_sets, c.keys, c.typing, c.size) for c in space.cells]
    want = [
        (frozenset(j for j in range(len(space._sets)) if mask >> j & 1), avail, t, n)
        for mask, avail, t, n in _cells_pair_by_pair(space, frozenset(range(table.count)))  # type: ignore[misc]
    ]
    assert got == want
