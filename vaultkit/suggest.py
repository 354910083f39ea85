"""'Did you mean …?': the nearest existing note for an unresolved link target, the closest heading for a
missing one.

The note, in this order: a name equal up to case, Unicode form, spaces and punctuation (its skeleton);
a name one or two letters off; a name the target is the start or the end of (`[[Brand New]]` for
`Brand Newer`, `[[Ango]]` for `Steph Ango`), or that is at least half of the target, at its start or
end (`[[Steph Ango notes]]`) — the one that adds or drops the fewest letters. Targets of fewer than four
letters get no suggestion: too many names start with them for a guess to help."""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable

from vaultkit.model import Note, strip_md
from vaultkit.resolve import VaultIndex, fold, heading_key

_MAX_NAME = 64  # longer names are only matched by their skeleton
_SCANS_BEFORE_INDEX = 40
_MIN_AFFIX = 4  # letters of the skeleton a prefix or suffix match needs
_AFFIX_SCAN = 256  # names starting (or ending) with the target looked at, at most


def suggestion(target: str, vault: VaultIndex) -> str | None:
    """A link text for the note the user most likely meant, or None when nothing is close."""
    name = fold(target.rpartition("/")[2])
    if not name:
        return None
    return _index(vault).nearest(name)


def prepare(vault: VaultIndex) -> None:
    """Build every lookup suggestions need now: before a fork, so that both processes share one copy."""
    _index(vault).build()


def _index(vault: VaultIndex) -> _SuggestIndex:
    index = vault.memo.get("suggest")
    if index is None:
        index = _SuggestIndex(vault)
        vault.memo["suggest"] = index
    assert isinstance(index, _SuggestIndex)
    return index


_NOT_LETTERS = re.compile(r"(?:[^\w/]|_)+")  # keeps '/': names hold none, so it can stand between them


def _skeleton(name: str) -> str:
    """The name without case, Unicode form, spaces or punctuation (names arrive folded)."""
    return _NOT_LETTERS.sub("", name)


