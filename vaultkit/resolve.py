"""Obsidian's link resolution over an index of the vault's files (SPEC §4)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple, Protocol, runtime_checkable

from vaultkit.model import Note, strip_md


def fold(text: str) -> str:
    """The form in which Obsidian compares names: NFC, lower case."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.lower()


# Obsidian's stripHeading: each of these characters reads as a space
_HEADING_PUNCTUATION = str.maketrans(dict.fromkeys('!"#$%&()*+,.:;<=>?@^`{|}~/[]\\', " "))


@lru_cache(maxsize=65536)
def heading_key(text: str) -> str:
    """A heading as Obsidian matches it, on both sides of a link (its stripHeading, then case ignored):
    punctuation read as spaces, runs of whitespace as one, the ends trimmed. So `[[Note#What is it]]`
    reaches `## What is it?` and `[[#List]]` reaches ``## `List` ``."""
    return " ".join(fold(text).translate(_HEADING_PUNCTUATION).split())


def folder_of(path: str) -> str:
    return path.rpartition("/")[0]


class Resolution(NamedTuple):
    path: str | None  # the file the link opens; None: unresolved
    outside: bool = False  # a relative link that climbs out of the vault root
    others: tuple[str, ...] = ()  # the other files the target names, when several do (shortest path first)
    rule: str = ""  # the rule that chose among several (SPEC §4.5): PATH, FOLDER, SHORTEST or GUESS

    @property
    def ties(self) -> tuple[str, ...]:
        """The others, when only the length of the paths chose (LK005): a new or renamed note elsewhere can
        silently change where the link leads."""
        return self.others if self.rule in (SHORTEST, GUESS) else ()


PATH, FOLDER, SHORTEST, GUESS = "path", "folder", "shortest", "guess"  # GUESS: shortest, but of equal length


UNRESOLVED = Resolution(None)


