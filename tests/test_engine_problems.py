"""engine/problems.py: findings about files — VK001 unreadable, VK003 skipped, SY001 conflict copies."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Findings, write_vault


def test_vk001_not_utf8_and_nul(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"bad.md": b"ok\nab\xff\xfe\n", "bin.md": b"\x89PNG\x00\x00", "good.md": "[[bad]] [[bin]]\n"})
    assert findings(root) == [("bad.md", 2, 3, "VK001"), ("bin.md", 1, 5, "VK001")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_vk001_unreadable(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"locked.md": "x"})
    (root / "locked.md").chmod(0)
    assert findings(root) == [("locked.md", 1, 1, "VK001")]


def test_vk003_big_note_fifo_and_symlinks(tmp_path: Path, findings: Findings) -> None:
    root = write_vault(tmp_path / "v", {".vaultkit.yaml": "max_note_size: 1KB\n", "big.md": "x" * 2000, "ok.md": ""})
    os.mkfifo(root / "pipe.md")
    outside = write_vault(tmp_path / "outside", {"secret.md": "[[nothing]]"})
    (root / "escape.md").symlink_to(outside / "secret.md")
    (root / "loop.md").symlink_to(root / "loop.md")
    (root / "inside.md").symlink_to(root / "ok.md")
    assert findings(root) == [
        ("big.md", 1, 1, "VK003"),
        ("escape.md", 1, 1, "VK003"),
        ("loop.md", 1, 1, "VK003"),
        ("pipe.md", 1, 1, "VK003"),
    ]


def test_sy001_conflict_copy(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"笔记.md": "", "笔记.conflict-20261124-101500.md": "", "not.conflict-2026.md": ""})
    assert findings(root) == [("笔记.conflict-20261124-101500.md", 1, 1, "SY001")]
