"""'Did you mean [[…]]?': the nearest existing note for an unresolved link target."""

from __future__ import annotations

import re
from collections import defaultdict

from vaultkit.resolve import VaultIndex, fold

_MAX_NAME = 64  # longer names are only matched by their skeleton


def suggestion(target: str, vault: VaultIndex) -> str | None:
    """A link text for the note the user most likely meant, or None when nothing is close."""
    name = fold(target.rpartition("/")[2])
    if not name:
        return None
    index = vault.memo.get("suggest")
    if index is None:
        index = _SuggestIndex(vault)
        vault.memo["suggest"] = index
    assert isinstance(index, _SuggestIndex)
    return index.nearest(name)


_NOT_LETTERS = re.compile(r"[\W_]+")


def _skeleton(name: str) -> str:
    """The name without case, Unicode form, spaces or punctuation (names arrive folded)."""
    return _NOT_LETTERS.sub("", name)


def _stem(key: str) -> str:
    return key[:-3] if key.endswith(".md") else key


class _SuggestIndex:
    def __init__(self, vault: VaultIndex) -> None:
        self.vault = vault
        self.skeletons: dict[str, list[str]] = defaultdict(list)
        self.deletions: dict[str, list[str]] = defaultdict(list)
        for key in vault.by_name:
            stem = _stem(key)
            self.skeletons[_skeleton(stem)].append(key)
            if len(stem) <= _MAX_NAME:
                for variant in _deletions(stem):
                    self.deletions[variant].append(key)

    def nearest(self, name: str) -> str | None:
        stem = _stem(name)
        same = self.skeletons.get(_skeleton(stem))
        if same:
            return self._link_text(sorted(same)[0])
        if not 4 <= len(stem) <= _MAX_NAME:
            return None  # one letter off a very short name is a guess, not a suggestion
        limit = 1 if len(stem) < 8 else 2
        best: tuple[int, str] | None = None
        for variant in _deletions(stem):
            for key in self.deletions.get(variant, ()):
                distance = _levenshtein(stem, _stem(key), limit)
                if distance <= limit and (best is None or (distance, key) < best):
                    best = (distance, key)
        return self._link_text(best[1]) if best else None

    def _link_text(self, key: str) -> str:
        paths = self.vault.by_name[key]
        path = sorted(paths)[0]
        shown = path[:-3] if path.lower().endswith(".md") else path
        if len(paths) == 1:
            return shown.rpartition("/")[2]
        return shown


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _levenshtein(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
