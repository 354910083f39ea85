"""Issue 14's scenarios with real git: a bare remote that refuses non-fast-forwards, two clones, and sync driven
through `vaultkit sync --format json`. After each one the clones settle and the invariant of gitrepos holds:
every version the test saved is a file in both working trees (as itself or as a conflict copy) unless the test
deleted it, every version is reachable, nothing no one saved was committed, `git fsck` is clean, and no
journal, lock or merge state is left.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import slow_except
from gitrepos import (
    CONFLICT_COPY,
    FILLER,
    TIMEOUT_VARIABLE,
    Clone,
    GitShim,
    World,
    fill_disk,
    git,
    install_hook,
    small_disk,
)

SHORT = {TIMEOUT_VARIABLE: "3"}  # git's time limit in seconds, for the tests where something hangs


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def copies_of(files: dict[str, bytes], original: str) -> list[str]:
    """The conflict copies of `original` among `files`."""
    return sorted(path for path in files if CONFLICT_COPY.search(path) and CONFLICT_COPY.sub("", path) == original)


def no_stray_process(marker: str) -> None:
    """Nothing that vaultkit started outlives its time limit (a hook, an askpass helper, ssh)."""
    for _ in range(50):
        found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
        if not found:
            return
        time.sleep(0.1)
    raise AssertionError(f"a process outlived vaultkit's time limit: {found}")


# --- rename-shaped conflicts ---------------------------------------------------------------------------


@pytest.mark.parametrize("mover_first", [True, False], ids=["mover-first", "adder-first"])
def test_folder_moved_while_a_note_is_added_into_it(world: World, mover_first: bool) -> None:
    a, b = world.a, world.b
    plan = a.write("Projects/plan.md")
    assert a.sync().ok and b.sync().ok
    a.rename("Projects", "Archive/Projects")
    idea = b.write("Projects/new idea.md")
    first, second = (a, b) if mover_first else (b, a)
    assert first.sync().state == "pushed"
    merged = second.sync()
    assert merged.ok, merged
    world.settle()
    for clone in (a, b):
        files = clone.files()
        assert files.get("Archive/Projects/plan.md") == plan
        holders = [path for path, data in files.items() if data == idea]
        assert holders == ["Archive/Projects/new idea.md"], (clone.name, sorted(files))
    world.assert_nothing_lost()


@pytest.mark.parametrize("renamer_first", [True, False], ids=["renamer-first", "editor-first"])
def test_rename_and_edit_against_an_edit(world: World, renamer_first: bool) -> None:
    a, b = world.a, world.b
    a.rename("Note.md", "Renamed.md")
    renamed = a.write("Renamed.md")
    edited = b.write("Note.md")
    first, second = (a, b) if renamer_first else (b, a)
    assert first.sync().state == "pushed"
    merged = second.sync()
    assert (merged.state, merged.ok) == ("conflict-kept-both", True), merged
    assert len(merged.conflicts) == 1
    world.settle()
    for clone in (a, b):
        files = clone.files()
        assert "Renamed.md" in files, (clone.name, sorted(files))
        assert {files["Renamed.md"], files[merged.conflicts[0]]} == {renamed, edited}
    world.assert_nothing_lost()


@pytest.mark.parametrize("file_first", [True, False], ids=["file-first", "folder-first"])
def test_a_file_against_a_folder_of_the_same_name(world: World, file_first: bool) -> None:
    a, b = world.a, world.b
    single = a.write("assets")
    inside = b.write("assets/x.md")
    first, second = (a, b) if file_first else (b, a)
    assert first.sync().state == "pushed"
    merged = second.sync()
    assert (merged.state, merged.ok) == ("conflict-kept-both", True), merged
    world.settle()
    for clone in (a, b):
        files = clone.files()
        assert files.get("assets/x.md") == inside
        assert [files[path] for path in copies_of(files, "assets")] == [single], sorted(files)
    world.assert_nothing_lost()


@pytest.mark.parametrize("renamer_first", [True, False], ids=["renamer-first", "editor-first"])
def test_case_only_rename_against_an_edit(world: World, renamer_first: bool) -> None:
    a, b = world.a, world.b
    a.rename("Note.md", "note.md")
    edited = b.write("Note.md")
    first, second = (a, b) if renamer_first else (b, a)
    assert first.sync().state == "pushed"
    assert second.sync().ok
    world.settle()
    for clone in (a, b):
        assert clone.files().get("note.md") == edited
    world.assert_nothing_lost()


def test_two_case_only_renames_of_one_note(world: World) -> None:
    a, b = world.a, world.b
    a.rename("Note.md", "note.md")
    b.rename("Note.md", "NOTE.md")
    assert a.sync().state == "pushed"
    assert b.sync().ok
    world.settle()
    world.assert_nothing_lost()


def test_same_name_created_on_both_sides(world: World) -> None:
    a, b = world.a, world.b
    mine, theirs = a.write("Ideas/today.md"), b.write("Ideas/today.md")
    assert a.sync().state == "pushed"
    merged = b.sync()
    assert merged.state == "conflict-kept-both", merged
    assert b.read("Ideas/today.md") == theirs  # the local file keeps its path and bytes
    assert [b.read(copy) for copy in merged.conflicts] == [mine]
    world.settle()
    world.assert_nothing_lost()


def test_unicode_twins_are_both_kept_and_reported(world: World) -> None:
    a, b = world.a, world.b
    composed, decomposed = unicodedata.normalize("NFC", "café.md"), unicodedata.normalize("NFD", "café.md")
    a.write(composed)
    b.write(decomposed)
    assert a.sync().state == "pushed"
    assert b.sync().ok
    world.settle()
    for clone in (a, b):
        assert {composed, decomposed} <= set(clone.files())
        clashes = [(f["path"], f["line"], f["column"], f["code"]) for f in clone.check() if f["code"] == "VK004"]
        assert sorted(clashes) == sorted([(composed, 1, 1, "VK004"), (decomposed, 1, 1, "VK004")])
    world.assert_nothing_lost()


Shape = Callable[[Clone], object]

# Every other shape of change merge-tree has a conflict type or a rename rule for: what A does (A pushes
# first), what B does (B merges). After settling, every version either saved is a file in both clones.
SHAPES: dict[str, tuple[Shape, Shape]] = {
    "edit-vs-delete": (lambda a: a.write("Note.md"), lambda b: b.delete("Note.md")),
    "delete-vs-edit": (lambda a: a.delete("Note.md"), lambda b: b.write("Note.md")),
    "rename-and-edit-vs-delete": (
        lambda a: (a.rename("Note.md", "Renamed.md"), a.write("Renamed.md")),
        lambda b: b.delete("Note.md"),
    ),
    "two-renames-one-edited": (
        lambda a: (a.rename("Note.md", "A.md"), a.write("A.md")),
        lambda b: b.rename("Note.md", "B.md"),
    ),
    "folder-moved-two-ways": (
        lambda a: a.rename("Projects", "Archive/Projects"),
        lambda b: (b.rename("Projects", "Old/Projects"), b.write("Old/Projects/plan.md")),
    ),
    "moved-folder-meets-a-new-note-of-the-same-name": (
        lambda a: (a.rename("Projects", "Archive"), a.write("Archive/new.md")),
        lambda b: b.write("Projects/new.md"),
    ),
    "edit-inside-a-moved-folder": (
        lambda a: a.rename("Projects", "Archive/Projects"),
        lambda b: b.write("Projects/plan.md"),
    ),
    "folder-deleted-vs-note-added": (
        lambda a: a.delete("Projects/plan.md"),
        lambda b: b.write("Projects/new.md"),
    ),
    "file-replaces-folder-vs-edit-inside": (
        lambda a: (a.delete("Projects/plan.md"), a.write("Projects")),
        lambda b: b.write("Projects/plan.md"),
    ),
}


@pytest.mark.parametrize("shape", slow_except(SHAPES, {"delete-vs-edit", "folder-deleted-vs-note-added"}))
def test_every_other_merge_shape_keeps_every_version(tmp_path: Path, shape: str) -> None:
    world = World(
        tmp_path, seed={".gitignore": "ignored/\n", "Note.md": "seed\n" + FILLER, "Projects/plan.md": "plan\n" + FILLER}
    )
    first, second = SHAPES[shape]
    first(world.a)
    second(world.b)
    assert world.a.sync().state == "pushed"
    merged = world.b.sync()
    assert merged.ok, merged
    world.settle()
    world.assert_nothing_lost()


# --- all-or-nothing integration: full disks and kills -----------------------------------------------------


def big_notes(clone_name: str) -> dict[str, bytes]:
    """Three notes of 250 KB that compress well: a fetch needs little room, writing them out a lot."""
    return {
        f"Big/{n}.md": (f"{clone_name} big note {n}\n" + f"paragraph {n} of a long note\n" * 8800).encode()
        for n in range(3)
    }


def small_notes(clone_name: str) -> dict[str, bytes]:
    """300 notes of 200 bytes: 60 KB of text, but a page each on tmpfs (1.2 MB), so the room sync finds
    beforehand is not the room it gets, and git's own write fails half-way."""
    return {f"Small/{n}.md": f"{clone_name} small note {n}\n{'x' * 180}\n".encode() for n in range(300)}


