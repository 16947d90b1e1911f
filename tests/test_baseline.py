"""Fingerprints find the flagged element by its span: every node and key of a document is
found, by bisecting arrays and objects, as the node itself."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from policyreason.baseline import _node_at
from policyreason.parse.json_spans import JArray, JNode, JObject, parse_json

SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=4)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=25,
)


def _nodes(node: JNode) -> Iterator[JNode]:
    yield node
    if isinstance(node, JArray):
        for item in node.items:
            yield from _nodes(item)
    elif isinstance(node, JObject):
        for key, value in node.pairs:
            yield key
            yield from _nodes(value)


@settings(max_examples=200, deadline=None)
@given(VALUES, st.sampled_from([None, 0, 2]))
def test_every_node_and_key_is_found_by_its_span(value: object, indent: int | None) -> None:
    root = parse_json(json.dumps(value, indent=indent), "p.json")
    for node in _nodes(root):
        assert _node_at(root, node.span) is node
