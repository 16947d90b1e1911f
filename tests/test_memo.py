"""`keep_last`: the last answer is given again only for the same first object and equal other
arguments."""

from __future__ import annotations

from policyreason.memo import keep_last


def test_the_last_answer_is_kept_for_the_same_object_and_equal_arguments() -> None:
    calls: list[tuple[object, int]] = []

    @keep_last
    def count(items: list[int], extra: int = 0) -> int:
        calls.append((items, extra))
        return len(items) + extra

    first, twin = [1, 2], [1, 2]
    assert count(first) == count(first) == 2
    assert len(calls) == 1
    assert count(twin) == 2  # equal, not the same object: asked again
    assert count(twin, 1) == 3  # another argument: asked again
    assert count(twin, extra=1) == 3  # the same value given by name: asked again
    assert count(twin, extra=1) == 3
    assert len(calls) == 4
