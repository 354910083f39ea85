"""The persistent cache is an optimisation only: every answer equals a run without it."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vaultkit.config import load_config
from vaultkit.engine import check_vault
from vaultkit.store.cache import cache_dir, load

from conftest import CLI, cached_lines, with_checks, write_vault


def touch_later(path: Path, text: str) -> None:
    """Write and move the mtime well past the cache's racy window, as a later edit would."""
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 10_000_000_000
    os.utime(path, ns=(later, later))


def test_cache_is_written_outside_the_vault(cli: CLI, linked_vault: Path, private_cache: Path) -> None:
    cached_lines(cli, linked_vault)
    assert (cache_dir(linked_vault) / "index.bin").is_file()
    assert cache_dir(linked_vault).is_relative_to(private_cache)
    assert sorted(p.name for p in linked_vault.iterdir()) == [".obsidian", "a.md", "b.md", "d.md"]


def test_edited_note_is_rechecked(cli: CLI, linked_vault: Path) -> None:
    assert cached_lines(cli, linked_vault) == [
        "a.md:1:7: LK002 heading 'Two' not found in [[b]]",
        "a.md:1:17: LK001 unresolved link: no note named 'c'",
    ]
    touch_later(linked_vault / "b.md", "# One\n## Two\n")
    assert cached_lines(cli, linked_vault) == ["a.md:1:17: LK001 unresolved link: no note named 'c'"]
    touch_later(linked_vault / "a.md", "[[b]]\n")
    assert cached_lines(cli, linked_vault) == []


