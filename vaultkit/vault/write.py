"""Atomic writes: readers (Obsidian, git, another vaultkit) never see half a file."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, hidden: bool = False, durable: bool = False) -> None:
    """Write a temp file beside `path` and rename it over `path`: readers never see half a file.

    `hidden`: name the temp file so that editors, watch and sync leave it alone (beside a note).
    `durable`: on disk before the rename (a note; a cache file may be lost in a crash).
    The file keeps the permission bits of the one it replaces."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    name = f".{path.name}.{os.urandom(4).hex()}.vaultkit-tmp" if hidden else f"{path.name}.{os.urandom(4).hex()}.tmp"
    temp = path.parent / name
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
