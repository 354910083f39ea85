"""A cold check on every core: each process parses and checks a share of the notes.

Parsing dominates a cold check and Python runs it on one core. The parent forks a child for every other
core; each parses its share while the parent parses its own. They swap, through the parent, what a link
into a note needs to know (headings, block ids, frontmatter: the note without its links); then each checks
its own share and the children send their findings back. Only plain tuples cross the pipes (marshal),
because pickling the parsed notes themselves would cost about as much as parsing them; the parent passes a
child's message on to the others as the bytes it received. Any trouble in a child and the parent does that
child's share itself. This module only runs the processes; what each does is the `Half`'s.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from vaultkit.engine.dispatch import batches
from vaultkit.model import Finding, Note
from vaultkit.vault import NoteFile

MIN_SHARE = 750  # notes a process must have to parse for another process to be worth its fork


class Half(Protocol):
    """What each process does with its share of the notes (the workspace)."""

    progress: Callable[[str, int, int], None] | None

    def prepare(self) -> None:
        """Build what every process shares, before the fork."""

    def parse(self, file: NoteFile) -> Note:
        """Read, parse and record one note."""

    def shared(self, note: Note) -> tuple[Any, ...]:
        """What the other processes need of a note parsed here (plain tuples)."""

    def learn(self, shared: tuple[Any, ...], file: NoteFile | None) -> None:
        """Take in a note another process parsed (`file` as scanned, in the parent)."""

    def check(self, notes: Sequence[Note]) -> list[Finding]: ...

    def remember_all(self, notes: Sequence[Note], findings: list[Finding]) -> None: ...

    def results(self, notes: Sequence[Note]) -> list[tuple[Any, ...]]:
        """The findings of notes checked here (plain tuples)."""

    def adopt(self, results: Sequence[tuple[Any, ...]]) -> None:
        """Take the findings a child computed."""

    def forget_findings(self, paths: Sequence[str]) -> None:
        """Findings for these are not known after all: they will be computed when asked for."""


class ChildFailed(Exception):
    pass


def cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def processes(notes: int) -> int:
    """How many processes share `notes`: one per core (VAULTKIT_WORKERS=N says how many), each with at
    least MIN_SHARE notes."""
    wanted = os.environ.get("VAULTKIT_WORKERS", "")
    count = int(wanted) if wanted.isdigit() and int(wanted) > 0 else cores()
    return max(1, min(count, notes // MIN_SHARE))


def available() -> bool:
    """Fork only where it is safe: a POSIX process with no other thread, and more than one core to use."""
    return hasattr(os, "fork") and threading.active_count() == 1 and processes(2 * MIN_SHARE) > 1


@dataclass(eq=False)
class _Child:
    pid: int
    inbox: int  # the parent writes here
    outbox: int  # the parent reads here
    files: list[NoteFile]
    facts: bytes = b""  # its notes' shared facts, as it sent them
    alive: bool = True
    parsed_here: list[Note] = field(default_factory=list)  # its share, parsed by the parent after it failed


def parse_and_check(half: Half, stale: Sequence[NoteFile]) -> None:
    """Parse every note in `stale` and compute its findings, on one process per core."""
    count = max(2, processes(len(stale)))
    half.prepare()
    shares: list[list[NoteFile]] = [list(stale[index::count]) for index in range(count)]
    children: list[_Child] = []
    try:
        for files in shares[1:]:
            child = _fork(half, files, children)
            if child is None:  # could not fork: this share is the parent's
                shares[0].extend(files)
            else:
                children.append(child)
        _parent(half, shares[0], children, len(stale))
    finally:
        for child in children:
            _close(child.inbox, child.outbox)
            os.waitpid(child.pid, 0)


def _fork(half: Half, files: list[NoteFile], siblings: list[_Child]) -> _Child | None:
    to_child_read, to_child_write = os.pipe()
    to_parent_read, to_parent_write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        _close(to_child_read, to_child_write, to_parent_read, to_parent_write)
        return None
    if pid == 0:  # the child: never returns
        status = 1
        try:
            inherited = [fd for sibling in siblings for fd in (sibling.inbox, sibling.outbox)]
            _close(to_child_write, to_parent_read, *inherited)
            _child(half, files, to_child_read, to_parent_write)
            status = 0
        finally:
            os._exit(status)
    _close(to_child_read, to_parent_write)
    return _Child(pid, to_child_write, to_parent_read, files)


def _parent(half: Half, mine: list[NoteFile], children: list[_Child], total: int) -> None:
    my_notes = []
    pace = len(children) + 1  # every process keeps about the same pace
    for done, file in enumerate(mine):
        if half.progress is not None and done % 256 == 0:
            half.progress("indexing", min(pace * done, total), total)
        my_notes.append(half.parse(file))
    own = [marshal.dumps([half.shared(note) for note in my_notes])]  # while the children still parse theirs
    for child in children:  # what each child parsed, as it sent it: passed on first, taken in after
        try:
            child.facts = _receive_bytes(child.outbox)
            if child.facts == _UNSENDABLE:
                raise ChildFailed("a value could not be sent")
        except (ChildFailed, OSError):
            child.alive, child.facts = False, b""
            child.parsed_here = [half.parse(file) for file in child.files]
            my_notes.extend(child.parsed_here)
            own.append(marshal.dumps([half.shared(note) for note in child.parsed_here]))
    told = [child for child in children if child.alive]
    for child in told:  # the children go on while this process takes in what they parsed
        try:
            _send_parts(child.inbox, [*own, *(other.facts for other in told if other is not child)])
        except OSError:
            child.alive = False
    for child in told:
        by_path = {file.path: file for file in child.files}
        for shared in _loads(child.facts):
            half.learn(shared, by_path[shared[0]])
    if half.progress is not None:
        half.progress("indexing", total, total)
    for start, end in batches(len(my_notes)):
        if half.progress is not None:
            half.progress("checking", min(pace * start, total), total)
        half.remember_all(my_notes[start:end], half.check(my_notes[start:end]))
    for child in children:
        child.facts = b""
        if not child.parsed_here:
            try:
                if not child.alive:
                    raise ChildFailed("the child could not be told the other notes")
                half.adopt(_loads(_receive_bytes(child.outbox)))
            except (ChildFailed, OSError):
                half.forget_findings([file.path for file in child.files])
    if half.progress is not None:
        half.progress("checking", total, total)


def _child(half: Half, files: Sequence[NoteFile], inbox: int, outbox: int) -> None:
    half.progress = None
    notes = [half.parse(file) for file in files]
    _send(outbox, [half.shared(note) for note in notes])
    for part in _receive_parts(inbox):
        for shared in _loads(part):
            half.learn(shared, None)
    for start, end in batches(len(notes)):  # as the parent checks: a kind comparing all notes walks once a batch
        half.remember_all(notes[start:end], half.check(notes[start:end]))
    _send(outbox, half.results(notes))


# --- messages: length-prefixed marshal ------------------------------------------------------------

_LENGTH = struct.Struct("!Q")
_UNSENDABLE = marshal.dumps("unsendable")


def _close(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _send(fd: int, value: Any) -> None:
    try:
        data = marshal.dumps(value)
    except ValueError:  # something marshal cannot carry: say so, the other side takes over
        data = _UNSENDABLE
    _send_parts(fd, [data])


def _send_parts(fd: int, parts: Sequence[bytes]) -> None:
    """Several messages in one, each as it was marshalled (the parent passes children's on unread)."""
    _write(fd, _LENGTH.pack(len(parts)))
    for part in parts:
        _write(fd, _LENGTH.pack(len(part)))
        _write(fd, part)


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _receive_parts(fd: int) -> list[bytes]:
    count = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))[0]
    return [_read_exactly(fd, _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))[0]) for _ in range(count)]


def _receive_bytes(fd: int) -> bytes:
    parts = _receive_parts(fd)
    if len(parts) != 1:
        raise ChildFailed("a message came in several parts")
    return parts[0]


def _loads(data: bytes) -> Any:
    if data == _UNSENDABLE:
        raise ChildFailed("a value could not be sent")
    return marshal.loads(data)


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
