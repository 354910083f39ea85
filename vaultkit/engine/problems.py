"""Findings about files rather than their content: unreadable notes, skipped files, conflict copies."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from vaultkit.model import FILE_START, Finding, Note, shorten
from vaultkit.resolve import VaultIndex
from vaultkit.vault.names import CONFLICT_COPY_PATTERN


def name_only(path: str, reason: str) -> Note:
    """A note indexed by its name only (VK003): too big to read."""
    return Note.with_problem(Finding(path, FILE_START, "VK003", f"file skipped: {reason}; indexed by name only"))


def unreadable(path: str, reason: str) -> Note:
    """A note the operating system would not let vaultkit read (VK001)."""
    return Note.with_problem(Finding(path, FILE_START, "VK001", f"note cannot be read: {reason}"))


def conflict_copies(paths: Iterable[str]) -> list[Finding]:
    """SY001 for every conflict copy sync left among `paths`."""
    found = []
    for path in paths:
        if CONFLICT_COPY_PATTERN.search(path):
            original = CONFLICT_COPY_PATTERN.sub("", path)
            message = f"conflict copy left by sync; merge it into '{original}' and delete it"
            found.append(Finding(path, FILE_START, "SY001", message))
    return found


def not_in_commit(findings: Sequence[Finding], note: Callable[[str], Note], absent: Iterable[str]) -> list[Finding]:
    """In the vault of a commit (SPEC §9), an unresolved link whose target is on disk but not in the commit
    says so, naming the file to stage (`absent`: the files on disk that git's index does not hold)."""
    index = VaultIndex(sorted(absent), {})
    told = []
    for finding in findings:
        if finding.code == "LK001":
            link = next((link for link in note(finding.path).links if link.span == finding.span), None)
            found = index.resolve(link.target, finding.path).path if link is not None else None
            if link is not None and found is not None:
                message = f"unresolved link: '{shorten(link.target)}' is not in the commit ({found} is not staged)"
                finding = finding._replace(message=message)
        told.append(finding)
    return told
