"""Sync with real git: a bare remote that refuses non-fast-forwards and two clones, A and B.

After every scenario: every version of a file a test saved is reachable from a ref somewhere, `git fsck`
is clean, and no MERGE_HEAD, rebase directory or index.lock is left behind.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from vaultkit import sync
from vaultkit.config import SyncSettings
from vaultkit.sync import Syncer, SyncLockedError, SyncReport, sync_once
from vaultkit.vault.names import CONFLICT_COPY_PATTERN

from conftest import LineReader, slow_except, stop

NOW = datetime(2026, 11, 24, 10, 15, 0)
STAMP = "20261124-101500"


pytestmark = pytest.mark.usefixtures("isolated_git")  # no global git configuration leaks in


def git(cwd: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=cwd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


class Clone:
    def __init__(self, path: Path, saved: list[bytes]) -> None:
        self.path = path
        self.saved = saved

    def write(self, name: str, text: str | bytes, record: bool = True) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if record:
            self.saved.append(data)

    def record_notes(self) -> None:
        """What a sync now will commit: every note as it is on disk."""
        self.saved.extend(path.read_bytes() for path in self.path.glob("*.md"))

    def read(self, name: str) -> bytes:
        return (self.path / name).read_bytes()

    def sync(self, settings: SyncSettings | None = None, timeout: float = 10.0) -> SyncReport:
        return sync_once(self.path, settings or SyncSettings(), now=NOW, network_timeout=timeout)

    def log(self) -> list[str]:
        return git(self.path, "log", "--format=%s").splitlines()

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Path, Clone, Clone]]:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(remote, "config", "receive.denyNonFastForwards", "true")
    saved: list[bytes] = []
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    identify(seed, "seed")
    (seed / "笔记.md").write_text("第一行\n第二行\n", encoding="utf-8")
    (seed / ".gitignore").write_text("ignored/\n", encoding="utf-8")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "start")
    git(seed, "push", "-q", str(remote), "main")
    clones = []
    for name in ("a", "b"):
        path = tmp_path / name
        git(tmp_path, "clone", "-q", str(remote), str(path))
        identify(path, name)
        clones.append(Clone(path, saved))
    saved.append("第一行\n第二行\n".encode())
    yield remote, clones[0], clones[1]
    assert_nothing_lost(saved, [remote, clones[0].path, clones[1].path])


def identify(repo: Path, name: str) -> None:
    git(repo, "config", "user.name", name)
    git(repo, "config", "user.email", f"{name}@example.com")


def assert_nothing_lost(saved: list[bytes], repos: list[Path]) -> None:
    reachable: set[str] = set()
    for repo in repos:
        if not (repo / ".git").exists() and repo.suffix != ".git":
            continue
        listed = git(repo, "rev-list", "--all", "--objects")
        reachable.update(line.split(" ", 1)[0] for line in listed.splitlines())
        assert subprocess.run(["git", "fsck", "--no-progress"], cwd=repo, capture_output=True).returncode == 0
        git_dir = repo if repo.suffix == ".git" else repo / ".git"
        for leftover in ("MERGE_HEAD", "rebase-merge", "rebase-apply", "index.lock"):
            assert not (git_dir / leftover).exists(), f"{leftover} left in {repo}"
    for data in saved:
        oid = (
            subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True)
            .stdout.decode()
            .strip()
        )
        assert oid in reachable, f"a saved version is not reachable from any ref: {data[:60]!r}"


def test_edit_commit_push_and_fast_forward(world: tuple[Path, Clone, Clone]) -> None:
    remote, a, b = world
    a.write("笔记.md", "第一行\n第二行\n第三行\n")
    report = a.sync()
    assert (report.state, report.ok, len(report.commits)) == ("pushed", True, 1)
    assert a.log() == ["vault backup: 2026-11-24 10:15:00 (1 file)", "start"]
    assert git(a.path, "log", "-1", "--format=%b").strip() == "M 笔记.md"
    assert git(remote, "rev-parse", "main") == a.head()
    pulled = b.sync()
    assert (pulled.state, pulled.ok, pulled.commits) == ("pulled", True, ())
    assert b.read("笔记.md") == "第一行\n第二行\n第三行\n".encode()
    assert b.head() == a.head()
    again = a.sync()
    assert (again.state, again.commits) == ("clean", ())
    assert len(a.log()) == 2


def test_offline_then_back(world: tuple[Path, Clone, Clone]) -> None:
    remote, a, _ = world
    away = remote.with_name("away.git")
    remote.rename(away)
    a.write("new.md", "written offline\n")
    report = a.sync()
    assert (report.state, report.ok) == ("offline", False)
    assert "committed locally 1 commit" in report.message and "unreachable" in report.message
    assert a.log()[0].startswith("vault backup")
    away.rename(remote)
    back = a.sync()
    assert (back.state, back.ok) == ("pushed", True)
    assert git(remote, "rev-parse", "main") == a.head()


def test_hanging_remote_is_cut_off(
    world: tuple[Path, Clone, Clone], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, a, _ = world
    marker = f"vaultkit-hang-{os.getpid()}"
    hang = tmp_path / "hang.sh"
    hang.write_text(f"#!/bin/sh\nexec sleep 300 # {marker}\n", encoding="utf-8")
    hang.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(hang))
    git(a.path, "remote", "set-url", "origin", "ssh://git@example.invalid/vault.git")
    a.write("x.md", "hello\n")
    started = time.monotonic()
    report = a.sync(timeout=1.5)
    assert (report.state, report.ok) == ("offline", False)
    assert "did not answer in 1.5 s" in report.message
    assert time.monotonic() - started < 30  # cut off, not hung
    stray = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    assert stray.stdout == "", "a git or ssh process outlived its time limit"


def test_push_race_fetches_merges_and_pushes(world: tuple[Path, Clone, Clone], monkeypatch: pytest.MonkeyPatch) -> None:
    remote, a, b = world
    b.write("from b.md", "b's note\n")
    a.write("from a.md", "a's note\n")
    raced = []

    def b_pushes_first(step: str) -> None:
        if step == "before-push" and not raced:
            raced.append(step)
            assert b.sync().state == "pushed"

    monkeypatch.setattr(sync.cycle, "fault", b_pushes_first)
    report = a.sync()
    assert (report.state, report.ok) == ("pushed", True)
    files = git(remote, "ls-tree", "--name-only", "main").splitlines()
    assert {"from a.md", "from b.md"} <= set(files)
    assert a.log()[0] == "vault sync: merge origin/main"


def test_server_hook_refusal_is_said_once(world: tuple[Path, Clone, Clone], tmp_path: Path) -> None:
    remote, a, _ = world
    calls = tmp_path / "hook-calls"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\necho call >> '{calls}'\necho 'no pushes today' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    a.write("n.md", "x\n")
    report = a.sync()
    assert (report.state, report.ok) == ("refused", False)
    assert "refused the push" in report.message
    assert calls.read_text().count("call") == 1  # no retry storm


def test_conflict_keeps_both(world: tuple[Path, Clone, Clone], cli_check: Callable[[Path], str]) -> None:
    remote, a, b = world
    b.write("笔记.md", "第一行\nB 的第二行\n")
    assert b.sync().state == "pushed"
    mine = "第一行\nA 的第二行\n"
    a.write("笔记.md", mine)
    git(a.path, "update-ref", "refs/vaultkit/backup/20250101-000000-old", "HEAD")  # a backup over 30 days old
    report = a.sync()
    copy = f"笔记.conflict-{STAMP}.md"
    assert (report.state, report.ok, report.conflicts) == ("conflict-kept-both", True, (copy,))
    assert a.read("笔记.md") == mine.encode()  # the open editor sees no change
    assert a.read(copy) == "第一行\nB 的第二行\n".encode()
    merge = git(a.path, "log", "-1", "--format=%P").split()
    assert len(merge) == 2 and git(a.path, "show", "HEAD:" + copy) == "第一行\nB 的第二行"
    backups = git(a.path, "for-each-ref", "--format=%(refname) %(objectname)", "refs/vaultkit/backup/").splitlines()
    assert backups == [f"refs/vaultkit/backup/{STAMP}-{merge[0][:12]} {merge[0]}"]  # the old one pruned
    for repo in (a.path, remote):
        assert "<<<<<<<" not in git(repo, "grep", "-I", "-c", "-e", "<<<<<<<", "HEAD", check=False)
    assert (a.path / copy).is_file() and not list(a.path.glob("*.orig"))
    assert f"{copy}:1:1: SY001" in cli_check(a.path)
    assert b.sync().state == "pulled" and b.read(copy) == a.read(copy)


def test_conflict_hold(world: tuple[Path, Clone, Clone]) -> None:
    remote, a, b = world
    b.write("笔记.md", "第一行\nB\n")
    b.sync()
    a.write("笔记.md", "第一行\nA\n")
    before = a.head()
    report = a.sync(SyncSettings(on_conflict="hold"))
    host = socket.gethostname()
    assert (report.state, report.ok) == ("held", False)
    assert f"vaultkit/conflict/{host}" in report.message
    assert a.read("笔记.md") == "第一行\nA\n".encode()
    assert not any(CONFLICT_COPY_PATTERN.search(p.name) for p in a.path.iterdir())
    committed = a.head()
    assert git(a.path, "rev-parse", "HEAD~1") == before  # only the local commit, no merge
    assert git(remote, "rev-parse", f"vaultkit/conflict/{host}") == committed


@pytest.mark.parametrize("situation", ["staged", "detached", "conflicted merge", "rebase"])
def test_user_operations_are_never_touched(world: tuple[Path, Clone, Clone], situation: str) -> None:
    _, a, b = world
    b.write("笔记.md", "第一行\nB\n")
    b.sync()
    if situation == "staged":
        a.write("staged.md", "mine to commit\n")
        git(a.path, "add", "staged.md")
        reason = "you have staged changes"
    elif situation == "detached":
        git(a.path, "checkout", "-q", "--detach")
        reason = "HEAD is detached"
    else:
        a.write("笔记.md", "第一行\nA\n")
        git(a.path, "commit", "-q", "-am", "mine")
        git(a.path, "fetch", "-q")
        if situation == "conflicted merge":
            git(a.path, "merge", "origin/main", check=False)
            reason = "a merge is in progress"
        else:
            git(a.path, "rebase", "origin/main", check=False)
            reason = "a rebase is in progress"
    a.write("later.md", "a later edit\n")
    before = {p.name: p.read_bytes() for p in a.path.iterdir() if p.is_file()}
    head, status = a.head(), git(a.path, "status", "--porcelain")
    report = a.sync()
    assert (report.state, report.ok) == ("precondition-failed", False)
    assert reason in report.message
    assert a.head() == head and git(a.path, "status", "--porcelain") == status
    assert {p.name: p.read_bytes() for p in a.path.iterdir() if p.is_file()} == before
    if situation in ("conflicted merge", "rebase"):  # the user's own operation, finished by the user
        git(a.path, "merge" if situation == "conflicted merge" else "rebase", "--abort")
    elif situation == "detached":
        git(a.path, "checkout", "-q", "main")
    else:
        git(a.path, "commit", "-q", "-m", "user's own commit")
    assert a.sync().ok  # and then sync goes on


def test_no_upstream_and_upstream_gone(world: tuple[Path, Clone, Clone]) -> None:
    remote, a, _ = world
    git(a.path, "switch", "-q", "-c", "local-only")
    a.write("l.md", "local\n")
    report = a.sync()
    assert (report.state, report.ok) == ("no-upstream", True)
    assert "has no upstream" in report.message and len(report.commits) == 1
    git(a.path, "switch", "-q", "main")
    git(remote, "branch", "-q", "-m", "main", "renamed")
    git(remote, "symbolic-ref", "HEAD", "refs/heads/renamed")
    a.write("m.md", "after the upstream went away\n")
    gone = a.sync()
    assert (gone.state, gone.ok) == ("upstream-gone", True)
    assert "no longer exists" in gone.message and len(gone.commits) == 1


def test_foreign_index_lock_is_waited_for_and_kept(world: tuple[Path, Clone, Clone]) -> None:
    _, a, _ = world
    lock = a.path / ".git" / "index.lock"
    lock.write_text("someone else's", encoding="utf-8")
    a.write("n.md", "x\n")
    report = a.sync()
    assert (report.state, report.ok) == ("locked", False)
    assert str(lock) in report.message
    assert lock.read_text(encoding="utf-8") == "someone else's"
    lock.unlink()  # the user's git finished
    assert a.sync().state == "pushed"


STEPS = ["after-add", "after-commit", "after-fetch", "after-merge-commit", "after-read-tree", "after-update-ref",
         "before-push", "after-push"]  # fmt: skip


@pytest.mark.parametrize("step", slow_except(STEPS, {"after-add", "after-merge-commit"}))  # the rest: scenarios
def test_killed_at_each_step_recovers(world: tuple[Path, Clone, Clone], step: str) -> None:
    remote, a, b = world
    b.write("from b.md", "b\n")
    b.sync()
    a.write("from a.md", "a\n")
    env = {**os.environ, sync.state.FAULT_VARIABLE: step}
    command = [sys.executable, "-m", "vaultkit", "sync", "--vault", str(a.path), "--format", "json"]
    killed = subprocess.run(command, env=env, capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    recovered = a.sync()
    assert recovered.ok, recovered
    assert git(remote, "rev-parse", "main") == a.head()
    assert {"from a.md", "from b.md"} <= set(git(a.path, "ls-tree", "--name-only", "HEAD").splitlines())
    assert git(a.path, "status", "--porcelain") == ""
    assert not (a.path / ".git" / "vaultkit" / "journal.json").exists()


def test_file_written_during_commit_and_temp_files(
    world: tuple[Path, Clone, Clone], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, a, _ = world
    a.write("draft.md", "first bytes\n")
    a.write(".draft.md.tmp", "an atomic save in flight\n")
    a.saved.pop()  # a temp file is not a version the user saved
    a.write("draft.md~", "vim's backup\n")
    a.saved.pop()

    def still_writing(step: str) -> None:
        if step == "after-add":
            a.write("draft.md", "final bytes\n")

    monkeypatch.setattr(sync.cycle, "fault", still_writing)
    assert a.sync().state == "pushed"
    assert git(a.path, "show", "HEAD:draft.md") == "first bytes"
    monkeypatch.setattr(sync.cycle, "fault", lambda step: None)
    assert a.sync().state == "pushed"
    assert git(a.path, "show", "HEAD:draft.md") == "final bytes"
    tracked = git(a.path, "ls-files").splitlines()
    assert ".draft.md.tmp" not in tracked and "draft.md~" not in tracked


def test_large_file_and_nested_repository_are_skipped(world: tuple[Path, Clone, Clone]) -> None:
    _, a, _ = world
    with open(a.path / "video.bin", "wb") as big:
        big.truncate(150 * 1024 * 1024)
    nested = a.path / "other-project"
    git(a.path, "init", "-q", str(nested))
    (nested / "README.md").write_text("its own repository\n", encoding="utf-8")
    a.write("note.md", "the rest is committed\n")
    report = a.sync()
    assert report.state == "pushed"
    assert any("video.bin" in n and "max_file_size" in n for n in report.notices)
    assert any("other-project" in n and "nested git repository" in n for n in report.notices)
    assert git(a.path, "ls-files").splitlines() == [".gitignore", "note.md", "笔记.md"]


def test_unrelated_history_stops_and_keeps_everything(world: tuple[Path, Clone, Clone], tmp_path: Path) -> None:
    remote, a, _ = world
    stranger = tmp_path / "stranger"
    git(tmp_path, "init", "-q", "-b", "main", str(stranger))
    identify(stranger, "stranger")
    (stranger / "other.md").write_text("another history\n", encoding="utf-8")
    git(stranger, "add", "-A")
    git(stranger, "commit", "-q", "-m", "unrelated")
    git(remote, "config", "receive.denyNonFastForwards", "false")
    git(stranger, "push", "-q", "--force", str(remote), "main")
    git(remote, "config", "receive.denyNonFastForwards", "true")
    a.write("mine.md", "my work\n")
    report = a.sync()
    assert (report.state, report.ok) == ("unrelated-history", False)
    assert "nothing forced" in report.message
    assert git(remote, "log", "--format=%s", "main").splitlines() == ["unrelated"]  # never forced
    assert git(a.path, "log", "-1", "--format=%s").startswith("vault backup")


def test_one_vaultkit_per_repository(world: tuple[Path, Clone, Clone], tmp_path: Path) -> None:
    _, a, _ = world
    first = Syncer(a.path, SyncSettings(), lambda report: None)
    try:
        with pytest.raises(SyncLockedError):
            Syncer(a.path, SyncSettings(), lambda report: None)
        assert a.sync().state == "locked"
        watch = subprocess.run(
            [sys.executable, "-m", "vaultkit", "watch", "--vault", str(a.path), "--format", "jsonl"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert watch.returncode == 2 and "already running" in watch.stdout
    finally:
        first.shutdown()
    assert a.sync().ok


def test_syncer_in_watch(world: tuple[Path, Clone, Clone]) -> None:
    """Commits after quiet, pulls without committing what the pull wrote, commits and pushes on shutdown."""
    remote, a, b = world
    clock = [1000.0]
    reports: list[SyncReport] = []
    settings = SyncSettings(debounce=2, max_delay=30, pull_interval=60)
    syncer = Syncer(a.path, settings, reports.append, clock=lambda: clock[0])
    try:
        syncer.tick()  # the first tick fetches
        syncer.wait()
        a.write("n.md", "one\n")
        syncer.notify_changed([a.path / "n.md"])
        clock[0] += 1
        syncer.tick()
        syncer.wait()
        assert len(a.log()) == 1  # not quiet long enough yet
        clock[0] += 2
        syncer.tick()
        syncer.wait()
        assert len(a.log()) == 2 and reports[-1].state == "pushed"
        for number in range(10):
            b.write(f"pulled {number}.md", f"from b {number}\n")
        assert b.sync().state == "pushed"
        clock[0] += 61
        syncer.tick()
        syncer.wait()
        assert (a.path / "pulled 9.md").is_file()
        pulled_head = a.head()
        syncer.notify_changed([a.path / f"pulled {n}.md" for n in range(10)])  # watch hears the pull
        clock[0] += 3
        syncer.tick()
        syncer.wait()
        assert a.head() == pulled_head  # pulling 10 files causes no commit
        a.write("unsaved.md", "written just before SIGTERM\n")
        syncer.notify_changed([a.path / "unsaved.md"])
    finally:
        syncer.shutdown()
    assert git(a.path, "show", "HEAD:unsaved.md") == "written just before SIGTERM"
    assert git(a.path, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")  # and pushed on shutdown
    assert a.sync().state == "clean"


def soak(world: tuple[Path, Clone, Clone], seconds: float, seed: int) -> None:
    remote, a, b = world
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    names = [f"n{i}.md" for i in range(8)]
    step = 0
    while time.monotonic() < deadline:
        step += 1
        clone = rng.choice((a, b))
        action = rng.random()
        existing = [p.name for p in clone.path.glob("*.md")]
        if action < 0.45 or not existing:  # an overwrite before the next sync is the user's own loss
            clone.write(rng.choice(names), f"{clone.path.name} step {step} {rng.random()}\n", record=False)
        elif action < 0.6:
            old = rng.choice(existing)
            (clone.path / old).rename(clone.path / rng.choice(names))
        elif action < 0.7:
            (clone.path / rng.choice(existing)).unlink()
        elif action < 0.8:
            flapped = remote.with_name("flap.git")
            if remote.exists():
                remote.rename(flapped)
            else:
                flapped.rename(remote)
        else:
            clone.record_notes()
            report = clone.sync(timeout=5)
            assert report.state in ("pushed", "pulled", "clean", "conflict-kept-both", "offline"), report
    if not remote.exists():
        remote.with_name("flap.git").rename(remote)
    for _ in range(4):
        for clone in (a, b):
            clone.record_notes()
            report = clone.sync()
            assert report.ok, report
    assert a.head() == b.head() == git(remote, "rev-parse", "main")
    assert git(a.path, "status", "--porcelain") == git(b.path, "status", "--porcelain") == ""


def test_soak_short(world: tuple[Path, Clone, Clone]) -> None:
    soak(world, seconds=4, seed=7)


@pytest.mark.slow
def test_soak_long(world: tuple[Path, Clone, Clone]) -> None:
    soak(world, seconds=240, seed=11)


@pytest.fixture
def cli_check(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], str]:
    def run(root: Path) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "vaultkit", "check", "--vault", str(root), "--no-cache"],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout

    return run


def test_sync_command_outputs(world: tuple[Path, Clone, Clone]) -> None:
    _, a, _ = world
    a.write("cli.md", "through the command line\n")
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "sync", "--vault", str(a.path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert '"state": "pushed"' in done.stdout
    text = subprocess.run(
        [sys.executable, "-m", "vaultkit", "sync", "--vault", str(a.path)], capture_output=True, text=True, check=False
    )
    assert text.returncode == 0 and text.stdout.startswith("vaultkit sync: clean: ")
    shutil.rmtree(a.path / ".git")
    gone = subprocess.run(
        [sys.executable, "-m", "vaultkit", "sync", "--vault", str(a.path)], capture_output=True, text=True, check=False
    )
    assert gone.returncode == 1 and "not in a git repository" in gone.stdout


def test_watch_syncs_and_reports(world: tuple[Path, Clone, Clone]) -> None:
    """`vaultkit watch` in a clone: a save is committed and pushed after sync.debounce, as an event."""
    remote, a, _ = world
    a.write(".vaultkit.yaml", "sync: {debounce: 0.3, max_delay: 5, pull_interval: 300}\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", "--vault", str(a.path), "--format", "jsonl", "--debounce", "0.1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        events = LineReader(process.stdout)
        events.until(lambda line: '"ready"' in line)
        a.write("from watch.md", "saved while watching\n")
        pushed = events.until(lambda line: '"event": "sync"' in line)[-1]
        assert json.loads(pushed)["state"] == "pushed", pushed
        assert git(remote, "show", "main:from watch.md") == "saved while watching"
    finally:
        assert stop(process) == 0


def test_vault_in_a_subfolder_commits_only_the_vault(world: tuple[Path, Clone, Clone]) -> None:
    remote, a, _ = world
    a.write("garden/note.md", "in the vault\n")
    a.write("tools/script.py", "print('not part of the vault')\n")
    a.saved.pop()  # not a vault file: sync leaves it to the user
    report = sync_once(a.path / "garden", SyncSettings(), now=NOW)
    assert report.state == "pushed"
    assert git(remote, "ls-tree", "-r", "--name-only", "main").splitlines() == [
        ".gitignore",
        "garden/note.md",
        "笔记.md",
    ]
    assert git(a.path, "status", "--porcelain") == "?? tools/"
    (a.path / "tools" / "script.py").unlink()
    (a.path / "tools").rmdir()


def test_commit_message_template_is_checked(tmp_path: Path) -> None:
    from vaultkit.config import load_config
    from vaultkit.model import ConfigError

    (tmp_path / ".vaultkit.yaml").write_text("sync: {commit_message: 'backup {when}'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'sync.commit_message': only \{date\} and \{count\}"):
        load_config(vault=tmp_path)
