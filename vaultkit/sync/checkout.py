"""Move the working tree, the index and the branch from one commit to another — all or nothing.

git's own checkout writes each file in place, so a full disk or a kill leaves notes truncated or empty that
the next commit would take for the user's edits. Here every new file is first written whole into a staging
folder beside the repository (`git checkout-index`, so filters, modes and symlinks are git's), and only when
all of them are written does vaultkit move them into place, one rename each, keeping each file it replaces
as a hard link in a backup folder. Any failure on the way puts the working tree back as it was, byte for
byte (the very same files); a kill is undone or finished by the next run from the journal. The user's index
and the branch move last, each in one step.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from vaultkit.gitcli import GitFailed, git_reason
from vaultkit.sync.repo import GITLINK, Repository, literal, same_file
from vaultkit.sync.state import Journal, discard, fault, faulty, no_space, private_index, private_path

STEP = "checkout"


class CheckoutFailed(Exception):
    """The switch did not happen and nothing changed; `state` says why (disk-full, merge-failed, locked)."""

    def __init__(self, state: str, message: str) -> None:
        super().__init__(message)
        self.state = state
        self.message = message


class Change(NamedTuple):
    path: str
    old_mode: str  # "000000": absent in the old commit
    new_mode: str  # "000000": absent in the new commit


def switch(repo: Repository, journal: Journal, branch: str, old: str, new: str) -> None:
    """Move `branch`, the user's index and the working tree from `old` to `new`, touching only the files
    that differ; CheckoutFailed (with nothing changed) when it cannot."""
    changes = [
        (Change(paths[-1], old_mode, new_mode), new_id)
        for _status, old_mode, new_mode, _old_id, new_id, paths in repo.changes(old, new)
    ]
    files = [change for change, _ in changes if GITLINK not in (change.old_mode, change.new_mode)]
    needed = repo.sizes([new_id for change, new_id in changes if change.new_mode not in ("000000", GITLINK)])
    index = private_index(repo)
    staging = _beside(repo, "staging-")
    backups = _beside(repo, "backup-")
    try:
        env = repo.with_index(index)
        repo.git("update-index", "-q", "--refresh", env=env, check=False)  # stamps, not contents, may be stale
        _check_tree_is_clean(repo, env, files)
        try:
            repo.git("read-tree", "-m", old, new, env=env)
        except GitFailed as failure:
            raise CheckoutFailed("merge-failed", f"could not update the files: {failure.reason}") from None
        _check_room(repo.state_dir, needed)
        new_paths = [change.path for change in files if change.new_mode != "000000"]
        placed = _stage(repo, index, staging, new_paths, needed)
    except BaseException:
        discard(index, staging, backups)
        raise
    record: dict[str, Any] = {
        "step": STEP,
        "branch": branch,
        "old": old,
        "new": new,
        "index": str(index),
        "staging": str(staging),
        "backups": str(backups),
        "placed": False,
        "remove": [change.path for change in files if change.old_mode != "000000"],
        "place": placed,
        "folders": _existing_folders(repo.root, (change.path for change in files)),
    }
    try:
        journal.write(record)
    except OSError:
        discard(index, staging, backups)
        raise
    try:
        _apply(repo.root, record)
        journal.write({**record, "placed": True})
    except OSError as problem:
        rollback(repo.root, record)
        journal.clear()
        discard(index, staging, backups)
        if problem.errno == errno.ENOSPC:
            raise CheckoutFailed("disk-full", f"No space left on device while writing {_name(problem)}") from None
        raise CheckoutFailed("merge-failed", f"could not write {_name(problem)}: {problem.strerror}") from None
    finish(repo, journal, record)


def finish(repo: Repository, journal: Journal, record: dict[str, Any]) -> None:
    """The files are in place: give the index their stamps, install it, move the branch."""
    index = Path(record["index"])
    if index.exists():
        repo.git("update-index", "-q", "--refresh", env=repo.with_index(index), check=False)
    fault("after-read-tree")
    repo.install_index(index)
    current = repo.rev(f"refs/heads/{record['branch']}")
    if current == record["old"]:
        repo.ref_lock(record["branch"], record["new"])  # an update-ref killed half-way left its lock
        repo.git("update-ref", "-m", "vaultkit sync", f"refs/heads/{record['branch']}", record["new"], record["old"])
    fault("after-update-ref")
    journal.clear()
    discard(index, record["staging"], record["backups"])


def recover(repo: Repository, journal: Journal, record: dict[str, Any]) -> str:
    """Finish (the files were all in place) or undo (they were not) a switch a killed run began; return
    what was done, for a notice."""
    current = repo.rev(f"refs/heads/{record['branch']}")
    if current == record["old"] and record.get("placed"):
        finish(repo, journal, record)
        return f"finished moving {record['branch']} to {record['new'][:12]} after an interruption"
    if current == record["old"]:
        rollback(repo.root, record)
        journal.clear()
        discard(record["index"], record["staging"], record["backups"])
        return "undid an update of the files that was interrupted; nothing was lost"
    if current == record["new"]:
        repo.install_index(Path(record["index"]))
        journal.clear()
        discard(record["index"], record["staging"], record["backups"])
        return f"finished moving {record['branch']} to {record['new'][:12]} after an interruption"
    journal.clear()  # the user moved the branch since: their state is theirs, vaultkit's step is over
    discard(record["index"], record["staging"], record["backups"])
    return "an interrupted update of the files was left as it is: the branch has moved since"


# --- before anything changes ---------------------------------------------------------------------------


def _beside(repo: Repository, prefix: str) -> Path:
    """A private folder on the working tree's file system (renames and hard links need one)."""
    folder = private_path(repo, prefix)
    try:
        if os.stat(repo.state_dir).st_dev != os.stat(repo.root).st_dev:
            folder = repo.root / f".vaultkit-{folder.name}"  # state.BESIDE_PREFIXES
    except OSError:
        pass
    return folder


