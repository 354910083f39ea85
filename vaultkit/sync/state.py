"""What sync keeps beside the repository, in `.git/vaultkit/`: the lock (one vaultkit per repository), the
journal (the one step in progress that leaves the repository between two states), vaultkit's private files
(its own index, files staged for the working tree, backups for a rollback) and the tests' fault points.

Every private file carries the process id in its name, so that a git child still running after its vaultkit
was killed never writes into the files of the next run; what a dead run left is swept once its journal has
been finished or undone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any

from vaultkit.sync.repo import Repository
from vaultkit.vault.write import write_atomically

FAULT_VARIABLE = "VAULTKIT_SYNC_FAULT"  # tests only: kill this process (or fail as a full disk) at the named step
PRIVATE_PREFIXES = ("index-", "staging-", "backup-", "scratch-")
BESIDE_PREFIXES = (".vaultkit-staging-", ".vaultkit-backup-")  # where .git is on another file system
_numbers = itertools.count(1)


class SyncLockedError(Exception):
    """Another vaultkit holds this repository."""


def no_space(path: Path | str) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


class Lock:
    """One vaultkit per repository: an advisory lock the kernel releases when the process dies."""

    def __init__(self, repo: Repository) -> None:
        repo.state_dir.mkdir(parents=True, exist_ok=True)
        self.path = repo.state_dir / "lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        """Take the lock; SyncLockedError when another vaultkit has it, OSError (ENOSPC) when the disk is
        too full to write it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise SyncLockedError("another vaultkit is already syncing this repository") from None
            raise
        try:
            if faulty("enospc-lock"):
                raise no_space(self.path)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            raise
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class Journal:
    """The step in progress that leaves the repository between two states: written (and on disk) before
    the step begins, cleared when it has ended, read by the next run to finish or undo it."""

    def __init__(self, repo: Repository) -> None:
        self.path = repo.state_dir / "journal.json"

    def write(self, record: dict[str, Any]) -> None:
        """On disk before the step it names begins: a power cut must find it."""
        write_atomically(self.path, json.dumps(record, ensure_ascii=False).encode("utf-8"), durable=True)

    def read(self) -> dict[str, Any] | None:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def private_path(repo: Repository, prefix: str) -> Path:
    """A name for one of this run's private files (`prefix` is one of PRIVATE_PREFIXES)."""
    return repo.state_dir / f"{prefix}{os.getpid()}-{next(_numbers)}"


def private_index(repo: Repository) -> Path:
    """A copy of the user's index that vaultkit stages into, so that the user's index only ever changes in
    one rename, from one whole state to the next."""
    path = private_path(repo, "index-")
    source = repo.git_dir / "index"
    if source.exists():
        shutil.copy2(source, path)  # its time too: git tells racily clean entries by it
    return path


def discard(*paths: Path | str | None) -> None:
    """Remove private files and folders (and an index's lock file) if they exist."""
    for item in paths:
        if not item:
            continue
        path = Path(item)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
            Path(f"{path}.lock").unlink(missing_ok=True)


def sweep(repo: Repository) -> None:
    """Remove the private files runs killed before they could, and the lock files of git's that a git
    killed while writing one of vaultkit's own refs (refs/vaultkit/) left: called with the lock held and
    the journal settled, so nothing here is in use (no one else writes those refs)."""
    for folder, prefixes in ((repo.state_dir, PRIVATE_PREFIXES), (repo.root, BESIDE_PREFIXES)):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(prefixes):
                discard(entry.path)
    for stale in (repo.common_dir / "refs" / "vaultkit").rglob("*.lock"):
        with contextlib.suppress(OSError):
            stale.unlink()


def faulty(step: str) -> bool:
    """Tests only: whether VAULTKIT_SYNC_FAULT names `step`."""
    return os.environ.get(FAULT_VARIABLE) == step


def fault(step: str) -> None:
    """Tests only: die here, as a power cut or `kill -9` would, when VAULTKIT_SYNC_FAULT names `step`."""
    if faulty(step):
        os.kill(os.getpid(), signal.SIGKILL)
