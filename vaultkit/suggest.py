"""'Did you mean [[…]]?': the nearest existing note for an unresolved link target."""

from __future__ import annotations

import re
from collections import defaultdict

from vaultkit.resolve import VaultIndex, fold

_MAX_NAME = 64  # longer names are only matched by their skeleton
_SCANS_BEFORE_INDEX = 40


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
    """Two ways to the same answer: a scan of names of about the same length for the first queries,
    an index of one-letter deletions once there are many (it costs more to build than a few scans)."""

    def __init__(self, vault: VaultIndex) -> None:
        self.vault = vault
        self.skeletons: dict[str, list[str]] = defaultdict(list)
        self.by_length: dict[int, list[tuple[str, str, frozenset[str]]]] = defaultdict(list)
        self.deletions: dict[str, list[str]] | None = None
        self.scans = 0
        for key in vault.by_name:
            stem = _stem(key)
            self.skeletons[_skeleton(stem)].append(key)
            if len(stem) <= _MAX_NAME:
                self.by_length[len(stem)].append((key, stem, frozenset(stem)))

    def nearest(self, name: str) -> str | None:
        stem = _stem(name)
        same = self.skeletons.get(_skeleton(stem))
        if same:
            return self._link_text(sorted(same)[0])
        if not 4 <= len(stem) <= _MAX_NAME:
            return None  # one letter off a very short name is a guess, not a suggestion
        limit = 1 if len(stem) < 8 else 2
        best: tuple[int, str] | None = None
        for key in self._close(stem):
            distance = _levenshtein(stem, _stem(key), limit)
            if distance <= limit and (best is None or (distance, key) < best):
                best = (distance, key)
        return self._link_text(best[1]) if best else None

    def _close(self, stem: str) -> set[str]:
        """Names that share a string with `stem` when each loses at most one letter."""
        variants = _deletions(stem)
        if self.deletions is None and self.scans < _SCANS_BEFORE_INDEX:
            self.scans += 1
            letters = frozenset(stem)
            return {
                key
                for length in (len(stem) - 1, len(stem), len(stem) + 1)
                for key, other, other_letters in self.by_length.get(length, ())
                if len(letters - other_letters) <= 1
                and len(other_letters - letters) <= 1
                and not variants.isdisjoint(_deletions(other))
            }
        if self.deletions is None:
            self.deletions = self._deletion_index()
        return {key for variant in variants for key in self.deletions.get(variant, ())}

    def _deletion_index(self) -> dict[str, list[str]]:
        """Every name under each string it becomes when it loses at most one letter."""
        index: dict[str, list[str]] = {}
        get = index.get
        for entries in self.by_length.values():
            for key, other, _ in entries:
                for variant in {other, *[other[:i] + other[i + 1 :] for i in range(len(other))]}:
                    found = get(variant)
                    if found is None:
                        index[variant] = [key]
                    else:
                        found.append(key)
        return index

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
