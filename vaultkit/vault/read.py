"""Read a note without ever blocking (a FIFO named `.md`) and without reading more than the limit."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from vaultkit.vault.scan import NoteFile


def read_note(root: Path, note: NoteFile, limit: int) -> bytes | str:
    """The bytes of a note, or the operating system's reason it cannot be read (never blocks on a FIFO).

    Reads at most `limit` + 1 bytes: a file that grew past the limit since it was listed is not
    read whole."""
    try:
        fd = os.open(os.path.join(root, note.path), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        return error.strerror or str(error)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, max(info.st_size + 1, 65536)))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as error:
        return error.strerror or str(error)
    finally:
        os.close(fd)
