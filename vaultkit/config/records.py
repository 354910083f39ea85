"""The configuration as records: what a run checks (Config, Selection) and how it syncs (SyncSettings).

No heavy imports here: watch, sync and the engine all read these.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from vaultkit.globs import Globs, compile_globs
from vaultkit.model import Finding, Severity
from vaultkit.rules import RULES

if TYPE_CHECKING:  # the kinds are imported only when a vault has check definitions
    from vaultkit.kinds.base import CheckDef

DEFAULT_EXCLUDE = (".obsidian/**", ".trash/**")
DEFAULT_MAX_NOTE_SIZE = 10 * 1024 * 1024
OnConflict = Literal["keep-both", "hold"]
DEFAULT_COMMIT_MESSAGE = "vault backup: {date} ({count} files)"


class SyncSettings(NamedTuple):
    """The `sync:` keys of the configuration (SPEC §9)."""

    remote: str | None = None  # None: the current branch's upstream
    debounce: float = 2.0  # seconds of quiet before a commit (watch)
    max_delay: float = 30.0  # a commit happens at most this long after the first change (watch)
    pull_interval: float = 60.0  # seconds between fetches (watch)
    on_conflict: OnConflict = "keep-both"
    commit_message: str = DEFAULT_COMMIT_MESSAGE
    verify: bool = False  # run the repository's commit hooks
    max_file_size: int = 100 * 1024 * 1024  # bytes; larger files are never committed


class Layer(NamedTuple):
    """A nested configuration (SPEC §2): the keys it sets apply to the notes of its folder and below, the
    nearest configuration winning key by key."""

    folder: str  # vault-relative, with a trailing '/' ("" for a configuration at the vault root)
    source: Path
    select: frozenset[str] | None = None  # None here: the key is not set (the next one out decides)
    ignore: frozenset[str] | None = None
    severity: Mapping[str, str] | None = None
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] | None = None
    checks: bool = False  # it sets `checks`: the definitions from further out do not apply here


class Config(NamedTuple):
    vault: Path  # the vault root, absolute
    source: Path | None = None  # the configuration file, None when running on defaults
    checks: tuple[CheckDef, ...] = ()
    check_files: tuple[Path, ...] = ()  # every file the checks came from (for caches and watch)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    select: frozenset[str] | None = None  # None: every code
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, str] = MappingProxyType({})
    max_note_size: int = DEFAULT_MAX_NOTE_SIZE
    sync: SyncSettings = SyncSettings()
    templates: tuple[str, ...] = ()  # globs of template notes: the `templates` key, else Obsidian's settings
    obsidian_excluded: tuple[str, ...] = ()  # Obsidian's excluded files, as regular expressions
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()  # (glob, codes not reported there)
    layers: tuple[Layer, ...] = ()  # nested configurations found in the vault, outermost first
    nested: bool = True  # False: `--config` names the whole configuration (nested ones are not read)
    staged: bool = False  # the vault is what git's index holds (a pre-commit run, `--staged`); the cache is
    # shared with the working tree's: the files that differ are added or removed files to the engine

    @property
    def sources(self) -> tuple[Path, ...]:
        """Every configuration file this configuration was read from (the root one first)."""
        return (*((self.source,) if self.source else ()), *(layer.source for layer in self.layers))

    @property
    def exclude_regex(self) -> Globs | None:
        """The exclude globs, less those that only match hidden paths (`.obsidian/**`): every file walk
        leaves hidden entries out before it asks, and a vault on the defaults then asks nothing. With
        them, Obsidian's excluded files."""
        return compile_globs(tuple(glob for glob in self.exclude if not glob.startswith(".")), self.obsidian_excluded)

    @property
    def template_globs(self) -> Globs | None:
        return compile_globs(self.templates)

    def fingerprint(self) -> str:
        """Changes whenever anything that could change a finding changes."""
        parts = [repr(self.vault), repr(self.exclude), repr(self.max_note_size)]
        parts += [repr(self.templates), repr(self.obsidian_excluded)]
        for path in self.check_files:
            try:
                parts.append(f"{path}:{path.read_bytes()!r}")
            except OSError:
                parts.append(f"{path}:missing")
        parts.extend(repr(check) for check in self.checks)
        return "\n".join(parts)


