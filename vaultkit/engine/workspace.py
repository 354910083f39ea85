"""The vault as vaultkit knows it, kept up to date incrementally: `check` uses it once, `watch` for hours."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache, partial
from typing import Any, NamedTuple

from vaultkit.config import Config, Selection
from vaultkit.engine import suppress
from vaultkit.engine.backlinks import Backlinks
from vaultkit.engine.dispatch import batches, by_path, kind_named, needed_notes, plan_checks, run_plan
from vaultkit.engine.memory import paused_gc
from vaultkit.engine.problems import conflict_copies, name_only, not_in_commit, unreadable
from vaultkit.kinds.clashes import name_clashes
from vaultkit.model import Finding, Link, Note, strip_md
from vaultkit.resolve import VaultIndex, fold, note_aliases
from vaultkit.store import cache
from vaultkit.vault import NoteFile, VaultFiles, read_note, rescan_paths, scan_vault
from vaultkit.vault.names import nfc
from vaultkit.vault.scan import Rescan

Progress = Callable[[str, int, int], None]  # (phase, done, total): "indexing", "checking"
PARALLEL_MIN_NOTES = 1500  # below this, forking a second process costs more than it saves
REMOVAL_CODES = frozenset({"LK001", "LK002", "LK003", "LK005"})  # what deleting or renaming a file can cause
PATH_CODES = frozenset({"LK005", "LK007"})  # findings whose message names the path of the file a link leads to
LINK_KIND = "links"  # each of its findings is one link's, and depends on the files of the link's name and its target


class Refreshed(NamedTuple):
    """What a refresh of some paths changed: the notes to check again, and the paths whose findings
    come or go with the files themselves."""

    invalid: set[str]  # notes whose findings must be recomputed
    added: set[str]  # files that appeared (notes and attachments)
    removed: set[str]  # files that went away: their findings go with them
    skipped: set[str]  # files whose VK003 (never opened) came or went
    clashing: frozenset[str] = frozenset()  # files whose VK004 (a twin up to case or Unicode form) may change


class NamedLinks(NamedTuple):
    """A note's links by the folded name they are looked up by, and all the names (see _links_by_name)."""

    note: Note
    named: dict[str, list[Link]]
    names: tuple[str, ...]  # sorted
    at: dict[str, list[int]]  # each name a link is looked up by (both forms) -> the link's places in note.links


class Departed(NamedTuple):
    """A note gone from its path in a refresh, kept until the refresh ends: it may have moved."""

    path: str
    entry: cache.Entry
    note: Note
    asking: frozenset[str] | None  # see Workspace._asking
    named: NamedLinks | None