@dataclass(eq=False, repr=False)
class VaultIndex:
    """All files of the vault, the parsed notes, and the lookups link resolution needs."""

    files: Iterable[str]  # every file in the vault, notes and attachments, vault-relative (kept current)
    notes: Mapping[str, Note]
    by_name: dict[str, list[str]] = field(init=False)  # folded file name -> paths
    _folded: dict[str, str] = field(init=False)  # path -> folded path
    by_path: dict[str, str] = field(init=False)
    # (path, aliases) of every note, when something cheaper than parsing every note knows them
    aliases_of: Callable[[], Iterable[tuple[str, Sequence[str]]]] | None = None
    memo: dict[str, object] = field(init=False, default_factory=dict)  # lookups built on first use (see update)
    _cache: dict[tuple[str, str], Resolution] = field(init=False, default_factory=dict)
    _anywhere: dict[str, Resolution] = field(init=False, default_factory=dict)  # the same from every folder
    # once files came or went (watch): the keys in _cache and _anywhere by the stem of the target's name
    _learnt: dict[str, list[str | tuple[str, str]]] | None = field(init=False, default=None)
    _sections: dict[str, list[tuple[int, str]]] = field(init=False, default_factory=dict)
    _aliases: dict[str, set[str]] | None = field(init=False, default=None)  # folded alias -> notes listing it
    _twins: dict[str, list[str]] = field(init=False)  # folded path -> the files holding it, when several do

    def __post_init__(self) -> None:
        files = tuple(self.files)
        joined = "\n".join(files)  # folded in one pass: '\n' changes no neighbour (unless a name holds one)
        one_pass = joined.count("\n") == len(files) - 1
        folded = fold(joined).split("\n") if one_pass else [fold(path) for path in files]
        self._folded = dict(zip(files, folded, strict=True))
        self.files = self._folded.keys()
        self.by_path = dict(zip(folded, files, strict=True))
        self.by_name = {}
        for path, key in zip(files, folded, strict=True):
            self.by_name.setdefault(key.rpartition("/")[2], []).append(path)
        self._twins = {}
        if len(self.by_path) != len(files):  # paths equal up to case or Unicode form (VK004)
            for path, key in zip(files, folded, strict=True):
                self._twins.setdefault(key, []).append(path)
            self._twins = {key: paths for key, paths in self._twins.items() if len(paths) > 1}

    @property
    def has_twins(self) -> bool:
        return bool(self._twins)

    def twins(self, path: str) -> tuple[str, ...]:
        """The files whose path equals this one's up to case or Unicode form, itself included, when there
        are several (else none)."""
        return tuple(self._twins.get(self._folded.get(path) or fold(path), ()))

    def holding(self, path: str) -> tuple[str, ...]:
        """The files whose path folds to this one's: its twins, or the one file, or none."""
        key = self._folded.get(path) or fold(path)
        twins = self._twins.get(key)
        if twins:
            return tuple(twins)
        return (self.by_path[key],) if key in self.by_path else ()

    def update(self, added: Iterable[str], removed: Iterable[str]) -> None:
        """Files appeared and went away (watch): the index follows, at a cost of the files changed.

        A resolution depends only on the files of the target's name (with or without `.md`): those of
        the names that came or went are forgotten, the others kept (the first update forgets them all
        and starts to note which is which). A lookup in `memo` follows the change of names if it can
        (`FollowsNames`), else it is dropped and built again."""
        names_before = {self._folded[path].rpartition("/")[2] for path in removed if path in self._folded}
        self._forget_resolutions({*names_before, *(fold(path).rpartition("/")[2] for path in added)})
        for path in removed:
            key = self._folded.pop(path, None)
            if key is None:
                continue
            twins = self._twins.get(key)
            if twins is None:
                del self.by_path[key]
            else:  # the last of the others by path holds the folded path, as when the index is built
                twins.remove(path)
                self.by_path[key] = max(twins)
                if len(twins) == 1:
                    del self._twins[key]
            name = key.rpartition("/")[2]
            paths = self.by_name[name]
            paths.remove(path)
            if not paths:
                del self.by_name[name]
            self._sections.pop(path, None)
        new_names = set()
        for path in added:
            if path in self._folded:
                continue
            key = self._folded[path] = fold(path)
            if key in self.by_path:
                twins = self._twins.setdefault(key, [self.by_path[key]])
                twins.append(path)
                self.by_path[key] = max(twins)
            else:
                self.by_path[key] = path
            name = key.rpartition("/")[2]
            if name not in self.by_name:
                new_names.add(name)
            self.by_name.setdefault(name, []).append(path)
        gone_names = {name for name in names_before if name not in self.by_name}
        self.memo = {
            key: lookup
            for key, lookup in self.memo.items()
            if isinstance(lookup, FollowsNames) and lookup.names_changed(new_names - gone_names, gone_names)
        }

    def resolve(self, target: str, source: str) -> Resolution:
        """Where `[[target]]` written in note `source` leads."""
        if not target:
            return Resolution(source)
        found = self._anywhere.get(target)
        if found is not None:
            return found
        folder = folder_of(source)
        key = (target, folder)
        found = self._cache.get(key)
        if found is None:
            found, depends_on_folder = self._resolve(target, folder)
            if depends_on_folder:
                self._cache[key] = found
            else:
                self._anywhere[target] = found
            if self._learnt is not None:
                self._learnt.setdefault(_stem(target), []).append(key if depends_on_folder else target)
        return found

    def _forget_resolutions(self, names: Iterable[str]) -> None:
        """Forget the resolutions that files of these folded names can change."""
        if self._learnt is None:
            self._cache.clear()
            self._anywhere.clear()
            self._learnt = {}
            return
        for stem in {"", *(strip_md(name) for name in names)}:
            for key in self._learnt.pop(stem, ()):
                if isinstance(key, str):
                    self._anywhere.pop(key, None)
                else:
                    self._cache.pop(key, None)

    def _resolve(self, target: str, folder: str) -> tuple[Resolution, bool]:
        """The resolution, and whether it depends on the linking note's folder."""
        wanted = fold(target)
        relative = wanted.startswith(("./", "../"))  # from another folder it may climb out, or find a file
        if relative:
            joined = _join(folder, wanted)
            if joined is None:
                return Resolution(None, outside=True), True
            exact = self._exact(joined)
            if exact:
                return Resolution(exact), True
            wanted = re.sub(r"^(?:\.\.?/)+", "", wanted)
        elif wanted.startswith("/"):
            exact = self._exact(wanted.lstrip("/"))
            return (Resolution(exact) if exact else UNRESOLVED), False
        candidates = self._candidates(wanted)
        if not candidates:
            return UNRESOLVED, relative
        if len(candidates) == 1:
            return Resolution(candidates[0][1]), relative
        found, by_folder = _choose(candidates, self._exact(wanted), fold(folder))
        return found, by_folder or relative

    def _exact(self, wanted: str) -> str | None:
        found = self.by_path.get(wanted)
        if found is None and not wanted.endswith(".md"):
            found = self.by_path.get(wanted + ".md")
        return found

    def _candidates(self, wanted: str) -> list[tuple[str, str]]:
        """(folded path, path) of the files whose path ends with the target, `.md` optional."""
        parent, _, name = wanted.rpartition("/")
        names = [name] if name.endswith(".md") else [name, name + ".md"]
        found: list[tuple[str, str]] = []
        for each in names:
            suffix = parent + "/" + each
            for path in self.by_name.get(each, ()):
                key = self._folded[path]
                if not parent or key == suffix or key.endswith("/" + suffix):
                    found.append((key, path))
        return found

    def forget(self, paths: Iterable[str]) -> None:
        """Drop what was learnt from notes whose content changed (their aliases: `set_aliases`)."""
        for path in paths:
            self._sections.pop(path, None)

    def set_aliases(self, path: str, old: Sequence[str], new: Sequence[str]) -> None:
        """A note's frontmatter aliases changed (or the note came or went: no aliases on that side)."""
        if self._aliases is None or tuple(old) == tuple(new):
            return
        for alias in old:
            owners = self._aliases.get(fold(alias))
            if owners is not None:
                owners.discard(path)
                if not owners:
                    del self._aliases[fold(alias)]
        for alias in new:
            self._aliases.setdefault(fold(alias), set()).add(path)

    def has_heading(self, note: Note, anchor: str) -> bool:
        """`#A#B`: heading B inside the section of heading A (any depth), as Obsidian reads it."""
        parts = [heading_key(part) for part in anchor.split("#") if part.strip()]
        if not parts:
            return True
        sections = self.heading_keys(note)
        return _chain_found(sections, parts, 0, len(sections), 0)

    def heading_keys(self, note: Note) -> list[tuple[int, str]]:
        """(level, heading_key) of each heading of `note`, in order (kept until the note changes)."""
        keys = self._sections.get(note.path)
        if keys is None:
            keys = [(heading.level, heading_key(heading.text)) for heading in note.headings]
            self._sections[note.path] = keys
        return keys

    def has_block(self, note: Note, block: str) -> bool:
        return block.lower() in note.block_ids

    def alias_target(self, target: str) -> str | None:
        """The note that lists `target` among its frontmatter `aliases`, if any (several: the first by path,
        whatever order the notes were read in)."""
        if self._aliases is None:
            self._aliases = {}
            listed = self.aliases_of() if self.aliases_of else ((p, note_aliases(n)) for p, n in self.notes.items())
            for path, aliases in listed:
                for alias in aliases:
                    self._aliases.setdefault(fold(alias), set()).add(path)
        owners = self._aliases.get(fold(target))
        return strip_md(min(owners)) if owners else None


