"""Apply the safe fixes of findings: only files that change, every other byte kept, written atomically."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from vaultkit.model import Edit, Finding
from vaultkit.vault.write import write_atomically

BOM = "\ufeff"


class FixedFile(NamedTuple):
    """A note the fixes change: how many findings they fix there, and the unified diff of the change."""

    path: str
    fixes: int
    diff: str


def apply_fixes(root: Path, findings: Sequence[Finding], write: bool) -> list[FixedFile]:
    """Apply (or only diff, `write=False`) every fix; return the notes that change, in path order."""
    edits: dict[str, list[Edit]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        if finding.fix is not None:
            edits[finding.path].extend(finding.fix.edits)
            counts[finding.path] += 1
    changed: list[FixedFile] = []
    for path in sorted(edits):
        file = root / path
        try:
            data = file.read_bytes()
            before = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        after = apply_edits(before, edits[path])
        if after == before:
            continue
        changed.append(FixedFile(path, counts[path], unified_diff(path, before, after)))
        if write:
            write_atomically(file, after.encode("utf-8"), hidden=True, durable=True)
    return changed


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Edits are positioned by line and code-point column; a BOM and CRLF line ends are kept as they are."""
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    starts = [0]
    position = body.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = body.find("\n", position + 1)
    newline = "\r\n" if "\r\n" in body else "\n"
    located: list[tuple[int, int, str]] = []
    for edit in edits:
        span = edit.span
        if span.line > len(starts) or span.end_line > len(starts):
            continue
        start = starts[span.line - 1] + span.column - 1
        end = starts[span.end_line - 1] + span.end_column - 1
        if edit.original and body[start:end] != edit.original:
            continue  # the note changed since it was checked: leave it alone
        located.append((start, end, edit.replacement.replace("\n", newline)))
    located.sort()
    pieces: list[str] = []
    cursor = 0
    for start, end, replacement in located:
        if start < cursor:
            continue  # overlaps an edit already taken
        pieces.append(body[cursor:start])
        pieces.append(replacement)
        cursor = end
    pieces.append(body[cursor:])
    return bom + "".join(pieces)


def unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        _diff_lines(before), _diff_lines(after), fromfile=f"a/{path}", tofile=f"b/{path}", lineterm="\n"
    )
    return "".join(lines)


def _diff_lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