def test_edit_that_keeps_size_and_mtime_is_seen(cli: CLI, linked_vault: Path) -> None:
    """A save within the timestamp granularity of the cache write: the content digest decides."""
    cached_lines(cli, linked_vault)
    before = (linked_vault / "b.md").stat()
    (linked_vault / "b.md").write_text("# Two\n", encoding="utf-8")  # same size, same inode
    os.utime(linked_vault / "b.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    after = (linked_vault / "b.md").stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert cached_lines(cli, linked_vault) == ["a.md:1:17: LK001 unresolved link: no note named 'c'"]


def test_added_deleted_and_renamed_notes(cli: CLI, linked_vault: Path) -> None:
    cached_lines(cli, linked_vault)
    (linked_vault / "c.md").write_text("", encoding="utf-8")
    assert cached_lines(cli, linked_vault) == ["a.md:1:7: LK002 heading 'Two' not found in [[b]]"]
    (linked_vault / "b.md").rename(linked_vault / "B2.md")
    assert cached_lines(cli, linked_vault) == [
        "a.md:1:1: LK001 unresolved link: no note named 'b'",
        "a.md:1:7: LK001 unresolved link: no note named 'b'",
    ]
    (linked_vault / "a.md").unlink()
    assert cached_lines(cli, linked_vault) == ["d.md:1:1: LK001 unresolved link: no note named 'a'"]
    (linked_vault / "sub").mkdir()
    (linked_vault / "sub" / "a.md").write_text("[[B2#One]] [[B2#Nope]]\n", encoding="utf-8")
    assert cached_lines(cli, linked_vault) == ["sub/a.md:1:12: LK002 heading 'Nope' not found in [[B2]]"]


def test_ambiguity_created_by_a_new_note(cli: CLI, linked_vault: Path) -> None:
    (linked_vault / "x").mkdir()
    (linked_vault / "y").mkdir()
    (linked_vault / "x" / "t.md").write_text("", encoding="utf-8")
    (linked_vault / "d.md").write_text("[[t]]\n", encoding="utf-8")
    assert cached_lines(cli, linked_vault, "--select", "LK005") == []
    (linked_vault / "y" / "t.md").write_text("", encoding="utf-8")
    assert cached_lines(cli, linked_vault, "--select", "LK005") == [
        "d.md:1:1: LK005 ambiguous link 't': Obsidian opens 'x/t.md'; it also matches 'y/t.md'"
        " (paths of equal length: vaultkit guesses the first by code point)"
    ]


def test_config_and_checks_changes_invalidate(cli: CLI, linked_vault: Path) -> None:
    (linked_vault / ".vaultkit.yaml").write_text("checks: checks\n", encoding="utf-8")
    assert cached_lines(cli, linked_vault, "--select", "FM") == []
    write_vault(linked_vault, {"checks/fm.yaml": "kind: frontmatter\nschema: {type: object, required: [title]}\n"})
    assert cached_lines(cli, linked_vault, "--select", "FM") == [
        "a.md:1:1: FM004 required key 'title' is missing",
        "b.md:1:1: FM004 required key 'title' is missing",
        "d.md:1:1: FM004 required key 'title' is missing",
    ]
    (linked_vault / "checks" / "fm.yaml").write_text("kind: frontmatter\nschema: {type: object}\n", encoding="utf-8")
    assert cached_lines(cli, linked_vault, "--select", "FM") == []
    (linked_vault / ".vaultkit.yaml").write_text("checks: checks\nignore: [LK001]\n", encoding="utf-8")
    assert cached_lines(cli, linked_vault) == ["a.md:1:7: LK002 heading 'Two' not found in [[b]]"]


def test_truncated_or_garbage_cache_is_rebuilt(cli: CLI, linked_vault: Path) -> None:
    expected = cached_lines(cli, linked_vault)
    touch_later(linked_vault / "d.md", "[[a]] [[b]]\n")
    assert cached_lines(cli, linked_vault) == expected  # and now there is a delta too
    for name in ("index.bin", "links.bin", "delta.bin"):
        path = cache_dir(linked_vault) / name
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        assert cached_lines(cli, linked_vault) == expected
        path.write_bytes(b"not a cache file at all")
        touch_later(linked_vault / "b.md", "# One\n## Two\n")
        assert cached_lines(cli, linked_vault) == ["a.md:1:17: LK001 unresolved link: no note named 'c'"]
        touch_later(linked_vault / "b.md", "# One\n")
        assert cached_lines(cli, linked_vault) == expected
    assert (cache_dir(linked_vault) / "index.bin").read_bytes() != b"not a cache file at all"  # rewritten


def test_a_few_changes_are_written_as_a_delta(cli: CLI, linked_vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = cached_lines(cli, linked_vault)
    index = (cache_dir(linked_vault) / "index.bin").read_bytes()
    touch_later(linked_vault / "d.md", "[[a]] [[nowhere]]\n")
    assert cached_lines(cli, linked_vault) == [*expected, "d.md:1:7: LK001 unresolved link: no note named 'nowhere'"]
    assert (cache_dir(linked_vault) / "index.bin").read_bytes() == index  # only the delta was written
    fingerprint = load_config(vault=linked_vault).fingerprint()
    assert (snapshot := load(linked_vault, fingerprint)) is not None and snapshot.delta_paths == {"d.md"}
    older_delta = (cache_dir(linked_vault) / "delta.bin").read_bytes()
    monkeypatch.setattr("vaultkit.store.cache.DELTA_LIMIT", 0)  # the next change writes everything again
    touch_later(linked_vault / "d.md", "[[a]]\n")
    assert cached_lines(cli, linked_vault) == expected
    assert (cache_dir(linked_vault) / "index.bin").read_bytes() != index
    monkeypatch.setattr("vaultkit.store.cache.DELTA_LIMIT", 512)
    (cache_dir(linked_vault) / "delta.bin").write_bytes(older_delta)  # as a concurrent run could leave it
    assert (
        snapshot := load(linked_vault, fingerprint)
    ) is not None and snapshot.delta_paths == set()  # over another index
    assert cached_lines(cli, linked_vault) == expected


def test_concurrent_runs_do_not_corrupt_the_cache(linked_vault: Path) -> None:
    for i in range(40):
        (linked_vault / f"n{i}.md").write_text(f"[[n{i + 1}]] [[missing {i}]]\n", encoding="utf-8")
    command = [sys.executable, "-m", "vaultkit", "check", "--vault", str(linked_vault), "--format", "json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)]
    outputs = [run.communicate() for run in runs]
    assert all(run.returncode == 1 for run in runs)
    assert len({out for out, _ in outputs}) == 1 and all(err == b"" for _, err in outputs)
    fresh = subprocess.run([*command, "--no-cache"], capture_output=True, check=False)
    again = subprocess.run(command, capture_output=True, check=False)
    assert again.stdout == fresh.stdout == outputs[0][0]


def random_note(rng: random.Random, names: list[str]) -> str:
    """A note whose findings read other notes: anchors to headings and blocks, a publish flag under the
    key the vault's links check names, links that a new or removed file can resolve or tie, aliases (a
    link by an alias is unresolved, and its message names the note)."""
    heads = rng.sample(["Alpha", "Beta", "Gamma", "标题"], rng.randint(0, 3))
    flag = rng.choice(["", "publish: true\n", "publish: false\n", "dg-publish: true\n", "other: true\n"])
    flag += rng.choice(["", "", "aliases: [Also]\n", "aliases: [Also.md]\n", "aliases: [dir/Also]\n"])
    links = []
    for _ in range(rng.randint(0, 4)):
        target = rng.choice([*names, "missing", "sub/Twin", "Also", "also.md", "dir/Also"])
        anchor = rng.choice(["", "", "#Alpha", "#标题", "#^b1", "#Nope"])
        links.append(f"[[{target}{anchor}]]")
    block = rng.choice(["", " ^b1"])
    front = f"---\n{flag}---\n" if flag else ""
    return front + "".join(f"# {head}\n" for head in heads) + " ".join(links) + block + "\n"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_random_edits_through_the_cache_equal_a_fresh_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Seeded edits, one at a time (a heading or block renamed, a publish flag flipped, a note added,
    removed or a same-named twin created): the cached check after each equals a check without the cache.
    The links check publishes by its own key (`publish`), so a note's `true` under any key is heeded."""
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(12)]
    files: dict[str, str] = {f"{name}.md": random_note(rng, names) for name in names}
    files["checks/links.yaml"] = "kind: links\nname: links\npublish_key: publish\n"
    files[".vaultkit.yaml"] = "checks: checks\n"
    root = write_vault(tmp_path / "v", files)
    monkeypatch.setenv("VAULTKIT_WORKERS", "1")
    assert (
        check_vault(load_config(vault=root)).findings == check_vault(load_config(vault=root), use_cache=False).findings
    )
    for step in range(25):
        choice = rng.random()
        name = rng.choice(names)
        if choice < 0.15:
            path = root / "sub" / "Twin.md" if rng.random() < 0.5 else root / f"{name}.md"
            if path.exists():
                path.unlink()
            else:
                path.parent.mkdir(exist_ok=True)
                touch_later(path, random_note(rng, names))
        else:
            touch_later(root / f"{name}.md", random_note(rng, names))
        cached = check_vault(load_config(vault=root)).findings
        assert cached == check_vault(load_config(vault=root), use_cache=False).findings, (seed, step)


def test_a_flag_flipped_in_a_linked_note_rechecks_the_published_notes_linking_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A published note's plain link reads the target's publish flag (LK007), whatever key the links check
    publishes by; the cache must know to check it again when the target's frontmatter changes."""
    root = with_checks(tmp_path / "v", links="kind: links\nname: links\npublish_key: publish\n")
    write_vault(root, {"a.md": "---\npublish: true\n---\n[[b]] [[c|C]]\n", "b.md": "---\npublish: false\n---\n"})
    write_vault(root, {"c.md": "---\npublish: true\n---\n"})
    monkeypatch.setenv("VAULTKIT_WORKERS", "1")

    def codes() -> list[tuple[str, int, int, str]]:
        found = check_vault(load_config(vault=root)).findings
        assert found == check_vault(load_config(vault=root), use_cache=False).findings
        return [(f.path, f.span.line, f.span.column, f.code) for f in found]

    assert codes() == [("a.md", 4, 1, "LK007")]
    touch_later(root / "b.md", "---\npublish: true\n---\n")
    touch_later(root / "c.md", "---\npublish: no\n---\n")
    assert codes() == [("a.md", 4, 7, "LK007")]