@pytest.mark.parametrize("notes", [big_notes, small_notes], ids=["big-notes", "many-small-notes"])
def test_disk_full_during_checkout_on_a_real_small_disk(world: World, notes: Callable[[str], dict[str, bytes]]) -> None:
    a, b = world.a, world.b
    with small_disk(world.tmp / "small", "3m") as disk:
        small = world.clone("small", disk / "clone")
        mine = small.write("mine.md")
        assert small.sync().state == "pushed"
        assert a.sync().ok
        for path, data in notes("b").items():
            b.write(path, data)
        assert b.sync().state == "pushed"
        small.write("mine.md")  # a local edit: the sync will have to merge
        filler = fill_disk(disk, leave=256 * 1024)
        before = small.snapshot()
        full = small.sync()
        assert (full.state, full.ok) == ("disk-full", False), full
        assert "No space left on device" in full.message
        assert small.snapshot() == before  # byte for byte: no truncated or empty note left behind
        assert small.git("status", "--porcelain", "--untracked-files=all") == ""  # the edit was committed
        filler.unlink()
        assert small.sync().ok
        assert b.sync().ok and a.sync().ok
        for path, data in notes("b").items():
            assert small.read(path) == data and b.read(path) == data
        assert mine not in small.files().values()  # superseded by the later edit, which is kept
        world.settle()
        world.assert_nothing_lost()