class Selection(NamedTuple):
    """Which codes are reported and at which severity: the configuration (nested ones included) merged
    with the command line, whose `--select` replaces every configuration's and whose `--ignore` adds to
    every configuration's, as ruff treats them."""

    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, str] = MappingProxyType({})
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    layers: tuple[tuple[str, Selection], ...] = ()  # (folder with '/', its selection), deepest first

    @classmethod
    def of(cls, config: Config, select: set[str] | None = None, ignore: Iterable[str] = ()) -> Selection:
        extra = frozenset(ignore)

        def merged(chain: Sequence[Layer]) -> Selection:
            """The selection in the folder of the last layer of `chain` (its ancestors before it)."""
            chosen: frozenset[str] | None = config.select
            ignored, severity = frozenset(config.ignore), dict(config.severity)
            per_file = config.per_file_ignores
            for layer in chain:
                chosen = layer.select if layer.select is not None else chosen
                ignored = layer.ignore if layer.ignore is not None else ignored
                severity = dict(layer.severity) if layer.severity is not None else severity
                per_file = layer.per_file_ignores if layer.per_file_ignores is not None else per_file
            final = frozenset(select) if select is not None else chosen
            return cls(final, ignored | extra, severity, per_file)

        layers = sorted(config.layers, key=lambda layer: layer.folder)
        nested = [
            (layer.folder, merged([outer for outer in layers if layer.folder.startswith(outer.folder)]))
            for layer in layers
        ]
        nested.sort(key=lambda pair: -len(pair[0]))
        root = merged([layer for layer in layers if not layer.folder])
        return root._replace(layers=tuple(pair for pair in nested if pair[0]))

    def at(self, path: str) -> Selection:
        """The selection that applies to the note at `path` (its folder's, with nested configurations)."""
        for folder, selection in self.layers:
            if path.startswith(folder):
                return selection
        return self

    def key(self) -> tuple[object, ...]:
        """The selection as a value that is the same in every run (sets have no stable order)."""
        chosen = None if self.select is None else sorted(self.select)
        per_file = [(glob, sorted(codes)) for glob, codes in self.per_file_ignores]
        nested = [(folder, selection.key()) for folder, selection in self.layers]
        return chosen, sorted(self.ignore), sorted(self.severity.items()), per_file, nested

    def wants(self, code: str, path: str = "") -> bool:
        """Whether `code` is reported (in the note at `path`, when given: `per_file_ignores` apply there;
        for a nested configuration's folder, ask `at(path)`)."""
        if self.select is not None and code not in self.select:
            return False
        if code in self.ignore or self.severity.get(code) == "off":
            return False
        return not (path and self.per_file_ignores and code in ignored_in(self.per_file_ignores, path))

    def apply(self, finding: Finding) -> Finding | None:
        selection = self.at(finding.path) if self.layers else self
        if not selection.wants(finding.code, finding.path):
            return None
        severity = cast(Severity, selection.severity.get(finding.code, RULES[finding.code].severity))
        return finding if finding.severity == severity else finding._replace(severity=severity)


@lru_cache(maxsize=4096)
def ignored_in(per_file_ignores: tuple[tuple[str, frozenset[str]], ...], path: str) -> frozenset[str]:
    """The codes `per_file_ignores` leave out for the note at `path` (ruff's convention: every matching
    glob adds its codes)."""
    if not path.isascii():
        path = unicodedata.normalize("NFC", path)
    codes: set[str] = set()
    for glob, ignored in per_file_ignores:
        matcher = compile_globs((glob,))
        if matcher is not None and matcher.matches(path):
            codes |= ignored
    return frozenset(codes)
