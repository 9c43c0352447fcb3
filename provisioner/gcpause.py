"""Pausing Python's cyclic garbage collector around bulk work.

Loading, rendering and planning a large inventory build ~10^5 acyclic objects (frozen
dataclasses, tuples, strings). Allocation-triggered collections rescan them again and again
(15-25% of a 10k-agent load, ~0.35 s of a 2 s plan) and find nothing: everything is freed by
reference counting, so memory does not grow while the collector is paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, then restore its previous state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