@pytest.mark.parametrize(
    "fault", slow_except(["enospc-during-checkout", "during-checkout"], {"enospc-during-checkout"})
)
def test_checkout_interrupted_by_a_fault_leaves_the_files_as_they_were(world: World, fault: str) -> None:
    a, b = world.a, world.b
    for path, data in big_notes("b").items():
        b.write(path, data)
    b.write("Note.md")
    assert b.sync().state == "pushed"
    a.write("Local.md")
    before = a.snapshot()
    interrupted = a.sync(fault=fault)
    if fault == "enospc-during-checkout":
        assert (interrupted.state, interrupted.ok) == ("disk-full", False), interrupted
        assert a.snapshot() == before
    else:
        assert interrupted.killed, interrupted
    recovered = a.sync()
    assert recovered.ok, recovered
    for path, data in big_notes("b").items():
        assert a.read(path) == data
    world.settle()
    world.assert_nothing_lost()


@pytest.mark.parametrize(
    "step",
    slow_except(
        ["after-commit", "after-fetch", "after-read-tree", "after-update-ref", "before-push", "after-push"],
        {"after-commit", "after-read-tree"},
    ),
)
def test_killed_at_a_step_is_recovered_by_the_next_run(world: World, step: str) -> None:
    a, b = world.a, world.b
    b.write("Note.md")
    b.write("from b.md")
    assert b.sync().state == "pushed"
    a.write("from a.md")
    assert a.sync(fault=step).killed
    recovered = a.sync()
    assert recovered.ok, recovered
    assert "you have staged changes" not in recovered.message
    world.settle()
    world.assert_nothing_lost()


