"""Pause Python's cyclic garbage collector while a large input is read and walked.

A describe-* export or a big template becomes hundreds of thousands of tree nodes. The collector
runs after every few hundred new objects and walks everything not yet promoted, so while such a
tree grows and while it is read into the IR it is walked again and again: over half the time of
reading a 15 MB export. Reading creates no reference cycles (the tree and the IR are acyclic),
so nothing is lost by pausing; plain reference counting still frees everything, and the
collector resumes on the way out. Pauses nest: only the outermost one resumes it.

A batch of files is the same story spread out: between files the collector would run every
few hundred objects while the caches the files share keep growing, and each of its full
collections walks them all, yet the checks leave almost no cycles behind (under 600 objects
over the 1,523 managed policies). So a batch only collects after many more new objects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# New objects (net of those freed) before a collection of the youngest generation, in a batch;
# the default is 700. Frozen and old objects are not counted, so this bounds what a batch can
# hold in uncollected cycles, not the heap.
BATCH_THRESHOLD = 100_000


@contextmanager
def relaxed() -> Iterator[None]:
    """Run the body with the collector's first threshold raised to BATCH_THRESHOLD (as it was
    before, afterwards)."""
    before = gc.get_threshold()
    gc.set_threshold(BATCH_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def paused() -> Iterator[None]:
    """Run the body with the cyclic collector off (as it was before, afterwards)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
