"""Hostile note shapes (issue 15) are checked in time linear in their size, with every finding exact.

bench/hostile.py builds each shape (code spans, comments, runs of brackets, deep nesting, one long line)
and, with --verify, compares every LK001 with where the shape put a real `[[missing]]`. Here it runs with a
generous time limit per check: a guard against quadratic time and hangs, not a speed test.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

HOSTILE = REPO / "bench" / "hostile.py"


def run_shapes(size_mb: str, timeout: int) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(HOSTILE), "--sizes", size_mb, "--timeout", str(timeout), "--verify"]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout * 8, check=False, cwd=REPO)


def test_hostile_shapes_of_250_kb_are_exact() -> None:
    done = run_shapes("0.25", timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" LK001") == 7, done.stdout


@pytest.mark.slow
def test_hostile_shapes_of_5_mb_finish_and_are_exact() -> None:
    done = run_shapes("5", timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" LK001") == 7, done.stdout