@pytest.mark.parametrize(
    "command", slow_except(["commit", "update-ref", "update-index", "checkout-index", "push"], {"commit", "update-ref"})
)
def test_a_git_killed_after_it_did_its_work(world: World, command: str) -> None:
    """git did its step, but vaultkit only sees it killed (an OOM kill, a time limit): vaultkit must find out
    what really happened, and never be left with an index that looks like the user's staging."""
    a, b = world.a, world.b
    b.write("Note.md")
    assert b.sync().state == "pushed"
    a.write("mine.md")
    shim = GitShim(world.tmp / "shim")
    killed = a.sync(env=shim.env(VK_KILL_MATCH=command, VK_KILL_WHEN="after"))
    assert "Traceback" not in killed.stderr, killed
    recovered = a.sync()
    assert recovered.ok, recovered
    assert a.git("diff", "--cached", "--name-only") == ""
    world.settle()
    world.assert_nothing_lost()


def test_the_lock_of_a_backup_ref_whose_git_was_killed_is_swept(world: World) -> None:
    """An `update-ref` of one of vaultkit's backup refs killed while writing it leaves git's lock file in
    refs/vaultkit/ (found by seed 2008 of the long model run); no one else writes there, so the next
    run removes it."""
    a = world.a
    a.write("note.md")
    backups = a.path / ".git" / "refs" / "vaultkit" / "backup"
    backups.mkdir(parents=True, exist_ok=True)
    stale = backups / "20261202-024431-c9d33dc42f8f.lock"
    stale.write_text("c9d33dc42f8f04e0\n", encoding="utf-8")
    result = a.sync()
    assert result.state == "pushed", result
    assert not stale.exists()
    world.settle()
    world.assert_nothing_lost()


def test_recovery_after_read_tree_waits_out_a_brief_foreign_index_lock(world: World) -> None:
    a, b = world.a, world.b
    b.write("Note.md")
    assert b.sync().state == "pushed"
    a.write("mine.md")
    assert a.sync(fault="after-read-tree").killed
    lock = a.path / ".git" / "index.lock"
    lock.write_text("another git's", encoding="utf-8")
    running = a.start_sync()
    time.sleep(0.6)
    lock.unlink()  # the user's git finished
    recovered = a.finish_sync(running)
    assert recovered.ok, recovered
    again = a.sync()
    assert (again.state, again.ok) == ("clean", True), again
    assert a.git("diff", "--cached", "--name-only") == ""
    world.settle()
    world.assert_nothing_lost()


def test_a_commit_killed_before_its_index_waits_out_a_lasting_foreign_lock(world: World) -> None:
    """Killed after `git commit`, before the index is put in place; then another git holds index.lock for
    longer than sync waits: sync says so and changes nothing, and once the lock is gone it finishes the
    commit — the index holds it, nothing is left looking staged."""
    a = world.a
    a.write("mine.md")
    assert a.sync(fault="after-commit").killed
    committed = a.head()
    lock = a.path / ".git" / "index.lock"
    lock.write_text("another git's", encoding="utf-8")
    locked = a.sync()
    assert (locked.state, locked.ok) == ("locked", False), locked
    assert str(lock) in locked.message and lock.read_text(encoding="utf-8") == "another git's"
    assert a.head() == committed
    lock.unlink()
    finished = a.sync()
    assert (finished.state, finished.ok) == ("pushed", True), finished
    assert any("finished a commit that was interrupted" in notice for notice in finished.notices)
    assert a.git("diff", "--cached", "--name-only") == "" and a.git("status", "--porcelain") == ""
    world.settle()
    world.assert_nothing_lost()


