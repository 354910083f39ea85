"""store/answers.py: an unchanged vault asked the same question gets the same answer, and any change a fresh one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vaultkit.store.cache import cache_dir

from conftest import CLI, age, cached_lines, no_checking


def test_unchanged_vault_is_answered_without_checking(
    cli: CLI, linked_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    age(linked_vault)
    first = cli("check", "--vault", linked_vault, "--format", "json")
    monkeypatch.setattr("vaultkit.engine.check_vault", no_checking)
    again = cli("check", "--vault", linked_vault, "--format", "json")
    assert (again.code, again.out, again.err) == (first.code, first.out, "")
    assert first.code == 1 and len(first.json()) == 2
    for other in (["--format", "text"], ["--select", "LK001"], ["--exit-zero"], [linked_vault / "a.md"]):
        different = cli("check", "--vault", linked_vault, "--format", "json", *other)
        assert "the vault was checked again" in different.err  # another question is never given this answer


def test_a_note_written_just_now_is_answered_only_while_its_content_is_the_same(
    cli: CLI, linked_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its stamp could stay the same through a second save within the same clock tick."""
    age(linked_vault)
    (linked_vault / "d.md").write_text("[[a]]\n", encoding="utf-8")
    cli("check", "--vault", linked_vault)
    before = (linked_vault / "d.md").stat()
    (linked_vault / "d.md").write_text("[[x]]\n", encoding="utf-8")  # same size, same inode
    os.utime(linked_vault / "d.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    changed = cli("check", "--vault", linked_vault)
    assert "d.md:1:1: LK001 unresolved link: no note named 'x'" in changed.out
    monkeypatch.setattr("vaultkit.engine.check_vault", no_checking)
    assert cli("check", "--vault", linked_vault).out == changed.out  # nothing changed since: answered


LK002_TWO = "a.md:1:7: LK002 heading 'Two' not found in [[b]]"


LK001_C = "a.md:1:17: LK001 unresolved link: no note named 'c'"


LK001_PNG = "d.md:1:7: LK001 unresolved link: no file named 'c.png'"


LK001_B = ["a.md:1:1: LK001 unresolved link: no note named 'b'", "a.md:1:7: LK001 unresolved link: no note named 'b'"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("edit with an old mtime", [LK001_C, LK001_PNG]),
        ("new attachment", [LK002_TWO, LK001_C]),
        ("new note", [LK002_TWO, LK001_PNG]),
        ("deleted note", [*LK001_B, LK001_C, LK001_PNG]),
        ("renamed note", [*LK001_B, LK001_PNG]),
        ("config", [LK001_C, LK001_PNG]),
    ],
)
def test_any_change_gives_a_fresh_answer(cli: CLI, linked_vault: Path, change: str, expected: list[str]) -> None:
    (linked_vault / "d.md").write_text("[[a]] ![[c.png]]\n", encoding="utf-8")
    age(linked_vault)
    before = cached_lines(cli, linked_vault)
    assert before == [LK002_TWO, LK001_C, LK001_PNG]
    if change == "edit with an old mtime":  # e.g. a checkout or a copy that keeps times
        (linked_vault / "b.md").write_text("# One\n## Two\n", encoding="utf-8")
        age(linked_vault, seconds=1800)
    elif change == "new attachment":
        (linked_vault / "c.png").write_bytes(b"\x89PNG")
        age(linked_vault)
    elif change == "new note":
        (linked_vault / "c.md").write_text("", encoding="utf-8")
        age(linked_vault)
    elif change == "deleted note":
        (linked_vault / "b.md").unlink()
    elif change == "renamed note":
        (linked_vault / "b.md").rename(linked_vault / "c.md")
    else:
        (linked_vault / ".vaultkit.yaml").write_text("ignore: [LK002]\n", encoding="utf-8")
        age(linked_vault)
    assert cached_lines(cli, linked_vault) == expected
    assert cached_lines(cli, linked_vault) == expected  # and that answer is kept in its turn


def test_only_the_last_few_answers_are_kept(cli: CLI, linked_vault: Path) -> None:
    age(linked_vault)
    questions = [["--select", code] for code in ("LK001", "LK002", "LK003", "LK004", "LK005", "LK006", "LK007")]
    for question in [*questions, ["--format", "json"], ["--format", "github"], ["-q"]]:
        cli("check", "--vault", linked_vault, *question)
    assert len(list(cache_dir(linked_vault).glob("answer-*.bin"))) == 8
