"""Find the files of a vault without ever leaving it, and read notes without ever blocking."""

from __future__ import annotations

import errno
import os
import re
import stat
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from vaultkit.model import Finding, Span

NOTE_SUFFIX = ".md"
_FILE_START = Span(1, 1, 1, 1)


class NoteFile(NamedTuple):
    path: str  # vault-relative, '/' separators
    size: int
    mtime_ns: int
    inode: int


@dataclass(eq=False, repr=False)
class VaultFiles:
    notes: dict[str, NoteFile] = field(default_factory=dict)  # by path, in path order after a scan
    attachments: set[str] = field(default_factory=set)
    skipped: dict[str, Finding] = field(default_factory=dict)  # VK003 for files that are never opened
    started_ns: int = field(default_factory=time.time_ns)  # when the scan began: stamps are as of then


def scan_vault(root: Path, exclude: re.Pattern[str] | None, under: str = "") -> VaultFiles:
    """Every note and attachment under `root` (or its subfolder `under`); hidden entries, `.git/` and
    excluded paths are left out."""
    result = VaultFiles()
    real_root = os.path.realpath(root)
    saw_gitignore = False
    pending: list[tuple[str, str]] = [(os.path.join(root, under), under + "/" if under else "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                saw_gitignore = saw_gitignore or name == ".gitignore"
                continue
            path = prefix + name
            if exclude is not None and exclude.fullmatch(_nfc(path)):
                continue
            _scan_entry(entry, path, real_root, result, pending)
    if saw_gitignore or _repo_ignores(root):
        _drop_ignored(root, result)
    result.notes = dict(sorted(result.notes.items()))
    return result


def rescan_paths(root: Path, exclude: re.Pattern[str] | None, files: VaultFiles, paths: Iterable[str]) -> list[str]:
    """Look again at the given vault-relative paths only (created, changed, deleted, a folder moved in
    or out), updating `files` in place; return the notes found there."""
    real_root = os.path.realpath(root)
    touched: list[str] = []
    for path in paths:
        path = path.strip("/")
        if not path:
            continue
        if path in files.notes or path in files.attachments or path in files.skipped:
            files.notes.pop(path, None)
            files.attachments.discard(path)
            files.skipped.pop(path, None)
        else:  # perhaps a folder: forget everything that was under it
            prefix = path + "/"
            for known in [p for p in files.notes if p.startswith(prefix)]:
                del files.notes[known]
            files.attachments.difference_update([p for p in files.attachments if p.startswith(prefix)])
            for known in [p for p in files.skipped if p.startswith(prefix)]:
                del files.skipped[known]
        if any(part.startswith(".") for part in path.split("/")) or (exclude and exclude.fullmatch(_nfc(path))):
            continue
        parent, _, name = path.rpartition("/")
        try:
            entry = next((e for e in os.scandir(os.path.join(root, parent)) if e.name == name), None)
        except OSError:
            entry = None
        if entry is None:
            continue  # deleted (or its folder was)
        found = VaultFiles()
        pending: list[tuple[str, str]] = []
        _scan_entry(entry, path, real_root, found, pending)
        if pending:  # a folder appeared or moved in: everything under it
            below = scan_vault(root, exclude, under=path)
            found.notes.update(below.notes)
            found.attachments.update(below.attachments)
            found.skipped.update(below.skipped)
        files.notes.update(found.notes)
        files.attachments.update(found.attachments)
        files.skipped.update(found.skipped)
        touched.extend(found.notes)
    return touched


def _scan_entry(
    entry: os.DirEntry[str], path: str, real_root: str, result: VaultFiles, pending: list[tuple[str, str]]
) -> None:
    try:  # the kind comes from the directory listing; only notes and unusual files cost a stat
        if entry.is_dir(follow_symlinks=False):
            pending.append((entry.path, path + "/"))
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
    target = _symlink_target(entry.path, real_root)
    if isinstance(target, str):  # a note, an attachment or a folder: none is followed out or round
        result.skipped[path] = _skipped(path, f"symlink {target}; not followed")
        return
    info = target.stat
    if stat.S_ISDIR(info.st_mode):
        return  # a folder inside the vault: it is indexed under its own path
    if not stat.S_ISREG(info.st_mode):
        if is_note:
            result.skipped[path] = _skipped(path, f"is a {_file_type(info.st_mode)}, not a regular file; never opened")
    elif is_note:
        result.notes[path] = NoteFile(path, info.st_size, info.st_mtime_ns, info.st_ino)
    else:
        result.attachments.add(path)


class _Target(NamedTuple):
    stat: os.stat_result

    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.stat.st_mode)


def _symlink_target(link: str, real_root: str) -> _Target | str:
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
        return _Target(os.stat(real))
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
    return Finding(path, _FILE_START, "VK003", f"file skipped: {reason}", severity="warning")


def _nfc(path: str) -> str:
    return path if path.isascii() else unicodedata.normalize("NFC", path)


def _repo_ignores(root: Path) -> bool:
    """Whether the enclosing git repository has ignore rules that could reach into the vault."""
    for folder in [root, *root.parents]:
        git = folder / ".git"
        if git.exists():
            exclude = git / "info" / "exclude"
            try:
                has_exclude = exclude.is_file() and any(
                    line.strip() and not line.startswith("#") for line in exclude.read_text("utf-8").splitlines()
                )
            except (OSError, UnicodeDecodeError):
                has_exclude = False
            in_between = folder != root and _has_gitignore_between(folder, root)
            return has_exclude or in_between or (folder / ".gitignore").is_file()
    return False


def _has_gitignore_between(top: Path, root: Path) -> bool:
    folder = root
    while folder != top:
        folder = folder.parent
        if (folder / ".gitignore").is_file():
            return True
    return False


def _drop_ignored(root: Path, result: VaultFiles) -> None:
    """Leave out what git ignores, asking git itself (the rules are git's to define)."""
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
            capture_output=True,
            timeout=30,
            check=True,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return
    ignored = [item.decode("utf-8", "surrogateescape") for item in listed.split(b"\0") if item]
    if not ignored:
        return
    folders = tuple(item for item in ignored if item.endswith("/"))
    files = {item for item in ignored if not item.endswith("/")}

    def kept(path: str) -> bool:
        return path not in files and not path.startswith(folders)

    result.notes = {path: note for path, note in result.notes.items() if kept(path)}
    result.attachments = {path for path in result.attachments if kept(path)}


def staged_removals(root: Path) -> list[str]:
    """Vault-relative paths that the git index deletes or renames away (what `git commit` will remove)."""
    import subprocess

    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        top = (
            subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, check=True, env=env
            )
            .stdout.decode("utf-8", "surrogateescape")
            .strip()
        )
        listed = subprocess.run(
            ["git", "-C", top, "diff", "--cached", "--name-status", "-z", "-M", "--diff-filter=DR"],
            capture_output=True,
            check=True,
            env=env,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    fields = [item.decode("utf-8", "surrogateescape") for item in listed.split(b"\0") if item]
    removed: list[str] = []
    index = 0
    while index < len(fields):
        status = fields[index]
        removed.append(fields[index + 1])  # deleted, or the old path of a rename
        index += 3 if status.startswith("R") else 2
    real_root = Path(os.path.realpath(root))
    inside = []
    for path in removed:
        absolute = Path(os.path.realpath(Path(top) / path))
        if absolute.is_relative_to(real_root):
            inside.append(absolute.relative_to(real_root).as_posix())
    return inside


def read_note(root: Path, note: NoteFile, limit: int) -> bytes | str:
    """The bytes of a note, or the operating system's reason it cannot be read (never blocks on a FIFO).

    Reads at most `limit` + 1 bytes: a file that grew past the limit since it was listed is not
    read whole."""
    try:
        fd = os.open(os.path.join(root, note.path), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        return error.strerror or str(error)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, max(info.st_size + 1, 65536)))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as error:
        return error.strerror or str(error)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, *, hidden: bool = False, durable: bool = False) -> None:
    """Write a temp file beside `path` and rename it over `path`: readers never see half a file.

    `hidden`: name the temp file so that editors, watch and sync leave it alone (beside a note).
    `durable`: on disk before the rename (a note; a cache file may be lost in a crash).
    The file keeps the permission bits of the one it replaces."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    name = f".{path.name}.{os.urandom(4).hex()}.vaultkit-tmp" if hidden else f"{path.name}.{os.urandom(4).hex()}.tmp"
    temp = path.parent / name
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