def test_full_disk_while_writing_the_lock_file(world: World) -> None:
    a = world.a
    with small_disk(world.tmp / "small", "1m") as disk:
        small = world.clone("small", disk / "clone")
        small.write("note.md")
        (small.path / ".git" / "vaultkit").mkdir(exist_ok=True)
        filler = fill_disk(disk, leave=0)
        before = small.snapshot()
        full = small.sync()
        assert (full.code, full.state) == (1, "disk-full"), full
        assert "No space left on device" in full.message and "Traceback" not in full.stderr
        assert small.snapshot() == before
        filler.unlink()
        assert small.sync().state == "pushed"
        assert a.sync().ok
        world.settle()
        world.assert_nothing_lost()


def test_full_disk_while_writing_the_lock_file_through_a_fault(world: World) -> None:
    a = world.a
    a.write("note.md")
    before = a.snapshot()
    full = a.sync(fault="enospc-lock")
    assert (full.code, full.state) == (1, "disk-full"), full
    assert "No space left on device" in full.message and "Traceback" not in full.stderr
    assert a.snapshot() == before
    assert a.sync().state == "pushed"
    world.settle()
    world.assert_nothing_lost()


# --- one bad path does not block the rest -----------------------------------------------------------------


def test_names_git_reads_as_pathspec_magic_are_committed(world: World) -> None:
    a, b = world.a, world.b
    for name in (":x.md", ":(top)y.md", "*.md", "[ab].md", "a.md", "b.md"):
        a.write(name)
    result = a.sync()
    assert (result.state, result.ok, result.notices) == ("pushed", True, []), result
    assert set(git(world.remote, "ls-tree", "--name-only", "main").splitlines()) >= {
        ":x.md",
        ":(top)y.md",
        "*.md",
        "[ab].md",
        "a.md",
        "b.md",
    }
    assert b.sync().state == "pulled"
    world.settle()
    world.assert_nothing_lost()


def test_a_file_that_vanishes_between_status_and_add_is_skipped(world: World) -> None:
    a = world.a
    shim = GitShim(world.tmp / "shim")
    a.write("note.md")
    a.write("note.md___jb_tmp___", "an editor's safe write in flight\n", record=False)
    draft = a.write("draft.md")
    world.ledger.supersede(draft)  # the user (an editor) removes it while sync runs
    kept = a.write("kept.md")
    result = a.sync(env=shim.env(VK_VANISH=f"{a.path}/note.md___jb_tmp___:{a.path}/draft.md"))
    world.ledger.committed.discard(draft)  # it was gone before sync could take it
    assert result.state == "pushed", result
    assert result.ok, result
    told = [line for line in [result.message, *result.notices] if "draft.md" in line]
    assert len(told) == 1 and "vanished" in told[0], result
    assert not any("jb_tmp" in line for line in [result.message, *result.notices])
    assert "kept.md" in a.tracked() and "note.md" in a.tracked() and "draft.md" not in a.tracked()
    assert a.read("kept.md") == kept
    world.settle()
    world.assert_nothing_lost()


def test_constant_autosave_with_safe_writes_never_blocks_a_commit(world: World) -> None:
    a = world.a
    target = a.path / "note.md"
    saved: list[bytes] = []
    stop = threading.Event()

    def autosave() -> None:
        """JetBrains' safe write: write a temp file, move the note aside, move the temp in, delete the old."""
        number = 0
        while not stop.is_set():
            number += 1
            data = f"autosave {number}\n{FILLER}".encode()
            saved.append(data)
            temp, old = a.path / "note.md___jb_tmp___", a.path / "note.md___jb_old___"
            temp.write_bytes(data)
            if target.exists():
                os.rename(target, old)
            os.rename(temp, target)
            old.unlink(missing_ok=True)
            time.sleep(0.003)

    target.write_bytes(b"before autosave\n")
    writer = threading.Thread(target=autosave, daemon=True)
    writer.start()
    try:
        results = [a.sync() for _ in range(6)]
    finally:
        stop.set()
        writer.join(timeout=10)
    assert [str(r) for r in results if not r.ok] == []
    assert not any("jb_" in line for r in results for line in [r.message, *r.notices])
    for data in saved:
        world.ledger.labels[data] = "autosave"
    world.ledger.labels[b"before autosave\n"] = "autosave"
    world.ledger.save(target.read_bytes(), "a:note.md")
    world.settle()
    world.assert_nothing_lost()


