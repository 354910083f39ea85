"""The persistent cache: what vaultkit learnt about each note, so unchanged notes are not read again.

Where: `$VAULTKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/vaultkit`, else `~/.cache/vaultkit`, one folder per
vault (by its real path) — never inside the vault, so git, sync and Obsidian never see it.
What: per note, its stamp (size, mtime, inode), a digest of its bytes, a digest of what other notes'
findings depend on, its findings and where its links lead. A note that must be checked again is read
and parsed again: that is cheap for a few notes, and keeps the cache small. Every write is a temp file
renamed into place, so concurrent runs never see half a file; a cache that cannot be read is ignored and
rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaultkit import __version__
from vaultkit.model import Edit, Finding, Fix, Heading, Note, Severity, Span, block_id_set
from vaultkit.vault.write import write_atomically

FORMAT = 7  # 7: the links file names its parts; 6: frontmatter values are YAML 1.2's (issue 18)
RACY_NS = 2_000_000_000  # a file written this close to the cache may change without changing its stamp


def cache_root() -> Path:
    configured = os.environ.get("VAULTKIT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vaultkit"


def cache_dir(vault: Path) -> Path:
    key = hashlib.sha256(os.fsencode(os.path.realpath(vault))).hexdigest()[:24]
    return cache_root() / key


def note_key(path: str, data: bytes, keep_text: bool) -> bytes:
    """Names a parse result: the same bytes at the same path, parsed by the same vaultkit."""
    key = hashlib.blake2b(digest_size=16)
    key.update(f"{FORMAT}:{__version__}:{int(keep_text)}:{path}\0".encode("utf-8", "surrogateescape"))
    key.update(data)
    return key.digest()


def digest(value: Any) -> bytes:
    """A short digest of a plain value, the same bytes in every run: marshal's version 0 writes neither
    back-references nor interned strings (whose presence depends on reference counts and on which
    strings happen to be interned); repr for the rare value marshal cannot write."""
    try:
        data = marshal.dumps(value, 0)
    except ValueError:
        data = repr(value).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


@dataclass(slots=True, eq=False, repr=False)
class Entry:
    """What the cache knows of one note."""

    stamp: tuple[int, int, int]  # size, mtime_ns, inode
    key: bytes  # note_key of the file's bytes
    summary: bytes  # digest of what other notes' findings depend on (headings, blocks, frontmatter)
    aliases: tuple[str, ...]  # frontmatter aliases (LK001 messages elsewhere name them)
    restored: tuple[Finding, ...] | None = None  # see `findings`
    unresolved: bool = False  # the note has an LK001 finding (its message depends on every other name)
    facts: bytes = b""  # digest of the note's LinkFacts, so the links file is read only when they change
    directives: tuple[tuple[Any, ...], ...] = ()  # its suppression directives, as plain tuples
    saved: bool = False  # the cache files hold it as it is; False once anything above changes
    stored: bytes | None = None  # the findings marshalled (as on disk), made objects on first use

    @property
    def findings(self) -> tuple[Finding, ...] | None:
        """The note's raw findings; None: not known for the current vault."""
        if self.restored is None and self.stored is not None:
            self.restored = tuple(restore_finding(*fields) for fields in marshal.loads(self.stored))
        return self.restored

    @findings.setter
    def findings(self, value: tuple[Finding, ...] | None) -> None:
        self.restored, self.stored = value, None

    def stored_findings(self) -> bytes | None:
        if self.stored is None and self.restored is not None:
            self.stored = marshal.dumps(tuple(plain_finding(finding) for finding in self.restored))
        return self.stored


# Where a note's links lead: resolved target paths and the folded names they were looked up by.
LinkFacts = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass(eq=False, repr=False)
class Snapshot:
    fingerprint: str
    written_ns: int
    files: frozenset[str]  # every file of the vault, notes and attachments
    entries: dict[str, Entry] = field(default_factory=dict)
    generation: str = ""  # names this index: a delta applies only to the index it was written over
    links_generation: str = ""  # names the links file that goes with it
    delta_paths: set[str] = field(default_factory=set)  # entries changed since the index was written
    delta_links: dict[str, LinkFacts | None] = field(default_factory=dict)  # link facts changed (None: gone)
    index_paths: frozenset[str] = frozenset()  # the notes and files as the index has them
    index_files: frozenset[str] = frozenset()


# Three files: the index (every note's entry), the links (where every note's links lead, read only when
# a change needs them) and a delta (the entries and link facts changed since the index was written). A
# run that changed a few notes writes only the delta; once it grows past DELTA_LIMIT, everything is
# written again. Each file names the one it goes with, so files written by concurrent runs are never
# mixed: an index whose delta is lost is still true, only older. The links file names its parts: each
# process of a cold start writes the facts of the notes it parsed as a part of its own, so that none of
# them has to cross to the parent or be written after the others.

