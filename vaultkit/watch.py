"""`vaultkit watch`: a watchdog observer feeding the incremental workspace; findings follow every save.

Events are hints about paths, never facts about folders. They are filtered (git, hidden files,
editors' temp/swap/backup files, and a folder's own "modified" event, which only says that something in
it changed — that something has an event of its own; excluded paths pass, as link targets), coalesced
until `debounce` seconds pass without one, and the paths they name are looked at again on disk: a temp
file written and renamed over a note within one window is simply a change of the note; one created and
removed is nothing; a folder moved or deleted is confirmed on disk before its notes are dropped. A
periodic full rescan catches what events missed. The engine knows nothing of watchdog or git; this
module wires them together.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from watchdog import events
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from vaultkit.config import CONFIG_NAMES, Config, Selection, load_config, with_nested
from vaultkit.engine import Workspace
from vaultkit.engine.paths import report_set
from vaultkit.model import ConfigError, Finding
from vaultkit.report import finding_dict, summary, text_line
from vaultkit.vault import scan_vault
from vaultkit.vault.names import TEMP_FILE, left_out

# watchdog says what it does on its own threads (a folder moved while it adds watches, an emitter stopping
# on a reload) as warnings and log records; they are not the user's business, and never a finding
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"watchdog\.")
logging.getLogger("watchdog").addHandler(logging.NullHandler())
logging.getLogger("watchdog").propagate = False

MAX_WAIT = 2.0  # under a stream of events, re-check at least this often (seconds)
IDLE_SLICE = 0.05  # reading notes between events holds a change back at most this long (seconds)


class Companion(Protocol):
    """Something that rides along with watch (sync): told of changes, ticked, shut down."""

    def notify_changed(self, paths: Iterable[Path]) -> None: ...

    def tick(self) -> None:
        """Called about once a second: start whatever is due (the companion keeps its own clock)."""

    def shutdown(self) -> str | None:
        """Finish: commit and push within a time limit; return the last state, for the `stopped` event."""


@dataclass
class WatchOptions:
    output_format: str = "text"  # text | jsonl
    debounce: float = 0.2
    rescan: float = 300.0
    polling: bool = False
    use_cache: bool = True
    select: set[str] | None = None
    ignore: set[str] = field(default_factory=set)
    sync: bool = True  # on when the vault is in a git repository with a branch


class Wake:
    """The main loop's wake-up call, given by the observer's threads and by the signal handler. A signal
    handler runs on the main thread between two steps of whatever it was doing, so it must take no lock
    the main thread may hold: `threading.Event.set()` takes the lock the main loop's `Event.wait()` holds
    for an instant, and a Ctrl-C arriving in that instant hung watch for good. `SimpleQueue.put()` is
    reentrant (Python's documentation: safe where a call interrupts another in the same thread)."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[None] = queue.SimpleQueue()

    def set(self) -> None:
        self._calls.put(None)

    def wait(self, timeout: float) -> None:
        """Until a call comes or `timeout` s have passed."""
        with contextlib.suppress(queue.Empty):
            self._calls.get(timeout=timeout)

    def clear(self) -> None:
        while not self._calls.empty():
            self._calls.get_nowait()


# The events that can mean a change. Not a file opened or closed unwritten: vaultkit's own reads are
# those, two per note read, and the observer's thread would take them in (on inotify, the kernel is not
# even asked for them).
CHANGES: list[type[FileSystemEvent]] = [
    events.FileCreatedEvent,
    events.DirCreatedEvent,
    events.FileModifiedEvent,
    events.FileClosedEvent,
    events.FileDeletedEvent,
    events.DirDeletedEvent,
    events.FileMovedEvent,
    events.DirMovedEvent,
]


class _Collector(FileSystemEventHandler):
    """Runs on the observer's thread: keeps the paths events name, wakes the main loop."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paths: set[str] = set()
        self.last_event = 0.0
        self.first_event = 0.0
        self.wake = Wake()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory and event.event_type == "modified":
            return  # something in the folder changed, and that has an event of its own
        names = [event.src_path, getattr(event, "dest_path", "")]
        with self.lock:
            now = time.monotonic()
            if not self.paths:
                self.first_event = now
            self.paths.update(os.fsdecode(name) for name in names if name)
            self.last_event = now
        self.wake.set()

    def take(self) -> set[str]:
        with self.lock:
            taken, self.paths = self.paths, set()
            self.wake.clear()
            return taken


class Watcher:
    def __init__(
        self,
        load: Callable[[], Config],
        options: WatchOptions,
        write: Callable[[str], None],
        companion: Companion | None = None,
    ) -> None:
        self.load = load
        self.options = options
        self.output_lock = threading.Lock()  # sync reports come from another thread
        self.write = self._locked(write)
        self.companion = companion
        self.config = load()
        self.stopped_by: str | None = None  # what stopped watch (a signal's name)
        self.collector = _Collector()
        self.current: dict[str, set[Finding]] = {}
        self.workspace = self._workspace(self.config)
        self.observer: Any = None

    def _workspace(self, config: Config) -> Workspace:
        return Workspace(config, use_cache=self.options.use_cache, tracking=True)

    def _selection(self) -> Selection:
        return Selection.of(self.config, self.options.select, self.options.ignore)

    # --- the loop ---------------------------------------------------------------------------------

    def run(self) -> int:
        """Watch until SIGINT/SIGTERM; return the exit code. On a signal: finish the step in hand, let
        the companion commit and push (within its time limit), then say `stopped` and exit 0."""
        self._start_observer()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._on_signal)
        code = 0
        sync_state: str | None = None
        try:
            self._full_check(initial=True)
            next_rescan = time.monotonic() + self.options.rescan
            while self.stopped_by is None:
                idle = self.workspace.unread and not self.collector.paths  # notes only the cache knew
                self.collector.wake.wait(timeout=0 if idle else self._sleep(next_rescan))
                now = time.monotonic()
                if self.companion is not None:
                    self.companion.tick()
                if not self.config.vault.is_dir():
                    self._say("error", f"vault folder {self.config.vault} is gone; stopping")
                    code = 2
                    break
                if self._quiet_enough(now):
                    self._process(self.collector.take())
                elif idle:
                    self.workspace.read_idle(IDLE_SLICE)
                if now >= next_rescan:
                    self._full_check()
                    next_rescan = now + self.options.rescan
        finally:
            self._stop_observer()
            if self.companion is not None:
                sync_state = self.companion.shutdown()
            self.workspace.save()
        if self.stopped_by is not None:
            self._stopped(self.stopped_by, sync_state)
        return code

    def _sleep(self, next_rescan: float) -> float:
        now = time.monotonic()
        waits = [max(0.0, next_rescan - now), 1.0]  # a tick a second for the companion
        if self.collector.paths:
            waits.append(max(0.0, self.collector.last_event + self.options.debounce - now))
        return min(waits)

    def _quiet_enough(self, now: float) -> bool:
        collector = self.collector
        with collector.lock:
            if not collector.paths:
                return False
            quiet = now - collector.last_event >= self.options.debounce
            waited_too_long = now - collector.first_event >= max(MAX_WAIT, self.options.debounce)
            return quiet or waited_too_long

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        if self.stopped_by is not None:  # asked again while stopping: stop waiting for git (exit 130)
            raise KeyboardInterrupt
        self.request_stop(signal.Signals(number).name)

    def request_stop(self, reason: str) -> None:
        """Stop after the step in hand (called by the signal handler, or by another thread): takes no lock."""
        self.stopped_by = reason
        self.collector.wake.set()

    # --- observers --------------------------------------------------------------------------------

    def _start_observer(self) -> None:
        """The native observer; watchdog's polling one when asked or when the native one cannot start
        (inotify's watch limit, network file systems)."""
        if not self.options.polling:
            try:
                self.observer = self._observer(Observer())
                return
            except OSError as problem:
                self._say("notice", f"native file events unavailable ({problem.strerror or problem}); polling")
        self.observer = self._observer(PollingObserver(timeout=1))

    def _observer(self, observer: Any) -> Any:
        observer.schedule(self.collector, str(self.config.vault), recursive=True, event_filter=CHANGES)
        source = self.config.source
        folders = self._check_dirs() | ({source.parent} if source else set())
        for folder in folders:
            if folder.is_dir() and not _is_within(folder, self.config.vault):
                observer.schedule(self.collector, str(folder), recursive=False, event_filter=CHANGES)
        observer.daemon = True
        observer.start()
        return observer

    def _stop_observer(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=2)

    # --- checks -------------------------------------------------------------------------------------

    def _process(self, names: set[str]) -> None:
        if any(self._is_config(Path(name)) for name in names):
            self._reload()
            return
        if any(os.path.basename(name) == ".gitignore" for name in names):
            self._full_check()  # what git ignores changed: every path may be in or out
            return
        changed = self._vault_paths(names)
        if not changed:
            return
        started = time.perf_counter()
        try:
            refreshed = self.workspace.refresh_paths(changed)
        except FileNotFoundError:
            return  # the vault root went away mid-refresh; the loop says so
        scope = refreshed.invalid | refreshed.added | refreshed.removed | refreshed.skipped | refreshed.clashing
        found = self.workspace.report(scope, self._selection())
        elapsed = (time.perf_counter() - started) * 1000
        self._publish(found, scope, sorted(changed), elapsed)
        if self.companion is not None:
            self.companion.notify_changed(self.config.vault / path for path in changed)

    def _full_check(self, initial: bool = False) -> None:
        started = time.perf_counter()
        self.workspace.refresh()
        every = report_set(self.config.vault, (), self.workspace.files)  # what `vaultkit check` reports on
        found = self.workspace.report(every, self._selection())
        if initial:
            self.workspace.save()
        self._publish(found, every | set(self.current), [], (time.perf_counter() - started) * 1000, initial)
        self.workspace.follow()

    def _reload(self) -> None:
        try:
            config = self.load()
        except ConfigError as problem:
            self._say("error", f"configuration not reloaded: {problem}")
            return
        self.config = config
        self.workspace = self._workspace(config)
        self._stop_observer()
        self._start_observer()
        self._say("notice", "configuration reloaded")
        self._full_check()

    def _is_config(self, path: Path) -> bool:
        if path.suffix not in (".yaml", ".yml", ".toml") or TEMP_FILE.fullmatch(path.name):
            return False
        config = self.config
        if config.nested and path.name in CONFIG_NAMES and _is_within(path, config.vault):
            return True  # a nested configuration appeared, changed or went away
        watched = {str(p) for p in config.check_files} | {str(source) for source in config.sources}
        return str(path) in watched or any(str(path.parent) == str(folder) for folder in self._check_dirs())

    def _check_dirs(self) -> set[Path]:
        """Folders whose YAML files are check definitions (a new file there is a new check)."""
        return {path.parent for path in self.config.check_files} | (
            {self.config.source.parent / "checks"} if self.config.source else set()
        )

    def _vault_paths(self, names: Iterable[str]) -> list[str]:
        """Vault-relative paths worth a look: not git's, not hidden, not an editor's temp file."""
        root = str(self.config.vault)
        kept = []
        for name in names:
            if not name.startswith(root + os.sep):
                continue
            relative = name[len(root) + 1 :].replace(os.sep, "/")
            if left_out(relative) or TEMP_FILE.fullmatch(relative.rpartition("/")[2]):
                continue
            kept.append(relative)
        return kept

    # --- output -------------------------------------------------------------------------------------

    def _publish(
        self, found: list[Finding], scope: set[str], paths: list[str], elapsed: float, initial: bool = False
    ) -> None:
        """Tell what appeared and disappeared among the findings of the paths in `scope`."""
        fresh: dict[str, set[Finding]] = {}
        for finding in found:
            fresh.setdefault(finding.path, set()).add(finding)
        added: list[Finding] = []
        removed: list[Finding] = []
        for path in scope:
            before, after = self.current.get(path, set()), fresh.get(path, set())
            added.extend(after - before)
            removed.extend(before - after)
            if after:
                self.current[path] = after
            else:
                self.current.pop(path, None)
        added.sort(key=lambda f: f.sort_key)
        removed.sort(key=lambda f: f.sort_key)
        notes = len(self.workspace.entries)
        if self.options.output_format == "jsonl":
            for kind, findings in (("removed", removed), ("added", added)):
                for finding in findings:
                    self._event({"event": kind, **finding_dict(finding)})
            if initial:
                count = sum(len(findings) for findings in self.current.values())
                self._event({"event": "ready", "notes": notes, "findings": count})
            else:
                self._event({"event": "checked", "paths": paths, "elapsed_ms": round(elapsed, 2)})
            return
        lines = [f"- {text_line(finding)}" for finding in removed] + [f"+ {text_line(finding)}" for finding in added]
        if initial:
            lines = [text_line(finding) for finding in added]
        if lines or initial:
            every = [finding for findings in self.current.values() for finding in findings]
            lines.append(f"{summary(every, notes)} ({elapsed:.0f} ms)")
            if initial:
                lines.append(f"watching {self.config.vault} (Ctrl-C to stop)")
            self.write("\n".join(lines) + "\n")

    def _stopped(self, reason: str, sync_state: str | None) -> None:
        if self.options.output_format == "jsonl":
            self._event({"event": "stopped", "signal": reason, "sync": sync_state})
        else:
            self.write(f"vaultkit: stopped ({reason})\n")

    def _event(self, event: dict[str, Any]) -> None:
        self.write(json.dumps(event, ensure_ascii=False) + "\n")

    def _locked(self, write: Callable[[str], None]) -> Callable[[str], None]:
        def locked(text: str) -> None:
            with self.output_lock:
                write(text)

        return locked

    def sync_event(self, report: Any) -> None:
        """A sync outcome, from the sync worker thread: one event (jsonl) or one block of lines (text)."""
        if self.options.output_format == "jsonl":
            notices = {"notices": list(report.notices)} if report.notices else {}
            self._event({"event": "sync", "state": report.state, "message": report.message, **notices})
        else:
            lines = [f"vaultkit sync: {notice}" for notice in report.notices]
            self.write("\n".join([*lines, f"vaultkit sync: {report.state}: {report.message}"]) + "\n")

    def say(self, kind: str, message: str) -> None:
        self._say(kind, message)

    def _say(self, kind: str, message: str) -> None:
        if self.options.output_format == "jsonl":
            self._event({"event": kind, "message": message})
        else:
            self.write(f"vaultkit: {message}\n")


def _is_within(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def watch(*, config_file: Path | None, vault: Path | None, options: WatchOptions, write: Callable[[str], None]) -> int:
    """The `vaultkit watch` command: returns its exit code."""

    def load() -> Config:
        """The configuration, nested ones included (found by a scan, as `vaultkit check` finds them)."""
        config = load_config(config_file=config_file, vault=vault)
        return with_nested(config, scan_vault(config.vault, config.exclude_regex).config_files)

    watcher = Watcher(load, options, write)
    if options.sync:
        from vaultkit import sync

        try:
            watcher.companion = sync.watch_companion(watcher.config.vault, watcher.config.sync, watcher.sync_event)
        except sync.SyncLockedError as problem:
            watcher.say("error", f"already running: {problem}")
            return 2
    return watcher.run()
