"""What git says about the vault's files on the check path: which are ignored, which a commit removes.

Asked through gitcli (no prompts, a time limit); when git is missing or fails, the vault is taken as
it is on disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from vaultkit.gitcli import GitFailed, GitTimedOut, output_text, run_git, time_limit

DEFAULT_TIMEOUT = 10.0


def repo_ignores(root: Path) -> bool:
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


def query_timeout() -> float:
    """Seconds a git query of the check path may take (`VAULTKIT_GIT_TIMEOUT`, default 10)."""
    return time_limit(DEFAULT_TIMEOUT)


def ignored_paths(root: Path, warnings: list[str]) -> Callable[[str], bool] | None:
    """A test for the vault-relative paths git ignores (the rules are git's to define), or None when
    git ignores nothing here or cannot say (a git that hangs: a line in `warnings`)."""
    command = ("--no-optional-locks", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
    try:
        listed = run_git(root, *command, timeout=query_timeout()).stdout
    except GitTimedOut:
        warnings.append(f"git did not answer within {query_timeout():g} s; files git ignores are checked too")
        return None
    except (OSError, GitFailed):
        return None
    ignored = [item.decode("utf-8", "surrogateescape") for item in listed.split(b"\0") if item]
    if not ignored:
        return None
    folders = tuple(item for item in ignored if item.endswith("/"))
    files = {item for item in ignored if not item.endswith("/")}

    def is_ignored(path: str) -> bool:
        return path in files or path.startswith(folders)

    return is_ignored


def ignored_among(root: Path, paths: Sequence[str]) -> list[str]:
    """Those of `paths` (new files, vault-relative) that git ignores: asked for these paths only, so that
    a file created while watching costs one short git call, not a walk of the vault."""
    if not paths:
        return []
    listing = "\0".join(paths).encode("utf-8", "surrogateescape") + b"\0"
    try:
        done = run_git(root, "check-ignore", "--stdin", "-z", timeout=query_timeout(), check=False, input_bytes=listing)
    except (OSError, GitFailed):
        return []
    if done.returncode not in (0, 1):
        return []
    return [item.decode("utf-8", "surrogateescape") for item in done.stdout.split(b"\0") if item]


def in_pre_commit() -> bool:
    """Whether vaultkit runs as a pre-commit hook: pre-commit sets PRE_COMMIT=1 for its hooks."""
    return os.environ.get("PRE_COMMIT") == "1"


def work_tree(root: Path) -> Path | None:
    """The top of the git work tree holding `root`, None when it is in none (or git cannot say)."""
    try:
        return Path(output_text(run_git(root, "rev-parse", "--show-toplevel", timeout=query_timeout())))
    except (OSError, GitFailed):
        return None


def staged_paths(root: Path, warnings: list[str]) -> set[str] | None:
    """The vault-relative paths git's index holds under `root`: what the commit being made will hold.
    None when git cannot say (a line in `warnings`: the files on disk are taken instead)."""
    try:
        listed = run_git(root, "--no-optional-locks", "ls-files", "-z", "--cached", timeout=query_timeout()).stdout
    except GitTimedOut:
        warnings.append(f"git did not answer within {query_timeout():g} s; the files on disk are checked")
        return None
    except (OSError, GitFailed) as problem:
        warnings.append(f"git cannot list the commit's files ({problem}); the files on disk are checked")
        return None
    return {item.decode("utf-8", "surrogateescape") for item in listed.split(b"\0") if item}


def staged_removals(root: Path) -> list[str]:
    """Vault-relative paths that the git index deletes or renames away (what `git commit` will remove)."""
    try:
        top = output_text(run_git(root, "rev-parse", "--show-toplevel", timeout=query_timeout()))
        listed = run_git(
            Path(top),
            "--no-optional-locks",
            *("diff", "--cached", "--name-status", "-z", "-M", "--diff-filter=DR"),
            timeout=query_timeout(),
        ).stdout
    except (OSError, GitFailed):
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
