"""The incremental workspace that check and watch share: refreshed by paths, it equals a fresh check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vaultkit import kinds
from vaultkit.config import Selection, load_config
from vaultkit.engine import Workspace, check_vault, coldstart, workspace

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


def test_two_cores_give_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked cold path equals the single-process one, cache and all."""
    files: dict[str, str] = {}
    for i in range(120):
        folder = ("a", "b/c", "d")[i % 3]
        files[f"{folder}/note {i}.md"] = (
            f"---\ntitle: n{i}\naliases: [alias {i}]\n---\n# Head {i}\npara ^b{i}\n"
            f"[[note {i + 1}]] [[note {i + 2}#Head {i + 2}]] [[note {i + 3}#Nope]] [[note {i}]] "
            f"[[missing {i}]] [[alias {i + 5}]] [[note {i + 4}#^b{i + 4}]] ![[pic {i % 7}.png]]\n"
        )
    files.update({f"img/pic {i}.png": "" for i in range(5)})
    root = write_vault(tmp_path / "v", files)
    monkeypatch.setattr(workspace, "PARALLEL_MIN_NOTES", 10)
    assert coldstart.available()
    forked = check_vault(load_config(vault=root), use_cache=True).findings
    monkeypatch.setenv("VAULTKIT_WORKERS", "1")
    single = check_vault(load_config(vault=root), use_cache=False).findings
    assert forked == single and len(single) > 300
    assert check_vault(load_config(vault=root), use_cache=True).findings == single  # from the cache


def test_the_table_of_kinds_with_a_default_is_true() -> None:
    """assign_checks skips kinds without a definition unless WITH_DEFAULT names them: the table must
    name exactly the kinds that have a default, or a default check would silently never run."""
    assert {name for name in kinds.NAMES if kinds.kind(name).default is not None} == set(kinds.WITH_DEFAULT)
    for name in kinds.NAMES:
        assert kinds.kind(name).name == name
