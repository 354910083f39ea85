"""A cold check on two cores: each process parses and checks half of the notes.

Parsing dominates a cold check and Python runs it on one core. A forked child parses its half while
the parent parses the other; they swap what a link into a note needs to know (headings, block ids,
frontmatter: the note without its links), then each checks its own half and the child sends its
findings back. Only plain tuples cross the pipe (marshal), because pickling the parsed notes
themselves would cost about as much as parsing them. Any trouble in the child and the parent does the
child's half itself. This module only runs the two processes; what each does is the `Half`'s.
"""

from __future__ import annotations

import marshal
import os
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from vaultkit.engine.dispatch import batches
from vaultkit.model import Finding, Note
from vaultkit.vault import NoteFile

CHILD_SHARE = 1 / 2


class Half(Protocol):
    """What each process does with its share of the notes (the workspace)."""

    progress: Callable[[str, int, int], None] | None

    def prepare(self) -> None:
        """Build what both processes share, before the fork."""

    def parse(self, file: NoteFile) -> Note:
        """Read, parse and record one note."""

    def shared(self, note: Note) -> tuple[Any, ...]:
        """What the other process needs of a note parsed here (plain tuples)."""

    def learn(self, shared: tuple[Any, ...], file: NoteFile | None) -> None:
        """Take in a note the other process parsed (`file` as scanned, in the parent)."""

    def check(self, notes: Sequence[Note]) -> list[Finding]: ...

    def remember_all(self, notes: Sequence[Note], findings: list[Finding]) -> None: ...

    def results(self, notes: Sequence[Note]) -> list[tuple[Any, ...]]:
        """The findings of notes checked here (plain tuples)."""

    def adopt(self, results: Sequence[tuple[Any, ...]]) -> None:
        """Take the findings the other process computed."""

    def forget_findings(self, paths: Sequence[str]) -> None:
        """Findings for these are not known after all: they will be computed when asked for."""


class ChildFailed(Exception):
    pass


def available() -> bool:
    """Fork only where it is safe: a POSIX process with no other thread, and a second core."""
    return (
        hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
        and os.environ.get("VAULTKIT_WORKERS") != "1"
    )


def parse_and_check(half: Half, stale: Sequence[NoteFile]) -> None:
    """Parse every note in `stale` and compute its findings, on two processes."""
    half.prepare()
    theirs = [file for index, file in enumerate(stale) if index % 20 < 20 * CHILD_SHARE]
    mine = [file for index, file in enumerate(stale) if index % 20 >= 20 * CHILD_SHARE]
    to_child_read, to_child_write = os.pipe()
    to_parent_read, to_parent_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(to_child_write)
        os.close(to_parent_read)
        status = 1
        try:
            _child(half, theirs, to_child_read, to_parent_write)
            status = 0
        finally:
            os._exit(status)
    os.close(to_child_read)
    os.close(to_parent_write)
    try:
        my_notes = []
        for done, file in enumerate(mine):
            if half.progress is not None and done % 256 == 0:
                half.progress("indexing", min(2 * done, len(stale)), len(stale))  # the child keeps the same pace
            my_notes.append(half.parse(file))
        try:
            by_path = {file.path: file for file in theirs}
            for shared in _receive(to_parent_read):
                half.learn(shared, by_path[shared[0]])
            _send(to_child_write, [half.shared(note) for note in my_notes])
        except (ChildFailed, OSError):
            my_notes.extend(half.parse(file) for file in theirs)
            theirs = []
        if half.progress is not None:
            half.progress("indexing", len(stale), len(stale))
        for start, end in batches(len(my_notes)):
            if half.progress is not None:
                half.progress("checking", min(2 * start, len(stale)), len(stale))  # the child keeps pace
            half.remember_all(my_notes[start:end], half.check(my_notes[start:end]))
        if theirs:
            try:
                half.adopt(_receive(to_parent_read))
            except ChildFailed:
                half.forget_findings([file.path for file in theirs])
        if half.progress is not None:
            half.progress("checking", len(stale), len(stale))
    finally:
        os.close(to_child_write)
        os.close(to_parent_read)
        os.waitpid(pid, 0)


def _child(half: Half, files: Sequence[NoteFile], inbox: int, outbox: int) -> None:
    half.progress = None
    notes = [half.parse(file) for file in files]
    _send(outbox, [half.shared(note) for note in notes])
    for shared in _receive(inbox):
        half.learn(shared, None)
    half.remember_all(notes, half.check(notes))
    _send(outbox, half.results(notes))


# --- messages: length-prefixed marshal ------------------------------------------------------------

_LENGTH = struct.Struct("!Q")


def _send(fd: int, value: Any) -> None:
    try:
        data = marshal.dumps(value)
    except ValueError:  # something marshal cannot carry: say so, the other side takes over
        data = marshal.dumps("unsendable")
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _receive(fd: int) -> Any:
    header = _read_exactly(fd, _LENGTH.size)
    value = marshal.loads(_read_exactly(fd, _LENGTH.unpack(header)[0]))
    if value == "unsendable":
        raise ChildFailed("a value could not be sent")
    return value


def _read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ChildFailed("the other process ended early")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