def test_a_missing_lfs_filter_skips_that_file_and_commits_the_rest(world: World) -> None:
    a = world.a
    for key, value in (
        ("filter.lfs.clean", "git-lfs clean -- %f"),
        ("filter.lfs.smudge", "git-lfs smudge -- %f"),
        ("filter.lfs.process", "git-lfs filter-process"),
        ("filter.lfs.required", "true"),
    ):
        a.git("config", key, value)
    a.write(".gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n")
    photo = a.write("photo.bin", os.urandom(2000), record=False)
    other = a.write("other.md")
    result = a.sync()
    assert result.code == 1 and not result.ok, result
    told = [line for line in [result.message, *result.notices] if "photo.bin" in line]
    assert len(told) == 1 and "git-lfs" in told[0], result
    assert set(git(world.remote, "ls-tree", "--name-only", "main").splitlines()) == {
        ".gitignore",
        ".gitattributes",
        "Note.md",
        "other.md",
    }
    assert a.read("photo.bin") == photo and a.read("other.md") == other
    assert a.git("diff", "--cached", "--name-only") == ""  # nothing left staged
    assert not (a.path / ".git" / "vaultkit" / "journal.json").exists()
    (a.path / "photo.bin").unlink()
    world.settle()
    world.assert_nothing_lost()


def test_a_commit_hook_that_times_out_stages_nothing_and_commits_nothing_of_the_user(world: World) -> None:
    a = world.a
    marker = f"vaultkit-commit-hook-{os.getpid()}"
    install_hook(a.path / ".git" / "hooks" / "pre-commit", f"exec sleep 300 # {marker}", world.env)
    a.write(".vaultkit.yaml", "sync: {verify: true}\n")
    a.write("note.md")
    head = a.head()
    started = time.monotonic()
    result = a.sync(env=SHORT)
    assert time.monotonic() - started < 60
    assert (result.state, result.ok) == ("commit-failed", False), result
    assert "pre-commit hook" in result.message and "did not finish in 3 s" in result.message, result
    no_stray_process(marker)
    assert a.head() == head and a.git("diff", "--cached", "--name-only") == ""
    assert not (a.path / ".git" / "vaultkit" / "journal.json").exists()
    (a.path / ".git" / "hooks" / "pre-commit").unlink()
    a.write("mine.md")
    a.git("add", "mine.md")  # the user's own staging: sync must never commit it
    refused = a.sync()
    assert (refused.state, refused.ok) == ("precondition-failed", False), refused
    assert "you have staged changes" in refused.message
    assert a.head() == head and a.git("diff", "--cached", "--name-only") == "mine.md"
    a.git("commit", "-q", "-m", "the user's own commit")
    assert a.sync().ok
    world.settle()
    world.assert_nothing_lost()


# --- the user's git settings and messages that name the real cause ----------------------------------------


