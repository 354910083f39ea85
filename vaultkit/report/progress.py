"""Progress of a long run on stderr: `vaultkit: indexing 4,096/10,000 notes`, one phase after another
(scanning, indexing, checking), redrawn in place and cleared before anything else is printed.

Shown only when stderr is a terminal, and only once the run has taken `VAULTKIT_PROGRESS_DELAY`
seconds (default 1: short runs stay silent); redrawn at most ten times a second, and always at the
end of a phase so that the last count seen is the true one."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

DELAY_VARIABLE = "VAULTKIT_PROGRESS_DELAY"
REDRAW = 0.1
UNITS = {"scanning": "files", "indexing": "notes", "checking": "notes"}


class Progress:
    def __init__(self, write: Callable[[str], None], enabled: bool | None = None) -> None:
        self.write = write
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        try:
            self.delay = float(os.environ.get(DELAY_VARIABLE, "1"))
        except ValueError:
            self.delay = 1.0
        self.started = time.monotonic()
        self.shown = False
        self.last = (0.0, "")

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay:
            return
        last_time, last_phase = self.last
        if phase == last_phase and now - last_time < REDRAW and done != total:
            return
        unit = UNITS.get(phase, "")
        count = f"{done:,}/{total:,}" if total else f"{done:,}"
        self.write(f"\rvaultkit: {phase} {count} {unit}\x1b[K")
        self.shown = True
        self.last = (now, phase)

    def clear(self) -> None:
        if self.shown:
            self.write("\r\x1b[K")
            self.shown = False
