"""vault/git.py: what git says about the vault's files, asked with a time limit — a hung git never hangs
`vaultkit check`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_vault


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_vault(
        tmp_path / "v",
        {".gitignore": "ignored/\n", "n.md": "[[missing]]\n", "ignored/x.md": "[[also missing]]\n"},
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def check(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaultkit", "check", "--vault", str(root), "--no-cache"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,  # the run under test must end long before this
        check=False,
    )


def test_files_git_ignores_are_left_out(repo: Path) -> None:
    done = check(repo)
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout == ("n.md:1:1: LK001 unresolved link: no note named 'missing'\n1 error, 0 warnings in 1 note\n")


def test_a_git_that_hangs_costs_its_time_limit_and_one_warning(repo: Path, tmp_path: Path) -> None:
    hanging = tmp_path / "bin"
    hanging.mkdir()
    (hanging / "git").write_text("#!/bin/sh\nsleep 300\n", encoding="utf-8")
    (hanging / "git").chmod(0o755)
    done = check(repo, PATH=f"{hanging}{os.pathsep}{os.environ['PATH']}", VAULTKIT_GIT_TIMEOUT="1")
    assert done.returncode == 1
    assert done.stderr == "vaultkit: warning: git did not answer within 1 s; files git ignores are checked too\n"
    assert done.stdout == (
        "ignored/x.md:1:1: LK001 unresolved link: no note named 'also missing'\n"
        "n.md:1:1: LK001 unresolved link: no note named 'missing'\n"
        "2 errors, 0 warnings in 2 notes\n"
    )