class Relink(NamedTuple):
    """An unchanged note whose links by some names are due: its findings before, the names (folded)."""

    note: Note
    findings: tuple[Finding, ...]
    names: frozenset[str]


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
        # notes the other processes of a cold start parsed (all but their links)
        self.files = VaultFiles()
        self.all_files: set[str] = set()  # notes and attachments as of the last refresh
        self._vault: VaultIndex | None = None  # built when a check needs it: not for an unchanged vault
        self._scanned = False
        self._fingerprint = config.fingerprint()
        self._templates = config.template_globs
        self._text_checks = [check for check in config.checks if kind_named(check.kind).needs_text]
        self._permalink_checks = [check for check in config.checks if getattr(check.params, "permalink", None)]
        self._permalink_keys = {check.params.permalink.key for check in self._permalink_checks}
        self._permalinks_moved: set[str] | None = set()  # in a refresh: permalinks that came or went (None: unknown)
        self._written_ns = 0
        self._dirty = False
        self._links: dict[str, cache.LinkFacts] | None = {}  # None: on disk, not read yet
        self._links_changed: dict[str, cache.LinkFacts | None] = {}  # since the last save (None: gone)
        self._link_parts: list[str] = []  # links file parts children of a cold start wrote, not yet named
        self._asking: dict[str, frozenset[str]] = {}  # note -> folded names its unresolved links ask for
        self._backlinks: Backlinks | None = None  # watch's indexes (see follow)
        self._departed: dict[tuple[int, int, int], Departed] = {}  # in a refresh: stamp -> note gone
        self._gone_summaries: dict[str, bytes] = {}  # in a refresh: path of a note gone -> its summary
        self._unread: list[str] = []  # notes watch has yet to read in idle time (see read_idle)
        self._named_links: dict[str, NamedLinks] = {}  # see _links_by_name
        self._relink: dict[str, Relink] = {}  # notes whose links by some names only are due (see _check_again)
        with paused_gc():  # ten thousand entries and no reference cycle among them
            self._snapshot = cache.load(config.vault, self._fingerprint) if use_cache else None
        if self._snapshot is not None:
            self.entries = self._snapshot.entries
            self.all_files = set(self._snapshot.files)
            self._written_ns = self._snapshot.written_ns
            self._links = None

    # --- what is known ----------------------------------------------------------------------------

    @property
    def vault(self) -> VaultIndex:
        """Every file of the vault, for resolving links, and the notes loaded so far."""
        if self._vault is None:
            aliases = self._aliases_of if self.tracking else None
            # the scan lists notes in order: sorting them with the attachments is a merge, not a sort
            every = self.files.targets() if self._scanned else self.all_files
            self._vault = VaultIndex(sorted(every), self.loaded, aliases)
        return self._vault

    def _aliases_of(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        return ((path, entry.aliases) for path, entry in self.entries.items())

    def _link_facts(self) -> dict[str, cache.LinkFacts]:
        """Where each note's links lead; read from the cache on first use."""
        if self._links is not None and self._link_parts:  # a cold start's children wrote theirs to disk
            found = cache.read_links_parts(self.config.vault, self._fingerprint, tuple(self._link_parts))
            self._link_parts = []
            # this process's own facts are all in _links_changed still; a part lost counts as the links file lost
            self._links = None if found is None else cache.apply_delta(found, self._links_changed)
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
        self._keep_link_facts({path: facts})
        if self._backlinks is not None:
            self._backlinks.set_facts(path, facts)

    def _keep_link_facts(self, changes: dict[str, cache.LinkFacts | None]) -> None:
        """What the links file is to hold (None: the note is gone), as the next save writes it."""
        self._links_changed.update(changes)
        if self._links is not None:
            cache.apply_delta(self._links, changes)

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
        self._named_links.pop(file.path, None)
        summary, aliases = _summary(note) if self.tracking else (b"", ())
        entry = cache.Entry((file.size, file.mtime_ns, file.inode), key, summary, aliases)
        if (old := self.entries.get(file.path)) is not None:
            entry.facts = old.facts  # what the links file holds for it: rewritten only if its links changed
        self.entries[file.path] = entry
        return entry

    # --- keeping up with the disk -----------------------------------------------------------------

    def refresh(self, changed: Iterable[str] | None = None, files: VaultFiles | None = None) -> set[str]:
        """Bring everything up to date with the disk; return the notes whose findings must be recomputed.

        `changed`: only these vault-relative paths changed (see `refresh_paths`). Default: scan the
        whole vault (or take `files`, a scan that started after the last refresh).
        """
        if changed is not None:
            return self.refresh_paths(changed).invalid
        with paused_gc():
            started_ns = files.started_ns if files is not None else time.time_ns()
            self.files = files or scan_vault(self.config.vault, self.config.exclude_regex, staged=self.config.staged)
            current = self.files.notes
            every = set(self.files.targets())
            added, removed = every - self.all_files, self.all_files - every
            gone = [path for path in self.entries if path not in current]
            first_scan, self._scanned = not self._scanned, True
            self.all_files = every
            if first_scan:
                self._vault = None
            return self._refreshed(current.values(), set(), added, removed, gone, started_ns).invalid

    def refresh_paths(self, paths: Iterable[str]) -> Refreshed:
        """Look again at these vault-relative paths only (watch's events: hints, never facts) and bring
        everything up to date; the notes there are read again even if their size and mtime look the
        same. What it costs is what changed: the paths, what a folder among them holds, and the notes
        whose findings can change — never a pass over the vault."""
        with paused_gc():
            started_ns = time.time_ns()
            forced = set(paths)
            found: Rescan = rescan_paths(self.config.vault, self.config.exclude_regex, self.files, forced)
            notes = self.files.notes
            gone = [path for path in found.removed | found.skipped if path in self.entries and path not in notes]
            self.all_files.difference_update(found.removed)
            self.all_files.update(found.added)
            candidates = [notes[path] for path in found.notes]
            refreshed = self._refreshed(candidates, forced, found.added, found.removed, gone, started_ns)
            vault = self.vault  # a twin that came or went changes the VK004 of those left
            twins = frozenset(other for path in found.added | found.removed for other in vault.holding(path))
            return refreshed._replace(skipped=found.skipped, clashing=twins)

    def _refreshed(
        self,
        candidates: Iterable[NoteFile],
        forced: set[str],
        added: set[str],
        removed: set[str],
        gone: Sequence[str],
        started_ns: int,
    ) -> Refreshed:
        """The part of a refresh after the disk was looked at: forget the notes that are gone, read the
        stale ones again, and find the notes whose findings their changes invalidate."""
        self._permalinks_moved = set()
        aliases = self._forget(gone)
        if self._vault is not None and (added or removed):
            self._vault.update(added, removed)
        stale = self._stale(candidates, forced)
        self._written_ns = started_ns  # stamps taken from now on are trusted for files older than this
        if not self.entries and len(stale) >= PARALLEL_MIN_NOTES:
            from vaultkit.engine import coldstart  # a big vault's first check: every core, findings included

            if coldstart.available():
                self._drop_departed()
                coldstart.parse_and_check(self, stale)
                self._dirty = True
                return Refreshed({file.path for file in stale}, added, removed, set())
        invalid, summaries, changed_aliases, carried = self._reparse(stale, started_ns)
        self._drop_departed()
        self._dirty = self._dirty or bool(invalid or added or removed)
        if self._vault is not None:
            self._vault.forget(invalid)
        dependents, relinked = self._dependents(summaries, added | removed, aliases | changed_aliases)
        invalid |= dependents
        self._gone_summaries.clear()
        for path in invalid:
            self._relink.pop(path, None)
            entry = self.entries.get(path)
            if entry is not None:
                entry.findings, entry.saved = None, False
        for path in carried:  # moved: the links whose resolution its folder decides are due
            if names := self._bound_to_folder(path):
                relinked.setdefault(path, set()).update(names)
        for path, names in relinked.items():
            if path not in invalid and (entry := self.entries.get(path)) is not None:
                self._due_by_names(path, entry, names)
                invalid.add(path)
        return Refreshed(invalid, added, removed, set())

    def _due_by_names(self, path: str, entry: cache.Entry, names: set[str]) -> None:
        """Only the links by these names of an unchanged note are due: its other findings are kept."""
        known, note = self._relink.get(path), self.notes.get(path)
        if entry.findings is not None and note is not None:
            self._relink[path] = Relink(note, entry.findings, frozenset(names))
        elif known is not None:  # already due by other names, since a refresh not yet followed by a check
            self._relink[path] = known._replace(names=known.names | names)
        entry.findings, entry.saved = None, False

    def _forget(self, gone: Iterable[str]) -> set[str]:
        """Forget notes that are gone; return the folded aliases they held (links by them change)."""
        aliases: set[str] = set()
        for path in gone:
            self._permalinks_changed(path, None)
            entry = self.entries.pop(path)
            self._gone_summaries[path] = entry.summary
            departed = path in self.notes and entry.key
            if departed:  # moved, perhaps: its link facts stay until the refresh knows (see _carry_over)
                if (twin := self._departed.get(entry.stamp)) is not None:
                    self.set_link_facts(twin.path, None)
                asking, named = self._asking.get(path), self._named_links.get(path)
                self._departed[entry.stamp] = Departed(path, entry, self.notes[path], asking, named)
            if entry.aliases:
                aliases.update(fold(alias) for alias in entry.aliases)
                if self._vault is not None:
                    self._vault.set_aliases(path, entry.aliases, ())
            self.notes.pop(path, None)
            self.loaded.pop(path, None)
            self._asking.pop(path, None)
            self._named_links.pop(path, None)
            self._relink.pop(path, None)
            if not departed:
                self.set_link_facts(path, None)
        return aliases

    def _drop_departed(self) -> None:
        """The notes gone in this refresh that no new path carried over are gone for good."""
        for departed in self._departed.values():
            self.set_link_facts(departed.path, None)
        self._departed.clear()

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

    def _reparse(self, stale: Sequence[NoteFile], started_ns: int) -> tuple[set[str], list[str], set[str], list[str]]:
        """Parse the stale notes; return those that changed, those whose summary changed (notes linking
        to them may change), the folded aliases added or removed, and the notes that moved unchanged
        with their findings carried over (see `_carry_over`)."""
        invalid: set[str] = set()
        summaries: list[str] = []
        aliases: set[str] = set()
        carried: list[str] = []
        for done, file in enumerate(stale):
            if self.progress is not None and done % 256 == 0:
                self.progress("indexing", done, len(stale))
            old = self.entries.get(file.path)
            stamp = (file.size, file.mtime_ns, file.inode)
            departed = self._departed.get(stamp) if old is None else None
            moved = self._relocated(file, departed) if departed is not None else None
            note, key = moved or self.read(file)
            if old is not None and key and old.key == key:
                if old.stamp != stamp:  # touched, not changed
                    old.stamp, old.saved = stamp, False
                    self._dirty = True
                elif file.mtime_ns < started_ns - cache.RACY_NS:  # saving now makes its stamp trusted
                    self._dirty = True
                if file.path not in self.notes:
                    self.notes[file.path] = self.loaded[file.path] = note
                continue
            self._permalinks_changed(file.path, note)
            if moved is not None and departed is not None and self._carries_over(departed, file.path):
                entry = self._carry_over(file, note, key, departed)
                carried.append(file.path)
            else:
                entry = self.add_parsed(file, note, key)
                invalid.add(file.path)
            old_aliases = old.aliases if old is not None else ()
            if old_aliases != entry.aliases:
                aliases.update(fold(alias) for alias in (*old_aliases, *entry.aliases))
                if self._vault is not None:
                    self._vault.set_aliases(file.path, old_aliases, entry.aliases)
            if old is not None and old.summary != entry.summary:
                summaries.append(file.path)
        if self.progress is not None and stale:
            self.progress("indexing", len(stale), len(stale))
        return invalid, summaries, aliases, carried

    def _relocated(self, file: NoteFile, departed: Departed) -> tuple[Note, bytes] | None:
        """A note that moved (renamed, or its folder was) with its bytes unchanged: what was parsed at
        the old path, at the new one, without parsing it again."""
        keep_text = self.keeps_text(file.path)
        if keep_text != self.keeps_text(departed.path):
            return None
        data = read_note(self.config.vault, file, self.config.max_note_size)
        if isinstance(data, str) or len(data) > self.config.max_note_size:
            return None
        if cache.note_key(departed.path, data, keep_text) != departed.entry.key:
            return None  # changed since it was parsed
        old = departed.note
        problems = tuple(problem._replace(path=file.path) for problem in old.problems)
        return old._replace(path=file.path, problems=problems), cache.note_key(file.path, data, keep_text)

    def _carries_over(self, departed: Departed, new: str) -> bool:
        """Whether a note that moved unchanged keeps its findings (but for the links its folder decides,
        see `_bound_to_folder`): watch's indexes follow it, the same checks cover both paths, and none
        whose findings name the note's own path (a permalink check) or that treats templates apart."""
        old = departed.path
        if self._backlinks is None or departed.entry.findings is None or self.is_template(old) or self.is_template(new):
            return False
        if any(check.covers(new) for check in self._permalink_checks):
            return False
        return all(check.covers(old) == check.covers(new) for check in self.config.checks)

    def _carry_over(self, file: NoteFile, note: Note, key: bytes, departed: Departed) -> cache.Entry:
        """Record a note that moved unchanged with what was known at its old path: its findings (at the
        new path), its link facts and the names its unresolved links ask for."""
        old, findings = departed.entry, departed.entry.findings
        assert self._backlinks is not None and findings is not None  # see _carries_over
        self.notes[file.path] = self.loaded[file.path] = note
        entry = cache.Entry((file.size, file.mtime_ns, file.inode), key, old.summary, old.aliases)
        entry.findings = tuple(found._replace(path=file.path) for found in findings)
        entry.unresolved, entry.directives, entry.facts = old.unresolved, old.directives, old.facts
        self.entries[file.path] = entry
        if departed.asking is not None:
            self._asking[file.path] = departed.asking
        if departed.named is not None:
            self._named_links[file.path] = departed.named._replace(note=note)
        self._keep_link_facts({departed.path: None, file.path: self._backlinks.facts.get(departed.path)})
        self._backlinks.move(departed.path, file.path)
        del self._departed[old.stamp]
        return entry

    def _bound_to_folder(self, path: str) -> set[str]:
        """The names of a note's links whose resolution depends on the folder it is in (SPEC §4.5):
        relative links, and links by a name several files hold."""
        by_name = self.vault.by_name
        names: set[str] = set()
        for name, links in self._links_by_name(self.notes[path]).named.items():
            keys = name_keys(name)
            held = sum(len(by_name.get(key, ())) for key in keys)
            if held > 1 or any(_RELATIVE.match(link.target) for link in links):
                names.update(keys)
        return names

    def _dependents(
        self, changed: list[str], files_changed: set[str], aliases: set[str]
    ) -> tuple[set[str], dict[str, set[str]]]:
        """Notes whose findings can change because other notes changed: those to check again, and
        (watch) those whose links by some names only are to be checked again, with the names.

        A changed note: the notes linking to it. An added or removed file: the notes linking by its name
        (those links only), and the notes with an unresolved link whose "did you mean" it can change. A
        changed alias: the notes linking by that name. A changed, added or removed note: every note a
        permalink check covers (FM006 compares them all). Watch asks its indexes (see `follow`); a
        one-shot run makes one pass over every note's link facts, which costs less than building them.
        """
        relinked: dict[str, set[str]] = {}
        if not changed and not files_changed and not aliases:
            return set(), relinked
        # a link is known by the last part of its target, an alias by all of it ("dir/Also")
        alias_keys = {key for alias in aliases for key in name_keys(alias)}
        names = {key for path in files_changed for key in name_keys(path)} | alias_keys
        if self._backlinks is not None:
            backlinks = self._backlinks
            moves = self._moves(files_changed)
            dependents = backlinks.linking_to(changed) | backlinks.linking_by(alias_keys)
            by_name: dict[str, list[str]] = {}  # folded name -> the folded paths of that name that came or went
            for path in files_changed:
                folded = fold(path)
                by_name.setdefault(folded.rpartition("/")[2], []).append(folded)
            for name, paths in by_name.items():
                keys = name_keys(name)
                for path in backlinks.linking_by(keys) - dependents:
                    if path in relinked:
                        relinked[path].update(keys)
                    elif self._sees(path, keys, paths, only_moved=name in moves):
                        relinked[path] = set(keys)
            for old, new in moves.values():  # moved, and changed on the way: as a changed note
                if (entry := self.entries.get(new)) is None or entry.summary != self._gone_summaries.get(old):
                    dependents |= backlinks.linking_to([old])
            self._retarget(moves.values())
            dependents |= backlinks.suggesting(by_name.keys() - moves.keys())
        else:
            dependents = set()
            changed_set = set(changed)
            facts = self._link_facts()
            for path, entry in self.entries.items():
                if files_changed and entry.unresolved:
                    dependents.add(path)
                    continue
                targets, link_names = facts.get(path, ((), ()))
                if changed_set.intersection(targets) or names.intersection(link_names):
                    dependents.add(path)
        if self._permalink_checks:
            dependents |= self._sharing_permalinks()
        return dependents, relinked

    def _permalinks_of(self, note: Note | None) -> set[str]:
        frontmatter = note.frontmatter if note is not None else None
        if not frontmatter:
            return set()
        values = (frontmatter.get(key) for key in self._permalink_keys)
        return {nfc(value) for value in values if isinstance(value, str)}

    def _permalinks_changed(self, path: str, new: Note | None) -> None:
        """Note the permalinks a note gave up or took (FM006 elsewhere may change); unknown when what
        the note held before was never read."""
        if not self._permalink_checks or self._permalinks_moved is None:
            return
        if path in self.entries and path not in self.loaded:
            self._permalinks_moved = None
            return
        self._permalinks_moved |= self._permalinks_of(self.loaded.get(path)) ^ self._permalinks_of(new)

    def _sharing_permalinks(self) -> set[str]:
        """The notes a permalink check covers whose FM006 can change: those holding a permalink that came
        or went (every note they cover, when what changed is not known)."""
        moved = self._permalinks_moved
        if moved is not None and not moved:
            return set()
        covered = (p for p in self.entries if any(check.covers(p) for check in self._permalink_checks))
        if moved is None:
            return set(covered)
        return {p for p in covered if p not in self.loaded or not moved.isdisjoint(self._permalinks_of(self.loaded[p]))}

    def _moves(self, files_changed: set[str]) -> dict[str, tuple[str, str]]:
        """The files that only moved, by folded name: (old path, new path) where the name is held by one
        file before and after. A link by such a name leads to the same file, so only links whose
        findings name the path can change; the others' link facts are made to follow the file."""
        if self._vault is None:
            return {}
        came: dict[str, list[str]] = {}
        went: dict[str, list[str]] = {}
        for path in files_changed:
            tally = came if path in self.all_files else went
            tally.setdefault(fold(path.rpartition("/")[2]), []).append(path)
        by_name = self._vault.by_name
        return {
            name: (went[name][0], new[0])
            for name, new in came.items()
            if len(new) == 1 and len(went.get(name, ())) == 1 and len(by_name.get(name, ())) == 1
        }

    def _retarget(self, moves: Iterable[tuple[str, str]]) -> None:
        """Where links led to a file that moved, they now lead to its new path (the notes not checked
        again keep link facts that name the file where it is), in watch's index and the links file alike.
        Their digest is taken when they are next checked (most never are: they link by name)."""
        assert self._backlinks is not None
        retargeted: dict[str, cache.LinkFacts | None] = dict(self._backlinks.retarget(dict(moves)))
        self._keep_link_facts(retargeted)
        for source in retargeted:
            entry = self.entries.get(source)
            if entry is not None:
                entry.facts, entry.saved = b"", False
        self._dirty = self._dirty or bool(retargeted)

    def _sees(self, path: str, keys: tuple[str, ...], changed: list[str], only_moved: bool) -> bool:
        """Whether a note linking by a name (`keys`) can see files of that name come or go (`changed`,
        folded): a link by the name alone, unless the file only moved (a unique name leads to the same
        file; only a finding whose message names its path, LK005 or LK007, changes); a link by a path
        that ends where a changed file is. A note not in memory is taken to (reading it costs what
        checking it does)."""
        note, entry = self.notes.get(path), self.entries.get(path)
        if note is None or entry is None or entry.findings is None:
            return True
        naming: set[tuple[int, int]] | None = None  # where its findings naming a path are, once asked
        named = self._links_by_name(note).named
        for link in (link for key in keys for link in named.get(key, ())):
            if "/" not in link.target:
                if not only_moved:
                    return True
                if naming is None:
                    naming = {(f.span.line, f.span.column) for f in entry.findings if f.code in PATH_CODES}
                if (link.line, link.column) in naming:
                    return True
                continue
            wanted = _RELATIVE.sub("", fold(link.target).lstrip("/"))
            if any(_ends_with(known, wanted) or _ends_with(strip_md(known), wanted) for known in changed):
                return True
        return False

    def _links_by_name(self, note: Note) -> NamedLinks:
        """A note's links by the folded name they are looked up by, and every name they are looked up
        by (watch asks again at every change of files of a name the note links by, and at every check
        of the note; kept until the note changes)."""
        known = self._named_links.get(note.path)
        if known is None or known.note is not note:
            named: dict[str, list[Link]] = {}
            at: dict[str, list[int]] = {}
            for place, link in enumerate(note.links):
                if link.target:
                    keys = name_keys(link.target)
                    named.setdefault(keys[0], []).append(link)
                    for key in keys:
                        at.setdefault(key, []).append(place)
            known = NamedLinks(note, named, tuple(sorted(at)), at)
            self._named_links[note.path] = known
        return known

    def _links_due(self, note: Note, names: frozenset[str]) -> tuple[Link, ...]:
        """A note's links looked up by one of these names, in the note's order."""
        at = self._links_by_name(note).at
        return tuple(note.links[place] for place in sorted({place for name in names for place in at.get(name, ())}))

    def follow(self) -> None:
        """Get ready to take changes one at a time (watch, once its first check is done): build now what
        refreshes of a few paths need, so that none of them pays for it — the file index, the lookups of
        suggestions and aliases, and the backlinks."""
        if self._backlinks is not None:
            return
        with paused_gc():
            vault = self.vault
            from vaultkit.suggest import prepare

            prepare(vault)
            vault.alias_target("")
            self.files.under("")
            backlinks = Backlinks(self._link_facts())
            for path, entry in self.entries.items():
                if entry.unresolved:
                    backlinks.set_asking(path, self._asking.get(path))
            backlinks.near.build()
            self._backlinks = backlinks
            self._unread = [path for path in reversed(self.entries) if path not in self.notes]

    @property
    def unread(self) -> bool:
        """Notes are left that only the cache knew (see read_idle)."""
        return bool(self._unread)

    def read_idle(self, seconds: float) -> None:
        """Read and parse, for about `seconds`, notes that only the cache knew (watch, between events):
        once every note is in memory, a change re-checks the notes it affects without reading any."""
        deadline = time.perf_counter() + seconds
        with paused_gc():
            while self._unread and time.perf_counter() < deadline:
                path = self._unread.pop()
                if path in self.entries and path not in self.notes:
                    self.note(path)

    # --- findings ---------------------------------------------------------------------------------

    def findings(self, wanted: set[str]) -> list[Finding]:
        """Raw findings (before selection and suppression) for the paths in `wanted`."""
        with paused_gc():
            while todo := [p for p in sorted(wanted) if p in self.entries and self.entries[p].findings is None]:
                for start, end in batches(len(todo)):
                    if self.progress is not None:
                        self.progress("checking", start, len(todo))
                    notes = [self.note(path) for path in todo[start:end]]
                    self.remember_all(notes, self._check_again(notes))
                if self.progress is not None:
                    self.progress("checking", len(todo), len(todo))
                self._dirty = True  # and if the links file turned out lost, every note is due again: loop
            found: list[Finding] = []
            for path in wanted:
                entry = self.entries.get(path)
                if entry is not None and entry.findings:
                    found.extend(entry.findings)
            found.extend(self.files.skipped[path] for path in wanted if path in self.files.skipped)
            found.extend(conflict_copies(path for path in wanted if self.files.kind_of(path) is not None))
            found.extend(self._clashes(wanted))
            return found

    def _clashes(self, wanted: set[str]) -> list[Finding]:
        """VK004 for the paths in `wanted` that another file's path equals up to case or Unicode form
        (asked of the groups they are in, not of the whole vault)."""
        vault = self.vault
        if not vault.has_twins:
            return []
        clashes = name_clashes({twin for path in wanted for twin in vault.twins(path)})
        return [clashes[path] for path in wanted if path in clashes]

    def check(self, notes: Sequence[Note], kind: str | None = None) -> list[Finding]:
        """Run every check (or those of one kind) over `notes`, after loading the other notes the checks read."""
        plan = plan_checks(self.config.checks, notes, self.config.templates)
        if kind is not None:
            plan = [(check, covered) for check, covered in plan if check.kind == kind]
        vault = self.vault
        for path in needed_notes(plan, vault):
            if path in self.entries and path not in self.loaded:
                self.note(path)
        return run_plan(plan, vault, notes)

    def _check_again(self, notes: Sequence[Note]) -> list[Finding]:
        """`check`, except for the notes only some of whose links are due (see `_due_by_names`): the
        link checks run on those links, and the note's other findings are kept."""
        whole: list[Note] = []
        partly: list[tuple[Note, Relink]] = []
        for note in notes:
            due = self._relink.pop(note.path, None)
            if due is not None and due.note is note:
                partly.append((note, due))
            else:
                whole.append(note)
        found = self.check(whole)
        codes = kind_named(LINK_KIND).codes
        subset: list[Note] = []
        for note, due in partly:
            links = self._links_due(note, due.names)
            subset.append(note._replace(links=links, problems=()))
            spans = {link.span for link in links}
            found.extend(kept for kept in due.findings if kept.code not in codes or kept.span not in spans)
        if subset:
            found.extend(self.check(subset, LINK_KIND))
        return found

    def remember_all(self, notes: Sequence[Note], findings: Iterable[Finding]) -> None:
        grouped = by_path(findings)
        for note in notes:
            self.remember(note, grouped.get(note.path, []))

    def remember(self, note: Note, findings: list[Finding]) -> None:
        """Keep a note's raw findings, and (tracking) where its links lead."""
        entry = self.entries[note.path]
        entry.findings, entry.saved = tuple(findings), False
        if self.use_cache and self._backlinks is None:
            # as the cache writes them: here, on every core of a check, rather than in save(); watch
            # (following changes) leaves them to its save, after it has told what it found
            entry.stored_findings()
        entry.unresolved = any(finding.code == "LK001" for finding in findings)
        entry.directives = tuple(directive.plain() for directive in suppress.directives_of(note))
        if not self.tracking:
            return
        resolve = self.vault.resolve
        targets: set[str] = set()
        asking: set[str] = set()
        for link in note.links:
            found = resolve(link.target, note.path)
            if found.path is not None:
                targets.add(found.path)
            elif link.target and not found.outside:
                asking.add(name_keys(link.target)[0])
        if asking:
            self._asking[note.path] = frozenset(asking)
        else:
            self._asking.pop(note.path, None)
        if self._backlinks is not None:
            self._backlinks.set_asking(note.path, asking)
        names = self._links_by_name(note).names if self._backlinks is not None else _names_of(note.links)
        facts = (tuple(sorted(targets)), names)
        if self._backlinks is not None and self._backlinks.facts.get(note.path) == facts:
            # as they were: watch's index holds every note's facts, as the links file does (retargeting
            # wrote both, and left only the digest to take)
            if not entry.facts:
                entry.facts = facts_digest(facts)
            return
        digest = facts_digest(facts)
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

    # --- the cold start's processes (engine/coldstart.py) -------------------------------------------

    def prepare(self) -> None:
        """The file index and the suggestion lookups, built once before the fork: every process shares them."""
        from vaultkit.suggest import prepare

        prepare(self.vault)

    def forget_findings(self, paths: Sequence[str]) -> None:
        for path in paths:
            self.entries[path].findings = None

    def shared(self, note: Note) -> tuple[Any, ...]:
        """What the other processes need to know of a note they did not parse, as plain tuples."""
        entry = self.entries[note.path]
        return (note.path, entry.key, entry.summary, entry.aliases, cache.plain_facts(note))

    def learn(self, shared: tuple[Any, ...], file: NoteFile | None) -> None:
        """Take in a note another process parsed (`file`: as the scan saw it, to keep in the cache)."""
        path, key, summary, aliases, plain = shared
        self.loaded[path] = cache.restore_facts(plain)
        stamp = (file.size, file.mtime_ns, file.inode) if file is not None else (0, 0, 0)
        self.entries[path] = cache.Entry(stamp, key, summary, aliases)

    def results(self, notes: Sequence[Note]) -> list[tuple[Any, ...]]:
        """The findings and link facts of notes checked here, as plain values for the parent. With the
        cache, the link facts are written here as a part of the links file to come, and the parent gets
        the part's name: it never holds them, nor writes them after everything else."""
        part = None
        known = self._link_facts() if self.tracking and self.use_cache else {}
        if all(note.path in known for note in notes):
            part = cache.write_links_part(self.config.vault, self._fingerprint, {n.path: known[n.path] for n in notes})
            if part is not None:  # on disk now: the memory they took is the results' to take
                self._links, self._links_changed = {}, {}
        results = []
        for note in notes:
            entry = self.entries[note.path]
            findings = entry.stored_findings()  # as the cache holds them: the parent writes them as they came
            links = part or self.link_facts_of(note.path)
            results.append((note.path, findings, entry.unresolved, entry.facts, links, entry.directives))
        return results

    def adopt(self, results: Sequence[tuple[Any, ...]]) -> None:
        """Take the findings a child computed (and its link facts, or the name of the part holding them)."""
        for path, findings, unresolved, facts_digest, links, directives in results:
            entry = self.entries[path]
            entry.restored, entry.stored = None, findings  # made objects when first asked for
            entry.unresolved = unresolved
            entry.facts = facts_digest
            entry.directives = directives
            if isinstance(links, str):
                if links not in self._link_parts:
                    self._link_parts.append(links)
            elif links is not None:
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
        parts = tuple(self._link_parts)  # a cold start's children wrote their notes' facts: named, not read
        if not base.generation or len(changed) + len(base.delta_links) + len(self._links_changed) > cache.DELTA_LIMIT:
            if parts and self._links is not None:
                links = self._links  # this process's notes; the parts hold the others'
            else:
                links, parts = self._link_facts(), ()
            base = self._snapshot or none  # reading the links file may have found it lost: write it again
        snapshot = cache.Snapshot(
            self._fingerprint,
            self._written_ns,
            frozenset(self.all_files),
            self.entries,
            base.generation,
            base.links_generation,
            changed,
            {**base.delta_links, **self._links_changed},
            base.index_paths,
            base.index_files,
        )
        written = cache.save(self.config.vault, snapshot, links, parts)
        self._snapshot = snapshot
        self._dirty = False
        self._links_changed = {}
        if parts and written:  # the facts in memory are this process's only: read them all from disk when needed
            self._links, self._link_parts = None, []


def _summary(note: Note) -> tuple[bytes, tuple[str, ...]]:
    """What other notes' findings can depend on, as a digest; and the note's aliases. (Frontmatter keys in
    another order give another digest: the notes linking here are checked again, nothing is missed.)"""
    seen = (
        [heading[:2] for heading in note.headings],  # level and text
        sorted(note.block_ids),
        note.frontmatter,
        [problem.code for problem in note.problems],
    )
    return cache.digest(seen), note_aliases(note)


def facts_digest(facts: cache.LinkFacts) -> bytes:
    """What the cache entry keeps of a note's link facts, so that the links file is read only when they change."""
    return cache.digest(facts)


def _names_of(links: Iterable[Link]) -> tuple[str, ...]:
    """The folded names links are looked up by, sorted (as link facts hold them)."""
    return tuple(sorted({key for link in links if link.target for key in name_keys(link.target)}))


_RELATIVE = re.compile(r"^(?:\.\.?/)+")


def _ends_with(path: str, tail: str) -> bool:
    """Whether a folded path is `tail` or ends with it at a folder boundary (as a link by path finds it)."""
    return path == tail or path.endswith("/" + tail)


@lru_cache(maxsize=65536)
def name_keys(path: str) -> tuple[str, ...]:
    """The folded names a link target or file path is looked up by (its own name first)."""
    name = fold(path.rpartition("/")[2])
    return (name, name[:-3]) if name.endswith(".md") else (name, name + ".md")
