"""sync/companion.py as `vaultkit watch` runs it, with real clones of a real bare remote: stopping commits
and pushes, a failing git step is one event and never stops the linting, and two watches racing at a
slow remote both push everything."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watch_harness import Event, Watch, git, is_pushed, make_remote

pytestmark = pytest.mark.usefixtures("isolated_git")  # no global git configuration leaks in


@pytest.fixture
def watching() -> Iterator[Callable[..., Watch]]:
    started: list[Watch] = []

    def start(root: Path, *args: str) -> Watch:
        watch = Watch(root, "--debounce", "0.1", "--rescan", "3600", *args)
        started.append(watch)
        return watch

    yield start
    for watch in started:
        watch.kill()


def save(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def collect(watch: Watch, seconds: float) -> list[Event]:
    """Every event that comes within the next `seconds`."""
    taken: list[Event] = []
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        taken.extend(watch.quiet(min(remaining, 0.2), timeout=seconds + 5))
    return taken


def stop(watch: Watch, how: str) -> list[Event]:
    """Stop watch as a user does; return every event it printed, asserting how it ended."""
    if how == "ctrl-c":
        watch.interrupt()
    else:
        watch.terminate()
    code = watch.wait(timeout=60)
    watch.rest()
    events = watch.seen
    assert code == 0, watch.stderr
    assert "Traceback" not in watch.stderr and "internal error" not in watch.stderr, watch.stderr
    assert events[-1]["event"] == "stopped", events[-5:]
    assert [event["event"] for event in events].count("stopped") == 1
    return events


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_stopping_commits_and_pushes(tmp_path: Path, watching: Callable[..., Watch], how: str) -> None:
    config = "sync: {debounce: 0.3, max_delay: 1, pull_interval: 600}\n"  # no fetch of its own after the first
    remote, (clone,) = make_remote(tmp_path, {"笔记.md": "第一行\n", ".vaultkit.yaml": config}, ["a"])
    watch = watching(clone)
    watch.until("ready")
    away = remote.with_name("remote-away.git")
    remote.rename(away)  # offline: the next save is committed here and not pushed
    save(clone / "offline.md", "committed while offline\n")
    watch.until("sync", state="offline")
    away.rename(remote)  # back, but watch backs off and does not know yet
    save(clone / "日记" / "unsaved.md", "saved just before the stop\n")
    watch.until("checked")
    events = stop(watch, how)
    assert git(remote, "show", "main:offline.md") == "committed while offline"
    assert git(remote, "show", "main:日记/unsaved.md") == "saved just before the stop"
    assert is_pushed(clone, remote)
    assert git(clone, "status", "--porcelain") == ""
    syncs = [event for event in events if event["event"] == "sync"]
    assert syncs[-1]["state"] == "pushed", syncs


HOOK_MESSAGE = "pre-commit: notes must be reviewed first"


@pytest.mark.parametrize("failure", ["file-git-refuses", "failing-hook"])
def test_a_failing_git_step_is_one_event_and_linting_goes_on(
    tmp_path: Path, watching: Callable[..., Watch], failure: str
) -> None:
    verify = "true" if failure == "failing-hook" else "false"
    config = f"sync: {{debounce: 0.2, max_delay: 1, pull_interval: 1, verify: {verify}}}\n"
    remote, (clone,) = make_remote(tmp_path, {"笔记.md": "第一行\n", ".vaultkit.yaml": config}, ["a"])
    if failure == "failing-hook":
        hook = clone / ".git" / "hooks" / "pre-commit"
        save(hook, f"#!/bin/sh\necho '{HOOK_MESSAGE}' >&2\nexit 1\n")
        hook.chmod(0o755)
        reason = HOOK_MESSAGE
        save(clone / "needs review.md", "a note the hook refuses\n")
    else:  # a filter that is configured but not installed (git-lfs): git refuses the file
        for key, value in (("filter.lfs.process", "git-lfs filter-process"), ("filter.lfs.required", "true")):
            git(clone, "config", key, value)
        save(clone / ".gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n")
        reason = "photo.bin"
        (clone / "photo.bin").write_bytes(os.urandom(2000))
    watch = watching(clone)
    watch.until("ready")
    events = collect(watch, 6.0)  # six fetch intervals: every retry would be a chance to repeat itself
    naming = [event for event in events if event["event"] == "sync" and reason in json.dumps(event, ensure_ascii=False)]
    assert len(naming) == 1, [event for event in events if event["event"] == "sync"]
    assert watch.process.poll() is None, watch.stderr
    save(clone / "still linted.md", "[[nowhere at all]]\n")
    added = watch.until("added", path="still linted.md")[-1]
    assert (added["line"], added["column"], added["code"]) == (1, 1, "LK001")
    stop(watch, "sigterm")
    assert watch.stderr == ""
    if failure == "failing-hook":  # every commit is refused: nothing reaches the remote, nothing is lost
        assert git(remote, "ls-tree", "--name-only", "main").splitlines() == [".vaultkit.yaml", "笔记.md"]
        assert (clone / "needs review.md").read_text(encoding="utf-8") == "a note the hook refuses\n"


def slow_remote(remote: Path, markers: Path) -> None:
    """A pre-receive hook that holds the first push until a second one has arrived, then lets the first
    through: the second was accepted against the old tip and fails with `failed to update ref`."""
    markers.mkdir()
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        "cat >/dev/null\n"
        f"if mkdir '{markers}/first' 2>/dev/null; then\n"
        f"  i=0; while [ ! -d '{markers}/second' ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done\n"
        f"elif mkdir '{markers}/second' 2>/dev/null; then\n"
        "  sleep 0.6\n"
        "fi\n"
        "sleep 0.3\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)


def test_two_watches_racing_at_a_slow_remote_both_push_everything(
    tmp_path: Path, watching: Callable[..., Watch]
) -> None:
    config = "sync: {debounce: 0.2, max_delay: 1, pull_interval: 1}\n"
    remote, clones = make_remote(tmp_path, {"笔记.md": "第一行\n", ".vaultkit.yaml": config}, ["a", "b"])
    slow_remote(remote, tmp_path / "markers")
    watches = [watching(clone) for clone in clones]
    for watch in watches:
        watch.until("ready", timeout=30)
    written: list[str] = []
    for round_ in range(3):
        for clone in clones:
            name = f"{clone.name} {round_}.md"
            save(clone / name, f"from {clone.name}, round {round_}\n")
            written.append(name)
        time.sleep(1.0)
    deadline = time.monotonic() + 60
    while True:
        on_remote = set(git(remote, "ls-tree", "--name-only", "main").splitlines())
        if set(written) <= on_remote and all(is_pushed(clone, remote) for clone in clones):
            break
        for watch in watches:
            watch.quiet(0.25)  # take the events told so far
        assert time.monotonic() < deadline, (
            f"not everything pushed within 60 s: remote holds {sorted(on_remote)};"
            f" sync events: {[(w.process.pid, e) for w in watches for e in w.seen if e['event'] == 'sync']}"
        )
    assert (tmp_path / "markers" / "second").is_dir(), "the two pushes never raced"
    for watch in watches:
        watch.terminate()
    for watch in watches:
        assert watch.wait(timeout=60) == 0, watch.stderr
        watch.rest()
        events = watch.seen
        assert events[-1]["event"] == "stopped", events[-5:]
        assert "Traceback" not in watch.stderr, watch.stderr
    for clone in clones:
        assert is_pushed(clone, remote)
        assert git(clone, "status", "--porcelain") == ""
    assert os.listdir(remote / "refs" / "heads") == ["main"]
