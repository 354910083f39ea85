"""The vault as vaultkit knows it, kept up to date incrementally: `check` uses it once, `watch` for hours."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any

from vaultkit.config import Config, Selection
from vaultkit.engine import suppress
from vaultkit.engine.dispatch import batches, by_path, kind_named, needed_notes, plan_checks, run_plan
from vaultkit.engine.memory import paused_gc
from vaultkit.engine.problems import conflict_copies, name_only, not_in_commit, unreadable
from vaultkit.kinds.clashes import name_clashes
from vaultkit.model import Finding, Note
from vaultkit.resolve import VaultIndex, fold, note_aliases
from vaultkit.store import cache
from vaultkit.vault import NoteFile, VaultFiles, read_note, rescan_paths, scan_vault
from vaultkit.vault.names import nfc

Progress = Callable[[str, int, int], None]  # (phase, done, total): "indexing", "checking"
PARALLEL_MIN_NOTES = 1500  # below this, forking a second process costs more than it saves
REMOVAL_CODES = frozenset({"LK001", "LK002", "LK003", "LK005"})  # what deleting or renaming a file can cause


class Workspace:
    """Every note's raw findings (before selection and suppression) are kept until something they depend
    on changes: the note itself; for links into it, its headings, block ids and frontmatter; for every
    link, the set of file names. With the persistent cache, an unchanged vault is answered without
    reading a note. The checks see the vault only in memory: the notes they read are loaded first.
    """

    def __init__(
        self, config: Config, *, use_cache: bool = True, tracking: bool = True, progress: Progress | None = None
    ) -> None:
        self.config = config
        self.use_cache = use_cache
        self.tracking = tracking or use_cache  # keep what later refreshes need (a one-shot run need not)
        self.progress = progress
        self.entries: dict[str, cache.Entry] = {}
        self.notes: dict[str, Note] = {}  # parsed here, links included
        self.loaded: dict[str, Note] = {}  # what the checks see of other notes: these, and the facts of the
        # notes the other process of a cold start parsed (all but their links)
        self.files = VaultFiles()
        self.all_files: frozenset[str] = frozenset()
        self._vault: VaultIndex | None = None  # built when a check needs it: not for an unchanged vault
        self._scanned = False
        self._fingerprint = config.fingerprint()
        self._templates = config.template_globs
        self._text_checks = [check for check in config.checks if kind_named(check.kind).needs_text]
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

    # --- what is known ----------------------------------------------------------------------------

    @property
    def vault(self) -> VaultIndex:
        """Every file of the vault, for resolving links, and the notes loaded so far."""
        if self._vault is None:
            aliases = self._aliases_of if self.tracking else None
            # the scan lists notes in order: sorting them with the attachments is a merge, not a sort
            files = self.files
            every = [*files.notes, *files.attachments, *files.excluded] if self._scanned else self.all_files
            self._vault = VaultIndex(sorted(every), self.loaded, aliases)
        return self._vault

    def _aliases_of(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        return ((path, entry.aliases) for path, entry in self.entries.items())

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
            self._links = cache.apply_delta(loaded, self._links_changed)
        return self._links

    def link_facts_of(self, path: str) -> cache.LinkFacts | None:
        return self._link_facts().get(path) if self.tracking else None

    def set_link_facts(self, path: str, facts: cache.LinkFacts | None) -> None:
        """Record where a note's links now lead (None: the note is gone), without reading the links file."""
        self._links_changed[path] = facts
        if self._links is not None:
            cache.apply_delta(self._links, {path: facts})

    # --- reading notes ----------------------------------------------------------------------------

    def keeps_text(self, path: str) -> bool:
        return bool(self._text_checks) and any(check.covers(path) for check in self._text_checks)

    def note(self, path: str) -> Note:
        """The parsed note; read from disk when only the cache knew it."""
        note = self.notes.get(path)
        if note is None:
            entry = self.entries.get(path)
            note = self.read(NoteFile(path, entry.stamp[0] if entry else 0, 0, 0))[0]
            self.notes[path] = self.loaded[path] = note
        return note

    def read(self, file: NoteFile) -> tuple[Note, bytes]:
        """Parse one note from disk; also return its cache key (empty without a cache)."""
        limit = self.config.max_note_size
        if file.size > limit:
            return name_only(file.path, f"note of {file.size:,} bytes is over max_note_size ({limit:,})"), b""
        data = read_note(self.config.vault, file, limit)
        if isinstance(data, str):
            return unreadable(file.path, data), b""
        if len(data) > limit:
            return name_only(file.path, f"note of {len(data):,} bytes is over max_note_size ({limit:,})"), b""
        from vaultkit.parse import parse_note  # an unchanged vault is answered without the parser

        keep_text = self.keeps_text(file.path)
        key = cache.note_key(file.path, data, keep_text) if self.tracking else b""
        return parse_note(file.path, data, keep_text, self.is_template(file.path)), key

    def is_template(self, path: str) -> bool:
        """A note that `templates` (or Obsidian's templates folder) names: its placeholders are no errors."""
        return self._templates is not None and self._templates.matches(nfc(path))

    def parse(self, file: NoteFile) -> Note:
        """Read, parse and record one note."""
        note, key = self.read(file)
        self.add_parsed(file, note, key)
        return note

    def add_parsed(self, file: NoteFile, note: Note, key: bytes) -> cache.Entry:
        """Record a freshly parsed note and its cache entry."""
        self.notes[file.path] = self.loaded[file.path] = note
        summary, aliases = _summary(note) if self.tracking else (b"", ())
        entry = cache.Entry((file.size, file.mtime_ns, file.inode), key, summary, aliases)
        if (old := self.entries.get(file.path)) is not None:
            entry.facts = old.facts  # what the links file holds for it: rewritten only if its links changed
        self.entries[file.path] = entry
        return entry

    # --- keeping up with the disk -----------------------------------------------------------------

    def refresh(self, changed: Iterable[str] | None = None, files: VaultFiles | None = None) -> set[str]:
        """Bring everything up to date with the disk; return the notes whose findings must be recomputed.

        `changed`: only these vault-relative paths changed (watch's events); they are read again even
        if their size and mtime look the same. Default: scan the whole vault (or take `files`, a scan
        that started after the last refresh).
        """
        with paused_gc():
            started_ns = files.started_ns if files is not None else time.time_ns()
            forced: set[str] = set(changed) if changed is not None else set()
            candidates = self._rescan(changed, files)
            added, removed = self._take_files()
            stale = self._stale(candidates, forced)
            self._written_ns = started_ns  # stamps taken from now on are trusted for files older than this
            if not self.entries and len(stale) >= PARALLEL_MIN_NOTES:
                from vaultkit.engine import coldstart  # a big vault's first check: both cores, findings included

                if coldstart.available():
                    coldstart.parse_and_check(self, stale)
                    self._dirty = True
                    return {file.path for file in stale}
            invalid, summaries, aliases = self._reparse(stale, started_ns)
            self._dirty = self._dirty or bool(invalid or added or removed)
            files_changed = added | removed
            if not files_changed and self._vault is not None:
                self._vault.forget(invalid, bool(aliases))
            invalid |= self._dependents(summaries, files_changed, aliases)
            for path in invalid:
                entry = self.entries.get(path)
                if entry is not None:
                    entry.findings, entry.saved = None, False
            return invalid

    def _rescan(self, changed: Iterable[str] | None, scanned: VaultFiles | None) -> Iterable[NoteFile]:
        """Look at the disk again (everything, or the changed paths); return the notes to consider."""
        if changed is None:
            self.files = scanned or scan_vault(self.config.vault, self.config.exclude_regex, staged=self.config.staged)
            return self.files.notes.values()
        touched = rescan_paths(self.config.vault, self.config.exclude_regex, self.files, changed)
        return [self.files.notes[path] for path in touched]

    def _take_files(self) -> tuple[frozenset[str], frozenset[str]]:
        """Forget notes that are gone; return the files added and removed since the last refresh."""
        current = self.files.notes
        every = frozenset([*current, *self.files.attachments, *self.files.excluded])
        added, removed = every - self.all_files, self.all_files - every
        for path in [path for path in self.entries if path not in current]:
            del self.entries[path]
            self.notes.pop(path, None)
            self.loaded.pop(path, None)
            self.set_link_facts(path, None)
        first_scan, self._scanned = not self._scanned, True
        if added or removed or first_scan:
            self.all_files = every
            self._vault = None
        return added, removed

    def _stale(self, candidates: Iterable[NoteFile], forced: set[str]) -> list[NoteFile]:
        """The notes that must be read again: new, changed, too recent for their stamp, or named by an event."""
        racy_since = self._written_ns - cache.RACY_NS
        return [
            file
            for file in candidates
            if (entry := self.entries.get(file.path)) is None
            or entry.stamp != (file.size, file.mtime_ns, file.inode)
            or file.mtime_ns >= racy_since
            or file.path in forced
        ]

    def _reparse(self, stale: Sequence[NoteFile], started_ns: int) -> tuple[set[str], list[str], set[str]]:
        """Parse the stale notes; return those that changed, those whose summary changed (notes linking
        to them may change), and the folded aliases added or removed."""
        invalid: set[str] = set()
        summaries: list[str] = []
        aliases: set[str] = set()
        for done, file in enumerate(stale):
            if self.progress is not None and done % 256 == 0:
                self.progress("indexing", done, len(stale))
            note, key = self.read(file)
            old = self.entries.get(file.path)
            stamp = (file.size, file.mtime_ns, file.inode)
            if old is not None and key and old.key == key:
                if old.stamp != stamp:  # touched, not changed
                    old.stamp, old.saved = stamp, False
                    self._dirty = True
                elif file.mtime_ns < started_ns - cache.RACY_NS:  # saving now makes its stamp trusted
                    self._dirty = True
                if file.path not in self.notes:
                    self.notes[file.path] = self.loaded[file.path] = note
                continue
            entry = self.add_parsed(file, note, key)
            invalid.add(file.path)
            if old is not None and old.summary != entry.summary:
                summaries.append(file.path)
                if old.aliases != entry.aliases:
                    aliases.update(fold(alias) for alias in (*old.aliases, *entry.aliases))
        if self.progress is not None and stale:
            self.progress("indexing", len(stale), len(stale))
        return invalid, summaries, aliases

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
        names = {key for path in files_changed for key in name_keys(path)} | aliases
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

    # --- findings ---------------------------------------------------------------------------------

    def findings(self, wanted: set[str]) -> list[Finding]:
        """Raw findings (before selection and suppression) for the paths in `wanted`."""
        with paused_gc():
            while todo := [p for p in sorted(wanted) if p in self.entries and self.entries[p].findings is None]:
                for start, end in batches(len(todo)):
                    if self.progress is not None:
                        self.progress("checking", start, len(todo))
                    notes = [self.note(path) for path in todo[start:end]]
                    self.remember_all(notes, self.check(notes))
                if self.progress is not None:
                    self.progress("checking", len(todo), len(todo))
                self._dirty = True  # and if the links file turned out lost, every note is due again: loop
            found: list[Finding] = []
            for path in wanted:
                entry = self.entries.get(path)
                if entry is not None and entry.findings:
                    found.extend(entry.findings)
            found.extend(self.files.skipped[path] for path in wanted if path in self.files.skipped)
            found.extend(conflict_copies(wanted))
            every = tuple(self.vault.files)  # the index's own tuple, not a copy
            if len(self.vault.by_path) != len(every):  # some paths fold to one: twins (VK004)
                found.extend(clash for path, clash in name_clashes(every).items() if path in wanted)
            return found

    def check(self, notes: Sequence[Note]) -> list[Finding]:
        """Run every check over `notes`, after loading the other notes the checks read."""
        plan = plan_checks(self.config.checks, notes, self.config.templates)
        vault = self.vault
        for path in needed_notes(plan, vault):
            if path in self.entries and path not in self.loaded:
                self.note(path)
        return run_plan(plan, vault, notes)

    def remember_all(self, notes: Sequence[Note], findings: Iterable[Finding]) -> None:
        grouped = by_path(findings)
        for note in notes:
            self.remember(note, grouped.get(note.path, []))

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
        names = {key for link in note.links if link.target for key in name_keys(link.target)}
        facts = (tuple(sorted(targets)), tuple(sorted(names)))
        digest = cache.note_key("", repr(facts).encode("utf-8", "surrogatepass"), False)
        if digest != entry.facts:
            self.set_link_facts(note.path, facts)
            entry.facts = digest

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
                wanted_here = partial(selection.at(path).wants, path=path)  # per_file_ignores: not checked
                grouped[path] = [
                    applied
                    for finding in suppress.apply(path, grouped.get(path, []), directives, wanted_here)
                    if (applied := selection.apply(finding)) is not None
                ]
            kept = [finding for findings in grouped.values() for finding in findings]
        if self.files.absent:
            kept = not_in_commit(kept, self.note, self.files.absent)
        kept.sort(key=lambda finding: finding.sort_key)
        return kept

    def broken_by(self, removed: Sequence[str], selection: Selection) -> list[Finding]:
        """The link findings in notes that link, by name, to files that are going away."""
        names = {key for path in removed for key in name_keys(path)}
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
            if link is not None and names.intersection(name_keys(link.target)):
                found.append(finding)
        return found

    # --- the cold start's two processes (engine/coldstart.py) -------------------------------------

    def prepare(self) -> None:
        """The file index and the suggestion lookups, built once before the fork: both processes share them."""
        from vaultkit.suggest import prepare

        prepare(self.vault)

    def forget_findings(self, paths: Sequence[str]) -> None:
        for path in paths:
            self.entries[path].findings = None

    def shared(self, note: Note) -> tuple[Any, ...]:
        """What the other process needs to know of a note it did not parse, as plain tuples."""
        entry = self.entries[note.path]
        return (note.path, entry.key, entry.summary, entry.aliases, cache.plain_facts(note))

    def learn(self, shared: tuple[Any, ...], file: NoteFile | None) -> None:
        """Take in a note the other process parsed (`file`: as the scan saw it, to keep in the cache)."""
        path, key, summary, aliases, plain = shared
        self.loaded[path] = cache.restore_facts(plain)
        stamp = (file.size, file.mtime_ns, file.inode) if file is not None else (0, 0, 0)
        self.entries[path] = cache.Entry(stamp, key, summary, aliases)

    def results(self, notes: Sequence[Note]) -> list[tuple[Any, ...]]:
        """The findings and link facts of notes checked here, as plain tuples for the other process."""
        results = []
        for note in notes:
            entry = self.entries[note.path]
            findings = tuple(cache.plain_finding(finding) for finding in entry.findings or ())
            links = self.link_facts_of(note.path)
            results.append((note.path, findings, entry.unresolved, entry.facts, links, entry.directives))
        return results

    def adopt(self, results: Sequence[tuple[Any, ...]]) -> None:
        """Take the findings the other process computed."""
        for path, findings, unresolved, facts_digest, links, directives in results:
            entry = self.entries[path]
            entry.findings = tuple(cache.restore_finding(*fields) for fields in findings)
            entry.unresolved = unresolved
            entry.facts = facts_digest
            entry.directives = directives
            if links is not None:
                self.set_link_facts(path, links)

    # --- the cache --------------------------------------------------------------------------------

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


def name_keys(path: str) -> tuple[str, ...]:
    """The folded names a link target or file path is looked up by."""
    name = fold(path.rpartition("/")[2])
    return (name, name[:-3]) if name.endswith(".md") else (name, name + ".md")
