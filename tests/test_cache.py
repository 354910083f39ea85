"""The persistent cache is an optimisation only: every answer equals a run without it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from vaultkit.config import load_config
from vaultkit.store.cache import cache_dir, load

from conftest import Run, write_vault

CLI = Callable[..., Run]


def lines(cli: CLI, root: Path, *args: str) -> list[str]:
    """Findings with the cache, checked against a run without it."""
    cached = cli("check", "--vault", root, "-q", *args).out.splitlines()
    assert cached == cli("check", "--vault", root, "-q", "--no-cache", *args).out.splitlines()
    return cached


def touch_later(path: Path, text: str) -> None:
    """Write and move the mtime well past the cache's racy window, as a later edit would."""
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 10_000_000_000
    os.utime(path, ns=(later, later))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_vault(
        tmp_path / "v",
        {
            ".obsidian/app.json": "{}",
            "a.md": "[[b]] [[b#Two]] [[c]]\n",
            "b.md": "# One\n",
            "d.md": "[[a]]\n",
        },
    )


def test_cache_is_written_outside_the_vault(cli: CLI, root: Path, private_cache: Path) -> None:
    lines(cli, root)
    assert (cache_dir(root) / "index.bin").is_file()
    assert cache_dir(root).is_relative_to(private_cache)
    assert sorted(p.name for p in root.iterdir()) == [".obsidian", "a.md", "b.md", "d.md"]


def test_edited_note_is_rechecked(cli: CLI, root: Path) -> None:
    assert lines(cli, root) == [
        "a.md:1:7: LK002 heading 'Two' not found in [[b]]",
        "a.md:1:17: LK001 unresolved link: no note named 'c'",
    ]
    touch_later(root / "b.md", "# One\n## Two\n")
    assert lines(cli, root) == ["a.md:1:17: LK001 unresolved link: no note named 'c'"]
    touch_later(root / "a.md", "[[b]]\n")
    assert lines(cli, root) == []


