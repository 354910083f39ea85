"""The code stays ruff- and mypy-clean and its layers true (import-linter): checked by the test suite so
CI enforces it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "vaultkit", "tests", "bench", "setup.py"],
        ["ruff", "format", "--check", "vaultkit", "tests", "bench", "setup.py"],
        [sys.executable, "-m", "mypy"],
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
    ],
    ids=["ruff-check", "ruff-format", "mypy", "import-linter"],
)
def test_tool_is_clean(command: list[str]) -> None:
    if command[0] == "ruff" and shutil.which("ruff") is None:
        command = [sys.executable, "-m", "ruff", *command[1:]]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
