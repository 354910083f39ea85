"""Back up and share a vault through git, and never lose an edit (SPEC §9): `vaultkit sync` runs one
cycle (cycle.py), `vaultkit watch` runs the companion (companion.py). Never imports the check engine."""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from vaultkit.config import SyncSettings
from vaultkit.gitcli import NETWORK_TIMEOUT, GitFailed
from vaultkit.sync.companion import Syncer, watch_companion
from vaultkit.sync.cycle import Cycle, SyncReport, disk_full_message
from vaultkit.sync.repo import NotARepository, Repository
from vaultkit.sync.state import Lock, SyncLockedError

__all__ = ["SyncLockedError", "SyncReport", "Syncer", "run_sync_command", "sync_once", "watch_companion"]


def sync_once(
    vault_dir: Path, settings: SyncSettings, *, now: datetime | None = None, network_timeout: float = NETWORK_TIMEOUT
) -> SyncReport:
    """One full cycle, as `vaultkit sync` runs it; problems come back as a report, never as exceptions."""
    try:
        repo = Repository(vault_dir)
    except NotARepository as problem:
        return SyncReport("not-a-repo", False, str(problem))
    try:
        lock = Lock(repo)
        lock.acquire()
    except SyncLockedError as problem:
        return SyncReport("locked", False, str(problem))
    except OSError as problem:
        if problem.errno == errno.ENOSPC:
            return SyncReport("disk-full", False, disk_full_message(problem))
        return SyncReport("error", False, f"cannot take the lock {problem.filename}: {problem.strerror}")
    try:
        return Cycle(repo, settings, now or datetime.now(), network_timeout, scope=repo.scope(vault_dir)).run()
    except GitFailed as failure:
        return SyncReport("error", False, f"git failed: {failure.reason}")
    finally:
        lock.release()


def run_sync_command(vault_dir: Path, settings: SyncSettings, output_format: str, write: Callable[[str], None]) -> int:
    """`vaultkit sync`: one cycle, its outcome in one line (or JSON); 0 when all is done, else 1."""
    report = sync_once(vault_dir, settings)
    if output_format == "json":
        write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    else:
        for notice in report.notices:
            write(f"vaultkit: {notice}\n")
        write(f"vaultkit sync: {report.state}: {report.message}\n")
    return 0 if report.ok else 1
