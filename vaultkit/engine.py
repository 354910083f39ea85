"""Run the checks over a vault: index everything, report on the notes asked for."""

from __future__ import annotations

import gc
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit import cache, suppress
from vaultkit.config import Config, Selection
from vaultkit.files import NoteFile, VaultFiles, read_note, rescan_paths, scan_vault
from vaultkit.model import ConfigError, Finding, Note, Span
from vaultkit.resolve import VaultIndex, fold, note_aliases
from vaultkit.settings import CONFLICT_COPY_PATTERN

if TYPE_CHECKING:
    from vaultkit.kinds.base import CheckDef, Kind

Progress = Callable[[int, int], None]
PARALLEL_MIN_NOTES = 1500  # below this, forking a second process costs more than it saves
REMOVAL_CODES = frozenset({"LK001", "LK002", "LK003", "LK005"})  # what deleting or renaming a file can cause


@dataclass(eq=False, repr=False)
class CheckRun:
    findings: list[Finding]
    notes_checked: int
    vault: VaultIndex
    files: VaultFiles


def check_vault(
    config: Config,
    paths: Sequence[Path] = (),
    *,
    selection: Selection | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    removed: Sequence[str] | None = None,
    files: VaultFiles | None = None,
) -> CheckRun:
    """Index the whole vault, run every enabled check, report findings for `paths` (default: all).

    `removed`: vault-relative paths that are going away (a commit's deletions and renames): report
    only the link findings they cause, in the notes that link to them by name. `files`: the vault
    as just scanned, when the caller already did."""
    selection = selection or Selection.of(config)
    workspace = Workspace(config, use_cache=use_cache, tracking=removed is not None, progress=progress)
    workspace.refresh(files=files)
    wanted = report_set(config.vault, paths, workspace.files)
    if removed is None:
        findings = workspace.report(wanted, selection)
    else:
        findings = workspace.broken_by(removed, selection)
        wanted = {finding.path for finding in findings}
    workspace.save()
    checked = sum(1 for path in wanted if path in workspace.entries)
    return CheckRun(findings, checked, workspace.vault, workspace.files)


