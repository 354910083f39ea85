"""Sync inside `vaultkit watch`: cycles on a worker thread, timed by the edits watch reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from vaultkit.config import SyncSettings
from vaultkit.gitcli import NETWORK_TIMEOUT, GitFailed
from vaultkit.sync.cycle import Cycle, SyncReport
from vaultkit.sync.repo import NotARepository, Repository
from vaultkit.sync.state import Lock


class Syncer:
    """Sync inside `vaultkit watch`: commits after `debounce` seconds of quiet but no later than
    `max_delay` after the first change, fetches every `pull_interval`, backs off while offline
    (30 s doubling to 15 min), stops retrying a remote that refuses credentials or hooks, and on
    shutdown commits what is unsaved and pushes it within `stop_timeout`. Cycles run on a worker
    thread so that checks never wait for the network. A cycle that fails — a git step that fails, a
    commit a hook refuses, a precondition — is told once (the same outcome is not told again until
    something else happened) and retried with the same backoff; nothing a cycle raises ends the
    worker. Holds the repository's lock for its whole life."""

    BACKOFF_START = 30.0
    BACKOFF_MAX = 900.0
    STOP_TIMEOUT = 30.0  # what the commit and push on shutdown may take, in all

    def __init__(
        self,
        vault_dir: Path,
        settings: SyncSettings,
        emit: Callable[[SyncReport], None],
        clock: Callable[[], float] = time.monotonic,
        network_timeout: float = NETWORK_TIMEOUT,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> None:
        self.repo = Repository(vault_dir)
        self.scope = self.repo.scope(vault_dir)
        self.settings = settings
        self.emit = emit
        self.clock = clock
        self.network_timeout = network_timeout
        self.stop_timeout = stop_timeout
        self.lock = Lock(self.repo)
        self.lock.acquire()
        self.first_change: float | None = None
        self.last_change = 0.0
        self.next_fetch = clock()
        self.backoff = 0.0  # offline: the network waits this long
        self.failures = 0  # cycles failed in a row (not offline): every attempt waits until retry_at
        self.retry_at = 0.0
        self.stopped_remote: str | None = None  # a state after which retrying is pointless
        self.told: tuple[str, str] | None = None  # the last outcome told, so that a repeat is not
        self.told_notices: set[str] = set()
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
            due_commit = (
                self.first_change is not None
                and now >= self.retry_at
                and (
                    now - self.last_change >= self.settings.debounce
                    or now - self.first_change >= self.settings.max_delay
                )
            )
            due_fetch = now >= max(self.next_fetch, self.retry_at)
            if not (due_commit or due_fetch):
                return
            if due_commit:
                self.first_change = None
            network = due_fetch or (due_commit and self.stopped_remote is None and self.backoff == 0.0)
        self.worker = threading.Thread(target=self._cycle, args=(network,), daemon=True)
        self.worker.start()

    def _cycle(self, network: bool) -> None:
        report = self._run(network, self.network_timeout)
        self._schedule(report)
        self._tell(report)

    def _run(self, network: bool, network_timeout: float) -> SyncReport:
        """One cycle; whatever goes wrong comes back as a report."""
        cycle = Cycle(self.repo, self.settings, datetime.now(), network_timeout, scope=self.scope)
        try:
            return cycle.run(network=network and self.stopped_remote is None)
        except GitFailed as failure:
            return cycle.report("error", False, f"git failed: {failure}")
        except Exception as problem:  # a failing step never ends the worker: it is told, and retried
            return cycle.report("error", False, f"sync failed: {type(problem).__name__}: {problem}")

    def _schedule(self, report: SyncReport) -> None:
        now = self.clock()
        if report.state == "offline":
            self.backoff = min(self.BACKOFF_MAX, self.backoff * 2 or self.BACKOFF_START)
            self.next_fetch = now + self.backoff
        else:
            self.backoff = 0.0
            self.next_fetch = now + self.settings.pull_interval
        if report.ok or report.state == "offline":
            self.failures, self.retry_at = 0, 0.0
        else:
            self.failures += 1
            self.retry_at = now + min(self.BACKOFF_MAX, self.BACKOFF_START * 2 ** (self.failures - 1))
        if report.state in ("auth-failed", "refused", "unrelated-history"):
            self.stopped_remote = report.state

    def _tell(self, report: SyncReport, routine: tuple[str, ...] = ("clean", "committed")) -> None:
        """Emit what is news: commits, notices not told before, an outcome other than the last one told."""
        notices = tuple(notice for notice in report.notices if notice not in self.told_notices)
        self.told_notices = set(report.notices)
        outcome = (report.state, report.message)
        if report.state in routine and not report.commits:
            self.told = None
        elif outcome != self.told or report.commits:
            self.told = outcome
        elif not notices:
            return
        if report.commits or notices or report.state not in routine:
            self.emit(replace(report, notices=notices))

    def wait(self) -> None:
        if self.worker is not None:
            self.worker.join()

    def shutdown(self) -> str | None:
        """Finish the cycle in hand, commit what is unsaved and push it, all within `stop_timeout`;
        release the lock. Returns the last state (None when the cycle in hand did not end in time)."""
        deadline = self.clock() + self.stop_timeout
        if self.worker is not None:
            self.worker.join(timeout=max(0.0, deadline - self.clock()))
            if self.worker.is_alive():  # the lock goes when the process does
                message = f"a sync step was still running after {self.stop_timeout:g} s; not waited for"
                self.emit(SyncReport("timed-out", False, message))
                return None
        try:
            step_timeout = max(1.0, min(self.network_timeout, (deadline - self.clock()) / 3))  # fetch, push, verify
            report = self._run(True, step_timeout)
            self._tell(report, routine=("clean",))
            return report.state
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