def fake_ssh(folder: Path, name: str, log: Path) -> Path:
    """An ssh stand-in that records how it was called and fails as a dead host does."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(
        f'#!/bin/sh\necho "$@" >> \'{log}\'\necho "ssh: connect to host example.invalid: Connection refused" >&2\n'
        "exit 255\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("where", ["core.sshCommand", "GIT_SSH_COMMAND"])
def test_the_users_ssh_command_is_kept(world: World, where: str) -> None:
    a = world.a
    log = world.tmp / "ssh-calls"
    wrapper = fake_ssh(world.tmp / "bin", "my-ssh-wrapper", log)
    named_ssh = fake_ssh(world.tmp / "sshbin", "ssh", log)
    a.git("remote", "set-url", "origin", "ssh://git@example.invalid/vault.git")
    for command, batch in ((f"{wrapper} -i /keys/vault", False), (f"{named_ssh} -F /dev/null", True)):
        log.unlink(missing_ok=True)
        env = {}
        if where == "core.sshCommand":
            a.git("config", "core.sshCommand", command)
        else:
            env["GIT_SSH_COMMAND"] = command
        a.write("note.md")
        result = a.sync(env=env)
        assert (result.state, result.ok) == ("offline", False), result
        assert "Connection refused" in result.message
        calls = log.read_text(encoding="utf-8")
        assert ("-i /keys/vault" in calls) != batch and ("-F /dev/null" in calls) == batch, calls
        assert ("BatchMode=yes" in calls) == batch, calls  # only ssh itself is given batch mode
    a.git("remote", "set-url", "origin", str(world.remote))
    a.git("config", "--unset", "core.sshCommand", check=False)
    world.settle()
    world.assert_nothing_lost()


def test_a_hanging_local_pre_push_hook_is_named_not_offline(world: World) -> None:
    a = world.a
    marker = f"vaultkit-pre-push-{os.getpid()}"
    install_hook(a.path / ".git" / "hooks" / "pre-push", f"exec sleep 300 # {marker}", world.env)
    a.write("note.md")
    result = a.sync(env=SHORT)
    assert not result.ok and result.state != "offline", result
    assert "pre-push hook" in result.message and "did not finish in 3 s" in result.message, result
    assert "did not answer" not in result.message and "unreachable" not in result.message
    no_stray_process(marker)
    (a.path / ".git" / "hooks" / "pre-push").unlink()
    world.settle()
    world.assert_nothing_lost()


def test_a_pre_push_refusal_is_named_not_offline(world: World) -> None:
    a = world.a
    install_hook(a.path / ".git" / "hooks" / "pre-push", "echo 'no pushing on fridays' >&2\nexit 1", world.env)
    a.write("note.md")
    result = a.sync()
    assert (result.state, result.ok) == ("refused", False), result
    assert "pre-push hook" in result.message and "no pushing on fridays" in result.message, result
    (a.path / ".git" / "hooks" / "pre-push").unlink()
    world.settle()
    world.assert_nothing_lost()


class Unauthorized(http.server.BaseHTTPRequestHandler):
    """An HTTP git server that asks every client for credentials."""

    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="vault"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def asking_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/vault.git"
    finally:
        server.shutdown()
        server.server_close()


def test_a_hanging_core_askpass_is_named(world: World, asking_server: str) -> None:
    a = world.a
    marker = f"vaultkit-askpass-{os.getpid()}"
    askpass = world.tmp / "ask.sh"
    askpass.write_text(f"#!/bin/sh\nexec sleep 300 # {marker}\n", encoding="utf-8")
    askpass.chmod(0o755)
    a.git("config", "core.askPass", str(askpass))
    a.git("remote", "set-url", "origin", asking_server)
    a.write("note.md")
    result = a.sync(env=SHORT)
    assert not result.ok and result.state != "offline", result
    assert "core.askPass" in result.message and str(askpass) in result.message, result
    assert "did not answer" not in result.message
    no_stray_process(marker)
    a.git("remote", "set-url", "origin", str(world.remote))
    a.git("config", "--unset", "core.askPass")
    world.settle()
    world.assert_nothing_lost()


def test_gpg_signing_without_a_key_keeps_gits_reason(world: World) -> None:
    a = world.a
    home = world.tmp / "gnupg"
    home.mkdir(mode=0o700)
    a.git("config", "commit.gpgsign", "true")
    a.git("config", "user.signingkey", "0xDEADBEEFDEADBEEF")
    a.write("note.md")
    head = a.head()
    result = a.sync(env={"GNUPGHOME": str(home)})
    assert (result.state, result.ok) == ("commit-failed", False), result
    assert "gpg failed to sign" in result.message, result
    assert a.head() == head and a.git("diff", "--cached", "--name-only") == ""
    a.git("config", "commit.gpgsign", "false")
    world.settle()
    world.assert_nothing_lost()


def test_unrelated_history_names_a_backup_ref_that_exists(world: World) -> None:
    a = world.a
    stranger = World(world.tmp / "elsewhere", seed={"other.md": "another history\n"})
    git(world.remote, "config", "receive.denyNonFastForwards", "false")
    git(world.remote, "fetch", "-q", str(stranger.remote), "+main:main", env=world.env)
    world.ledger.live.clear()  # the remote's history was replaced: nothing is expected to settle
    git(world.remote, "config", "receive.denyNonFastForwards", "true")
    a.write("mine.md")
    result = a.sync()
    assert (result.state, result.ok) == ("unrelated-history", False), result
    named = [word.rstrip(";,.") for word in result.message.split() if word.startswith("refs/vaultkit/backup/")]
    assert len(named) == 1, result
    assert a.git("rev-parse", "--verify", named[0]) == a.head()
    assert git(world.remote, "log", "--format=%s", "main").splitlines() == ["start"]  # never forced
    assert a.read("mine.md") in world.ledger.labels and a.git("status", "--porcelain") == ""


def test_the_default_commit_subject_counts_files(world: World) -> None:
    a = world.a
    a.write("one.md")
    assert a.sync().state == "pushed"
    a.write("two.md")
    a.write("three.md")
    assert a.sync().state == "pushed"
    subjects = a.log("-2")
    assert subjects[0].startswith("vault backup: ") and subjects[0].endswith(" (2 files)"), subjects
    assert subjects[1].endswith(" (1 file)"), subjects
    world.settle()
    world.assert_nothing_lost()


# --- push races are fetched, integrated and retried ------------------------------------------------------


def test_a_push_that_loses_the_race_at_the_remote_is_retried(world: World) -> None:
    """B pushes while the remote's pre-receive hook holds A's push: A's ref update fails at the remote
    (`failed to update ref`), which is a race to fetch and retry, not a refusal."""
    a, b = world.a, world.b
    marker = world.tmp / "raced"
    b.write("from b.md")
    b.git("add", "-A")
    b.git("commit", "-q", "-m", "b's commit")
    install_hook(
        world.remote / "hooks" / "pre-receive",
        f"cat > /dev/null\nif [ ! -e '{marker}' ]; then touch '{marker}'; git -C '{b.path}' push -q origin main; fi",
        world.env,
    )
    a.write("from a.md")
    result = a.sync()
    assert marker.exists()
    assert (result.state, result.ok) == ("pushed", True), result
    assert {"from a.md", "from b.md"} <= set(git(world.remote, "ls-tree", "--name-only", "main").splitlines())
    (world.remote / "hooks" / "pre-receive").unlink()
    world.settle()
    world.assert_nothing_lost()


def test_a_push_rejected_as_non_fast_forward_is_fetched_and_retried(world: World) -> None:
    """B pushes again between A's fetch and A's push (A's reference-transaction hook runs B's push when sync
    records its backup ref, after fetching): A's push is rejected client-side as non-fast-forward."""
    a, b = world.a, world.b
    marker = world.tmp / "raced"
    b.write("first from b.md")
    assert b.sync().state == "pushed"
    b.write("second from b.md")
    b.git("add", "-A")
    b.git("commit", "-q", "-m", "b's second commit")
    install_hook(
        a.path / ".git" / "hooks" / "reference-transaction",
        f"if [ \"$1\" = committed ] && grep -q refs/vaultkit/backup/ && [ ! -e '{marker}' ]; then\n"
        f"  touch '{marker}'; git -C '{b.path}' push -q origin main\nfi\nexit 0",
        world.env,
    )
    a.write("from a.md")
    result = a.sync()
    assert marker.exists()
    assert (result.state, result.ok) == ("pushed", True), result
    files = set(git(world.remote, "ls-tree", "--name-only", "main").splitlines())
    assert {"from a.md", "first from b.md", "second from b.md"} <= files
    (a.path / ".git" / "hooks" / "reference-transaction").unlink()
    world.settle()
    world.assert_nothing_lost()


def test_the_check_command_reports_no_clash_in_a_synced_vault(world: World) -> None:
    """A vault that went through sync without twins has no VK004."""
    world.a.write("Notes/a.md")
    assert world.a.sync().ok
    assert [f for f in world.a.check() if f["code"] == "VK004"] == []
