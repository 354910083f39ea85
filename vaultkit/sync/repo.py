"""The git repository that holds a vault: found and read with GitPython, changed through gitcli."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from vaultkit.config import SyncSettings
from vaultkit.gitcli import output_text, run_git


class Repository:
    """The git repository holding a vault: GitPython finds it and reads its configuration; commands
    that change it run through `run_git` for their time limits and process groups."""

    def __init__(self, vault: Path) -> None:
        import git

        try:
            self.repo = git.Repo(vault, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise NotARepository(f"{vault} is not in a git repository") from None
        if self.repo.bare or self.repo.working_tree_dir is None:
            raise NotARepository(f"{vault} is in a bare repository")
        self.root = Path(self.repo.working_tree_dir)
        self.git_dir = Path(self.repo.git_dir)
        self.state_dir = self.git_dir / "vaultkit"

    def git(self, *args: str, **options: Any) -> subprocess.CompletedProcess[bytes]:
        return run_git(self.root, *args, **options)

    def out(self, *args: str, **options: Any) -> str:
        return output_text(self.git(*args, **options))

    def scope(self, vault: Path) -> str:
        """The vault's folder relative to the repository root ("" when it is the root)."""
        relative = Path(os.path.realpath(vault)).relative_to(os.path.realpath(self.root)).as_posix()
        return "" if relative == "." else relative

    def branch(self) -> str | None:
        done = self.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return output_text(done) if done.returncode == 0 else None

    def upstream(self, branch: str, settings: SyncSettings) -> tuple[str, str] | None:
        """(remote, branch on the remote) to sync with, or None."""
        reader = self.repo.config_reader()
        section = f'branch "{branch}"'
        remote = settings.remote or reader.get_value(section, "remote", default="")
        merge = reader.get_value(section, "merge", default="")
        if not remote or remote == ".":
            return None
        if f'remote "{remote}"' not in reader.sections():
            return None
        name = str(merge).removeprefix("refs/heads/") if merge else branch
        return str(remote), name

    def rev(self, name: str) -> str | None:
        done = self.git("rev-parse", "--verify", "--quiet", name + "^{commit}", check=False)
        return output_text(done) if done.returncode == 0 else None

    def blob(self, commit: str, path: str) -> tuple[str, str] | None:
        """(mode, object id) of `path` in `commit`, or None."""
        line = self.out("ls-tree", "-z", commit, "--", path).rstrip("\0")
        if not line:
            return None
        meta, _, _ = line.partition("\t")
        mode, _, oid = meta.split(" ")
        return mode, oid


class NotARepository(Exception):
    pass
