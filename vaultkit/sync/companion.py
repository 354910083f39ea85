"""Sync inside `vaultkit watch`: cycles on a worker thread, timed by the edits watch reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from vaultkit.config import SyncSettings
from vaultkit.gitcli import NETWORK_TIMEOUT
from vaultkit.sync.cycle import Cycle, SyncReport
from vaultkit.sync.repo import NotARepository, Repository
from vaultkit.sync.state import Lock


class Syncer:
    """Sync inside `vaultkit watch`: commits after `debounce` seconds of quiet but no later than
    `max_delay` after the first change, fetches every `pull_interval`, backs off while offline
    (30 s doubling to 15 min), stops retrying a remote that refuses credentials or hooks, and commits
    what is unsaved on shutdown. Cycles run on a worker thread so that checks never wait for the
    network. Holds the repository's lock for its whole life."""

    BACKOFF_START = 30.0
    BACKOFF_MAX = 900.0

    def __init__(
        self,
        vault_dir: Path,
        settings: SyncSettings,
        emit: Callable[[SyncReport], None],
        clock: Callable[[], float] = time.monotonic,
        network_timeout: float = NETWORK_TIMEOUT,
    ) -> None:
        self.repo = Repository(vault_dir)
        self.scope = self.repo.scope(vault_dir)
        self.settings = settings
        self.emit = emit
        self.clock = clock
        self.network_timeout = network_timeout
        self.lock = Lock(self.repo)
        self.lock.acquire()
        self.first_change: float | None = None
        self.last_change = 0.0
        self.next_fetch = clock()
        self.backoff = 0.0
        self.stopped_remote: str | None = None  # a state after which retrying is pointless
        self.worker: threading.Thread | None = None
        self.mutex = threading.Lock()

    def notify_changed(self, paths: Iterable[Path]) -> None:
        """A saved file (watch has already left out git's files, hidden paths and temp files). Files
        vaultkit's own merge wrote come here too; committing them finds nothing to commit."""
        if not list(paths):
            return
        now = self.clock()
        with self.mutex:
            if self.first_change is None:
                self.first_change = now
            self.last_change = now

    def tick(self) -> None:
        """Called often by watch: starts a cycle on the worker thread when one is due (by `clock`)."""
        now = self.clock()
        if self.worker is not None and self.worker.is_alive():
            return
        with self.mutex:
            due_commit = self.first_change is not None and (
                now - self.last_change >= self.settings.debounce or now - self.first_change >= self.settings.max_delay
            )
            due_fetch = now >= self.next_fetch
            if not (due_commit or due_fetch):
                return
            if due_commit:
                self.first_change = None
            network = due_fetch or (due_commit and self.stopped_remote is None and self.backoff == 0.0)
        self.worker = threading.Thread(target=self._cycle, args=(network,), daemon=True)
        self.worker.start()

    def _cycle(self, network: bool) -> None:
        report = self._new_cycle().run(network=network and self.stopped_remote is None)
        now = self.clock()
        if report.state == "offline":
            self.backoff = min(self.BACKOFF_MAX, self.backoff * 2 or self.BACKOFF_START)
            self.next_fetch = now + self.backoff
        else:
            self.backoff = 0.0
            self.next_fetch = now + self.settings.pull_interval
        if report.state in ("auth-failed", "refused", "unrelated-history"):
            if self.stopped_remote == report.state:
                return  # said once already
            self.stopped_remote = report.state
        if report.commits or report.state not in ("clean", "committed") or report.notices:
            self.emit(report)

    def _new_cycle(self) -> Cycle:
        return Cycle(self.repo, self.settings, datetime.now(), self.network_timeout, scope=self.scope)

    def wait(self) -> None:
        if self.worker is not None:
            self.worker.join()

    def shutdown(self) -> None:
        """Commit what is unsaved (no network: a dead link must not delay the exit), release the lock."""
        self.wait()
        try:
            report = self._new_cycle().run(network=False)
            if report.commits or not report.ok:
                self.emit(report)
        finally:
            self.lock.release()


def watch_companion(vault_dir: Path, settings: SyncSettings, emit: Callable[[SyncReport], None]) -> Syncer | None:
    """The Syncer for `vaultkit watch`, or None when the vault is not in a repository with a branch
    (watch then only lints). Raises SyncLockedError when another vaultkit holds the repository."""
    try:
        repo = Repository(vault_dir)
    except NotARepository:
        return None
    if repo.branch() is None:
        emit(SyncReport("precondition-failed", False, "HEAD is detached: sync is off until a branch is checked out"))
        return None
    return Syncer(vault_dir, settings, emit)
