"""`vaultkit watch` with a real observer and real file writes, read as its jsonl events."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import LineReader, Run, cached_lines, stop, write_vault

Event = dict[str, Any]
TIMEOUT = 20.0  # an event that takes longer than this is not coming


class Watch:
    """A running `vaultkit watch --format jsonl`, its events read by a thread."""

    def __init__(self, root: Path, *args: str) -> None:
        command = [sys.executable, "-m", "vaultkit", "watch", "--vault", str(root), "--format", "jsonl"]
        self.process = subprocess.Popen(
            [*command, "--debounce", "0.1", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines = LineReader(self.process.stdout)

    def until(self, kind: str, timeout: float = TIMEOUT) -> list[Event]:
        """Every event up to and including the next one of `kind`."""
        lines = self.lines.until(lambda line: json.loads(line)["event"] == kind, timeout)
        return [json.loads(line) for line in lines]

    def quiet(self, seconds: float = 1.0) -> list[Event]:
        """Every event until none comes for `seconds`."""
        return [json.loads(line) for line in self.lines.quiet(seconds)]

    def stop(self) -> int:
        return stop(self.process)


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Callable[..., Watch]]:
    started: list[Watch] = []

    def start(root: Path, *args: str) -> Watch:
        watch = Watch(root, *args)
        started.append(watch)
        return watch

    yield start
    for watch in started:
        if watch.process.poll() is None:
            watch.process.kill()
            watch.process.wait()


def changes(events: list[Event]) -> list[tuple[str, str, int, int, str]]:
    return [
        (e["event"], e["path"], e["line"], e["column"], e["code"]) for e in events if e["event"] in ("added", "removed")
    ]


def save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "v", {"a.md": "# A\n[[b]] [[b#Two]]\n", "b.md": "# B\n"})


def test_ready_then_in_place_save(root: Path, watching: Callable[..., Watch]) -> None:
    watch = watching(root)
    first = watch.until("ready")
    assert changes(first) == [("added", "a.md", 2, 7, "LK002")]
    assert first[-1] == {"event": "ready", "notes": 2, "findings": 1}
    save(root / "b.md", "# B\n## Two\n")
    events = watch.until("checked")
    assert changes(events) == [("removed", "a.md", 2, 7, "LK002")]
    assert events[-1]["paths"] == ["b.md"] and events[-1]["elapsed_ms"] >= 0
    assert watch.stop() == 0


def test_temp_file_and_rename(root: Path, watching: Callable[..., Watch]) -> None:
    watch = watching(root)
    watch.until("ready")
    save(root / ".b.md.tmp123", "# B\n## Two\n[[nowhere]]\n")
    os.replace(root / ".b.md.tmp123", root / "b.md")
    events = watch.until("checked")
    assert changes(events) == [("removed", "a.md", 2, 7, "LK002"), ("added", "b.md", 3, 1, "LK001")]
    save(root / "b.md.tmp", "[[also nowhere]]")  # an editor's temp file that is never renamed
    (root / "b.md.tmp").unlink()
    assert changes(watch.quiet()) == []
    assert watch.stop() == 0


def test_vim_style_save(root: Path, watching: Callable[..., Watch]) -> None:
    watch = watching(root)
    watch.until("ready")
    save(root / "4913", "")  # vim checks it may create files here
    (root / "4913").unlink()
    os.rename(root / "b.md", root / "b.md~")  # the backup
    save(root / "b.md", "# B\n## Two\n")
    (root / "b.md~").unlink()
    events = watch.until("checked") + watch.quiet(0.5)
    assert changes(events) == [("removed", "a.md", 2, 7, "LK002")]
    assert all(e.get("path") in (None, "a.md", "b.md") for e in events)
    assert watch.stop() == 0


def test_deleting_and_recreating_a_linked_note(root: Path, watching: Callable[..., Watch]) -> None:
    watch = watching(root)
    watch.until("ready")
    (root / "b.md").unlink()
    assert changes(watch.until("checked")) == [
        ("removed", "a.md", 2, 7, "LK002"),
        ("added", "a.md", 2, 1, "LK001"),
        ("added", "a.md", 2, 7, "LK001"),
    ]
    save(root / "b.md", "# B\n## Two\n")
    assert changes(watch.until("checked")) == [("removed", "a.md", 2, 1, "LK001"), ("removed", "a.md", 2, 7, "LK001")]
    assert watch.stop() == 0


def test_the_cache_watch_leaves_knows_where_links_lead_after_a_folder_moved(
    tmp_path: Path, watching: Callable[..., Watch], cli: Callable[..., Run]
) -> None:
    # watch moves the link facts of a.md to b's new path without checking a.md again; the next check
    # must learn from the cache that a.md depends on Moved/b.md
    root = write_vault(tmp_path / "v", {"a.md": "# A\n[[b#Two]]\n", "Sub/b.md": "# B\n## Two\n"})
    watch = watching(root)
    watch.until("ready")
    (root / "Sub").rename(root / "Moved")
    assert changes(watch.until("checked")) == []
    assert watch.stop() == 0
    save(root / "Moved" / "b.md", "# B\n## Three\n")
    assert cached_lines(cli, root) == ["a.md:2:1: LK002 heading 'Two' not found in [[b]]"]


def test_a_burst_of_writes_is_a_handful_of_checks(root: Path, watching: Callable[..., Watch]) -> None:
    watch = watching(root)
    watch.until("ready")
    for number in range(1000):
        save(root / f"burst {number % 50}.md", f"[[b]] write {number}\n")
    events = watch.quiet(1.5)
    checks = [e for e in events if e["event"] == "checked"]
    assert 1 <= len(checks) <= 10
    assert changes(events) == []
    assert watch.stop() == 0


def test_editing_checks_reloads(root: Path, watching: Callable[..., Watch]) -> None:
    save(root / ".vaultkit.yaml", "checks: checks\n")
    (root / "checks").mkdir()  # a folder the configuration names must exist (an error otherwise)
    watch = watching(root)
    watch.until("ready")
    save(root / "checks" / "fm.yaml", "kind: frontmatter\nschema: {type: object, required: [title]}\n")
    events = watch.until("checked")
    assert {"event": "notice", "message": "configuration reloaded"} in events
    assert sorted(changes(events)) == [("added", "a.md", 1, 1, "FM004"), ("added", "b.md", 1, 1, "FM004")]
    save(root / "checks" / "fm.yaml", "kind: nonsense\n")
    bad = watch.until("error")
    assert "configuration not reloaded" in bad[-1]["message"] and "checks/fm.yaml" in bad[-1]["message"]
    assert watch.stop() == 0


def test_plain_folder_no_config_no_git_text_output(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "plain", {"n.md": "[[gone]]\n"})
    process = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", "--vault", str(root)], stdout=subprocess.PIPE, text=True
    )
    try:
        first, summary, watching = LineReader(process.stdout).next(3)
    finally:
        assert stop(process) == 0
    assert first == "n.md:1:1: LK001 unresolved link: no note named 'gone'\n"
    assert re.fullmatch(r"1 error, 0 warnings in 1 note \(\d+ ms\)\n", summary), summary
    assert watching == f"watching {root} (Ctrl-C to stop)\n"


def test_hostile_file_system_events(tmp_path: Path, watching: Callable[..., Watch]) -> None:
    root = write_vault(tmp_path / "v", {"index.md": "[[box/n7]] [[flash]]\n"})
    folder = write_vault(tmp_path / "staging" / "box", {f"n{i}.md": f"[[n{i + 1}]]\n" for i in range(1000)})
    watch = watching(root)
    assert changes(watch.until("ready")) == [
        ("added", "index.md", 1, 1, "LK001"),
        ("added", "index.md", 1, 12, "LK001"),
    ]
    save(root / "flash.md", "")  # appears and vanishes within one window
    (root / "flash.md").unlink()
    assert changes(watch.quiet(0.8)) == []
    shutil.move(folder, root / "box")  # a folder of 1,000 notes arrives at once
    events = watch.until("checked") + watch.quiet(0.8)
    assert changes(events) == [("removed", "index.md", 1, 1, "LK001"), ("added", "box/n999.md", 1, 1, "LK001")]
    os.rename(root / "box", root / "crate")  # and is renamed
    events = watch.until("checked") + watch.quiet(0.8)
    assert sorted(changes(events)) == [
        ("added", "crate/n999.md", 1, 1, "LK001"),
        ("added", "index.md", 1, 1, "LK001"),
        ("removed", "box/n999.md", 1, 1, "LK001"),
    ]
    shutil.rmtree(root)  # the vault itself disappears
    assert watch.process.wait(timeout=TIMEOUT) == 2
    assert any("is gone" in e.get("message", "") for e in watch.quiet(0.2))


def run_in_process(root: Path, options: Any, act: Callable[[list[str], Any], None]) -> list[Event]:
    """Run the watch loop here (it owns the signal handlers, so the main thread) while `act` edits."""
    from vaultkit.config import load_config
    from vaultkit.watch import Watcher

    out: list[str] = []
    watcher = Watcher(lambda: load_config(vault=root), options, out.append)

    def drive() -> None:
        try:
            act(out, watcher)
        finally:
            watcher.request_stop("SIGTERM")

    threading.Thread(target=drive, daemon=True).start()
    assert watcher.run() == 0
    return [json.loads(line) for chunk in out for line in chunk.splitlines()]


def wait_for(out: list[str], text: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in chunk for chunk in out):
        assert time.monotonic() < deadline, f"{text!r} never came: {out}"
        time.sleep(0.05)


def test_rescan_catches_lost_events(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vaultkit import watch

    monkeypatch.setattr(watch._Collector, "on_any_event", lambda self, event: None)  # every event lost

    def act(out: list[str], watcher: Any) -> None:
        wait_for(out, '"ready"')
        save(root / "b.md", "# B\n## Two\n")
        wait_for(out, '"removed"')

    options = watch.WatchOptions(output_format="jsonl", rescan=1, use_cache=False, sync=False)
    events = run_in_process(root, options, act)
    assert changes(events) == [("added", "a.md", 2, 7, "LK002"), ("removed", "a.md", 2, 7, "LK002")]


def test_polling_when_native_events_cannot_start(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vaultkit import watch

    class Exhausted(watch.Observer):  # type: ignore[misc, valid-type]
        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watch, "Observer", Exhausted)

    def act(out: list[str], watcher: Any) -> None:
        wait_for(out, '"ready"')
        save(root / "b.md", "# B\n## Two\n")
        wait_for(out, '"removed"')

    options = watch.WatchOptions(output_format="jsonl", use_cache=False, sync=False)
    events = run_in_process(root, options, act)
    assert {
        "event": "notice",
        "message": "native file events unavailable (inotify watch limit reached); polling",
    } in events
    assert ("removed", "a.md", 2, 7, "LK002") in changes(events)


WAKE_HAMMER = """
import signal
from vaultkit.watch import Wake
wake, runs = Wake(), []
def handler(number, frame):
    runs.append(number)
    wake.set()
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.0001, 0.0001)
while len(runs) < 3000:
    wake.wait(0.0001)
    wake.clear()
signal.setitimer(signal.ITIMER_REAL, 0)
print(len(runs))
"""


def test_the_signal_handler_can_wake_the_loop_at_any_instant() -> None:
    """Ctrl-C once hung watch for good (1 stop in ~25 under load): the handler's `Event.set()` waited for
    the lock that the `Event.wait()` it had interrupted held. 3,000 signals, each landing wherever the
    loop's wait and clear happen to be, each waking it (with threading.Event it hangs at once, 5 runs in 5)."""
    done = subprocess.run([sys.executable, "-c", WAKE_HAMMER], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout) >= 3000  # one more signal may land before the timer stops
