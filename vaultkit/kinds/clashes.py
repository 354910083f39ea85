"""VK004 name-clash: files whose paths are equal up to case or Unicode normalization (NFC/NFD).

Linux keeps `Note.md` and `note.md`, or `café.md` composed and decomposed, as two files; macOS and Windows
cannot hold both (one overwrites the other when the vault is synced there), and Obsidian's links, which
compare names in that same folded form, cannot tell them apart. A pure function of the vault's file index.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from vaultkit.model import FILE_START, Finding
from vaultkit.resolve import fold


def name_clashes(files: Iterable[str]) -> dict[str, Finding]:
    """VK004 for every file whose path another file's equals up to case or Unicode form, by path."""
    paths = list(files)
    joined = "\n".join(paths)
    folded = fold(joined).split("\n") if joined.count("\n") == len(paths) - 1 else [fold(p) for p in paths]
    groups: dict[str, list[str]] = {}
    for path, key in zip(paths, folded, strict=True):
        groups.setdefault(key, []).append(path)
    found: dict[str, Finding] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        for path in group:
            others = sorted(other for other in group if other != path)
            named = " and ".join(f"'{other}'" for other in others)
            message = (
                f"'{path}' and {named} differ only in {_difference(path, others[0])}: they collide on macOS and "
                "Windows, and links cannot tell them apart; rename or merge one of them"
            )
            found[path] = Finding(path, FILE_START, "VK004", message)
    return found


def _difference(first: str, second: str) -> str:
    if unicodedata.normalize("NFC", first) == unicodedata.normalize("NFC", second):
        return "Unicode normalization (NFC/NFD)"
    if first.lower() == second.lower():
        return "case"
    return "case and Unicode normalization"
