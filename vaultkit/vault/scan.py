"""Find the files of a vault without ever leaving it: symlinks out or round, FIFOs and devices are skipped."""

from __future__ import annotations

import bisect
import errno
import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from vaultkit.globs import Globs
from vaultkit.model import FILE_START, Finding
from vaultkit.vault.git import ignored_among, ignored_paths, repo_ignores, staged_paths
from vaultkit.vault.names import CONFIG_NAMES, NOTE_SUFFIX, left_out, nfc


class NoteFile(NamedTuple):
    path: str  # vault-relative, '/' separators
    size: int
    mtime_ns: int
    inode: int


@dataclass(eq=False, repr=False)
class VaultFiles:
    notes: dict[str, NoteFile] = field(default_factory=dict)  # by path, in path order after a scan
    attachments: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)  # excluded or git-ignored files: link targets, never read
    skipped: dict[str, Finding] = field(default_factory=dict)  # VK003 for files that are never opened
    started_ns: int = field(default_factory=time.time_ns)  # when the scan began: stamps are as of then
    warnings: list[str] = field(default_factory=list)  # what the user should know of how it was made
    config_files: list[str] = field(default_factory=list)  # files named as configurations (nested ones)
    absent: set[str] = field(default_factory=set)  # staged view: on disk, but not in the commit
    git_ignores: bool = False  # git's ignore rules reach into the vault: a new file is asked about
    _sorted: list[str] | None = None  # every path, sorted: what is under a folder is a slice of it

    def targets(self) -> list[str]:
        """What a link can lead to: the notes (in scan order), attachments and excluded files."""
        return [*self.notes, *self.attachments, *self.excluded]

    def paths(self) -> list[str]:
        """Every path the scan holds: the link targets and the skipped files."""
        return [*self.targets(), *self.skipped]

    def kind_of(self, path: str) -> str | None:
        """ "note", "attachment", "excluded", "skipped", or None for a path the vault does not hold."""
        if path in self.notes:
            return "note"
        if path in self.attachments:
            return "attachment"
        if path in self.excluded:
            return "excluded"
        return "skipped" if path in self.skipped else None

    def under(self, folder: str) -> list[str]:
        """Every known path below `folder` (a bisection: paths starting with `folder/` sort together)."""
        index = self._index()
        start = bisect.bisect_left(index, folder + "/")
        return index[start : bisect.bisect_left(index, folder + "0", start)]  # '0' sorts right after '/'

    def _index(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.paths())
        return self._sorted

    def drop(self, path: str) -> None:
        if self.notes.pop(path, None) is None and self.skipped.pop(path, None) is None:
            if path in self.attachments:
                self.attachments.discard(path)
            elif path in self.excluded:
                self.excluded.discard(path)
            else:
                return
        if self._sorted is not None:
            at = bisect.bisect_left(self._sorted, path)
            if at < len(self._sorted) and self._sorted[at] == path:
                del self._sorted[at]

    def take(self, found: VaultFiles) -> None:
        """Add what a rescan found (paths not held, or dropped just before)."""
        for path in found.paths():
            if self._sorted is not None and self.kind_of(path) is None:
                bisect.insort(self._sorted, path)
        self.notes.update(found.notes)
        self.attachments.update(found.attachments)
        self.excluded.update(found.excluded)
        self.skipped.update(found.skipped)


Progress = Callable[[str, int, int], None]  # (phase, done, total; 0: not known yet)


def scan_vault(
    root: Path,
    exclude: Globs | None,
    under: str = "",
    *,
    staged: bool = False,
    progress: Progress | None = None,
) -> VaultFiles:
    """Every note and attachment under `root` (or its subfolder `under`); hidden entries and `.git/` are
    left out. Excluded and git-ignored files are listed apart: Obsidian still opens them, so they are
    link targets, but they are never read. `staged`: the vault is what git's index holds, as in a
    pre-commit run (SPEC §9): what is on disk but not in the index is `absent`, what the index holds but
    the disk does not is there (by name: nothing can be read of it)."""
    result, saw_gitignore = _walk(root, exclude, under, progress)
    result.git_ignores = saw_gitignore or repo_ignores(root)
    if result.git_ignores:
        is_ignored = ignored_paths(root, result.warnings)
        if is_ignored is not None:
            ignored = [path for path in [*result.notes, *result.attachments] if is_ignored(path)]
            for path in ignored:
                result.notes.pop(path, None)
                result.attachments.discard(path)
            result.excluded.update(ignored)
    if staged:
        committed = staged_paths(root, result.warnings)
        if committed is not None:
            _keep_committed(result, committed)
    result.notes = dict(sorted(result.notes.items()))
    return result


