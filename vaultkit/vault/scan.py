"""Find the files of a vault without ever leaving it: symlinks out or round, FIFOs and devices are skipped."""

from __future__ import annotations

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
from vaultkit.vault.git import ignored_paths, repo_ignores, staged_paths
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
    if saw_gitignore or repo_ignores(root):
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


def _scan_excluded(
    entry: os.DirEntry[str], path: str, result: VaultFiles, pending: list[tuple[str, str, bool]]
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
    every = (*result.notes, *result.attachments, *result.skipped, *result.excluded)
    result.absent = {path for path in every if path not in committed}
    result.notes = {path: note for path, note in result.notes.items() if path in committed}
    result.attachments = {path for path in result.attachments if path in committed}
    result.skipped = {path: skipped for path, skipped in result.skipped.items() if path in committed}
    result.excluded = {path for path in result.excluded if path in committed}
    on_disk = {*result.notes, *result.attachments, *result.skipped, *result.excluded}
    for path in committed - on_disk:  # staged, then deleted from the disk: its name is in the commit
        if not left_out(path):
            result.attachments.add(path)


def rescan_paths(root: Path, exclude: Globs | None, files: VaultFiles, paths: Iterable[str]) -> list[str]:
    """Look again at the given vault-relative paths only (created, changed, deleted, a folder moved in
    or out), updating `files` in place; return the notes found there."""
    real_root = os.path.realpath(root)
    touched: list[str] = []
    for path in paths:
        path = path.strip("/")
        if not path:
            continue
        if path in files.notes or path in files.attachments or path in files.skipped or path in files.excluded:
            files.notes.pop(path, None)
            files.attachments.discard(path)
            files.skipped.pop(path, None)
            files.excluded.discard(path)
        else:  # perhaps a folder: forget everything that was under it
            prefix = path + "/"
            for known in [p for p in files.notes if p.startswith(prefix)]:
                del files.notes[known]
            files.attachments.difference_update([p for p in files.attachments if p.startswith(prefix)])
            files.excluded.difference_update([p for p in files.excluded if p.startswith(prefix)])
            for known in [p for p in files.skipped if p.startswith(prefix)]:
                del files.skipped[known]
        if left_out(path):
            continue
        parent, _, name = path.rpartition("/")
        try:
            entry = next((e for e in os.scandir(os.path.join(root, parent)) if e.name == name), None)
        except OSError:
            entry = None
        if entry is None:
            continue  # deleted (or its folder was)
        found = VaultFiles()
        pending: list[tuple[str, str, bool]] = []
        if exclude is not None and exclude.matches(nfc(path)):
            _scan_excluded(entry, path, found, pending)
        else:
            _scan_entry(entry, path, real_root, found, pending)
        if pending:  # a folder appeared or moved in: everything under it
            below = _excluded_below(pending) if pending[0][2] else scan_vault(root, exclude, under=path)
            found.notes.update(below.notes)
            found.attachments.update(below.attachments)
            found.skipped.update(below.skipped)
            found.excluded.update(below.excluded)
        files.notes.update(found.notes)
        files.attachments.update(found.attachments)
        files.skipped.update(found.skipped)
        files.excluded.update(found.excluded)
        touched.extend(found.notes)
    return touched


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
    entry: os.DirEntry[str], path: str, real_root: str, result: VaultFiles, pending: list[tuple[str, str, bool]]
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


def _scan_unusual(entry: os.DirEntry[str], path: str, real_root: str, result: VaultFiles) -> None:
    """A symlink, FIFO, socket or device."""
    is_note = path.lower().endswith(NOTE_SUFFIX)
    if entry.is_symlink():
        _scan_symlink(entry, path, real_root, result, is_note)
    elif is_note:
        kind = _file_type(entry.stat(follow_symlinks=False).st_mode)
        result.skipped[path] = _skipped(path, f"is a {kind}, not a regular file; never opened")


def _scan_symlink(entry: os.DirEntry[str], path: str, real_root: str, result: VaultFiles, is_note: bool) -> None:
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
