"""Progress on stderr: only on a terminal, only after the delay, every phase, redrawn at most ten times a
second but always at a phase's end, cleared before the report."""

from __future__ import annotations

import pytest

from vaultkit.report import progress as progress_module
from vaultkit.report.progress import Progress


def test_progress_waits_for_the_delay_then_shows_each_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([100.0, 100.5, 101.5, 101.52, 101.53, 101.6, 101.9])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    monkeypatch.delenv(progress_module.DELAY_VARIABLE, raising=False)
    shown: list[str] = []
    progress = Progress(shown.append, enabled=True)  # started at 100.0
    progress("indexing", 256, 10000)  # half a second in: nothing yet
    progress("indexing", 4096, 10000)  # drawn
    progress("indexing", 4352, 10000)  # 20 ms later: not redrawn
    progress("indexing", 10000, 10000)  # the end of the phase: always drawn
    progress("checking", 0, 10000)  # a new phase: drawn at once
    progress("scanning", 301, 0)  # no total known
    progress.clear()
    assert shown == [
        "\rvaultkit: indexing 4,096/10,000 notes\x1b[K",
        "\rvaultkit: indexing 10,000/10,000 notes\x1b[K",
        "\rvaultkit: checking 0/10,000 notes\x1b[K",
        "\rvaultkit: scanning 301 files\x1b[K",
        "\r\x1b[K",
    ]


def test_progress_off_the_terminal_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(progress_module.DELAY_VARIABLE, "0")
    shown: list[str] = []
    progress = Progress(shown.append, enabled=False)
    progress("indexing", 1, 2)
    progress.clear()
    assert shown == []