class Neighbours:
    """A set of names and, for a name, those a suggestion chooses among: the same skeleton, a shared
    string when each loses at most one letter, a start or an end. Two ways to the same answer: a scan of names of about
    the same length for the first queries, an index of one-letter deletions once there are many (it
    costs more to build than a few scans). The relation is symmetric, so the same lookup also says
    whose suggestion a name that appears or goes away can change (watch keeps one over the targets of
    unresolved links). Names can be added and removed: a vault in watch changes under it."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.skeletons: dict[str, set[str]] = defaultdict(set)
        self.names: list[tuple[str, str]] = []  # (key, stem) of names short enough to compare
        self.by_length: dict[int, list[int]] = defaultdict(list)  # stem length -> indexes into names
        self.deletions: dict[int, int | list[int]] | None = None
        self.scans = 0
        self._position: dict[str, int] = {}  # key -> index into names
        self._gone: set[int] = set()  # indexes of names removed since (the deletion index keeps them)
        self._affixes: tuple[list[str], list[str]] | None = None  # skeletons sorted, and sorted reversed
        keys = list(keys)
        stems = [strip_md(key) for key in keys]
        # every skeleton in one pass: names hold no '/', so it can stand between them
        skeletons = _NOT_LETTERS.sub("", "/".join(stems)).split("/") if stems else []
        for key, stem, skeleton in zip(keys, stems, skeletons, strict=True):
            self.skeletons[skeleton].add(key)
            if len(stem) <= _MAX_NAME:
                self._position[key] = len(self.names)
                self.by_length[len(stem)].append(len(self.names))
                self.names.append((key, stem))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.skeletons.get(_skeleton(strip_md(key)), ())

    def add(self, key: str) -> None:
        stem = strip_md(key)
        if key in self:
            return
        skeleton = _skeleton(stem)
        if skeleton not in self.skeletons and self._affixes is not None:
            for table, entry in zip(self._affixes, (skeleton, skeleton[::-1]), strict=True):
                insort(table, entry)
        self.skeletons[skeleton].add(key)
        if len(stem) > _MAX_NAME:
            return
        number = self._position[key] = len(self.names)
        self.names.append((key, stem))
        self.by_length[len(stem)].append(number)
        if self.deletions is not None:
            self._index_name(self.deletions, number, stem)

    def remove(self, key: str) -> None:
        skeleton = _skeleton(strip_md(key))
        same = self.skeletons.get(skeleton)
        if same is None or key not in same:
            return
        same.discard(key)
        if not same:
            del self.skeletons[skeleton]
            if self._affixes is not None:
                for table, entry in zip(self._affixes, (skeleton, skeleton[::-1]), strict=True):
                    del table[bisect_left(table, entry)]
        number = self._position.pop(key, None)
        if number is not None:
            self.by_length[len(self.names[number][1])].remove(number)
            self._gone.add(number)

    def around(self, name: str) -> set[str]:
        """The names a suggestion for `name` could pick, and those whose suggestion `name` could be: the
        same skeleton, one letter lost away on each side, or a start or end of the other one."""
        stem = strip_md(name)
        skeleton = _skeleton(stem)
        found = set(self.skeletons.get(skeleton, ()))
        if len(stem) <= _MAX_NAME + 1:
            found |= self._close(stem)
        if len(skeleton) >= _MIN_AFFIX:
            for cut in range(_MIN_AFFIX, len(skeleton)):  # names that start or end this one
                found.update(self.skeletons.get(skeleton[:cut], ()))
                found.update(self.skeletons.get(skeleton[-cut:], ()))
            forward, backward = self.affix_tables()  # names this one starts or ends, and is half of
            for table, probe, turn in ((forward, skeleton, False), (backward, skeleton[::-1], True)):
                for candidate in table[bisect_left(table, probe) :]:
                    if not candidate.startswith(probe):
                        break
                    if len(candidate) <= 2 * len(skeleton):
                        found.update(self.skeletons[candidate[::-1] if turn else candidate])
        return found

    def affix_tables(self) -> tuple[list[str], list[str]]:
        """Every skeleton in order, and every skeleton reversed in order: the names a target starts or
        ends are a range of each."""
        if self._affixes is None:
            self._affixes = (sorted(self.skeletons), sorted(skeleton[::-1] for skeleton in self.skeletons))
        return self._affixes

    def _close(self, stem: str) -> set[str]:
        """Names that share a string with `stem` when each loses at most one letter."""
        variants = _deletions(stem)
        if self.deletions is None and self.scans < _SCANS_BEFORE_INDEX:
            self.scans += 1
            letters = set(stem)
            candidates = [
                index
                for length in (len(stem) - 1, len(stem), len(stem) + 1)
                for index in self.by_length.get(length, ())
                if len(letters.symmetric_difference(self.names[index][1])) <= 2
            ]
        else:
            if self.deletions is None:
                self.deletions = self._deletion_index()
            candidates = []
            for variant in variants:
                found = self.deletions.get(hash(variant))
                if found is not None:
                    candidates.extend(found if isinstance(found, list) else (found,))
        return {  # the same test on both paths (the index is keyed by hash: it may over-approximate)
            self.names[index][0]
            for index in candidates
            if index not in self._gone and not variants.isdisjoint(_deletions(self.names[index][1]))
        }

    def build(self) -> None:
        """Build the lookups now (before a fork, or before watch starts taking changes)."""
        if self.deletions is None:
            self.deletions = self._deletion_index()
        self.affix_tables()

    def _deletion_index(self) -> dict[int, int | list[int]]:
        """Each name's index under the hash of every string it becomes when it loses at most one letter
        (hashes, not strings: a vault's names make a quarter of a million of them)."""
        index: dict[int, int | list[int]] = {}
        for number, (_, stem) in enumerate(self.names):
            if number not in self._gone:
                self._index_name(index, number, stem)
        return index

    @staticmethod
    def _index_name(index: dict[int, int | list[int]], number: int, stem: str) -> None:
        for variant in {stem, *[stem[:i] + stem[i + 1 :] for i in range(len(stem))]}:
            key = hash(variant)
            found = index.get(key)
            if found is None:
                index[key] = number
            elif isinstance(found, list):
                found.append(number)
            else:
                index[key] = [found, number]


class _SuggestIndex(Neighbours):
    """The vault's file names, for suggestions; follows the names as files come and go."""

    def __init__(self, vault: VaultIndex) -> None:
        super().__init__(vault.by_name)
        self.vault = vault

    def nearest(self, name: str) -> str | None:
        stem = strip_md(name)
        same = self.skeletons.get(_skeleton(stem))
        if same:
            return self._link_text(min(same))
        if not 4 <= len(stem) <= _MAX_NAME:
            return None  # one letter off a very short name is a guess, not a suggestion
        limit = 1 if len(stem) < 8 else 2
        best: tuple[int, str] | None = None
        for key in self._close(stem):
            distance = _levenshtein(stem, strip_md(key), limit)
            if distance <= limit and (best is None or (distance, key) < best):
                best = (distance, key)
        if best is None:
            best = self._affix(_skeleton(stem))
        return self._link_text(best[1]) if best else None

    def _affix(self, skeleton: str) -> tuple[int, str] | None:
        """(letters added or dropped, key) of the name closest to having `skeleton` as its start or end,
        or being the start or end of it."""
        if len(skeleton) < _MIN_AFFIX:
            return None
        forward, backward = self.affix_tables()
        found: list[tuple[int, str]] = []
        for table, probe, turn in ((forward, skeleton, False), (backward, skeleton[::-1], True)):
            start = bisect_left(table, probe)
            for candidate in table[start : start + _AFFIX_SCAN]:
                if not candidate.startswith(probe):
                    break
                if candidate != probe:
                    keys = self.skeletons[candidate[::-1] if turn else candidate]
                    found.append((len(candidate) - len(probe), min(keys)))
        shortest = max(_MIN_AFFIX, (len(skeleton) + 1) // 2)  # what the user wrote is mostly the name
        for cut in range(len(skeleton) - 1, shortest - 1, -1):  # the longest start or end of the target
            if found and len(skeleton) - cut > min(found)[0]:
                break
            for piece in (skeleton[:cut], skeleton[-cut:]):
                named = self.skeletons.get(piece)
                if named:
                    found.append((len(skeleton) - cut, min(named)))
        return min(found) if found else None

    def names_changed(self, added: set[str], removed: set[str]) -> bool:
        for key in removed:
            self.remove(key)
        for key in added:
            self.add(key)
        return True

    def _link_text(self, key: str) -> str:
        paths = self.vault.by_name[key]
        shown = strip_md(min(paths))
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


def closest_heading(vault: VaultIndex, note: Note, anchor: str) -> str | None:
    """The heading of `note` a broken `#anchor` most likely meant, as written there, or None.

    In order: the chain's last heading found elsewhere in the note (`#A#B` where B is not under A); one
    with the same letters and digits; one a small edit away (as for note names); one that holds the
    anchor's words or is held in them (at least four characters: `#命名规则` for `1.1 命名规则`)."""
    parts = [part for part in anchor.split("#") if part.strip()]
    if not parts or not note.headings:
        return None
    wanted = heading_key(parts[-1])
    keys = [key for _, key in vault.heading_keys(note)]
    texts = [heading.text for heading in note.headings]
    for text, key in zip(texts, keys, strict=True):
        if key == wanted:
            return text
    skeleton = _skeleton(wanted)
    for text, key in zip(texts, keys, strict=True):
        if skeleton and _skeleton(key) == skeleton:
            return text
    if len(wanted) >= 4:
        limit = 1 if len(wanted) < 8 else 2
        best: tuple[int, int] | None = None
        for index, key in enumerate(keys):
            distance = _levenshtein(wanted, key, limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, index)
        if best is not None:
            return texts[best[1]]
    for text, key in zip(texts, keys, strict=True):
        if min(len(key), len(wanted)) >= 4 and (wanted in key or key in wanted):
            return text
    return None