def _check_tree_is_clean(repo: Repository, env: dict[str, str], files: list[Change]) -> None:
    """Refuse (changing nothing) when a file to be replaced changed since it was committed, or when an
    untracked file or folder stands where a new file must go."""
    touched = {change.path for change in files}
    dirty = repo.git("diff-files", "--name-only", "-z", "--ignore-submodules", env=env)
    changed = sorted(touched.intersection(filter(None, dirty.stdout.decode("utf-8", "surrogateescape").split("\0"))))
    if changed:
        raise CheckoutFailed("merge-failed", f"{changed[0]} changed while syncing; it is committed at the next sync")
    removed = {change.path for change in files if change.old_mode != "000000"}
    for change in files:
        if change.new_mode == "000000":
            continue
        target = repo.root / change.path
        replaceable = target.is_dir() and not target.is_symlink() and _only(target, repo.root, removed)
        if change.old_mode == "000000" and os.path.lexists(target) and not replaceable:
            raise CheckoutFailed(
                "merge-failed",
                f"{change.path} from the other side would replace a file that is not committed here "
                "(ignored, skipped, or the same name in another case): move it away, then sync again",
            )
        parent = Path(change.path).parent
        while str(parent) != ".":
            folder = repo.root / parent
            if os.path.lexists(folder) and not folder.is_dir() and parent.as_posix() not in removed:
                raise CheckoutFailed("merge-failed", f"{parent.as_posix()} is a file here; the other side has a folder")
            parent = parent.parent


def _only(folder: Path, root: Path, removed: set[str]) -> bool:
    """Whether everything under `folder` is a file this switch removes (so the folder may go)."""
    for top, _dirs, names in os.walk(folder):
        for name in names:
            if Path(top, name).relative_to(root).as_posix() not in removed:
                return False
    return True


def _check_room(folder: Path, needed: int) -> None:
    free = _free(folder)
    if free is not None and free < needed:
        raise CheckoutFailed(
            "disk-full", f"No space left on device for the other side's files ({needed:,} bytes, {free:,} free)"
        )


def _free(folder: Path) -> int | None:
    try:
        info = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    return info.f_bavail * info.f_frsize


