"""The collector's regime over a batch: what outlives a file is frozen, a cycle is collected at
the latest past the limit, and the process is left as it was."""

from __future__ import annotations

import gc
import weakref

import pytest

from policyreason import collector


class _Node:
    def __init__(self) -> None:
        self.other: object = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_a_batch_freezes_what_outlives_each_file_and_thaws_when_the_outermost_ends() -> None:
    thresholds = gc.get_threshold()
    with collector.batch():
        assert gc.get_threshold()[0] == collector.BATCH_THRESHOLD
        with collector.batch():
            kept = [_Node() for _ in range(100)]
            collector.settle()
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds


def test_a_cycle_left_by_a_file_is_collected_once_the_batch_froze_past_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collector, "FROZEN_LIMIT", 1_000)
    monkeypatch.setattr(collector, "_frozen", 0)
    with collector.batch():
        gc.collect()  # the youngest generation's count starts from nothing
        gone = _cycle()
        collector.settle()
        assert gone() is not None  # frozen: no collection reaches it
        _ = [_Node() for _ in range(2_000)]
        collector.settle()
        assert gone() is None
