"""The git repository that holds a vault, asked and changed only through gitcli (time limits, no prompts)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vaultkit.config import SyncSettings
from vaultkit.gitcli import GitFailed, git_env, output_text, run_git

GITLINK = "160000"  # the mode of a submodule's commit in a tree: no file of this repository
LOCK_RETRIES = 10  # a foreign index.lock is waited for this many times ...
LOCK_WAIT = 0.2  # ... this long each time, then vaultkit gives up (and never deletes it)


class NotARepository(Exception):
    pass


class IndexLocked(Exception):
    """Another git holds the index (its index.lock exists) longer than vaultkit waits."""

    def __init__(self, lock: Path) -> None:
        super().__init__(f"{lock} exists: another git command is running (or crashed); vaultkit never removes it")


class Repository:
    """Where the repository is, what its configuration says, and git run in it with the user's ssh."""

    def __init__(self, vault: Path) -> None:
        try:
            found = run_git(vault, "rev-parse", "--is-bare-repository", "--absolute-git-dir", check=False)
        except OSError as problem:  # no such folder, or no git
            raise NotARepository(f"{vault} is not in a git repository ({problem.strerror})") from None
        lines = output_text(found).splitlines()
        if found.returncode != 0 or len(lines) < 2:
            raise NotARepository(f"{vault} is not in a git repository")
        if lines[0] == "true":
            raise NotARepository(f"{vault} is in a bare repository")
        top = run_git(vault, "rev-parse", "--show-toplevel", check=False)
        if top.returncode != 0:
            raise NotARepository(f"{vault} is not in a git work tree")
        self.root = Path(output_text(top))
        self.git_dir = Path(lines[1])
        common = run_git(vault, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False)
        self.common_dir = Path(output_text(common)) if common.returncode == 0 else self.git_dir
        self.state_dir = self.git_dir / "vaultkit"
        self.config: dict[str, str] = {}
        self.env = git_env()
        self.reload()

    def reload(self) -> None:
        """Read the configuration again (the user may change it while watch runs)."""
        done = self.git("config", "-z", "--list", check=False, env=git_env())
        config: dict[str, str] = {}
        for item in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
            key, _, value = item.partition("\n")
            if key:
                config[key] = value  # the last one wins, as in git
        self.config = config
        self.env = git_env(config.get("core.sshcommand"))

    def setting(self, section: str, name: str, subsection: str | None = None) -> str | None:
        """One configuration value, as git lists it (section and name in lower case, subsection as is)."""
        middle = f".{subsection}" if subsection is not None else ""
        return self.config.get(f"{section.lower()}{middle}.{name.lower()}")

    def git(self, *args: str, **options: Any) -> subprocess.CompletedProcess[bytes]:
        options.setdefault("env", self.env)
        return run_git(self.root, *args, **options)

    def out(self, *args: str, **options: Any) -> str:
        return output_text(self.git(*args, **options))

    def with_index(self, index: Path) -> dict[str, str]:
        """The environment of a git command that works on `index` instead of the user's index."""
        return {**self.env, "GIT_INDEX_FILE": str(index)}

    def scope(self, vault: Path) -> str:
        """The vault's folder relative to the repository root ("" when it is the root)."""
        relative = Path(os.path.realpath(vault)).relative_to(os.path.realpath(self.root)).as_posix()
        return "" if relative == "." else relative

    def branch(self) -> str | None:
        done = self.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return output_text(done) if done.returncode == 0 else None

    def upstream(self, branch: str, settings: SyncSettings) -> tuple[str, str] | None:
        """(remote, branch on the remote) to sync with, or None."""
        remote = settings.remote or self.setting("branch", "remote", branch) or ""
        merge = self.setting("branch", "merge", branch) or ""
        if not remote or remote == ".":
            return None
        if self.setting("remote", "url", remote) is None:
            return None
        name = merge.removeprefix("refs/heads/") if merge else branch
        return remote, name

    def rev(self, name: str) -> str | None:
        done = self.git("rev-parse", "--verify", "--quiet", name + "^{commit}", check=False)
        return output_text(done) if done.returncode == 0 else None

    def ref_lock(self, branch: str, wanted: str) -> bool:
        """Remove the lock file a killed git left on `branch` while moving it to `wanted` (git writes the
        new value into the lock first, so a lock that holds `wanted` is vaultkit's own); True if it did."""
        lock = self.common_dir / "refs" / "heads" / f"{branch}.lock"
        try:
            held = lock.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return False
        if held != wanted:
            return False
        lock.unlink(missing_ok=True)
        return True

    def tree_of(self, commit: str) -> str:
        return self.out("rev-parse", commit + "^{tree}")

    def entries(self, tree: str) -> dict[str, tuple[str, str]]:
        """Every file of a tree (recursively): path -> (mode, object id)."""
        listed = self.git("ls-tree", "-r", "-z", "--full-tree", tree).stdout.decode("utf-8", "surrogateescape")
        found: dict[str, tuple[str, str]] = {}
        for item in listed.split("\0"):
            if item:
                meta, _, path = item.partition("\t")
                mode, _, rest = meta.partition(" ")
                found[path] = (mode, rest.rpartition(" ")[2])
        return found

    def changes(self, old: str, new: str, renames: bool = False) -> list[tuple[str, str, str, str, str, list[str]]]:
        """`git diff-tree -r` from `old` to `new`: (status, old mode, new mode, old id, new id, paths) each;
        paths holds two entries (from, to) for a rename."""
        command = ["diff-tree", "-r", "-z", "--raw", "--no-abbrev", "--full-index"]
        command += ["-M", "--diff-filter=R"] if renames else ["--no-renames"]
        fields = self.git(*command, old, new).stdout.decode("utf-8", "surrogateescape").split("\0")
        found = []
        index = 0
        while index < len(fields) and fields[index].startswith(":"):
            old_mode, new_mode, old_id, new_id, status = fields[index][1:].split(" ")
            count = 2 if status[0] in "RC" else 1
            found.append((status[0], old_mode, new_mode, old_id, new_id, fields[index + 1 : index + 1 + count]))
            index += 1 + count
        return found

    def sizes(self, objects: list[str]) -> int:
        """The total size in bytes of these objects (blobs) as git stores them."""
        if not objects:
            return 0
        listed = self.git(
            "cat-file", "--batch-check=%(objectsize)", input_bytes="".join(f"{o}\n" for o in objects).encode()
        )
        return sum(int(line) for line in listed.stdout.split() if line.isdigit())

    def hook_path(self, name: str) -> Path:
        configured = self.setting("core", "hooksPath")
        folder = Path(os.path.expanduser(configured)) if configured else self.git_dir / "hooks"
        return (folder if folder.is_absolute() else self.root / folder) / name

    def wait_for_index_lock(self) -> None:
        """Wait a little for a foreign index.lock to go; IndexLocked when it stays."""
        lock = self.git_dir / "index.lock"
        for _ in range(LOCK_RETRIES):
            if not lock.exists():
                return
            time.sleep(LOCK_WAIT)
        raise IndexLocked(lock)

    def install_index(self, private: Path) -> None:
        """Make `private` the user's index in one rename, by git's own protocol (index.lock taken
        exclusively, then renamed over the index); finishes an install that a killed run began."""
        lock, target = self.git_dir / "index.lock", self.git_dir / "index"
        if not private.exists():
            return  # installed already
        if same_file(lock, private):
            os.replace(lock, target)  # a killed run had taken the lock with it
        elif not same_file(target, private):
            for _ in range(LOCK_RETRIES):
                try:
                    os.link(private, lock)
                    break
                except FileExistsError:
                    time.sleep(LOCK_WAIT)
            else:
                raise IndexLocked(lock)
            os.replace(lock, target)
        private.unlink(missing_ok=True)

    def is_ancestor(self, older: str, newer: str) -> bool:
        done = self.git("merge-base", "--is-ancestor", older, newer, check=False)
        if done.returncode not in (0, 1):
            raise GitFailed(("merge-base",), done.returncode, done.stderr.decode("utf-8", "replace"))
        return done.returncode == 0

    def index_matches(self, commit: str, index: Path | None = None) -> bool:
        """Whether an index (the user's by default) holds exactly `commit`'s tree."""
        env = self.with_index(index) if index is not None else self.env
        done = self.git("--no-optional-locks", "diff-index", "--cached", "--quiet", commit, env=env, check=False)
        if done.returncode not in (0, 1):
            raise GitFailed(("diff-index",), done.returncode, done.stderr.decode("utf-8", "replace"))
        return done.returncode == 0


def same_file(first: Path, second: Path) -> bool:
    """Whether both names are links to one file (a symlink is itself, not what it points at)."""
    try:
        a, b = os.lstat(first), os.lstat(second)
    except OSError:
        return False
    return (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev)


def literal(paths: Iterable[str]) -> bytes:
    """Paths for git's `--stdin -z` options: NUL-separated, never read as pathspec magic."""
    return b"".join(path.encode("utf-8", "surrogateescape") + b"\0" for path in paths)
