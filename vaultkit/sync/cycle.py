"""One sync cycle (SPEC §9): commit, fetch, integrate, push — and never lose an edit.

One cycle: preconditions under a lock → commit → fetch → classify → fast-forward or merge → push →
verify. Integration never uses `git merge` porcelain: the merge is computed with
`git merge-tree --write-tree`, built as a commit object, and the working tree is moved to it with a
two-tree `git read-tree -m -u`, which touches only files that differ and refuses to overwrite an
unsaved change. On a real conflict the local file keeps its path and bytes and the other side's
version is written beside it as `<name>.conflict-<YYYYmmdd-HHMMSS>.<ext>` (`on_conflict: keep-both`),
or nothing changes and the local commits go to `vaultkit/conflict/<host>` (`hold`). Never
`reset --hard`, `stash`, `clean`, `-X ours/theirs`, a rebase or a forced push. A journal records
the one step that leaves the repository between two states, so a killed vaultkit finishes it.

Every git command runs without a terminal prompt, with a time limit, in its own process group so
that it can be killed with its children (ssh). This module never imports the check engine.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vaultkit.config import SyncSettings
from vaultkit.gitcli import NETWORK_TIMEOUT, GitFailed, GitTimedOut, git_env, output_text
from vaultkit.model import shorten
from vaultkit.sync.repo import Repository
from vaultkit.sync.state import Journal, fault
from vaultkit.vault.names import TEMP_FILE

LOCK_RETRIES = 10  # a foreign index.lock is waited for this many times ...
LOCK_WAIT = 0.2  # ... this long each time, then the cycle gives up (and never deletes it)
PUSH_ATTEMPTS = 3
BACKUP_DAYS = 30


@dataclass(frozen=True)
class SyncReport:
    state: str
    ok: bool
    message: str
    commits: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "ok": self.ok,
            "message": self.message,
            "commits": list(self.commits),
            "conflicts": list(self.conflicts),
            "notices": list(self.notices),
        }


class Problem(Exception):
    """The cycle stops here: a state and one line for the user."""

    def __init__(self, state: str, message: str, ok: bool = False) -> None:
        super().__init__(message)
        self.state = state
        self.message = message
        self.ok = ok


@dataclass
class Cycle:
    repo: Repository
    settings: SyncSettings
    now: datetime = field(default_factory=datetime.now)
    network_timeout: float = NETWORK_TIMEOUT
    commits: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    resuming_commit: bool = False  # a killed vaultkit staged files: they are ours to commit
    scope: str = ""  # the vault's folder in the repository: only changes there are committed

    def report(self, state: str, ok: bool, message: str) -> SyncReport:
        return SyncReport(state, ok, message, tuple(self.commits), tuple(self.conflicts), tuple(self.notices))

    def run(self, network: bool = True) -> SyncReport:
        try:
            self.recover()
            branch = self.preconditions()
            self.commit()
            if not network:
                return self.report("committed", True, self._committed("committed"))
            upstream = self.repo.upstream(branch, self.settings)
            if upstream is None:
                message = f"{self._committed('committed locally')}; branch {branch} has no upstream (git push -u)"
                return self.report("no-upstream", True, message)
            return self.exchange(branch, *upstream)
        except Problem as problem:
            return self.report(problem.state, problem.ok, problem.message)

    def _committed(self, verb: str) -> str:
        return (
            f"{verb} {len(self.commits)} commit{'s' if len(self.commits) != 1 else ''}"
            if self.commits
            else "nothing to commit"
        )

    # preconditions

    def preconditions(self) -> str:
        git_dir = self.repo.git_dir
        for marker, what in (
            ("MERGE_HEAD", "a merge is in progress: finish it (git commit) or abort it (git merge --abort)"),
            ("rebase-merge", "a rebase is in progress: finish it (git rebase --continue) or abort it"),
            ("rebase-apply", "a rebase or am is in progress: finish it or abort it"),
            ("CHERRY_PICK_HEAD", "a cherry-pick is in progress: finish it or abort it"),
            ("REVERT_HEAD", "a revert is in progress: finish it or abort it"),
            ("BISECT_LOG", "a bisect is in progress: end it (git bisect reset)"),
        ):
            if (git_dir / marker).exists():
                raise Problem("precondition-failed", what)
        branch = self.repo.branch()
        if branch is None:
            raise Problem("precondition-failed", "HEAD is detached: check out a branch (git switch <branch>)")
        self._wait_for_index_lock()
        if self.repo.out("ls-files", "--unmerged"):
            raise Problem("precondition-failed", "there are unmerged paths: resolve them and commit")
        staged = self.repo.git("diff", "--cached", "--quiet", "--no-ext-diff", check=False)
        if staged.returncode == 1 and not self.resuming_commit:
            raise Problem(
                "precondition-failed", "you have staged changes: commit or unstage them (git restore --staged)"
            )
        if self.repo.git("var", "GIT_AUTHOR_IDENT", check=False).returncode != 0:
            raise Problem("precondition-failed", "no author identity: set git config user.name and user.email")
        return branch

    def _wait_for_index_lock(self) -> None:
        lock = self.repo.git_dir / "index.lock"
        for _ in range(LOCK_RETRIES):
            if not lock.exists():
                return
            time.sleep(LOCK_WAIT)
        raise Problem(
            "locked", f"{lock} exists: another git command is running (or crashed); vaultkit never removes it"
        )

    # commit

    def commit(self) -> None:
        changed = self._changes()
        if not changed:
            if self.resuming_commit:
                Journal(self.repo).clear()  # the interrupted commit had been made after all
            return
        paths = [path for _, path in changed]
        journal = Journal(self.repo)
        journal.write(step="commit")
        self.repo.git("add", "-A", "--", *paths)
        fault("after-add")
        count = len(changed)
        subject = self.settings.commit_message.format(date=self.now.strftime("%Y-%m-%d %H:%M:%S"), count=count)
        body = "\n".join(f"{status} {path}" for status, path in changed)
        verify = [] if self.settings.verify else ["--no-verify"]
        done = self.repo.git("commit", "--quiet", *verify, "-m", subject, "-m", body, check=False)
        if done.returncode != 0:
            self.repo.git("reset", "--quiet", "--", *paths, check=False)  # unstage what vaultkit staged
            journal.clear()
            reason = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            raise Problem("commit-failed", f"commit refused: {reason[-1] if reason else 'unknown reason'}")
        journal.clear()
        self.commits.append(self.repo.out("rev-parse", "HEAD"))
        fault("after-commit")

    def _changes(self) -> list[tuple[str, str]]:
        """(status, path) of everything `git add -A` would take, without temp files, files over
        max_file_size and nested repositories (each skipped with a notice)."""
        listed = self.repo.git(
            "--no-optional-locks",
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--",
            self.scope or ".",
        ).stdout.decode("utf-8", "surrogateescape")
        changes: list[tuple[str, str]] = []
        for item in filter(None, listed.split("\0")):
            status, path = item[:2], item[3:]
            name = path.rstrip("/").rpartition("/")[2]
            full = self.repo.root / path
            if TEMP_FILE.fullmatch(name):
                continue
            if path.endswith("/") or (full.is_dir() and (full / ".git").exists()):
                self.notices.append(f"skipped {path}: a nested git repository")
                continue
            try:
                size = full.stat().st_size if "D" not in status else 0
            except OSError:
                size = 0
            if size > self.settings.max_file_size:
                self.notices.append(f"skipped {path}: {size:,} bytes is over sync.max_file_size")
                continue
            letter = "D" if "D" in status else "A" if status == "??" else "M"
            changes.append((letter, path))
        return changes

    # exchange

    def exchange(self, branch: str, remote: str, name: str) -> SyncReport:
        tracking = f"refs/remotes/{remote}/{name}"
        for _attempt in range(PUSH_ATTEMPTS):
            self.fetch(remote, name, tracking)
            theirs = self.repo.rev(tracking)
            if theirs is None:
                message = f"{self._committed('committed locally')}; {remote}/{name} no longer exists"
                raise Problem("upstream-gone", message, ok=True)
            ours = self.repo.out("rev-parse", "HEAD")
            if ours == theirs:
                return self.report("clean", True, f"{self._committed('committed')}; in step with {remote}/{name}")
            base = self.repo.git("merge-base", ours, theirs, check=False)
            if base.returncode != 0:
                raise Problem(
                    "unrelated-history",
                    f"{remote}/{name} has a history unrelated to yours (rewritten?): nothing pushed, nothing"
                    f" forced; your commits are kept, and the last tip is under refs/vaultkit/backup/",
                )
            merge_base = output_text(base)
            if merge_base != theirs:  # they have commits we do not
                self.integrate(branch, ours, theirs, remote, name)
                ours = self.repo.out("rev-parse", "HEAD")
            if ours == theirs:
                return self.report("pulled", True, f"{self._committed('committed')}; fast-forwarded to {remote}/{name}")
            fault("before-push")
            if self.push(remote, name):
                fault("after-push")
                self.verify(remote, name, tracking)
                return self.report(
                    "conflict-kept-both" if self.conflicts else "pushed",
                    True,
                    f"{self._committed('committed')}; pushed to {remote}/{name}"
                    + (f"; kept both versions of {len(self.conflicts)} file(s)" if self.conflicts else ""),
                )
        raise Problem("rejected", f"{remote} kept rejecting the push ({PUSH_ATTEMPTS} tries); will retry later")

    def fetch(self, remote: str, name: str, tracking: str) -> None:
        try:
            self.repo.git(
                "fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{name}:{tracking}", timeout=self.network_timeout
            )
        except GitFailed as failure:
            raise self._network_problem(failure, remote, name) from None
        fault("after-fetch")

    def _network_problem(self, failure: GitFailed, remote: str, name: str) -> Problem:
        text = failure.output
        committed = self._committed("committed locally")
        if "couldn't find remote ref" in text:
            return Problem("upstream-gone", f"{committed}; {remote}/{name} no longer exists", ok=True)
        if _AUTH.search(text):
            return Problem("auth-failed", f"{committed}; {remote} refused the credentials: fix them, then sync again")
        if isinstance(failure, GitTimedOut):
            return Problem("offline", f"{committed}; {remote} did not answer in {self.network_timeout:g} s")
        return Problem("offline", f"{committed}; {remote} is unreachable ({_first_line(text)})")

    def integrate(self, branch: str, ours: str, theirs: str, remote: str, name: str) -> None:
        self.backup(ours)
        if self.repo.git("merge-base", "--is-ancestor", ours, theirs, check=False).returncode == 0:
            self.switch(branch, ours, theirs)  # behind: fast-forward
            return
        merged = self.repo.git(
            "merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs, check=False
        )
        if merged.returncode not in (0, 1):
            raise Problem(
                "merge-failed", f"git merge-tree failed: {_first_line(merged.stderr.decode('utf-8', 'replace'))}"
            )
        fields = [item for item in merged.stdout.decode("utf-8", "surrogateescape").split("\0") if item]
        tree, conflicted = fields[0], sorted(set(fields[1:]))
        if conflicted and self.settings.on_conflict == "hold":
            self.hold(remote, conflicted)
        if conflicted:
            tree = self.keep_both(tree, ours, theirs, conflicted)
        message = f"vault sync: merge {remote}/{name}"
        if self.conflicts:
            message += "\n\nBoth versions kept:\n" + "\n".join(self.conflicts)
        merge = self.repo.out("commit-tree", tree, "-p", ours, "-p", theirs, "-m", message)
        fault("after-merge-commit")
        self.switch(branch, ours, merge)
        self.commits.append(merge)

    def keep_both(self, tree: str, ours: str, theirs: str, conflicted: list[str]) -> str:
        """The merged tree, except that each conflicted file is ours, with theirs beside it."""
        index = self.repo.state_dir / "merge-index"
        index.unlink(missing_ok=True)
        env = {**git_env(), "GIT_INDEX_FILE": str(index)}
        self.repo.git("read-tree", tree, env=env)
        stamp = self.now.strftime("%Y%m%d-%H%M%S")
        for path in conflicted:
            mine, other = self.repo.blob(ours, path), self.repo.blob(theirs, path)
            if mine is not None:
                self.repo.git("update-index", "--add", "--cacheinfo", f"{mine[0]},{mine[1]},{path}", env=env)
            else:
                self.repo.git("update-index", "--force-remove", "--", path, env=env)
            if other is not None and other != mine:
                copy = self._copy_name(path, stamp, env)
                self.repo.git("update-index", "--add", "--cacheinfo", f"{other[0]},{other[1]},{copy}", env=env)
                self.conflicts.append(copy)
        written = self.repo.out("write-tree", env=env)
        index.unlink(missing_ok=True)
        return written

    def _copy_name(self, path: str, stamp: str, env: dict[str, str]) -> str:
        folder, _, name = path.rpartition("/")
        stem, dot, suffix = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
        for number in range(1, 100):
            tag = f".conflict-{stamp}" + (f"-{number}" if number > 1 else "")
            candidate = (folder + "/" if folder else "") + stem + tag + dot + suffix
            taken = self.repo.git("ls-files", "--error-unmatch", "--", candidate, env=env, check=False)
            if taken.returncode != 0 and not (self.repo.root / candidate).exists():
                return candidate
        raise Problem("merge-failed", f"no free name for the conflict copy of {path}")

    def hold(self, remote: str, conflicted: list[str]) -> None:
        host = re.sub(r"[^A-Za-z0-9._-]+", "-", socket.gethostname()) or "host"
        target = f"refs/heads/vaultkit/conflict/{host}"
        try:
            done = self.repo.git(
                "push", "--porcelain", remote, f"HEAD:{target}", timeout=self.network_timeout, check=False
            )
            if done.returncode != 0:
                target += "-" + self.now.strftime("%Y%m%d-%H%M%S")
                self.repo.git("push", "--porcelain", remote, f"HEAD:{target}", timeout=self.network_timeout)
        except GitFailed as failure:
            raise self._network_problem(failure, remote, target) from None
        files = ", ".join(conflicted[:5]) + (" …" if len(conflicted) > 5 else "")
        branch = target.removeprefix("refs/heads/")
        raise Problem("held", f"conflict in {files}: nothing changed here; your commits are on {remote}/{branch}")

    def switch(self, branch: str, old: str, new: str) -> None:
        """Move branch, index and working tree from `old` to `new`, touching only files that differ."""
        journal = Journal(self.repo)
        journal.write(step="switch", branch=branch, old=old, new=new)
        self._switch(branch, old, new)
        journal.clear()

    def _switch(self, branch: str, old: str, new: str) -> None:
        try:
            self.repo.git("read-tree", "-m", "-u", old, new)
        except GitFailed as failure:
            Journal(self.repo).clear()
            raise Problem(
                "merge-failed", f"could not update the files, nothing changed: {_first_line(failure.output)}"
            ) from None
        fault("after-read-tree")
        self.repo.git("update-ref", "-m", "vaultkit sync", f"refs/heads/{branch}", new, old)
        fault("after-update-ref")

    def push(self, remote: str, name: str) -> bool:
        """True when pushed; False when rejected because the remote moved (fetch and try again)."""
        try:
            done = self.repo.git(
                "push", "--porcelain", remote, f"HEAD:refs/heads/{name}", timeout=self.network_timeout, check=False
            )
        except GitTimedOut as failure:
            raise self._network_problem(failure, remote, name) from None
        text = (done.stdout + done.stderr).decode("utf-8", "replace")
        if done.returncode == 0:
            return True
        if "[remote rejected]" in text or "hook declined" in text:
            reason = _first_line(text[text.find("[remote rejected]") :] if "[remote rejected]" in text else text)
            raise Problem("refused", f"{self._committed('committed locally')}; {remote} refused the push: {reason}")
        if "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text:
            return False
        raise self._network_problem(GitFailed(("push",), done.returncode, text), remote, name)

    def verify(self, remote: str, name: str, tracking: str) -> None:
        head = self.repo.out("rev-parse", "HEAD")
        if self.repo.rev(tracking) != head:
            self.fetch(remote, name, tracking)
            if self.repo.rev(tracking) != head:
                raise Problem("rejected", f"{remote}/{name} does not hold the pushed commit; will retry")

    def backup(self, tip: str) -> None:
        """Keep the tip we integrate from under refs/vaultkit/backup/, and prune those over 30 days."""
        stamp = self.now.strftime("%Y%m%d-%H%M%S")
        self.repo.git("update-ref", f"refs/vaultkit/backup/{stamp}-{tip[:12]}", tip)
        listed = self.repo.out("for-each-ref", "--format=%(refname)", "refs/vaultkit/backup/")
        cutoff = self.now.timestamp() - BACKUP_DAYS * 86400
        for ref in listed.splitlines():
            try:
                taken = datetime.strptime(ref.rsplit("/", 1)[1][:15], "%Y%m%d-%H%M%S").timestamp()
            except ValueError:
                continue
            if taken < cutoff:
                self.repo.git("update-ref", "-d", ref, check=False)

    # recovery

    def recover(self) -> None:
        """Finish the step a killed vaultkit was in; nothing the user started is touched."""
        journal = Journal(self.repo)
        record = journal.read()
        if record is None:
            return
        if record.get("step") == "commit":
            self.resuming_commit = True
            self.notices.append("finishing a commit that was interrupted")
            return  # the journal stays until that commit is made
        if record.get("step") == "switch":
            branch, old, new = record["branch"], record["old"], record["new"]
            current = self.repo.rev(f"refs/heads/{branch}")
            if current == old:
                self._switch(branch, old, new)
                self.notices.append(f"finished moving {branch} to {new[:12]} after an interruption")
        journal.clear()


_AUTH = re.compile(
    r"Authentication failed|Permission denied|could not read Username|could not read Password|"
    r"terminal prompts disabled|Host key verification failed|invalid credentials|403 Forbidden",
    re.IGNORECASE,
)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return shorten(lines[0] if lines else "no details", 200)