DELTA_LIMIT = 512
PART_KEPT_NS = 60_000_000_000  # a part no links file names is removed once it is this old (a concurrent
# run may be about to name its own)


def load(vault: Path, fingerprint: str) -> Snapshot | None:
    """The last snapshot for this vault and configuration, or None (missing, stale or unreadable)."""
    folder = cache_dir(vault)
    version = version_tag(fingerprint)
    try:
        data = read_cache_file(folder / "index.bin", version)
        generation, links_generation, written_ns, others, paths, columns = data
        entries = {path: _entry(row) for path, row in zip(paths, zip(*columns, strict=True), strict=True)}
        index_paths = frozenset(paths)
        files = index_paths.union(others)
        snapshot = Snapshot(fingerprint, written_ns, files, entries, generation, links_generation)
        snapshot.index_paths, snapshot.index_files = index_paths, files
    except (TypeError, ValueError):
        return None
    try:
        base, written_ns, files, removed, changed, links = read_cache_file(folder / "delta.bin", version)
        if base == generation:
            for path in removed:
                snapshot.entries.pop(path, None)
            snapshot.entries.update((path, _entry(fields)) for path, fields in changed.items())
            snapshot.files = snapshot.files if files is None else files
            snapshot.written_ns = written_ns
            snapshot.delta_paths, snapshot.delta_links = set(changed), links
    except (TypeError, ValueError):
        pass  # no delta, or not one that can be trusted: the index alone
    return snapshot


def load_links(vault: Path, snapshot: Snapshot) -> dict[str, LinkFacts] | None:
    """The link facts that go with `snapshot`, or None (a part missing counts as all of them lost)."""
    folder = cache_dir(vault)
    data = read_cache_file(folder / "links.bin", version_tag(snapshot.fingerprint))
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == snapshot.links_generation):
        return None
    links = read_links_parts(vault, snapshot.fingerprint, data[1])
    return None if links is None else apply_delta(links, snapshot.delta_links)


def read_links_parts(vault: Path, fingerprint: str, names: Any) -> dict[str, LinkFacts] | None:
    """The link facts the named parts hold together, or None when one is missing or not what it says."""
    if not isinstance(names, tuple):
        return None
    folder = cache_dir(vault)
    version = version_tag(fingerprint)
    links: dict[str, LinkFacts] = {}
    for name in names:
        part = read_cache_file(folder / f"links-{name}.bin", version)
        if not (isinstance(part, tuple) and len(part) == 2 and part[0] == name and isinstance(part[1], dict)):
            return None
        links.update(part[1])
    return links


def write_links_part(vault: Path, fingerprint: str, links: dict[str, LinkFacts]) -> str | None:
    """Write the link facts of some notes as a part of a links file to come; its name (None: not written)."""
    name = os.urandom(8).hex()
    try:
        folder = cache_dir(vault)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / f"links-{name}.bin", marshal.dumps((version_tag(fingerprint), (name, links))))
    except (OSError, ValueError):
        return None
    return name


def apply_delta(links: dict[str, LinkFacts], delta: dict[str, LinkFacts | None]) -> dict[str, LinkFacts]:
    """`links` with the changes of `delta` made in place (None: the note is gone)."""
    for path, facts in delta.items():
        if facts is None:
            links.pop(path, None)
        else:
            links[path] = facts
    return links


def save(vault: Path, snapshot: Snapshot, links: dict[str, LinkFacts] | None, parts: tuple[str, ...] = ()) -> bool:
    """Write the changes as a delta; or, given every note's link facts in `links` and the parts other
    processes wrote (no index yet, or the delta grew too big), everything. Whether it was written."""
    folder = cache_dir(vault)
    version = version_tag(snapshot.fingerprint)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if links is None:
            changed = {path: _plain_entry(snapshot.entries[path]) for path in snapshot.delta_paths}
            removed = tuple(path for path in snapshot.index_paths if path not in snapshot.entries)
            files = None if snapshot.files == snapshot.index_files else snapshot.files
            data = (snapshot.generation, snapshot.written_ns, files, removed, changed, snapshot.delta_links)
            write_cache_file(folder / "delta.bin", marshal.dumps((version, data)))
            return True
        if snapshot.delta_links or not snapshot.links_generation or parts:
            own = write_links_part(vault, snapshot.fingerprint, links)
            if own is None:
                return False
            snapshot.links_generation = os.urandom(8).hex()
            named = (own, *parts)
            write_atomically(folder / "links.bin", marshal.dumps((version, (snapshot.links_generation, named))))
            _remove_parts_but(folder, named)
        snapshot.generation = os.urandom(8).hex()  # any delta written over the old index no longer applies
        paths = tuple(snapshot.entries)
        columns = tuple(zip(*map(_plain_entry, snapshot.entries.values()), strict=True)) or ((),) * _FIELDS
        others = tuple(sorted(snapshot.files.difference(paths)))
        index = (snapshot.generation, snapshot.links_generation, snapshot.written_ns, others, paths, columns)
        write_atomically(folder / "index.bin", marshal.dumps((version, index)))
        snapshot.delta_paths, snapshot.delta_links = set(), {}
        snapshot.index_paths, snapshot.index_files = frozenset(paths), snapshot.files
    except (OSError, ValueError):
        return False  # a cache that cannot be written only costs speed
    return True


