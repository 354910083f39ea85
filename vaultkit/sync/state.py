"""What sync keeps beside the repository: the lock (one vaultkit per repository) and the journal
(the one step in progress that leaves the repository between two states), and the tests' fault points."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal

from vaultkit.sync.repo import Repository
from vaultkit.vault.write import write_atomically

FAULT_VARIABLE = "VAULTKIT_SYNC_FAULT"  # tests only: kill this process at the named step


class SyncLockedError(Exception):
    """Another vaultkit holds this repository."""


class Lock:
    """One vaultkit per repository: an advisory lock the kernel releases when the process dies."""

    def __init__(self, repo: Repository) -> None:
        repo.state_dir.mkdir(parents=True, exist_ok=True)
        self.path = repo.state_dir / "lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise SyncLockedError("another vaultkit is already syncing this repository") from None
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class Journal:
    """The step in progress that leaves the repository between two states (moving to a merge)."""

    def __init__(self, repo: Repository) -> None:
        self.path = repo.state_dir / "journal.json"

    def write(self, **record: str) -> None:
        """On disk before the step it names begins: a power cut must find it."""
        write_atomically(self.path, json.dumps(record).encode("utf-8"), durable=True)

    def read(self) -> dict[str, str] | None:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def fault(step: str) -> None:
    """Tests only: die here, as a power cut or `kill -9` would, when VAULTKIT_SYNC_FAULT names `step`."""
    if os.environ.get(FAULT_VARIABLE) == step:
        os.kill(os.getpid(), signal.SIGKILL)
