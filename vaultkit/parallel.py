"""A cold check on two cores: each process parses and checks half of the notes.

Parsing dominates a cold check and Python runs it on one core. A forked child parses its half while
the parent parses the other; they swap what a link into a note needs to know (headings, block ids,
frontmatter: the note without its links, "facts"), then each checks its own half and the child sends
its findings back. Only plain tuples cross the pipe (marshal), because pickling the parsed notes
themselves would cost about as much as parsing them. Any trouble in the child and the parent does the
child's half itself.
"""

from __future__ import annotations

import marshal
import os
import struct
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vaultkit.cache import Entry, plain_finding, restore_finding
from vaultkit.files import NoteFile
from vaultkit.model import Comment, Heading, Note, block_id_set
from vaultkit.resolve import note_aliases

if TYPE_CHECKING:
    from vaultkit.engine import Workspace

CHILD_SHARE = 1 / 2


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


def parse_and_check(workspace: Workspace, stale: Sequence[NoteFile]) -> None:
    """Parse every note in `stale` and compute its findings, on two processes."""
    from vaultkit.engine import by_path, run_checks
    from vaultkit.suggest import prepare

    prepare(workspace.vault)  # the file index and suggestion lookups: built once, shared with the child
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
            _child(workspace, theirs, to_child_read, to_parent_write)
            status = 0
        finally:
            os._exit(status)
    os.close(to_child_read)
    os.close(to_parent_write)
    try:
        my_notes = []
        for done, file in enumerate(mine):
            if workspace.progress is not None and done % 256 == 0:
                workspace.progress(2 * done, len(stale))  # the child keeps the same pace
            my_notes.append(_add(workspace, file))
        try:
            _install(workspace, theirs, _receive(to_parent_read))
            _send(to_child_write, [facts_of(note) for note in my_notes])
        except (ChildFailed, OSError):
            my_notes.extend(_add(workspace, file) for file in theirs)
            theirs = []
        grouped = by_path(run_checks(workspace.config, workspace.vault, my_notes))
        for note in my_notes:
            workspace.remember(note, grouped.get(note.path, []))
        if theirs:
            try:
                _apply(workspace, _receive(to_parent_read))
            except ChildFailed:
                for file in theirs:  # the entries stay without findings: the engine computes them
                    workspace.entries[file.path].findings = None
    finally:
        os.close(to_child_write)
        os.close(to_parent_read)
        os.waitpid(pid, 0)


def _child(workspace: Workspace, files: Sequence[NoteFile], inbox: int, outbox: int) -> None:
    from vaultkit.engine import by_path, run_checks

    workspace.progress = None
    notes = [_add(workspace, file) for file in files]
    _send(
        outbox,
        [
            (note.path, entry.key, entry.summary, entry.aliases, facts_of(note))
            for note in notes
            for entry in (workspace.entries[note.path],)
        ],
    )
    for plain in _receive(inbox):
        note = from_facts(plain)
        workspace.facts[note.path] = note
        workspace.entries[note.path] = Entry((0, 0, 0), b"", b"", note_aliases(note))
    grouped = by_path(run_checks(workspace.config, workspace.vault, notes))
    results = []
    for note in notes:
        found = grouped.get(note.path, [])
        workspace.remember(note, found)
        entry = workspace.entries[note.path]
        links = workspace.link_facts_of(note.path)
        findings = tuple(plain_finding(f) for f in found)
        results.append((note.path, findings, entry.unresolved, entry.facts, links, entry.directives))
    _send(outbox, results)


def _add(workspace: Workspace, file: NoteFile) -> Note:
    note, key = workspace.read(file)
    workspace.add_parsed(file, note, key)
    return note


def _install(workspace: Workspace, files: Sequence[NoteFile], parsed: list[Any]) -> None:
    """The child's notes, as facts, with their cache entries."""
    by_path = {file.path: file for file in files}
    for path, key, summary, aliases, plain in parsed:
        note = from_facts(plain)
        file = by_path[path]
        workspace.facts[path] = note
        workspace.entries[path] = Entry((file.size, file.mtime_ns, file.inode), key, summary, aliases)


def _apply(workspace: Workspace, results: list[Any]) -> None:
    for path, findings, unresolved, facts_digest, links, directives in results:
        entry = workspace.entries[path]
        entry.findings = tuple(restore_finding(*fields) for fields in findings)
        entry.unresolved = unresolved
        entry.facts = facts_digest
        entry.directives = directives
        if links is not None:
            workspace.set_link_facts(path, links)


# --- facts: a note without its links, as plain tuples ------------------------------------------


def facts_of(note: Note) -> tuple[Any, ...]:
    return (
        note.path,
        note.frontmatter,
        note.frontmatter_end,
        tuple((h.level, h.text) for h in note.headings),
        tuple(note.block_ids),
        tuple(plain_finding(problem) for problem in note.problems),
    )


def from_facts(plain: tuple[Any, ...]) -> Note:
    path, frontmatter, frontmatter_end, headings, block_ids, problems = plain
    return Note(
        path=path,
        frontmatter=frontmatter,
        frontmatter_end=frontmatter_end,
        # a link into a note needs its headings' text, not where they are (nor where its frontmatter keys are)
        headings=tuple(Heading(level, text, 0, 0, 0, 0) for level, text in headings),
        block_ids=block_id_set(block_ids),
        links=(),
        comments=tuple[Comment, ...](),
        problems=tuple(restore_finding(*fields) for fields in problems),
    )


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