def _walk(root: Path, exclude: Globs | None, under: str, progress: Progress | None = None) -> tuple[VaultFiles, bool]:
    """What is under `root` (or its subfolder `under`) before git's ignore rules, and whether a
    `.gitignore` was seen on the way."""
    result = VaultFiles()
    real_root = os.path.realpath(root)
    saw_gitignore = False
    seen = 0
    pending: list[tuple[str, str, bool]] = [(os.path.join(root, under), under + "/" if under else "", False)]
    while pending:
        folder, prefix, excluded = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                saw_gitignore = saw_gitignore or name == ".gitignore"
                if name == CONFIG_NAMES[0]:
                    result.config_files.append(prefix + name)
                continue
            path = prefix + name
            if excluded or (exclude is not None and exclude.matches(nfc(path))):
                _scan_excluded(entry, path, result, pending)
                continue
            if name in CONFIG_NAMES:
                result.config_files.append(path)
            _scan_entry(entry, path, real_root, result, pending)
        if progress is not None:
            seen += len(entries)
            progress("scanning", seen, 0)
    return result, saw_gitignore


def _scan_excluded(
    entry: os.DirEntry[str] | _Entry, path: str, result: VaultFiles, pending: list[tuple[str, str, bool]]
) -> None:
    """An excluded entry: a regular file is a link target; a folder's files all are (symlinks are not
    followed: nothing here is ever read)."""
    try:
        if entry.is_dir(follow_symlinks=False):
            pending.append((entry.path, path + "/", True))
        elif entry.is_file(follow_symlinks=False):
            result.excluded.add(path)
    except OSError:
        return


def _keep_committed(result: VaultFiles, committed: set[str]) -> None:
    """The vault as the commit holds it: what git's index does not hold does not exist."""
    result.absent = {path for path in result.paths() if path not in committed}
    result.notes = {path: note for path, note in result.notes.items() if path in committed}
    result.attachments = {path for path in result.attachments if path in committed}
    result.skipped = {path: skipped for path, skipped in result.skipped.items() if path in committed}
    result.excluded = {path for path in result.excluded if path in committed}
    for path in committed.difference(result.paths()):  # staged, then deleted from the disk: its name is committed
        if not left_out(path):
            result.attachments.add(path)


class Rescan(NamedTuple):
    """What looking again at some paths found. `added` and `removed` are link targets (notes,
    attachments, excluded files) that appeared and went away; `skipped` the paths whose VK003 came or
    went."""

    notes: list[str]  # the notes found there (new, or to compare with what was known)
    added: set[str]
    removed: set[str]
    skipped: set[str]


TARGETS = ("note", "attachment", "excluded")  # what a link can lead to


def rescan_paths(root: Path, exclude: Globs | None, files: VaultFiles, paths: Iterable[str]) -> Rescan:
    """Look again at the given vault-relative paths only, updating `files` in place.

    A path is a hint (an event named it), never a fact about what happened: the disk says what it is
    now. A file that is gone is dropped; a folder that is gone — confirmed on disk — takes everything
    known under it along; a folder that is there (created, moved in, renamed) is walked, and what is
    known under it is replaced by what is found. The cost is what the paths hold, never the vault."""
    real_root = os.path.realpath(root)
    before: dict[str, str | None] = {}  # every path looked at, and what it was
    found = VaultFiles()

    def forget(path: str) -> None:
        if path not in before:
            before[path] = files.kind_of(path)
        files.drop(path)

    for path in dict.fromkeys(path.strip("/") for path in paths):
        if not path:
            continue
        forget(path)
        for known in files.under(path):  # a folder, or a file that was one
            forget(known)
        if left_out(path):
            continue
        try:
            entry = _Entry(os.path.join(root, path), os.lstat(os.path.join(root, path)))
        except OSError:
            continue  # gone, or its folder is
        if exclude is not None and exclude.matches(nfc(path)):
            pending: list[tuple[str, str, bool]] = []
            _scan_excluded(entry, path, found, pending)
            found.take(_excluded_below(pending))
        elif entry.is_dir():
            found.take(_walk(root, exclude, path)[0])
        else:
            _scan_entry(entry, path, real_root, found, [])
    if files.git_ignores:  # what git ignores is a link target, never read
        new = [path for path in [*found.notes, *found.attachments] if before.get(path) is None]
        for path in ignored_among(root, new):
            found.drop(path)
            found.excluded.add(path)
    files.take(found)
    for path in found.paths():
        before.setdefault(path, None)
    added: set[str] = set()
    removed: set[str] = set()
    skipped: set[str] = set()
    for path, was in before.items():
        now = files.kind_of(path)
        if (was in TARGETS) != (now in TARGETS):
            (added if now in TARGETS else removed).add(path)
        if (was == "skipped") != (now == "skipped"):
            skipped.add(path)
    return Rescan(list(found.notes), added, removed, skipped)


