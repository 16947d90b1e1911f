"""Pause Python's cyclic garbage collector while a large input is read and walked.

A describe-* export or a big template becomes hundreds of thousands of tree nodes. The collector
runs after every few hundred new objects and walks everything not yet promoted, so while such a
tree grows and while it is read into the IR it is walked again and again: over half the time of
reading a 15 MB export. Reading creates no reference cycles (the tree and the IR are acyclic),
so nothing is lost by pausing; plain reference counting still frees everything, and the
collector resumes on the way out. Pauses nest: only the outermost one resumes it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
