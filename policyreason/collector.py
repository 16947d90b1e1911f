"""Pause Python's cyclic garbage collector while a large input is read and walked.

A describe-* export or a big template becomes hundreds of thousands of tree nodes. The collector
runs after every few hundred new objects and walks everything not yet promoted, so while such a
tree grows and while it is read into the IR it is walked again and again: over half the time of
reading a 15 MB export. Reading creates no reference cycles (the tree and the IR are acyclic),
so nothing is lost by pausing; plain reference counting still frees everything, and the
collector resumes on the way out. Pauses nest: only the outermost one resumes it.

A batch of files is the same story spread out: between files the collector would run every
few hundred objects while the caches the files share keep growing, and each of its full
collections walks them all, yet the checks leave almost no cycles behind (none over the 1,523
managed policies, 66 objects over the bundled examples). So a batch collects only after many
more new objects, and after each file freezes what outlived it (the shared caches, the results):
the collector never walks those again, and each collection sees one file's objects alone.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# New objects (net of those freed) before a collection of the youngest generation, in a batch;
# the default is 700. Frozen and old objects are not counted, so this bounds what a batch can
# hold in uncollected cycles, not the heap.
BATCH_THRESHOLD = 100_000


# Objects a batch may freeze (net of those freed) before it thaws and collects everything
# once: what a cycle of a file's objects would keep alive is kept that long at most (a
# million objects is about 100 MB; the managed policies leave half that in one process, all
# of it live caches and results).
FROZEN_LIMIT = 1_000_000

_frozen = 0  # objects frozen by `settle` since the last full collection
_batches = 0  # batches open in this process


def settle() -> None:
    """After each file of a batch: freeze what outlived it."""
    global _frozen
    # The youngest generation's count is the objects made and not freed since the last
    # collection or freeze (a freeze empties it).
    _frozen += gc.get_count()[0]
    if _frozen > FROZEN_LIMIT:
        gc.unfreeze()
        gc.collect()
        _frozen = 0
    gc.freeze()


@contextmanager
def batch() -> Iterator[None]:
    """Run the body as a batch (`settle` after each file). Batches nest; when the outermost
    ends, the thresholds are as they were and what it froze (with whatever was frozen before)
    is thawed, so that a process running several batches collects it."""
    global _batches, _frozen
    before = gc.get_threshold()
    if _batches == 0:
        gc.set_threshold(BATCH_THRESHOLD, *before[1:])
    _batches += 1
    try:
        yield
    finally:
        _batches -= 1
        if _batches == 0:
            gc.set_threshold(*before)
            gc.unfreeze()
            _frozen = 0


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
