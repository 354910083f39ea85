"""The configuration as records: what a run checks (Config, Selection) and how it syncs (SyncSettings).

No heavy imports here: watch, sync and the engine all read these.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
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
    """Which codes are reported and at which severity: config merged with the command line."""

    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, str] = MappingProxyType({})
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def of(cls, config: Config, select: set[str] | None = None, ignore: Iterable[str] = ()) -> Selection:
        chosen = frozenset(select) if select is not None else config.select
        ignored = frozenset(config.ignore) | frozenset(ignore)
        return cls(chosen, ignored, dict(config.severity), config.per_file_ignores)

    def key(self) -> tuple[object, ...]:
        """The selection as a value that is the same in every run (sets have no stable order)."""
        chosen = None if self.select is None else sorted(self.select)
        per_file = [(glob, sorted(codes)) for glob, codes in self.per_file_ignores]
        return chosen, sorted(self.ignore), sorted(self.severity.items()), per_file

    def wants(self, code: str, path: str = "") -> bool:
        """Whether `code` is reported (in the note at `path`, when given: `per_file_ignores` apply there)."""
        if self.select is not None and code not in self.select:
            return False
        if code in self.ignore or self.severity.get(code) == "off":
            return False
        return not (path and self.per_file_ignores and code in ignored_in(self.per_file_ignores, path))

    def apply(self, finding: Finding) -> Finding | None:
        if not self.wants(finding.code, finding.path):
            return None
        severity = cast(Severity, self.severity.get(finding.code, RULES[finding.code].severity))
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
