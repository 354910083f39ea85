"""`vaultkit watch`: a watchdog observer feeding the incremental workspace; findings follow every save.

Events are hints. They are filtered (git, hidden files, editors' temp/swap/backup files; excluded
paths pass, as link targets), coalesced until `debounce` seconds pass without one, and the paths they name are looked at
again on disk: a temp file written and renamed over a note within one window is simply a change of
the note; one created and removed is nothing. A periodic full rescan catches what events missed.
The engine knows nothing of watchdog or git; this module wires them together.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from vaultkit.config import CONFIG_NAMES, Config, Selection, load_config, with_nested
from vaultkit.engine import Workspace
from vaultkit.model import ConfigError, Finding
from vaultkit.report import finding_dict, summary, text_line
from vaultkit.vault import scan_vault
from vaultkit.vault.names import CONFLICT_COPY_PATTERN, TEMP_FILE, left_out

MAX_WAIT = 2.0  # under a stream of events, re-check at least this often (seconds)


class Companion(Protocol):
    """Something that rides along with watch (sync): told of changes, ticked, shut down."""

    def notify_changed(self, paths: Iterable[Path]) -> None: ...

    def tick(self) -> None:
        """Called about once a second: start whatever is due (the companion keeps its own clock)."""

    def shutdown(self) -> None: ...


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


class _Collector(FileSystemEventHandler):
    """Runs on the observer's thread: keeps the paths events name, wakes the main loop."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paths: set[str] = set()
        self.last_event = 0.0
        self.first_event = 0.0
        self.wake = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
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
        self.stop = threading.Event()
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
        """Watch until SIGINT/SIGTERM; return the exit code."""
        self._start_observer()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._on_signal)
        try:
            self._full_check(initial=True)
            next_rescan = time.monotonic() + self.options.rescan
            while not self.stop.is_set():
                self.collector.wake.wait(timeout=self._sleep(next_rescan))
                now = time.monotonic()
                if self.companion is not None:
                    self.companion.tick()
                if not self.config.vault.is_dir():
                    self._say("error", f"vault folder {self.config.vault} is gone; stopping")
                    return 2
                if self._quiet_enough(now):
                    self._process(self.collector.take())
                if now >= next_rescan:
                    self._full_check()
                    next_rescan = now + self.options.rescan
            return 0
        finally:
            self._stop_observer()
            if self.companion is not None:
                self.companion.shutdown()
            self.workspace.save()

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
        self.stop.set()
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
        observer.schedule(self.collector, str(self.config.vault), recursive=True)
        source = self.config.source
        folders = self._check_dirs() | ({source.parent} if source else set())
        for folder in folders:
            if folder.is_dir() and not _is_within(folder, self.config.vault):
                observer.schedule(self.collector, str(folder), recursive=False)
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
        changed = self._vault_paths(names)
        if not changed:
            return
        started = time.perf_counter()
        try:
            invalid = self.workspace.refresh(changed)
        except FileNotFoundError:
            return  # the vault root went away mid-refresh; the loop says so
        wanted = invalid | set(changed)
        found = self.workspace.report(wanted, self._selection())
        elapsed = (time.perf_counter() - started) * 1000
        prefixes = tuple(path + "/" for path in changed)
        gone = {path for path in self.current if path.startswith(prefixes)}  # a folder moved or deleted
        self._publish(found, wanted | gone, sorted(changed), elapsed)
        if self.companion is not None:
            self.companion.notify_changed(self.config.vault / path for path in changed)

    def _full_check(self, initial: bool = False) -> None:
        started = time.perf_counter()
        self.workspace.refresh()
        files = self.workspace.files
        every = {*files.notes, *files.skipped, *(p for p in files.attachments if CONFLICT_COPY_PATTERN.search(p))}
        found = self.workspace.report(every, self._selection())
        if initial:
            self.workspace.save()
        self._publish(found, every | set(self.current), [], (time.perf_counter() - started) * 1000, initial)

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
        every = [finding for findings in self.current.values() for finding in findings]
        notes = len(self.workspace.entries)
        if self.options.output_format == "jsonl":
            for kind, findings in (("removed", removed), ("added", added)):
                for finding in findings:
                    self._event({"event": kind, **finding_dict(finding)})
            if initial:
                self._event({"event": "ready", "notes": notes, "findings": len(every)})
            else:
                self._event({"event": "checked", "paths": paths, "elapsed_ms": round(elapsed, 2)})
            return
        lines = [f"- {text_line(finding)}" for finding in removed] + [f"+ {text_line(finding)}" for finding in added]
        if initial:
            lines = [text_line(finding) for finding in added]
        if lines or initial:
            lines.append(f"{summary(every, notes)} ({elapsed:.0f} ms)")
            if initial:
                lines.append(f"watching {self.config.vault} (Ctrl-C to stop)")
            self.write("\n".join(lines) + "\n")

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
            self._event({"event": "sync", "state": report.state, "message": report.message})
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
