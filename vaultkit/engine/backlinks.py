"""Who links where, the other way round: what lets watch re-check only the notes a change can affect.

A one-shot run finds the notes linking to a changed note with one pass over every note's link facts;
watch makes that pass once, into these indexes, and keeps them up to date as notes are checked again,
so that a save costs what it changed, never a pass over the vault.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from vaultkit.model import strip_md
from vaultkit.store.cache import LinkFacts
from vaultkit.suggest import Neighbours


class Backlinks:
    """Notes by the files their links lead to and by the names they link by; and the names their
    unresolved links ask for, with the names near them (a file of a near name changes the link's
    "did you mean")."""

    def __init__(self, facts: Mapping[str, LinkFacts]) -> None:
        self.to_target: dict[str, set[str]] = defaultdict(set)  # resolved path -> notes linking to it
        self.by_name: dict[str, set[str]] = defaultdict(set)  # folded name (with and without .md) -> notes
        self.facts: dict[str, LinkFacts] = {}
        self.asking: dict[str, set[str]] = defaultdict(set)  # stem an unresolved link names -> notes
        self.asked: dict[str, frozenset[str]] = {}  # note -> the stems its unresolved links name
        self.near = Neighbours()  # every stem in `asking`
        for path, known in facts.items():
            self.set_facts(path, known)

    def set_facts(self, path: str, facts: LinkFacts | None) -> None:
        """Where a note's links lead now (None: the note is gone)."""
        old = self.facts.pop(path, None)
        if facts is not None:
            self.facts[path] = facts
        if old == facts:
            return
        old_targets, old_names = old or ((), ())
        new_targets, new_names = facts or ((), ())
        for index, was, now in ((self.to_target, old_targets, new_targets), (self.by_name, old_names, new_names)):
            if was == now:  # a note moved, or a file it links to: one half changes, the other need not be walked
                continue
            for key in set(was).difference(now):
                _discard(index, key, path)
            for key in set(now).difference(was):
                index[key].add(path)
        if facts is None:
            self.set_asking(path, ())

    def retarget(self, moves: Mapping[str, str]) -> list[tuple[str, LinkFacts]]:
        """The links that led to each old path lead to its new one (the files moved): the notes and
        their facts now, each note once however many of the files it links to."""
        sources: set[str] = set()
        for old, new in moves.items():
            linking = self.to_target.pop(old, set())
            if linking:
                self.to_target[new] |= linking
                sources |= linking
        changed = []
        for source in sources:
            targets, names = self.facts[source]
            now = [moves.get(target, target) for target in targets]
            now.sort()  # targets were sorted: a few out of place (a note may link to thousands)
            facts = (tuple(dict.fromkeys(now)), names)  # a note may link to a file where another moved
            self.facts[source] = facts
            changed.append((source, facts))
        return changed

    def move(self, old: str, new: str) -> None:
        """A note moved with its links as they were: what is known of it follows it to its new path."""
        facts = self.facts.pop(old, None)
        if facts is not None:
            self.facts[new] = facts
            for index, keys in ((self.to_target, facts[0]), (self.by_name, facts[1])):
                for key in keys:
                    _discard(index, key, old)
                    index[key].add(new)
        stems = self.asked.pop(old, None)
        if stems is not None:
            self.asked[new] = stems
            for stem in stems:
                self.asking[stem].discard(old)
                self.asking[stem].add(new)

    def set_asking(self, path: str, names: Iterable[str] | None) -> None:
        """The folded names a note's unresolved links ask for; None: unknown, so every name it links by
        (its findings came from the cache or the other process of a cold start)."""
        if names is None:
            names = self.facts.get(path, ((), ()))[1]
        stems = frozenset(strip_md(name) for name in names)
        old = self.asked.get(path, frozenset())
        if old == stems:
            return
        self.asked.pop(path, None)
        for stem in old - stems:
            _discard(self.asking, stem, path)
            if stem not in self.asking:
                self.near.remove(stem)
        for stem in stems - old:
            if stem not in self.asking:
                self.near.add(stem)
            self.asking[stem].add(path)
        if stems:
            self.asked[path] = stems

    def linking_to(self, targets: Iterable[str]) -> set[str]:
        return {source for target in targets for source in self.to_target.get(target, ())}

    def linking_by(self, names: Iterable[str]) -> set[str]:
        return {source for name in names for source in self.by_name.get(name, ())}

    def suggesting(self, names: Iterable[str]) -> set[str]:
        """Notes with an unresolved link whose "did you mean" a file of one of these names can change."""
        return {source for name in names for stem in self.near.around(name) for source in self.asking.get(stem, ())}


def _discard(index: dict[str, set[str]], key: str, path: str) -> None:
    found = index.get(key)
    if found is not None:
        found.discard(path)
        if not found:
            del index[key]
