"""Which check runs on which note, what the checks need loaded, and running them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from vaultkit.model import Finding, Note
from vaultkit.resolve import VaultIndex

if TYPE_CHECKING:
    from vaultkit.kinds.base import CheckDef, Kind

Plan = list[tuple["CheckDef", list[Note]]]


def kind_named(name: str) -> Kind:
    """A check kind, imported on first use: an unchanged vault is answered without any."""
    from vaultkit.kinds import kind

    return kind(name)


def plan_checks(checks: Sequence[CheckDef], notes: Sequence[Note]) -> Plan:
    """Pair each check with the notes it covers; exclusive kinds give each note to their first match."""
    from vaultkit.kinds import NAMES, WITH_DEFAULT

    plan: Plan = []
    for name in NAMES:
        definitions = [check for check in checks if check.kind == name]
        if not definitions and name not in WITH_DEFAULT:
            continue  # never imported
        kind = kind_named(name)
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