class _Entry:
    """A path as a directory listing would show it, made from its lstat: one classification for both."""

    def __init__(self, path: str, info: os.stat_result) -> None:
        self.path = path
        self.info = info

    def is_dir(self, follow_symlinks: bool = True) -> bool:
        return stat.S_ISDIR(self.info.st_mode)

    def is_file(self, follow_symlinks: bool = True) -> bool:
        return stat.S_ISREG(self.info.st_mode)

    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self.info.st_mode)

    def stat(self, follow_symlinks: bool = True) -> os.stat_result:
        return self.info


def _excluded_below(pending: list[tuple[str, str, bool]]) -> VaultFiles:
    """The files under excluded folders (`pending`, as the scan queues them), all link targets."""
    found = VaultFiles()
    while pending:
        folder, prefix, _ = pending.pop()
        try:
            entries = [entry for entry in os.scandir(folder) if not entry.name.startswith(".")]
        except OSError:
            continue
        for entry in entries:
            _scan_excluded(entry, prefix + entry.name, found, pending)
    return found


def _scan_entry(
    entry: os.DirEntry[str] | _Entry,
    path: str,
    real_root: str,
    result: VaultFiles,
    pending: list[tuple[str, str, bool]],
) -> None:
    try:  # the kind comes from the directory listing; only notes and unusual files cost a stat
        if entry.is_dir(follow_symlinks=False):
            pending.append((entry.path, path + "/", False))
        elif not entry.is_file(follow_symlinks=False):
            _scan_unusual(entry, path, real_root, result)
        elif path.lower().endswith(NOTE_SUFFIX):
            info = entry.stat(follow_symlinks=False)
            result.notes[path] = NoteFile(path, info.st_size, info.st_mtime_ns, info.st_ino)
        else:
            result.attachments.add(path)
    except OSError:
        return


def _scan_unusual(entry: os.DirEntry[str] | _Entry, path: str, real_root: str, result: VaultFiles) -> None:
    """A symlink, FIFO, socket or device."""
    is_note = path.lower().endswith(NOTE_SUFFIX)
    if entry.is_symlink():
        _scan_symlink(entry, path, real_root, result, is_note)
    elif is_note:
        kind = _file_type(entry.stat(follow_symlinks=False).st_mode)
        result.skipped[path] = _skipped(path, f"is a {kind}, not a regular file; never opened")


def _scan_symlink(
    entry: os.DirEntry[str] | _Entry, path: str, real_root: str, result: VaultFiles, is_note: bool
) -> None:
    info = _symlink_target(entry.path, real_root)
    if isinstance(info, str):  # a note, an attachment or a folder: none is followed out or round
        result.skipped[path] = _skipped(path, f"symlink {info}; not followed")
        return
    if stat.S_ISDIR(info.st_mode):
        return  # a folder inside the vault: it is indexed under its own path
    if not stat.S_ISREG(info.st_mode):
        if is_note:
            result.skipped[path] = _skipped(path, f"is a {_file_type(info.st_mode)}, not a regular file; never opened")
    elif is_note:
        result.notes[path] = NoteFile(path, info.st_size, info.st_mtime_ns, info.st_ino)
    else:
        result.attachments.add(path)


def _symlink_target(link: str, real_root: str) -> os.stat_result | str:
    """The target of a symlink that stays in the vault, or why it is not followed."""
    try:
        real = os.path.realpath(link, strict=True)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "loops"
        return "points at nothing"
    except RuntimeError:
        return "loops"
    if real != real_root and not real.startswith(real_root + os.sep):
        return "leaves the vault"
    try:
        return os.stat(real)
    except OSError:
        return "points at nothing"


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _skipped(path: str, reason: str) -> Finding:
    return Finding(path, FILE_START, "VK003", f"file skipped: {reason}")