def _stage(repo: Repository, index: Path, staging: Path, paths: list[str], needed: int) -> list[list[Any]]:
    """Write every new file whole into `staging`, as git would write it; each one's identity (inode,
    device, size, time) lets a rollback tell it from a file the user saved later."""
    staging.mkdir(parents=True)
    if paths:
        try:
            repo.git(
                "checkout-index",
                "-z",
                "--stdin",
                f"--prefix={staging}/",
                env=repo.with_index(index),
                input_bytes=literal(paths),
            )
        except GitFailed as failure:
            free = _free(staging)  # git does not say why a write failed: a disk without room does
            if "No space left" in failure.output or (free is not None and free < needed):
                message = f"No space left on device for the other side's files ({failure.reason})"
                raise CheckoutFailed("disk-full", message) from None
            reason = git_reason(failure.output)
            raise CheckoutFailed("merge-failed", f"could not write the other side's files: {reason}") from None
    placed = []
    for path in paths:
        info = os.lstat(staging / path)
        placed.append([path, info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns])
    return placed


def _existing_folders(root: Path, paths: Iterable[str]) -> list[str]:
    """The folders above `paths` that exist now: a rollback recreates them, and removes the others."""
    found: set[str] = set()
    for path in paths:
        parent = Path(path).parent
        while str(parent) != "." and parent.as_posix() not in found:
            if (root / parent).is_dir() and not (root / parent).is_symlink():
                found.add(parent.as_posix())
            parent = parent.parent
    return sorted(found)


# --- the change itself, and its undoing ------------------------------------------------------------------


def _apply(root: Path, record: dict[str, Any]) -> None:
    """Back up and remove what goes, then move each staged file into place (one rename each)."""
    staging, backups = Path(record["staging"]), Path(record["backups"])
    backups.mkdir(parents=True, exist_ok=True)
    new_paths = {item[0] for item in record["place"]}
    for number, path in enumerate(record["remove"]):
        target = root / path
        if os.path.lexists(target):
            _keep(target, backups / str(number))
            if path not in new_paths:
                target.unlink()
    for path in sorted({str(Path(p).parent) for p in record["remove"]}, key=len, reverse=True):
        _remove_empty(root, Path(path))
    for count, (path, *_identity) in enumerate(record["place"]):
        if (count == 1 or len(record["place"]) == 1) and faulty("enospc-during-checkout"):
            raise no_space(path)
        target = root / path
        if target.is_dir() and not target.is_symlink():
            _remove_empty(root, Path(path), up=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / path, target)
        if count == 0:
            fault("during-checkout")


def rollback(root: Path, record: dict[str, Any]) -> None:
    """Put the working tree back as it was before `_apply`, byte for byte: remove what was placed (only
    files that are still exactly the ones vaultkit placed), restore the folders and every backed-up file."""
    backups = Path(record["backups"])
    for path, inode, device, size, mtime in reversed(record["place"]):
        target = root / path
        try:
            info = os.lstat(target)
        except OSError:
            continue
        if (info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns) == (inode, device, size, mtime):
            target.unlink()
    for path, *_identity in record["place"]:
        _remove_empty(root, Path(path).parent, keep=set(record["folders"]))
    for folder in record["folders"]:
        target = root / folder
        if os.path.lexists(target) and not target.is_dir():
            continue
        target.mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(record["remove"]):
        backup, target = backups / str(number), root / path
        if not os.path.lexists(backup):
            continue
        if os.path.lexists(target):
            if same_file(backup, target) or not target.is_dir():
                backup.unlink()  # the original is still there, or the user saved a new file since
                continue
            _remove_empty(root, Path(path), up=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(backup, target)


def _keep(target: Path, backup: Path) -> None:
    """A backup of `target` that costs no space: a hard link to the very same file (a copy where the file
    system has no hard links)."""
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError as problem:
        if problem.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copy2(target, backup, follow_symlinks=False)


def _remove_empty(root: Path, folder: Path, up: bool = True, keep: set[str] | None = None) -> None:
    """Remove `folder` (and, with `up`, its parents) while empty, as git does after deleting files."""
    while str(folder) != ".":
        if keep is not None and folder.as_posix() in keep:
            return
        try:
            (root / folder).rmdir()
        except OSError:
            return
        if not up:
            return
        folder = folder.parent


def _name(problem: OSError) -> str:
    return str(problem.filename) if problem.filename else "a file"