def write_cache_file(path: Path, data: bytes) -> None:
    """Write a small cache file written on most runs (the delta, an answer) atomically, after removing
    the one it replaces: ext4 (auto_da_alloc) makes a rename over an existing file wait for the new
    file's data to reach the disk, a hundredth of a second a run, which a cache file does not need. A run
    reading in between finds no file: that only costs it speed (without its delta, an index is still
    true, only older; without an answer, the question is checked)."""
    with contextlib.suppress(OSError):
        path.unlink()
    write_atomically(path, data)


def _remove_parts_but(folder: Path, named: tuple[str, ...]) -> None:
    """Old parts of links files: those no links file names, once no concurrent run can be naming them."""
    keep = {f"links-{name}.bin" for name in named}
    old = time.time_ns() - PART_KEPT_NS
    for path in folder.glob("links-*.bin"):
        try:
            if path.name not in keep and path.stat().st_mtime_ns < old:
                path.unlink()
        except OSError:
            continue


# The files hold plain tuples written with marshal: named tuples and dataclasses cost several times
# more to pickle and unpickle. The index is written by columns (a tuple of every note's stamp, one of
# every key...), which marshal reads three times faster than a tuple per note. Each note's findings
# are marshalled apart, so that only the findings asked for are ever unpacked.


_FIELDS = 8  # of an entry as a plain tuple


def _plain_entry(entry: Entry) -> tuple[Any, ...]:
    """An entry as one plain tuple: a row of the index's columns, or one of the delta's entries."""
    entry.saved = True
    return (
        entry.stamp,
        entry.key,
        entry.summary,
        entry.aliases,
        entry.stored_findings(),
        entry.unresolved,
        entry.facts,
        entry.directives,
    )


def _entry(plain: tuple[Any, ...]) -> Entry:
    stamp, key, summary, aliases, findings, unresolved, facts, directives = plain
    return Entry(stamp, key, summary, aliases, None, unresolved, facts, directives, True, findings)


def plain_finding(finding: Finding) -> tuple[Any, ...]:
    fix = finding.fix
    plain_fix = None if fix is None else (fix.description, tuple((*edit.span, *edit[1:]) for edit in fix.edits))
    return (finding.path, *finding.span, finding.code, finding.message, finding.severity, plain_fix)


def restore_finding(
    path: str,
    line: int,
    column: int,
    end_line: int,
    end_column: int,
    code: str,
    message: str,
    severity: Severity,
    fix: tuple[str, tuple[tuple[Any, ...], ...]] | None,
) -> Finding:
    restored = None
    if fix is not None:
        edits = tuple(Edit(Span(a, b, c, d), replacement, original) for a, b, c, d, replacement, original in fix[1])
        restored = Fix(fix[0], edits)
    return Finding(path, Span(line, column, end_line, end_column), code, message, severity, restored)


def plain_facts(note: Note) -> tuple[Any, ...]:
    """A note without its links, as plain tuples: what a link into it needs to know."""
    return (
        note.path,
        note.frontmatter,
        note.frontmatter_end,
        tuple((h.level, h.text) for h in note.headings),
        tuple(note.block_ids),
        tuple(plain_finding(problem) for problem in note.problems),
    )


def restore_facts(plain: tuple[Any, ...]) -> Note:
    path, frontmatter, frontmatter_end, headings, block_ids, problems = plain
    return Note(
        path=path,
        frontmatter=frontmatter,
        frontmatter_end=frontmatter_end,
        # a link into a note needs its headings' text, not where they are (nor where its frontmatter keys are)
        headings=tuple(Heading(level, text, 0, 0, 0, 0) for level, text in headings),
        block_ids=block_id_set(block_ids),
        links=(),
        comments=(),
        problems=tuple(restore_finding(*fields) for fields in problems),
    )


def read_cache_file(path: Path, version: str) -> Any:
    try:
        data: Any = marshal.loads(path.read_bytes())
    except Exception:  # a missing, truncated, corrupt or foreign file is never trusted: start afresh
        return None
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == version):
        return None
    return data[1]


def version_tag(fingerprint: str) -> str:
    digest = hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{FORMAT}:{__version__}:{sys.version_info[:2]}:{marshal.version}:{digest}"
