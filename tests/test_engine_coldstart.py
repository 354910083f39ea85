"""engine/coldstart.py: the cold check on several processes gives exactly the findings of one process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from vaultkit.config import load_config
from vaultkit.engine import check_vault, coldstart, workspace
from vaultkit.model import Finding
from vaultkit.store.cache import cache_dir, load, load_links, read_cache_file, version_tag

from conftest import write_vault


def linked_notes(count: int) -> dict[str, str]:
    """Notes linking to each other's headings and blocks across folders, with broken links and aliases."""
    files: dict[str, str] = {}
    for i in range(count):
        folder = ("a", "b/c", "d")[i % 3]
        files[f"{folder}/note {i}.md"] = (
            f"---\ntitle: n{i}\naliases: [alias {i}]\n---\n# Head {i}\npara ^b{i}\n"
            f"[[note {i + 1}]] [[note {i + 2}#Head {i + 2}]] [[note {i + 3}#Nope]] [[note {i}]] "
            f"[[missing {i}]] [[alias {i + 5}]] [[note {i + 4}#^b{i + 4}]] ![[pic {i % 7}.png]]\n"
        )
    files.update({f"img/pic {i}.png": "" for i in range(5)})
    return files


def single(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    with monkeypatch.context() as patch:
        patch.setenv("VAULTKIT_WORKERS", "1")
        assert not coldstart.available()
        return check_vault(load_config(vault=root), use_cache=False).findings


@pytest.mark.parametrize("workers", [2, 3, 5])
def test_every_process_count_gives_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The forked cold path equals the single-process one, cache and all, whatever the number of processes."""
    root = write_vault(tmp_path / "v", linked_notes(120))
    expected = single(root, monkeypatch)
    monkeypatch.setattr(workspace, "PARALLEL_MIN_NOTES", 10)
    monkeypatch.setattr(coldstart, "MIN_SHARE", 10)
    monkeypatch.setattr(coldstart, "cores", lambda: workers)  # the fork is what is tested, on any machine
    monkeypatch.setattr(coldstart.threading, "active_count", lambda: 1)  # threads other tests left: idle here
    forks: list[int] = []
    fork = os.fork

    def counted_fork() -> int:
        pid = fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted_fork)
    assert coldstart.available()
    forked = check_vault(load_config(vault=root), use_cache=True).findings
    assert len(forks) == workers - 1
    assert forked == expected and len(expected) > 300
    # each process wrote the link facts of the notes it parsed; the links file names every part
    links = read_cache_file(cache_dir(root) / "links.bin", version_tag(load_config(vault=root).fingerprint()))
    assert len(links[1]) == workers
    fingerprint = load_config(vault=root).fingerprint()
    snapshot = load(root, fingerprint)
    assert snapshot is not None and len(load_links(root, snapshot) or {}) == 120
    assert check_vault(load_config(vault=root), use_cache=True).findings == expected  # from the cache
    assert check_vault(load_config(vault=root), use_cache=False).findings == expected  # forked, no cache
    for name in ("a/note 3.md", "b/c/note 7.md"):  # a heading others link to, renamed: read from every part
        later = time.time_ns() + 10_000_000_000
        path = root / name
        path.write_text(path.read_text(encoding="utf-8").replace("# Head", "# Renamed"), encoding="utf-8")
        os.utime(path, ns=(later, later))
    monkeypatch.setenv("VAULTKIT_WORKERS", "1")
    assert check_vault(load_config(vault=root), use_cache=True).findings == single(root, monkeypatch)


def test_workers_setting_and_small_vaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """VAULTKIT_WORKERS=N asks for N processes; each gets at least MIN_SHARE notes."""
    monkeypatch.setattr(coldstart, "cores", lambda: 8)
    assert coldstart.processes(100 * coldstart.MIN_SHARE) == 8
    assert coldstart.processes(3 * coldstart.MIN_SHARE) == 3
    monkeypatch.setenv("VAULTKIT_WORKERS", "2")
    assert coldstart.processes(100 * coldstart.MIN_SHARE) == 2
    monkeypatch.setenv("VAULTKIT_WORKERS", "1")
    assert not coldstart.available()
    monkeypatch.setenv("VAULTKIT_WORKERS", "many")  # not a number: every core
    assert coldstart.processes(100 * coldstart.MIN_SHARE) == 8


def test_a_failing_child_costs_only_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that dies while parsing or while checking: the parent does its share, the findings are the same."""
    root = write_vault(tmp_path / "v", linked_notes(90))
    expected = single(root, monkeypatch)
    monkeypatch.setattr(workspace, "PARALLEL_MIN_NOTES", 10)
    monkeypatch.setattr(coldstart, "MIN_SHARE", 10)
    monkeypatch.setattr(coldstart, "cores", lambda: 3)
    monkeypatch.setattr(coldstart.threading, "active_count", lambda: 1)
    parent = os.getpid()
    for phase in ("parse", "check"):
        original = getattr(workspace.Workspace, phase)

        def dies_in_child(self: workspace.Workspace, *args: object, original: object = original) -> object:
            if os.getpid() != parent:
                os._exit(3)
            return original(self, *args)  # type: ignore[operator]

        with monkeypatch.context() as patch:
            patch.setattr(workspace.Workspace, phase, dies_in_child)
            assert check_vault(load_config(vault=root), use_cache=False).findings == expected, phase
