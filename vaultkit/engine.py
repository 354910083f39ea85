"""Run the checks over a vault: index everything, report on the notes asked for."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vaultkit.config import Config
from vaultkit.files import NoteFile, VaultFiles, read_note, scan_vault
from vaultkit.kinds import KINDS, CheckDef
from vaultkit.model import ConfigError, Finding, Note, Span
from vaultkit.parse import parse_note
from vaultkit.resolve import VaultIndex
from vaultkit.rules import RULES
from vaultkit.settings import CONFLICT_COPY_PATTERN

Progress = Callable[[int, int], None]


@dataclass
class CheckRun:
    findings: list[Finding]
    notes_checked: int
    vault: VaultIndex
    files: VaultFiles = field(repr=False)


@dataclass(frozen=True)
class Selection:
    """Which codes are reported and at which severity: config merged with the command line."""

    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Config, select: set[str] | None = None, ignore: Iterable[str] = ()) -> Selection:
        chosen = frozenset(select) if select is not None else config.select
        return cls(chosen, frozenset(config.ignore) | frozenset(ignore), dict(config.severity))

    def wants(self, code: str) -> bool:
        if self.select is not None and code not in self.select:
            return False
        return code not in self.ignore and self.severity.get(code) != "off"

    def apply(self, finding: Finding) -> Finding | None:
        if not self.wants(finding.code):
            return None
        severity = self.severity.get(finding.code, RULES[finding.code].severity)
        return finding if finding.severity == severity else replace(finding, severity=severity)  # type: ignore[arg-type]


def check_vault(
    config: Config,
    paths: Sequence[Path] = (),
    *,
    selection: Selection | None = None,
    load: Callable[[Config, VaultFiles, set[str]], dict[str, Note]] | None = None,
    progress: Progress | None = None,
) -> CheckRun:
    """Index the whole vault, run every enabled check, report findings for `paths` (default: all)."""
    selection = selection or Selection.of(config)
    files = scan_vault(config.vault, config.exclude_regex)
    keep_text = _paths_needing_text(config, files.notes)
    notes = (load or load_notes)(config, files, keep_text)
    vault = VaultIndex([*notes, *files.attachments], notes)
    wanted = report_set(config.vault, paths, files)
    findings = run_checks(config, vault, [notes[path] for path in wanted if path in notes])
    findings.extend(finding for finding in files.skipped if finding.path in wanted)
    findings.extend(_conflict_copies(files, wanted))
    kept = [applied for finding in findings if (applied := selection.apply(finding)) is not None]
    kept.sort(key=lambda finding: finding.sort_key)
    return CheckRun(kept, sum(1 for path in wanted if path in notes), vault, files)


def _paths_needing_text(config: Config, notes: Sequence[NoteFile]) -> set[str]:
    text_checks = [check for check in config.checks if KINDS[check.kind].needs_text]
    if not text_checks:
        return set()
    return {note.path for note in notes if any(check.covers(note.path) for check in text_checks)}


def load_notes(config: Config, files: VaultFiles, keep_text: set[str]) -> dict[str, Note]:
    """Read and parse every note (no cache)."""
    return {note.path: load_note(config, note, note.path in keep_text) for note in files.notes}


def load_note(config: Config, note: NoteFile, keep_text: bool) -> Note:
    if note.size > config.max_note_size:
        return _name_only(note.path, f"note of {note.size:,} bytes is over max_note_size ({config.max_note_size:,})")
    data = read_note(config.vault, note)
    if isinstance(data, str):
        problem = Finding(note.path, Span(1, 1, 1, 1), "VK001", f"note cannot be read: {data}")
        return Note(note.path, None, 0, (), frozenset(), (), (), (problem,))
    if len(data) > config.max_note_size:
        return _name_only(note.path, f"note of {len(data):,} bytes is over max_note_size ({config.max_note_size:,})")
    return parse_note(note.path, data, keep_text)


def _name_only(path: str, reason: str) -> Note:
    skipped = Finding(path, Span(1, 1, 1, 1), "VK003", f"file skipped: {reason}; indexed by name only", "warning")
    return Note(path, None, 0, (), frozenset(), (), (), (skipped,))


def report_set(root: Path, paths: Sequence[Path], files: VaultFiles) -> set[str]:
    """The vault-relative paths to report on: files given, everything under folders given, or all."""
    every = [note.path for note in files.notes] + [finding.path for finding in files.skipped]
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
        findings.extend(KINDS[check.kind].run(check, vault, covered))
    return findings


def assign_checks(checks: Sequence[CheckDef], notes: Sequence[Note]) -> list[tuple[CheckDef, list[Note]]]:
    """Pair each check with the notes it covers; exclusive kinds give each note to their first match."""
    plan: list[tuple[CheckDef, list[Note]]] = []
    for kind_name, kind in KINDS.items():
        definitions = [check for check in checks if check.kind == kind_name]
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


def _conflict_copies(files: VaultFiles, wanted: set[str]) -> list[Finding]:
    found = []
    for path in [*(note.path for note in files.notes), *files.attachments]:
        if CONFLICT_COPY_PATTERN.search(path) and (path in wanted or not path.endswith(".md")):
            original = CONFLICT_COPY_PATTERN.sub("", path)
            found.append(
                Finding(
                    path,
                    Span(1, 1, 1, 1),
                    "SY001",
                    f"conflict copy left by sync; merge it into '{original}' and delete it",
                    "warning",
                )
            )
    return found
