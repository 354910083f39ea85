"""Which check runs on which note, what the checks need loaded, and running them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from vaultkit.globs import compile_globs
from vaultkit.model import Finding, Note
from vaultkit.resolve import VaultIndex
from vaultkit.vault.names import nfc

if TYPE_CHECKING:
    from vaultkit.kinds.base import CheckDef, Kind

Plan = list[tuple["CheckDef", list[Note]]]


def kind_named(name: str) -> Kind:
    """A check kind, imported on first use: an unchanged vault is answered without any."""
    from vaultkit.kinds import kind

    return kind(name)


def plan_checks(checks: Sequence[CheckDef], notes: Sequence[Note], templates: tuple[str, ...] = ()) -> Plan:
    """Pair each check with the notes it covers; exclusive kinds give each note to their first match.
    Kinds that do not check templates (schemas, outlines) get a template only from a definition whose
    `paths` name it."""
    from vaultkit.kinds import NAMES, WITH_DEFAULT

    plan: Plan = []
    is_template = _template_test(templates)
    for name in NAMES:
        definitions = [check for check in checks if check.kind == name]
        if not definitions and name not in WITH_DEFAULT:
            continue  # never imported
        kind = kind_named(name)

        def covers(check: CheckDef, path: str, kind: Kind = kind) -> bool:
            if not check.covers(path):
                return False
            return kind.checks_templates or not is_template(path) or names_templates(check, path, templates)

        if kind.exclusive:
            groups: dict[int, list[Note]] = defaultdict(list)
            candidates = [*definitions, *([kind.default] if kind.default else [])]
            for note in notes:
                chosen = next((i for i, check in enumerate(candidates) if covers(check, note.path)), None)
                if chosen is not None:
                    groups[chosen].append(note)
            plan.extend((candidates[i], group) for i, group in sorted(groups.items()))
        else:
            for check in definitions:
                covered = [note for note in notes if covers(check, note.path)]
                if covered:
                    plan.append((check, covered))
    return plan


def _template_test(templates: tuple[str, ...]) -> Callable[[str], bool]:
    matcher = compile_globs(templates)
    if matcher is None:
        return lambda path: False
    return lambda path: matcher.matches(nfc(path))


def names_templates(check: CheckDef, path: str, templates: tuple[str, ...]) -> bool:
    """Whether one of `check`'s globs that matches the template at `path` names the templates: it is one
    of the `templates` globs, or starts inside a templates folder (`Templates/**`, `Templates/Daily/*`)."""
    folders = [folder for folder in map(_literal_folder, templates) if folder]
    for glob in check.paths:
        matcher = compile_globs((glob,))
        if matcher is None or not matcher.matches(nfc(path)):
            continue
        start = _literal_folder(glob)
        if glob in templates or (start and any(start.startswith(folder) for folder in folders)):
            return True
    return False


def _literal_folder(glob: str) -> str:
    """The folders a glob names before its first wildcard: `Templates/` of `/Templates/**`."""
    glob = nfc(glob.strip().lstrip("/"))
    cut = min((at for at in (glob.find(char) for char in "*?[") if at >= 0), default=len(glob))
    return glob[:cut].rpartition("/")[0] + "/" if "/" in glob[:cut] else ""


def needed_notes(plan: Plan, vault: VaultIndex) -> set[str]:
    """The other notes the planned checks read from the index (link targets, notes sharing a permalink)."""
    return {path for check, covered in plan for path in kind_named(check.kind).needs(check, vault, covered)}


def run_plan(plan: Plan, vault: VaultIndex, notes: Sequence[Note]) -> list[Finding]:
    """Parse problems, then every planned check over the notes it covers."""
    findings: list[Finding] = [problem for note in notes for problem in note.problems]
    for check, covered in plan:
        findings.extend(kind_named(check.kind).run(check, vault, covered))
    return findings


def by_path(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.path].append(finding)
    return grouped


def batches(count: int) -> Iterator[tuple[int, int]]:
    """Bounds of the batches `count` notes are checked in: a progress report after each, and at most
    about eight of them (a kind that compares a note with every other, FM006, walks the vault once a
    batch)."""
    size = max(1024, -(-count // 8))
    for start in range(0, count, size):
        yield start, min(start + size, count)
