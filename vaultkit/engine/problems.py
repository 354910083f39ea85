"""Findings about files rather than their content: unreadable notes, skipped files, conflict copies."""

from __future__ import annotations

from collections.abc import Iterable

from vaultkit.model import FILE_START, Finding, Note
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
