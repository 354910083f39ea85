"""The merged tree of two commits in which every saved version is a file (SPEC §9, `on_conflict: keep-both`).

`git merge-tree --write-tree` computes the merge; its tree is not taken as it is. For each conflicted path,
ours (the local file) keeps the place merge-tree gives it and theirs, when different, is written beside it as
`<name>.conflict-<stamp>.<ext>`; a file that met a folder of the same name goes under a conflict name; a file
merge-tree moved into a renamed folder stays where it moved. Then the result checks itself: each file must
hold one side's version or a clean content merge (nothing with conflict markers is kept), and every version
either side saved since the merge base (every file added or changed, renamed or not) must be a file of the
merged tree — the same bytes at any path, or part of a clean content merge of its path — and any that is
not, for whatever reason merge-tree had, is put back at its path (when free) or beside it as a copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vaultkit.gitcli import GitFailed
from vaultkit.sync.repo import GITLINK, Repository
from vaultkit.sync.state import discard, private_path

Entry = tuple[str, str]  # (mode, object id)


class MergeFailed(Exception):
    pass


@dataclass
class Merged:
    tree: str
    conflicted: list[str]  # the paths git found in conflict
    copies: list[str] = field(default_factory=list)  # conflict copies written, in order


@dataclass
class _Reply:
    """What `git merge-tree --write-tree -z --messages` said."""

    tree: str
    stages: dict[str, dict[int, Entry]]  # conflicted path -> stage (1 base, 2 ours, 3 theirs) -> entry
    messages: list[tuple[list[str], str]]  # (paths, stable type such as "CONFLICT (contents)")


def merge(repo: Repository, ours: str, theirs: str, stamp: str, taken: Callable[[str], bool]) -> Merged:
    """The merged tree of `ours` and `theirs`; `taken(path)` says whether a path is in use on disk (a
    conflict copy never takes such a name)."""
    reply = _merge_tree(repo, ours, theirs)
    final = repo.entries(reply.tree)
    for path in reply.stages:
        final.pop(path, None)
    result = Merged("", sorted(reply.stages))
    naming = _Names(final, stamp, taken)
    moved = {paths[0]: paths[1] for paths, kind in reply.messages if kind == "CONFLICT (file/directory)"}
    for path, stages in sorted(reply.stages.items()):
        target = moved.get(path, path)
        mine, other = stages.get(2), stages.get(3)
        keep = mine or other
        if keep is not None:
            naming.place(target, keep, result)
        if mine is not None and other is not None and other != mine:
            naming.copy(target, other, result)
    _drop_double_renames(reply, final)
    _separate_files_from_folders(final, naming, result)
    automerged = {paths[0] for paths, kind in reply.messages if kind == "Auto-merging"} - set(reply.stages)
    for path, entry in _check(repo, ours, theirs, final, automerged):
        naming.place(path, entry, result)  # back at its path when that is free, else beside it
    _separate_files_from_folders(final, naming, result)
    result.tree = _write_tree(repo, final)
    return result


def _merge_tree(repo: Repository, ours: str, theirs: str) -> _Reply:
    done = repo.git("merge-tree", "--write-tree", "-z", "--messages", ours, theirs, check=False)
    if done.returncode not in (0, 1):
        raise MergeFailed(GitFailed(("merge-tree",), done.returncode, done.stderr.decode("utf-8", "replace")).reason)
    fields = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    reply = _Reply(fields[0], {}, [])
    index = 1
    while index < len(fields) and fields[index]:
        meta, _, path = fields[index].partition("\t")
        mode, oid, stage = meta.split(" ")
        reply.stages.setdefault(path, {})[int(stage)] = (mode, oid)
        index += 1
    index += 1  # the empty field between the conflicted files and the messages
    while index < len(fields) and fields[index].isdigit():
        count = int(fields[index])
        paths = fields[index + 1 : index + 1 + count]
        kind = fields[index + 1 + count] if index + 1 + count < len(fields) else ""
        reply.messages.append((paths, kind))
        index += count + 3
    return reply


class _Names:
    """Places entries in the merged tree and names conflict copies that collide with nothing."""

    def __init__(self, final: dict[str, Entry], stamp: str, taken: Callable[[str], bool]) -> None:
        self.final = final
        self.stamp = stamp
        self.taken = taken

    def place(self, path: str, entry: Entry, result: Merged) -> None:
        if path in self.final and self.final[path] != entry:
            self.copy(path, entry, result)
        else:
            self.final[path] = entry

    def copy(self, path: str, entry: Entry, result: Merged) -> None:
        if entry[0] == GITLINK:
            return  # a submodule's commit is no file of this vault: the other side's stays in history
        name = self.free_name(path)
        self.final[name] = entry
        result.copies.append(name)

    def free_name(self, path: str) -> str:
        folder, _, name = path.rpartition("/")
        stem, dot, suffix = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
        folders = {
            "/".join(parts[:end]) for p in self.final for parts in [p.split("/")] for end in range(1, len(parts))
        }
        for number in range(1, 1000):
            tag = f".conflict-{self.stamp}" + (f"-{number}" if number > 1 else "")
            candidate = (folder + "/" if folder else "") + stem + tag + dot + suffix
            free = candidate not in self.final and candidate not in folders and not self.taken(candidate)
            if free and not any(candidate.startswith(f + "/") for f in self.final):
                return candidate
        raise MergeFailed(f"no free name for a conflict copy of {path}")


def _drop_double_renames(reply: _Reply, final: dict[str, Entry]) -> None:
    """Both sides renamed one note, to different names, and neither changed it: one file is enough."""
    for paths, kind in reply.messages:
        if kind == "CONFLICT (rename/rename)" and len(paths) == 3:
            _, mine, theirs = paths
            if mine in final and theirs in final and final[mine] == final[theirs] and mine != theirs:
                del final[theirs]


def _separate_files_from_folders(final: dict[str, Entry], naming: _Names, result: Merged) -> None:
    """A file whose path is a folder of another file goes under a conflict name (a tree holds no both)."""
    while True:
        folders = _folders(final)
        clashing = sorted(path for path in final if path in folders)
        if not clashing:
            return
        for path in clashing:
            entry = final.pop(path)
            naming.copy(path, entry, result)


def _folders(paths: Iterable[str]) -> set[str]:
    """Every folder that holds one of `paths`, at any depth."""
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        found.update("/".join(parts[:end]) for end in range(1, len(parts)))
    return found


def _check(
    repo: Repository, ours: str, theirs: str, final: dict[str, Entry], automerged: set[str]
) -> list[tuple[str, Entry]]:
    """Check the merged tree against both sides. A file whose content is neither side's version nor a
    clean content merge of its path is left out (with several merge bases, merge-tree's virtual base can
    bring conflict markers along). Then return the versions the tree lacks: every file of a side that is
    not what every merge base holds at its path (so that side saved it), unless the same bytes are in the
    tree at any path or a clean content merge took it (at its path, or where a rename moved it)."""
    trees = {side: repo.entries(side) for side in (ours, theirs)}
    sides = {oid for tree in trees.values() for _mode, oid in tree.values()}
    for path, (_mode, oid) in list(final.items()):
        if oid not in sides and not (path in automerged and not _has_markers(repo, oid)):
            del final[path]
    bases = repo.out("merge-base", "--all", ours, theirs).split()
    base_trees = [repo.entries(base) for base in bases]
    blobs = {oid for _mode, oid in final.values()}
    renames = {side: _renames(repo, bases[0], side) for side in (ours, theirs)}
    lost = []
    for side, other in ((ours, theirs), (theirs, ours)):
        moved_here = {new: old for old, new in renames[side]}
        moved_there = dict(renames[other])
        for path, entry in sorted(trees[side].items()):
            if entry[1] in blobs or entry[0] == GITLINK:
                continue
            if all(tree.get(path) == entry for tree in base_trees):
                continue  # not saved on this side since the merge base: the other side changed or removed it
            origin = moved_here.get(path, path)
            places = {path, origin, moved_there.get(origin, origin)}
            if any(place in automerged and place in final for place in places):
                continue
            lost.append((path, entry))
    return lost


_OPENS = re.compile(rb"^<{7,}(?: |$)", re.MULTILINE)
_CLOSES = re.compile(rb"^>{7,}(?: |$)", re.MULTILINE)


def _has_markers(repo: Repository, oid: str) -> bool:
    """Conflict markers: a `<<<<<<<` line and a `>>>>>>>` line (a heading's `=======` is no marker)."""
    data = repo.git("cat-file", "blob", oid).stdout
    return _OPENS.search(data) is not None and _CLOSES.search(data) is not None


def _renames(repo: Repository, base: str, side: str) -> list[tuple[str, str]]:
    return [(paths[0], paths[1]) for *_, paths in repo.changes(base, side, renames=True)]


def _write_tree(repo: Repository, final: dict[str, Entry]) -> str:
    """The tree object of `final`, built in a scratch index of its own."""
    scratch = private_path(repo, "scratch-")
    try:
        records = b"".join(
            f"{mode} {oid}\t{path}".encode("utf-8", "surrogateescape") + b"\0"
            for path, (mode, oid) in sorted(final.items())
        )
        env = repo.with_index(scratch)
        repo.git("update-index", "-z", "--index-info", env=env, input_bytes=records)
        return repo.out("write-tree", env=env)
    finally:
        discard(scratch)
