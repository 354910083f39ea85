"""The incremental workspace that check and watch share: refreshed by paths, it equals a fresh check."""

from __future__ import annotations

import shutil
from pathlib import Path

from vaultkit.config import Selection, load_config
from vaultkit.engine import Workspace, check_vault

from conftest import write_vault


def report(workspace: Workspace) -> list[tuple[str, int, int, str]]:
    every = set(workspace.files.notes)
    found = workspace.report(every, Selection())
    fresh = check_vault(workspace.config, use_cache=False).findings
    assert found == fresh  # incremental answers equal a check from scratch
    return [(f.path, f.span.line, f.span.column, f.code) for f in found]


def test_refresh_by_paths(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"a.md": "[[b#H]] [[c]]\n", "b.md": "# H\n"})
    workspace = Workspace(load_config(vault=root), use_cache=False, tracking=True)
    workspace.refresh()
    assert report(workspace) == [("a.md", 1, 9, "LK001")]

    (root / "b.md").write_text("# Other\n", encoding="utf-8")
    assert workspace.refresh(["b.md"]) == {"a.md", "b.md"}
    assert report(workspace) == [("a.md", 1, 1, "LK002"), ("a.md", 1, 9, "LK001")]

    (root / "c.md").write_text("", encoding="utf-8")
    assert "a.md" in workspace.refresh(["c.md"])
    assert report(workspace) == [("a.md", 1, 1, "LK002")]

    (root / "b.md").unlink()
    workspace.refresh(["b.md"])
    assert report(workspace) == [("a.md", 1, 1, "LK001")]

    moved = write_vault(tmp_path / "outside" / "sub", {"b.md": "# H\n", "deep/x.md": "[[nowhere]]"})
    shutil.move(moved, root / "sub")
    workspace.refresh(["sub"])
    assert report(workspace) == [("sub/deep/x.md", 1, 1, "LK001")]

    shutil.rmtree(root / "sub")
    workspace.refresh(["sub"])
    assert report(workspace) == [("a.md", 1, 1, "LK001")]


def test_unchanged_refresh_recomputes_nothing(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"a.md": "[[b]]\n", "b.md": ""})
    workspace = Workspace(load_config(vault=root), use_cache=False, tracking=True)
    workspace.refresh()
    report(workspace)
    assert workspace.refresh(["a.md"]) == set()  # read again, same bytes: nothing to do


def test_excluded_files_are_link_targets_as_they_come_and_go(tmp_path: Path) -> None:
    """Watch's path refresh keeps excluded files in the index as targets and never reports on them."""
    root = write_vault(
        tmp_path / "v",
        {".vaultkit.yaml": 'exclude: ["归档/"]\n', "a.md": "[[旧计划]] [[归档/新]]\n", "归档/x.md": "[[broken]]\n"},
    )
    workspace = Workspace(load_config(vault=root), use_cache=False, tracking=True)
    workspace.refresh()
    assert report(workspace) == [("a.md", 1, 1, "LK001"), ("a.md", 1, 9, "LK001")]

    write_vault(root, {"归档/旧计划.md": "[[broken too]]\n"})
    assert "a.md" in workspace.refresh(["归档/旧计划.md"])
    assert report(workspace) == [("a.md", 1, 9, "LK001")]

    moved = write_vault(tmp_path / "outside" / "档", {"新.md": "[[broken]]\n", "deep/y.md": ""})
    shutil.move(moved / "新.md", root / "归档" / "新.md")
    workspace.refresh(["归档/新.md"])
    assert report(workspace) == []
    assert "归档/新.md" in workspace.files.excluded and "归档/新.md" not in workspace.files.notes

    shutil.rmtree(root / "归档")
    workspace.refresh(["归档"])
    assert report(workspace) == [("a.md", 1, 1, "LK001"), ("a.md", 1, 9, "LK001")]