def test_edit_that_keeps_size_and_mtime_is_seen(cli: CLI, root: Path) -> None:
    """A save within the timestamp granularity of the cache write: the content digest decides."""
    lines(cli, root)
    before = (root / "b.md").stat()
    (root / "b.md").write_text("# Two\n", encoding="utf-8")  # same size, same inode
    os.utime(root / "b.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    after = (root / "b.md").stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert lines(cli, root) == ["a.md:1:17: LK001 unresolved link: no note named 'c'"]


def test_added_deleted_and_renamed_notes(cli: CLI, root: Path) -> None:
    lines(cli, root)
    (root / "c.md").write_text("", encoding="utf-8")
    assert lines(cli, root) == ["a.md:1:7: LK002 heading 'Two' not found in [[b]]"]
    (root / "b.md").rename(root / "B2.md")
    assert lines(cli, root) == [
        "a.md:1:1: LK001 unresolved link: no note named 'b'",
        "a.md:1:7: LK001 unresolved link: no note named 'b'",
    ]
    (root / "a.md").unlink()
    assert lines(cli, root) == ["d.md:1:1: LK001 unresolved link: no note named 'a'"]
    (root / "sub").mkdir()
    (root / "sub" / "a.md").write_text("[[B2#One]] [[B2#Nope]]\n", encoding="utf-8")
    assert lines(cli, root) == ["sub/a.md:1:12: LK002 heading 'Nope' not found in [[B2]]"]


def test_ambiguity_created_by_a_new_note(cli: CLI, root: Path) -> None:
    (root / "x").mkdir()
    (root / "y").mkdir()
    (root / "x" / "t.md").write_text("", encoding="utf-8")
    (root / "d.md").write_text("[[t]]\n", encoding="utf-8")
    assert lines(cli, root, "--select", "LK005") == []
    (root / "y" / "t.md").write_text("", encoding="utf-8")
    assert lines(cli, root, "--select", "LK005") == [
        "d.md:1:1: LK005 ambiguous link 't': Obsidian opens 'x/t.md'; it also matches 'y/t.md'"
    ]


def test_config_and_checks_changes_invalidate(cli: CLI, root: Path) -> None:
    (root / ".vaultkit.yaml").write_text("checks: checks\n", encoding="utf-8")
    assert lines(cli, root, "--select", "FM") == []
    write_vault(root, {"checks/fm.yaml": "kind: frontmatter\nschema: {type: object, required: [title]}\n"})
    assert lines(cli, root, "--select", "FM") == [
        "a.md:1:1: FM004 required key 'title' is missing",
        "b.md:1:1: FM004 required key 'title' is missing",
        "d.md:1:1: FM004 required key 'title' is missing",
    ]
    (root / "checks" / "fm.yaml").write_text("kind: frontmatter\nschema: {type: object}\n", encoding="utf-8")
    assert lines(cli, root, "--select", "FM") == []
    (root / ".vaultkit.yaml").write_text("checks: checks\nignore: [LK001]\n", encoding="utf-8")
    assert lines(cli, root) == ["a.md:1:7: LK002 heading 'Two' not found in [[b]]"]


def test_truncated_or_garbage_cache_is_rebuilt(cli: CLI, root: Path) -> None:
    expected = lines(cli, root)
    touch_later(root / "d.md", "[[a]] [[b]]\n")
    assert lines(cli, root) == expected  # and now there is a delta too
    for name in ("index.bin", "links.bin", "delta.bin"):
        path = cache_dir(root) / name
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        assert lines(cli, root) == expected
        path.write_bytes(b"not a cache file at all")
        touch_later(root / "b.md", "# One\n## Two\n")
        assert lines(cli, root) == ["a.md:1:17: LK001 unresolved link: no note named 'c'"]
        touch_later(root / "b.md", "# One\n")
        assert lines(cli, root) == expected
    assert (cache_dir(root) / "index.bin").read_bytes() != b"not a cache file at all"  # rewritten


def test_a_few_changes_are_written_as_a_delta(cli: CLI, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = lines(cli, root)
    index = (cache_dir(root) / "index.bin").read_bytes()
    touch_later(root / "d.md", "[[a]] [[nowhere]]\n")
    assert lines(cli, root) == [*expected, "d.md:1:7: LK001 unresolved link: no note named 'nowhere'"]
    assert (cache_dir(root) / "index.bin").read_bytes() == index  # only the delta was written
    fingerprint = load_config(vault=root).fingerprint()
    assert (snapshot := load(root, fingerprint)) is not None and snapshot.delta_paths == {"d.md"}
    older_delta = (cache_dir(root) / "delta.bin").read_bytes()
    monkeypatch.setattr("vaultkit.store.cache.DELTA_LIMIT", 0)  # the next change writes everything again
    touch_later(root / "d.md", "[[a]]\n")
    assert lines(cli, root) == expected
    assert (cache_dir(root) / "index.bin").read_bytes() != index
    monkeypatch.setattr("vaultkit.store.cache.DELTA_LIMIT", 512)
    (cache_dir(root) / "delta.bin").write_bytes(older_delta)  # as a concurrent run could leave it
    assert (snapshot := load(root, fingerprint)) is not None and snapshot.delta_paths == set()  # over another index
    assert lines(cli, root) == expected


def test_concurrent_runs_do_not_corrupt_the_cache(root: Path) -> None:
    for i in range(40):
        (root / f"n{i}.md").write_text(f"[[n{i + 1}]] [[missing {i}]]\n", encoding="utf-8")
    command = [sys.executable, "-m", "vaultkit", "check", "--vault", str(root), "--format", "json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)]
    outputs = [run.communicate() for run in runs]
    assert all(run.returncode == 1 for run in runs)
    assert len({out for out, _ in outputs}) == 1 and all(err == b"" for _, err in outputs)
    fresh = subprocess.run([*command, "--no-cache"], capture_output=True, check=False)
    again = subprocess.run(command, capture_output=True, check=False)
    assert again.stdout == fresh.stdout == outputs[0][0]


def age(root: Path, seconds: int = 3600) -> None:
    """Date every file an hour back, as a vault that nobody is editing right now."""
    then = time.time_ns() - seconds * 1_000_000_000
    for path in root.rglob("*"):
        os.utime(path, ns=(then, then))


def no_checking(*args: object, **kwargs: object) -> object:
    raise AssertionError("the vault was checked again")


def test_unchanged_vault_is_answered_without_checking(cli: CLI, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    age(root)
    first = cli("check", "--vault", root, "--format", "json")
    monkeypatch.setattr("vaultkit.engine.check_vault", no_checking)
    again = cli("check", "--vault", root, "--format", "json")
    assert (again.code, again.out, again.err) == (first.code, first.out, "")
    assert first.code == 1 and len(first.json()) == 2
    for other in (["--format", "text"], ["--select", "LK001"], ["--exit-zero"], [root / "a.md"]):
        different = cli("check", "--vault", root, "--format", "json", *other)
        assert "the vault was checked again" in different.err  # another question is never given this answer


def test_a_note_written_just_now_is_answered_only_while_its_content_is_the_same(
    cli: CLI, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its stamp could stay the same through a second save within the same clock tick."""
    age(root)
    (root / "d.md").write_text("[[a]]\n", encoding="utf-8")
    cli("check", "--vault", root)
    before = (root / "d.md").stat()
    (root / "d.md").write_text("[[x]]\n", encoding="utf-8")  # same size, same inode
    os.utime(root / "d.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    changed = cli("check", "--vault", root)
    assert "d.md:1:1: LK001 unresolved link: no note named 'x'" in changed.out
    monkeypatch.setattr("vaultkit.engine.check_vault", no_checking)
    assert cli("check", "--vault", root).out == changed.out  # nothing changed since: answered


@pytest.mark.parametrize(
    "change",
    [
        "edit with an old mtime",
        "new attachment",
        "new note",
        "deleted note",
        "renamed note",
        "config",
    ],
)
def test_any_change_gives_a_fresh_answer(cli: CLI, root: Path, change: str) -> None:
    (root / "d.md").write_text("[[a]] ![[c.png]]\n", encoding="utf-8")
    age(root)
    before = lines(cli, root)
    assert before == [
        "a.md:1:7: LK002 heading 'Two' not found in [[b]]",
        "a.md:1:17: LK001 unresolved link: no note named 'c'",
        "d.md:1:7: LK001 unresolved link: no file named 'c.png'",
    ]
    if change == "edit with an old mtime":  # e.g. a checkout or a copy that keeps times
        (root / "b.md").write_text("# One\n## Two\n", encoding="utf-8")
        age(root, seconds=1800)
    elif change == "new attachment":
        (root / "c.png").write_bytes(b"\x89PNG")
        age(root)
    elif change == "new note":
        (root / "c.md").write_text("", encoding="utf-8")
        age(root)
    elif change == "deleted note":
        (root / "b.md").unlink()
    elif change == "renamed note":
        (root / "b.md").rename(root / "c.md")
    else:
        (root / ".vaultkit.yaml").write_text("ignore: [LK002]\n", encoding="utf-8")
        age(root)
    after = lines(cli, root)
    assert after != before
    assert after == lines(cli, root)  # and that answer is kept in its turn


def test_only_the_last_few_answers_are_kept(cli: CLI, root: Path) -> None:
    age(root)
    questions = [["--select", code] for code in ("LK001", "LK002", "LK003", "LK004", "LK005", "LK006", "LK007")]
    for question in [*questions, ["--format", "json"], ["--format", "github"], ["-q"]]:
        cli("check", "--vault", root, *question)
    assert len(list(cache_dir(root).glob("answer-*.bin"))) == 8
