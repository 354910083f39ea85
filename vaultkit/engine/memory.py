"""Python's cycle collector, paused while a vault is parsed."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Parsing a vault makes a million small objects and no reference cycles; Python's cycle collector
    would walk them all again and again (a third of a cold check). Pause it, and freeze what was built
    so that later collections (watch runs for hours) skip it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
