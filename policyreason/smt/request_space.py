"""The finite quotient of real requests that a set of policies can tell apart (no cvc5 here).

A real request's action is one of the service reference's ~22,000 actions and its resource has
the format of a resource type that action takes (`data/requests.py`). Policies see the action
only through their Action/NotAction lists (and a question's own action patterns), the resource
only through resource patterns, and the action's typing only through which condition keys it
makes available. So actions are grouped into *cells*: two (action, resource format) pairs share
a cell when they match the same action lists, their formats are indistinguishable to every
resource pattern, and they make the same keys available. Every request of a cell behaves alike
in every question over these patterns, so the solver chooses a cell (a small integer) instead of
reasoning about action strings, and a witness takes the cell's representative action.

Two formats are indistinguishable when neither can hold an ARN that any resource pattern
matches; formats that might (a cheap over-approximation of pattern/format overlap: a pattern
variable counts as `*`) stay apart. Every pattern a question asks about must be registered
when the space is built; asking about another one raises, rather than answer inexactly.

A pattern may be registered with the action list of the one statement it serves (`scoped`):
it then keeps formats apart only for actions that statement applies to, since for any other
action the statement does not apply whatever the resource. A template value that is a whole
ARN (`${BucketArn}/*`) could be an ARN of any format, and would otherwise keep every format of
every action apart.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any

from policyreason.data import reference
from policyreason.data.requests import ArnFormat, Piece, Typing, Var, key_available, typing_table
from policyreason.errors import EncodeError
from policyreason.ir.pattern import Pattern, Star, Text, arn_segments
from policyreason.smt.globs import Tokens, format_tokens, overlap, pattern_tokens

# The statements a scoped pattern serves: (action list index, NotAction) pairs; None for a
# pattern that matters to every action.
Uses = frozenset[tuple[int, bool]] | None
# What a registered resource pattern looks at: the ARN components it constrains, its service
# when spelled out, and the actions it matters to.
View = tuple[tuple[int, ...], str, Uses]


@dataclass(frozen=True, slots=True)
class Cell:
    """One class of real requests. `typing` is its representative (action, format, keys);
    `action_sets` the indexes of the registered action lists its actions match; `keys` the
    registered non-global condition keys its requests can carry."""

    index: int
    typing: Typing
    action_sets: frozenset[int]
    keys: frozenset[str]
    size: int  # how many (action, resource type) pairs the cell stands for


def _position(name: str) -> int:
    found = typing_table().position(name)
    assert found is not None, name
    return found


@cache
def _matching(pattern_text: str) -> frozenset[int]:
    if pattern_text and not pattern_text.strip("*"):
        return frozenset(range(typing_table().count))
    return frozenset(_position(a.full_name) for a in reference.actions_matching(pattern_text))


def _set_key(patterns: Sequence[Pattern]) -> tuple[str, ...]:
    return tuple(sorted(p.text.lower() for p in patterns))


class RequestSpace:
    """The cells for a set of registered action lists, resource patterns and condition keys."""

    def __init__(
        self,
        action_sets: Iterable[Sequence[Pattern]],
        resource_patterns: Iterable[Pattern],
        keys: Iterable[str],
        scoped: Iterable[tuple[Pattern, Sequence[Pattern], bool]] = (),
        only: Iterable[str] | None = None,
    ) -> None:
        """`scoped` are resource patterns with the Action (or, when True, NotAction) list of
        the statement each serves; those lists must be among `action_sets`. With `only`, the
        cells are those of these actions alone."""
        self._sets: dict[tuple[str, ...], int] = {}
        for patterns in action_sets:
            self._sets.setdefault(_set_key(patterns), len(self._sets))
        self._named = frozenset(
            i for key, i in self._sets.items() if all(t.strip("*") for t in key)
        )
        scoped = list(scoped)
        uses: dict[Tokens, Uses] = {}
        for p, actions, negated in scoped:
            tokens = pattern_tokens(p)
            if not p.is_match_all and (tokens not in uses or uses[tokens] is not None):
                use = (self.action_set(actions), negated)
                uses[tokens] = frozenset({*(uses.get(tokens) or ()), use})
        resource_patterns = list(resource_patterns)
        for p in resource_patterns:
            if not p.is_match_all:
                uses[pattern_tokens(p)] = None
        self._resources: dict[Tokens, View] = {
            tokens: (_observed(p), _literal_service(p), uses[tokens])
            for p in [*resource_patterns, *(p for p, _a, _n in scoped)]
            if not p.is_match_all and (tokens := pattern_tokens(p)) in uses
        }
        # The keys whose availability depends on the action (global keys are everywhere).
        self.keys = frozenset(k for k in keys if reference.global_key(k) is None)
        self._views = tuple(sorted(self._resources.items()))
        # A question whose request has a known action (one request of an escalation path)
        # needs only that action's cells, not the whole reference's.
        restrict = None if only is None else frozenset(_position(a) for a in only)
        if restrict is not None and len(restrict) == typing_table().count:
            # Every action (a statement of `*` asked about): the same cells as no restriction,
            # found by looking into the profiles the lists match rather than at every pair.
            restrict = None
        self.cells, self._index = _cells(tuple(self._sets), self._views, self.keys, restrict)

    def action_set(self, patterns: Sequence[Pattern]) -> int:
        """The index of a registered action list."""
        found = self._sets.get(_set_key(patterns))
        if found is None:
            raise EncodeError(
                "internal: the action patterns "
                f"{', '.join(p.text for p in patterns)} were not registered with the request space"
            )
        return found

    def check_resource_pattern(self, pattern: Pattern) -> None:
        """Raise unless the pattern was registered (formats were grouped without it)."""
        if not pattern.is_match_all and pattern_tokens(pattern) not in self._resources:
            raise EncodeError(
                f"internal: the resource pattern {pattern.text} was not registered with the "
                "request space"
            )

    def cell_of(self, typing: Typing) -> int | None:
        """The cell of requests for `typing`'s action on a resource of its format; None when
        the space was built for other actions only (`only`)."""
        action = _position(typing.action.full_name)
        mask = sum(
            1 << i for i, key in enumerate(self._sets) if any(action in _matching(t) for t in key)
        )
        avail = frozenset(k for k in self.keys if key_available(k, typing.keys))
        return self._index.get((mask, _group(typing.format, self._views, mask), avail))

    def named(self, cell: Cell) -> bool:
        """The cell's actions are named by an action list that does not take every action: a
        witness there shows access the policies spell out."""
        return not cell.action_sets.isdisjoint(self._named)

    def cells_in(self, index: int) -> list[int]:
        """The cells whose actions match the action list `index`."""
        return [c.index for c in self.cells if index in c.action_sets]


@lru_cache(maxsize=64)
def _cells(
    sets: tuple[tuple[str, ...], ...],
    resources: tuple[tuple[Tokens, View], ...],
    keys: frozenset[str],
    only: frozenset[int] | None = None,
) -> tuple[list[Cell], dict[tuple[int, object, frozenset[str]], int]]:
    table = typing_table()
    # When every list holds a `*` (a policy of `"Action": "*"`), every action matches every
    # list: a profile is one cell as a whole, and the table need not be walked pair by pair.
    every = only is None and all(any(not t.strip("*") for t in key) for key in sets)
    signature: dict[int, int] = {}  # action -> bit mask of the action lists it matches
    for i, key in enumerate(() if every else sets):
        for a in frozenset().union(*(_matching(t) for t in key)):
            signature[a] = signature.get(a, 0) | 1 << i
    # cell -> (its first (action, group), how many pairs it stands for)
    found: dict[tuple[int, object, frozenset[str]], tuple[tuple[int, int], int]] = {}

    def add(cell: tuple[int, object, frozenset[str]], first: tuple[int, int], n: int) -> None:
        seen = found.get(cell)
        found[cell] = (first, n) if seen is None else (seen[0], seen[1] + n)

    # A format and a key set each recur in several profiles: what the patterns see of a format
    # and which keys a key set makes available are worked out once each (by their indexes).
    # Patterns that name their service see nothing of another service's formats.
    groups: dict[tuple[int, int], object] = {}
    avails: dict[int, frozenset[str]] = {}
    wanted = {service for _tokens, (_observed, service, _uses) in resources}
    blind = None if "" in wanted else tuple(None for _ in resources)

    def group(fmt: int, mask: int) -> object:
        seen = groups.get((fmt, mask))
        if seen is None:
            arn = table.formats[fmt]
            service = arn.literal_service
            if blind is not None and service and service not in wanted:
                seen = blind
            else:
                seen = _group(arn, resources, mask)
            groups[(fmt, mask)] = seen
        return seen

    def avail(keyset: int) -> frozenset[str]:
        seen = avails.get(keyset)
        if seen is None:
            typing_keys = table.keysets[keyset]
            seen = avails[keyset] = frozenset(k for k in keys if key_available(k, typing_keys))
        return seen

    # A profile holding none of the actions the lists match is one cell as a whole: its first
    # pair and its size say all. Only the profiles that hold such actions are looked into pair
    # by pair: all of them when the lists match most actions (finding the few that need not
    # be costs more than looking). With `only`, the pairs of those actions alone.
    profiles = _profiles()
    actions, pairs = table.profile_actions, table.profile_groups

    def split(chosen: Iterable[tuple[int, int]], fmt: int, keyset: int) -> None:
        # The pairs of one profile differ only in the lists their actions match: each mask's
        # first pair and count, then one cell each (a profile of thousands of pairs has a few).
        masks: dict[int, list[Any]] = {}
        for pair in chosen:
            mask = signature.get(pair[0], 0)
            seen = masks.get(mask)
            if seen is None:
                masks[mask] = [pair, 1]
            else:
                seen[1] += 1
        keys_of = avail(keyset)
        for mask, (first, n) in masks.items():
            add((mask, group(fmt, mask), keys_of), first, n)

    if only is not None and 4 * len(only) <= table.count:
        # A few actions: their own pairs are found in their profiles (whose actions ascend)
        # and walked in the table's order, not every profile's pairs filtered.
        at: dict[int, list[int]] = {}
        for a in only:
            for g in table.groups_of(a):
                p = profiles.of_group[g]
                first, end = profiles.starts[p], profiles.starts[p + 1]
                at.setdefault(p, []).append(bisect_left(actions, a, first, end))
        for p in sorted(at):
            split(
                ((actions[i], pairs[i]) for i in sorted(set(at[p]))),
                profiles.formats[p],
                profiles.keysets[p],
            )
    else:
        pick = signature.keys() if only is None else only
        looked = (
            None
            if 4 * len(pick) > table.count
            else {profiles.of_group[g] for a in pick for g in table.groups_of(a)}
        )
        heads = zip(profiles.formats, profiles.keysets, profiles.heads, profiles.sizes, strict=True)
        full = (1 << len(sets)) - 1
        for p, (fmt, keyset, head, size) in enumerate(heads):
            if every:
                add((full, group(fmt, full), avail(keyset)), head, size)
            elif looked is not None and p not in looked:
                add((0, group(fmt, 0), avail(keyset)), head, size)
            else:
                first, end = profiles.starts[p], profiles.starts[p + 1]
                chosen: Iterable[tuple[int, int]] = zip(
                    actions[first:end], pairs[first:end], strict=True
                )
                if only is not None:
                    chosen = [pair for pair in chosen if pair[0] in only]
                split(chosen, fmt, keyset)
    typed = {cell: (table.typing(*first), n) for cell, (first, n) in found.items()}
    ordered = sorted(typed.items(), key=lambda kv: _order(kv[0][0], kv[0][2], kv[1][0]))
    cells = [
        Cell(i, t, frozenset(j for j in range(len(sets)) if mask >> j & 1), avail, n)
        for i, ((mask, _group_, avail), (t, n)) in enumerate(ordered)
    ]
    return cells, {key: i for i, (key, _found) in enumerate(ordered)}


@dataclass(frozen=True, slots=True)
class _Profiles:
    """The typing table's profiles as a request space walks them: each one's format and key
    set (indexes), first (action, group) pair and size, where its pairs start, and the
    profile of each group."""

    formats: list[int]
    keysets: list[int]
    heads: list[tuple[int, int]]
    sizes: list[int]
    starts: Sequence[int]
    of_group: list[int]


@cache
def _profiles() -> _Profiles:
    table = typing_table()
    groups, starts = table.groups, table.profile_starts
    heads = [(table.profile_actions[first], table.profile_groups[first]) for first in starts[:-1]]
    firsts = [g for _a, g in heads]
    text = [f.text for f in table.formats]
    profile = {(text[groups[2 * g]], groups[2 * g + 1]): p for p, g in enumerate(firsts)}
    return _Profiles(
        formats=[groups[2 * g] for g in firsts],
        keysets=[groups[2 * g + 1] for g in firsts],
        heads=heads,
        sizes=[end - first for first, end in pairwise(starts)],
        starts=starts,
        # A group belongs to the profile of its format text and keys.
        of_group=[profile[(text[groups[i]], groups[i + 1])] for i in range(0, len(groups), 2)],
    )


def _group(fmt: ArnFormat, resources: tuple[tuple[Tokens, View], ...], mask: int) -> object:
    """What the registered resource patterns can see of a format, for actions that match the
    action lists in `mask`: for each pattern, nothing (no ARN of the format matches it, or the
    pattern serves no statement that applies to such actions) or the shape of the components
    it does not leave to `*`. Formats with the same view are interchangeable."""
    if fmt.wildcard:
        return "*"
    service = fmt.literal_service
    return tuple(
        tuple(_shape(fmt.components[i]) for i in observed)
        if (not service or not wanted or service == wanted)
        and _applies(uses, mask)
        and overlap(format_tokens(fmt), pattern)
        else None
        for pattern, (observed, wanted, uses) in resources
    )


def _applies(uses: Uses, mask: int) -> bool:
    return uses is None or any(bool(mask >> i & 1) != negated for i, negated in uses)


def _literal_service(pattern: Pattern) -> str:
    """The pattern's service segment when it is plain text, else "": such a pattern matches
    no ARN of another service (a quick test before `_overlap`). Wildcards before it do not
    matter: they never cross a `:`, so the third segment always meets the service."""
    segments = arn_segments(pattern)
    if len(segments) < 4 or not all(isinstance(p, Text) for p in segments[2]):
        return ""
    return "".join(p.text for p in segments[2] if isinstance(p, Text))


def _shape(component: tuple[Piece, ...]) -> tuple[str, ...]:
    return tuple(f"${{{p.kind}}}" if isinstance(p, Var) else p for p in component)


def _observed(pattern: Pattern) -> tuple[int, ...]:
    """The ARN components a pattern constrains: those whose segment is not all `*` (a last
    segment stands for every component from its own on)."""
    segments = arn_segments(pattern)
    out: list[int] = []
    for i, seg in enumerate(segments):
        if seg and all(isinstance(p, Star) for p in seg):
            continue
        last = i == len(segments) - 1
        out += list(range(i, 6)) if last else [i]
    return tuple(out)


def _order(mask: int, keys: frozenset[str], t: Typing) -> tuple[object, ...]:
    return (mask, t.format.text, sorted(keys), t.action.full_name)