class NotesView(Mapping[str, Note]):
    """Every note of the workspace by path; a note not in memory is read and parsed when asked for."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def __getitem__(self, path: str) -> Note:
        workspace = self._workspace
        if path not in workspace.entries:
            raise KeyError(path)
        return workspace.notes.get(path) or workspace.facts.get(path) or workspace.note(path)

    def get(self, path: str, default: Note | None = None) -> Note | None:  # type: ignore[override]
        """Like Mapping.get, without raising and catching KeyError for every attachment."""
        return self[path] if path in self._workspace.entries else default

    def __contains__(self, path: object) -> bool:
        return path in self._workspace.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._workspace.entries)

    def __len__(self) -> int:
        return len(self._workspace.entries)


class Workspace:
    """The vault as vaultkit knows it, kept up to date incrementally: `check` uses it once, `watch` for hours.

    Each note's raw findings (before selection and suppression) are kept until something they depend on
    changes: the note itself; for links into it, its headings, block ids and frontmatter; for every link,
    the set of file names. With the persistent cache, an unchanged vault is answered without reading a note.
    """

    def __init__(
        self, config: Config, *, use_cache: bool = True, tracking: bool = True, progress: Progress | None = None
    ) -> None:
        self.config = config
        self.use_cache = use_cache
        self.tracking = tracking or use_cache  # keep what later refreshes need (a one-shot run need not)
        self.progress = progress
        self.entries: dict[str, cache.Entry] = {}
        self.notes: dict[str, Note] = {}
        self.facts: dict[str, Note] = {}  # notes parsed by the other process: all but their links
        self.files = VaultFiles()
        self.all_files: frozenset[str] = frozenset()
        self._vault: VaultIndex | None = None  # built when a check needs it: not for an unchanged vault
        self._scanned = False
        self._fingerprint = config.fingerprint()
        self._text_checks = [check for check in config.checks if _kind(check.kind).needs_text]
        self._permalink_checks = [check for check in config.checks if getattr(check.params, "permalink", None)]
        self._written_ns = 0
        self._dirty = False
        self._links: dict[str, cache.LinkFacts] | None = {}  # None: on disk, not read yet
        self._links_changed: dict[str, cache.LinkFacts | None] = {}  # since the last save (None: gone)
        with paused_gc():  # ten thousand entries and no reference cycle among them
            self._snapshot = cache.load(config.vault, self._fingerprint) if use_cache else None
        if self._snapshot is not None:
            self.entries = self._snapshot.entries
            self.all_files = self._snapshot.files
            self._written_ns = self._snapshot.written_ns
            self._links = None

    def _link_facts(self) -> dict[str, cache.LinkFacts]:
        """Where each note's links lead; read from the cache on first use."""
        if self._links is None:
            loaded = cache.load_links(self.config.vault, self._snapshot) if self._snapshot else None
            if loaded is None:  # lost or out of step with the index: nothing cached can be trusted
                loaded = {}
                for entry in self.entries.values():
                    entry.findings, entry.saved = None, False
                    entry.facts = b""
                self._snapshot = None  # and everything is written afresh
            for path, facts in self._links_changed.items():
                if facts is None:
                    loaded.pop(path, None)
                else:
                    loaded[path] = facts
            self._links = loaded
        return self._links

    @property
    def vault(self) -> VaultIndex:
        """Every file of the vault, for resolving links."""
        if self._vault is None:
            aliases = self._aliases_of if self.tracking else None
            # the scan lists notes in order: sorting them with the attachments is a merge, not a sort
            every = [*self.files.notes, *self.files.attachments] if self._scanned else self.all_files
            self._vault = VaultIndex(sorted(every), NotesView(self), aliases)
        return self._vault

    def keeps_text(self, path: str) -> bool:
        return bool(self._text_checks) and any(check.covers(path) for check in self._text_checks)

    def note(self, path: str) -> Note:
        """The parsed note; read from disk when only the cache knew it."""
        note = self.notes.get(path)
        if note is None:
            note = self.read(self._note_file(path))[0]
            self.notes[path] = note
        return note

    def _note_file(self, path: str) -> NoteFile:
        entry = self.entries.get(path)
        size = entry.stamp[0] if entry else 0
        return NoteFile(path, size, 0, 0)

    def add_parsed(self, file: NoteFile, note: Note, key: bytes) -> cache.Entry:
        """Record a freshly parsed note and its cache entry."""
        self.notes[file.path] = note
        self.facts.pop(file.path, None)
        summary, aliases = _summary(note) if self.tracking else (b"", ())
        entry = cache.Entry((file.size, file.mtime_ns, file.inode), key, summary, aliases)
        if (old := self.entries.get(file.path)) is not None:
            entry.facts = old.facts  # what the links file holds for it: rewritten only if its links changed
        self.entries[file.path] = entry
        return entry

    def read(self, file: NoteFile) -> tuple[Note, bytes]:
        """Parse one note from disk; also return its cache key (empty without a cache)."""
        limit = self.config.max_note_size
        if file.size > limit:
            return _name_only(file.path, f"note of {file.size:,} bytes is over max_note_size ({limit:,})"), b""
        data = read_note(self.config.vault, file, limit)
        if isinstance(data, str):
            problem = Finding(file.path, Span(1, 1, 1, 1), "VK001", f"note cannot be read: {data}")
            return Note(file.path, None, 0, (), frozenset(), (), (), (problem,)), b""
        if len(data) > limit:
            return _name_only(file.path, f"note of {len(data):,} bytes is over max_note_size ({limit:,})"), b""
        from vaultkit.parse import parse_note  # an unchanged vault is answered without the parser

        keep_text = self.keeps_text(file.path)
        key = cache.note_key(file.path, data, keep_text) if self.tracking else b""
        return parse_note(file.path, data, keep_text), key

    def refresh(self, changed: Iterable[str] | None = None, files: VaultFiles | None = None) -> set[str]:
        with paused_gc():
            return self._refresh(changed, files)

    def _refresh(self, changed: Iterable[str] | None, scanned: VaultFiles | None) -> set[str]:
        """Bring everything up to date with the disk; return the notes whose findings must be recomputed.

        `changed`: only these vault-relative paths changed (watch's events); they are read again even
        if their size and mtime look the same. Default: scan the whole vault (or take `scanned`, a scan
        that started after the last refresh).
        """
        started_ns = scanned.started_ns if scanned is not None else time.time_ns()
        if changed is None:
            files = scanned or scan_vault(self.config.vault, self.config.exclude_regex)
            forced: set[str] = set()
            candidates: Iterable[NoteFile] = files.notes.values()
        else:
            forced = set(changed)
            files = self.files
            touched = rescan_paths(self.config.vault, self.config.exclude_regex, files, forced)
            candidates = [files.notes[path] for path in touched]
        self.files = files
        current = files.notes
        every = frozenset([*current, *files.attachments])
        added, removed = every - self.all_files, self.all_files - every
        for path in [path for path in self.entries if path not in current]:
            del self.entries[path]
            self.notes.pop(path, None)
            self.facts.pop(path, None)
            self.set_link_facts(path, None)
        first_scan, self._scanned = not self._scanned, True
        files_changed = bool(added or removed or first_scan)
        if files_changed:
            self.all_files = every
            self._vault = None
        invalid: set[str] = set()
        changed_summaries: list[str] = []
        changed_aliases: set[str] = set()
        racy_since = self._written_ns - cache.RACY_NS
        stale = [
            file
            for file in candidates
            if (entry := self.entries.get(file.path)) is None
            or entry.stamp != (file.size, file.mtime_ns, file.inode)
            or file.mtime_ns >= racy_since
            or file.path in forced
        ]
        self._written_ns = started_ns  # stamps taken from now on are trusted for files older than this
        if not self.entries and len(stale) >= PARALLEL_MIN_NOTES:
            from vaultkit import parallel  # a cold start on a big vault: both cores, findings included

            if parallel.available():
                parallel.parse_and_check(self, stale)
                self._dirty = True
                return {file.path for file in stale}
        for done, file in enumerate(stale):
            if self.progress is not None and done % 256 == 0:
                self.progress(done, len(stale))
            note, key = self.read(file)
            old = self.entries.get(file.path)
            stamp = (file.size, file.mtime_ns, file.inode)
            if old is not None and key and old.key == key:
                if old.stamp != stamp:  # touched, not changed
                    old.stamp, old.saved = stamp, False
                    self._dirty = True
                elif file.mtime_ns < started_ns - cache.RACY_NS:  # saving now makes its stamp trusted
                    self._dirty = True
                self.notes.setdefault(file.path, note)
                continue
            entry = self.add_parsed(file, note, key)
            invalid.add(file.path)
            if old is not None and old.summary != entry.summary:
                changed_summaries.append(file.path)
                if old.aliases != entry.aliases:
                    changed_aliases.update(fold(alias) for alias in (*old.aliases, *entry.aliases))
        self._dirty = self._dirty or bool(invalid or added or removed)
        if not files_changed and self._vault is not None:
            self._vault.forget(invalid, bool(changed_aliases))
        invalid |= self._dependents(changed_summaries, added | removed, changed_aliases)
        for path in invalid:
            entry = self.entries.get(path)
            if entry is not None:
                entry.findings, entry.saved = None, False
        return invalid

    def _aliases_of(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        return ((path, entry.aliases) for path, entry in self.entries.items())

    def _dependents(self, changed: list[str], files_changed: frozenset[str], aliases: set[str]) -> set[str]:
        """Notes whose findings can change because other notes changed.

        A changed note: the notes linking to it. An added or removed file: the notes linking by its name,
        and every note with an unresolved link (its "did you mean" may change). A changed alias: the
        notes linking by that name.
        """
        if not changed and not files_changed:
            return set()
        dependents: set[str] = set()
        changed_set = set(changed)
        names = {key for path in files_changed for key in _name_keys(path)} | aliases
        facts = self._link_facts()
        for path, entry in self.entries.items():
            if files_changed and entry.unresolved:
                dependents.add(path)
                continue
            targets, link_names = facts.get(path, ((), ()))
            if changed_set.intersection(targets) or names.intersection(link_names):
                dependents.add(path)
        if changed and self._permalink_checks:
            dependents.update(p for p in self.entries if any(c.covers(p) for c in self._permalink_checks))
        return dependents

    def findings(self, wanted: set[str]) -> list[Finding]:
        """Raw findings (before selection and suppression) for the paths in `wanted`."""
        with paused_gc():
            return self._findings(wanted)

    def _findings(self, wanted: set[str]) -> list[Finding]:
        while todo := [path for path in sorted(wanted) if path in self.entries and self.entries[path].findings is None]:
            notes = [self.note(path) for path in todo]
            grouped = by_path(run_checks(self.config, self.vault, notes))
            for note in notes:
                self.remember(note, grouped.get(note.path, []))
            self._dirty = True  # and if the links file turned out lost, every note is due again: loop
        found: list[Finding] = []
        for path in wanted:
            entry = self.entries.get(path)
            if entry is not None and entry.findings:
                found.extend(entry.findings)
        found.extend(self.files.skipped[path] for path in wanted if path in self.files.skipped)
        found.extend(_conflict_copies(wanted))
        return found

    def broken_by(self, removed: Sequence[str], selection: Selection) -> list[Finding]:
        """The link findings in notes that link, by name, to files that are going away."""
        names = {key for path in removed for key in _name_keys(path)}
        if not names:
            return []
        everything = set(self.entries)
        self.findings(everything)  # brings every note's link facts up to date
        facts = self._link_facts()
        linking = {path for path in everything if names.intersection(facts.get(path, ((), ()))[1])}
        found = []
        for finding in self.report(linking, selection):
            if finding.code not in REMOVAL_CODES:
                continue
            link = next((link for link in self.note(finding.path).links if link.span == finding.span), None)
            if link is not None and names.intersection(_name_keys(link.target)):
                found.append(finding)
        return found

    def link_facts_of(self, path: str) -> cache.LinkFacts | None:
        return self._link_facts().get(path) if self.tracking else None

    def set_link_facts(self, path: str, facts: cache.LinkFacts | None) -> None:
        """Record where a note's links now lead (None: the note is gone), without reading the links file."""
        self._links_changed[path] = facts
        if self._links is not None:
            if facts is None:
                self._links.pop(path, None)
            else:
                self._links[path] = facts

    def report(self, wanted: set[str], selection: Selection) -> list[Finding]:
        """What the user sees for `wanted`: the findings selected and not suppressed, at their
        severities, sorted; VK002 for suppressions that silenced nothing."""
        kept = [applied for finding in self.findings(wanted) if (applied := selection.apply(finding)) is not None]
        suppressing = {
            path: entry.directives
            for path in wanted
            if (entry := self.entries.get(path)) is not None and entry.directives
        }
        if suppressing:
            grouped = by_path(kept)
            for path, plain in suppressing.items():
                directives = [suppress.Directive.from_plain(item) for item in plain]
                grouped[path] = [
                    applied
                    for finding in suppress.apply(path, grouped.get(path, []), directives, selection.wants)
                    if (applied := selection.apply(finding)) is not None
                ]
            kept = [finding for findings in grouped.values() for finding in findings]
        kept.sort(key=lambda finding: finding.sort_key)
        return kept

    def remember(self, note: Note, findings: list[Finding]) -> None:
        """Keep a note's raw findings, and (tracking) where its links lead."""
        entry = self.entries[note.path]
        entry.findings, entry.saved = tuple(findings), False
        entry.unresolved = any(finding.code == "LK001" for finding in findings)
        entry.directives = tuple(directive.plain() for directive in suppress.directives_of(note))
        if not self.tracking:
            return
        resolved = (self.vault.resolve(link.target, note.path).path for link in note.links)
        targets = {path for path in resolved if path is not None}
        names = {key for link in note.links if link.target for key in _name_keys(link.target)}
        facts = (tuple(sorted(targets)), tuple(sorted(names)))
        digest = cache.note_key("", repr(facts).encode("utf-8", "surrogatepass"), False)
        if digest != entry.facts:
            self.set_link_facts(note.path, facts)
            entry.facts = digest

    def save(self) -> None:
        """Write what changed to the cache: a delta over the last full write, or (none yet, or the delta
        has grown too big) everything."""
        if not (self.use_cache and self._dirty):
            return
        none = cache.Snapshot(self._fingerprint, 0, frozenset())
        base = self._snapshot or none
        changed = {path for path in base.delta_paths if path in self.entries}
        changed.update(path for path, entry in self.entries.items() if not entry.saved)
        links = None
        if not base.generation or len(changed) + len(base.delta_links) + len(self._links_changed) > cache.DELTA_LIMIT:
            links = self._link_facts()
            base = self._snapshot or none  # reading the links file may have found it lost: write it again
        snapshot = cache.Snapshot(
            self._fingerprint,
            self._written_ns,
            self.all_files,
            self.entries,
            base.generation,
            base.links_generation,
            changed,
            {**base.delta_links, **self._links_changed},
            base.index_paths,
            base.index_files,
        )
        cache.save(self.config.vault, snapshot, links)
        self._snapshot = snapshot
        self._dirty = False
        self._links_changed = {}


def _kind(name: str) -> Kind:
    """A check kind, imported on first use: an unchanged vault is answered without any."""
    from vaultkit.kinds import kind

    return kind(name)


def by_path(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.path].append(finding)
    return grouped


@contextmanager
def paused_gc() -> Iterator[None]:
    """Parsing a vault makes a million small objects and no reference cycles; Python's cycle collector
    would walk them all again and again (a third of a cold check). Pause it, and freeze what was built
    so that later collections (watch runs for hours) skip it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _summary(note: Note) -> tuple[bytes, tuple[str, ...]]:
    """What other notes' findings can depend on, as a digest; and the note's aliases."""
    frontmatter = note.frontmatter or {}
    seen = (
        [(heading.level, heading.text) for heading in note.headings],
        sorted(note.block_ids),
        repr(sorted(frontmatter.items(), key=lambda item: str(item[0]))),
        [problem.code for problem in note.problems],
    )
    return cache.note_key("", repr(seen).encode("utf-8", "surrogatepass"), False), note_aliases(note)


def _name_keys(path: str) -> tuple[str, ...]:
    """The folded names a link target or file path is looked up by."""
    name = fold(path.rpartition("/")[2])
    return (name, name[:-3]) if name.endswith(".md") else (name, name + ".md")


def _name_only(path: str, reason: str) -> Note:
    skipped = Finding(path, Span(1, 1, 1, 1), "VK003", f"file skipped: {reason}; indexed by name only", "warning")
    return Note(path, None, 0, (), frozenset(), (), (), (skipped,))


def report_set(root: Path, paths: Sequence[Path], files: VaultFiles) -> set[str]:
    """The vault-relative paths to report on: files given, everything under folders given, or all."""
    copies = [path for path in files.attachments if CONFLICT_COPY_PATTERN.search(path)]
    every = [*files.notes, *files.skipped, *copies]
    if not paths:
        return set(every)
    real_root = os.path.realpath(root)
    wanted: set[str] = set()
    for given in paths:
        real = os.path.realpath(given)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise ConfigError(f"{given}: not inside the vault {root}")
        if not os.path.exists(given):
            raise ConfigError(f"{given}: no such file or folder")
        relative = "" if real == real_root else os.path.relpath(real, real_root).replace(os.sep, "/")
        if os.path.isdir(real):
            prefix = relative + "/" if relative else ""
            wanted.update(path for path in every if path.startswith(prefix))
        else:
            wanted.add(relative)
    return wanted


def run_checks(config: Config, vault: VaultIndex, notes: Sequence[Note]) -> list[Finding]:
    """Parse problems, then every check kind over the notes each definition covers."""
    findings: list[Finding] = [problem for note in notes for problem in note.problems]
    for check, covered in assign_checks(config.checks, notes):
        findings.extend(_kind(check.kind).run(check, vault, covered))
    return findings


def assign_checks(checks: Sequence[CheckDef], notes: Sequence[Note]) -> list[tuple[CheckDef, list[Note]]]:
    """Pair each check with the notes it covers; exclusive kinds give each note to their first match."""
    from vaultkit.kinds import NAMES, WITH_DEFAULT

    plan: list[tuple[CheckDef, list[Note]]] = []
    for kind_name in NAMES:
        definitions = [check for check in checks if check.kind == kind_name]
        if not definitions and kind_name not in WITH_DEFAULT:
            continue  # never imported
        kind = _kind(kind_name)
        if kind.exclusive:
            groups: dict[int, list[Note]] = defaultdict(list)
            candidates = [*definitions, *([kind.default] if kind.default else [])]
            for note in notes:
                chosen = next((i for i, check in enumerate(candidates) if check.covers(note.path)), None)
                if chosen is not None:
                    groups[chosen].append(note)
            plan.extend((candidates[i], group) for i, group in sorted(groups.items()))
        else:
            for check in definitions:
                covered = [note for note in notes if check.covers(note.path)]
                if covered:
                    plan.append((check, covered))
    return plan


def _conflict_copies(wanted: Iterable[str]) -> list[Finding]:
    found = []
    for path in wanted:
        if CONFLICT_COPY_PATTERN.search(path):
            original = CONFLICT_COPY_PATTERN.sub("", path)
            message = f"conflict copy left by sync; merge it into '{original}' and delete it"
            found.append(Finding(path, Span(1, 1, 1, 1), "SY001", message, "warning"))
    return found