@runtime_checkable
class FollowsNames(Protocol):
    """A lookup over the vault's file names (kept in `VaultIndex.memo`) that can follow a change of them."""

    def names_changed(self, added: set[str], removed: set[str]) -> bool:
        """Take in the folded file names that appeared and disappeared; False: rebuild me instead."""
        ...


def note_aliases(note: Note) -> tuple[str, ...]:
    """The note's frontmatter `aliases` (a list or a single string), as Obsidian reads them."""
    aliases = note.frontmatter.get("aliases") if note.frontmatter else None
    listed = [aliases] if isinstance(aliases, str) else aliases if isinstance(aliases, list) else []
    return tuple(alias.strip() for alias in listed if isinstance(alias, str) and alias.strip())


def _stem(target: str) -> str:
    """The folded name a link target is looked up by, without `.md`: what its resolution depends on.
    A target ending in `.` or `..` names no file of its own: "" (forgotten at every change)."""
    name = fold(target.rpartition("/")[2])
    return "" if name in (".", "..") else strip_md(name)


def _choose(candidates: list[tuple[str, str]], exact: str | None, folder: str) -> tuple[Resolution, bool]:
    """Several files end with the target: the one Obsidian opens (1.13.7's getFirstLinkpathDest, observed),
    and whether the choice depends on the linking note's (folded) `folder`.

    (a) the file whose path from the vault root is the target; (b) else one in the linking note's own
    folder (not a parent, not a child); (c) else the shortest path, equal lengths by code point (a guess)."""
    ordered = sorted((path for _, path in candidates), key=lambda path: (len(path), path))
    if exact is not None:
        return Resolution(exact, others=tuple(path for path in ordered if path != exact), rule=PATH), False
    own = [
        path for key, path in sorted(candidates, key=lambda pair: (len(pair[1]), pair[1])) if folder_of(key) == folder
    ]
    if own:
        chosen, rule = own[0], FOLDER
    else:
        chosen = ordered[0]
        rule = GUESS if len(ordered[1]) == len(chosen) else SHORTEST
    return Resolution(chosen, others=tuple(path for path in ordered if path != chosen), rule=rule), True


def _chain_found(headings: list[tuple[int, str]], parts: list[str], start: int, end: int, depth: int) -> bool:
    for index in range(start, end):
        level, key = headings[index]
        if key != parts[depth]:
            continue
        if depth == len(parts) - 1:
            return True
        section_end = index + 1
        while section_end < end and headings[section_end][0] > level:
            section_end += 1
        if _chain_found(headings, parts, index + 1, section_end, depth + 1):
            return True
    return False


def _join(folder: str, relative: str) -> str | None:
    """Resolve ./ and ../ against a folder; None when the path leaves the vault root."""
    parts = [part for part in folder.split("/") if part] if folder else []
    for part in relative.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)
