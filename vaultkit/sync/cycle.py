"""One sync cycle (SPEC §9): commit, fetch, integrate, push — and never lose an edit.

One cycle: finish or undo a step a killed run left → preconditions under a lock → commit → fetch →
fast-forward or merge → push → verify. vaultkit stages into a private copy of the index and installs it in
one rename, so the user's index never holds half a step and what the user staged is never committed. A
merge is computed by `git merge-tree --write-tree` and checked by merge.py (every saved version stays a
file); the working tree moves to it all or nothing (checkout.py). On a real conflict the local file keeps
its path and bytes and the other side's version is written beside it as `<name>.conflict-<stamp>.<ext>`
(`on_conflict: keep-both`), or nothing changes and the local commits go to `vaultkit/conflict/<host>`
(`hold`). Never `reset --hard`, `stash`, `clean`, `-X ours/theirs`, a rebase or a forced push.

Paths reach git only on standard input, NUL-separated (never as pathspecs, so `:x.md` is a name). A path
git refuses is named once and skipped, the rest committed. Messages keep git's own reason and say when a
local hook or helper, not the network, is what failed or hung. This module never imports the check engine.
"""

from __future__ import annotations

import errno
import os
import re
import socket
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vaultkit.config import SyncSettings
from vaultkit.gitcli import NETWORK_TIMEOUT, Child, GitFailed, GitTimedOut, git_reason, output_text
from vaultkit.model import shorten
from vaultkit.sync import checkout
from vaultkit.sync.checkout import CheckoutFailed
from vaultkit.sync.merge import MergeFailed, merge
from vaultkit.sync.repo import IndexLocked, Repository, literal
from vaultkit.sync.state import Journal, discard, fault, private_index, sweep
from vaultkit.vault.names import TEMP_FILE

PUSH_ATTEMPTS = 4
BACKUP_DAYS = 30
OWN_FILES = re.compile(r"\.vaultkit-(?:staging|backup)-.*")  # vaultkit's folders beside the files (rare)
# A push the remote turned down because another push won the race to the branch: fetch and try again.
_RACE = re.compile(
    r"failed to update ref|cannot lock ref|incorrect old value|is at [0-9a-f]+ but expected|stale info|"
    r"fetch first|non-fast-forward|failed to lock",
    re.IGNORECASE,
)
_AUTH = re.compile(
    r"Authentication failed|Permission denied|could not read Username|could not read Password|"
    r"terminal prompts disabled|Host key verification failed|invalid credentials|403 Forbidden",
    re.IGNORECASE,
)


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
    refused: list[str] = field(default_factory=list)  # paths git would not take: named in notices
    scope: str = ""  # the vault's folder in the repository: only changes there are committed

    def report(self, state: str, ok: bool, message: str) -> SyncReport:
        if self.refused and ok:
            count = len(self.refused)
            ok, message = False, f"{message}; {count} file{'s' if count != 1 else ''} not committed (see the notices)"
        return SyncReport(state, ok, message, tuple(self.commits), tuple(self.conflicts), tuple(self.notices))

    def run(self, network: bool = True) -> SyncReport:
        """The whole cycle; every problem comes back as a report (never as an exception)."""
        try:
            self.repo.reload()
            self.recover()
            branch = self.preconditions()
            self.commit(branch)
            if not network:
                return self.report("committed", True, self._committed("committed"))
            upstream = self.repo.upstream(branch, self.settings)
            if upstream is None:
                message = f"{self._committed('committed locally')}; branch {branch} has no upstream (git push -u)"
                return self.report("no-upstream", True, message)
            return self.exchange(branch, *upstream)
        except Problem as problem:
            return self.report(problem.state, problem.ok, problem.message)
        except IndexLocked as locked:
            return self.report("locked", False, str(locked))
        except GitTimedOut as failure:
            return self.report("error", False, f"git {failure.command} did not finish in {failure.limit:g} s")
        except GitFailed as failure:
            state = "disk-full" if "No space left" in failure.output else "error"
            return self.report(state, False, f"git failed: {failure.reason}")
        except OSError as problem:
            if problem.errno == errno.ENOSPC:
                return self.report("disk-full", False, disk_full_message(problem))
            return self.report("error", False, f"{problem.filename or 'sync'}: {problem.strerror}")

    def _committed(self, verb: str) -> str:
        return (
            f"{verb} {len(self.commits)} commit{'s' if len(self.commits) != 1 else ''}"
            if self.commits
            else "nothing to commit"
        )

    # --- recovery ---------------------------------------------------------------------------------

    def recover(self) -> None:
        """Finish or undo the step a killed vaultkit was in — only vaultkit's own step: what the user
        staged, committed or saved since is left alone."""
        journal = Journal(self.repo)
        record = journal.read()
        if record is not None:
            step = record.get("step")
            if step == checkout.STEP:
                self.notices.append(checkout.recover(self.repo, journal, record))
            elif step == "commit" and "old" in record:
                self._recover_commit(journal, record)
            else:  # a journal of an older vaultkit (its staging went to the user's index): leave that alone
                journal.clear()
                self.notices.append("an older vaultkit was interrupted here; check `git status` before you commit")
        sweep(self.repo)

    def _recover_commit(self, journal: Journal, record: dict[str, Any]) -> str | None:
        """The commit was made (the branch moved on from `old` by one commit): put the index that holds it
        in place and return the commit; it was not: forget the private index and return None. The user's
        index is replaced only while it still holds `old`, so nothing the user staged since is lost."""
        index = Path(record["index"])
        branch = record["branch"]
        current = self.repo.rev(f"refs/heads/{branch}")
        lock = self.repo.common_dir / "refs" / "heads" / f"{branch}.lock"
        if current == (record["old"] or None) and lock.exists() and index.exists():
            # a `git commit` killed while it moved the branch: the commit in its lock file is ours when it
            # holds exactly the private index, on top of `old`
            held = lock.read_text(encoding="ascii", errors="replace").strip()
            parent = self.repo.rev(f"{held}^") if re.fullmatch(r"[0-9a-f]{40,64}", held) else None
            if parent == (record["old"] or None) and self.repo.index_matches(held, index):
                self.repo.ref_lock(branch, held)
                self.repo.git("update-ref", "-m", "commit: vaultkit", f"refs/heads/{branch}", held, record["old"])
                current = held
        made = current is not None and current != record["old"]
        if made and current is not None and self.repo.rev(f"{current}^") == (record["old"] or None):
            if not (index.exists() and self.repo.index_matches(current, index)):
                discard(index)
                if record["old"] and self.repo.index_matches(record["old"]):
                    index = private_index(self.repo)
                    env = self.repo.with_index(index)
                    self.repo.git("read-tree", "-m", record["old"], current, env=env)
                    self.repo.git("update-index", "-q", "--refresh", env=env, check=False)
            if index.exists():
                self.repo.install_index(index)
                self.notices.append(f"finished a commit that was interrupted ({current[:12]})")
                self.commits.append(current)
        journal.clear()
        discard(index)
        return current if made and self.commits[-1:] == [current] else None

    # --- preconditions ----------------------------------------------------------------------------

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
        self.repo.wait_for_index_lock()
        if self.repo.out("ls-files", "--unmerged"):
            raise Problem("precondition-failed", "there are unmerged paths: resolve them and commit")
        head = self.repo.rev("HEAD")
        if head is not None and not self.repo.index_matches(head):
            raise Problem(
                "precondition-failed", "you have staged changes: commit or unstage them (git restore --staged)"
            )
        if self.repo.git("var", "GIT_AUTHOR_IDENT", check=False).returncode != 0:
            raise Problem("precondition-failed", "no author identity: set git config user.name and user.email")
        return branch

    # --- commit -----------------------------------------------------------------------------------

    def commit(self, branch: str) -> None:
        """Commit every change of the vault in one commit, through a private index; paths git refuses
        are named and left out."""
        changed = self._changes()
        if not changed:
            return
        index = private_index(self.repo)
        try:
            staged = self._stage(index, changed)
            fault("after-add")
            head = self.repo.rev("HEAD")
            if not staged or (head is not None and self.repo.index_matches(head, index)):
                discard(index)
                return
        except BaseException:
            discard(index)
            raise
        self._commit_index(branch, head, index, staged)

    def _commit_index(self, branch: str, head: str | None, index: Path, staged: list[tuple[str, str]]) -> None:
        count = len(staged)
        template = self.settings.commit_message
        if count == 1:
            template = template.replace("{count} files", "{count} file")
        subject = template.format(date=self.now.strftime("%Y-%m-%d %H:%M:%S"), count=count)
        body = "\n".join(f"{status} {path}" for status, path in staged)
        verify = [] if self.settings.verify else ["--no-verify"]
        journal = Journal(self.repo)
        record = {"step": "commit", "branch": branch, "old": head or "", "index": str(index)}
        journal.write(record)
        try:
            self.repo.git(
                "commit", "--quiet", *verify, "-m", subject, "-m", body, env=self.repo.with_index(index), trace=True
            )
        except GitFailed as failure:
            # a git killed (or timed out) after it made the commit: what happened is read from the branch
            if self._recover_commit(journal, record) is None:
                raise Problem("commit-failed", self._commit_refusal(failure)) from None
            return
        self.commits.append(self.repo.out("rev-parse", "HEAD"))
        fault("after-commit")
        self.repo.install_index(index)  # IndexLocked: the journal and the index wait for the next run
        journal.clear()

    def _commit_refusal(self, failure: GitFailed) -> str:
        if isinstance(failure, GitTimedOut):
            waiting = failure.waiting_for()
            culprit = _program(waiting) if waiting is not None else "git commit"
            return f"nothing committed: {culprit} did not finish in {failure.limit:g} s"
        hook = failure.failed_hook()
        if hook is not None:
            return f"nothing committed: {_program(hook)} refused the commit: {failure.reason}"
        return f"nothing committed: {failure.reason}"

    def _changes(self) -> list[tuple[str, str]]:
        """(status, path) of everything `git add -A` would take, without temp files, files over
        max_file_size, nested repositories (each skipped with a notice) and deletions that are an
        editor's save in flight (the file moved aside while its temp file is written)."""
        listed = self.repo.git(
            "--no-optional-locks",
            "--literal-pathspecs",
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
            if TEMP_FILE.fullmatch(name) or OWN_FILES.match(path):
                continue
            if path.endswith("/") or (full.is_dir() and (full / ".git").exists()):
                self.notices.append(f"skipped {path}: a nested git repository")
                continue
            deleted = "D" in status
            if deleted and _saving(full):
                continue
            try:
                size = full.stat().st_size if not deleted else 0
            except OSError:
                size = 0
            if size > self.settings.max_file_size:
                self.notices.append(f"skipped {path}: {size:,} bytes is over sync.max_file_size")
                continue
            changes.append(("D" if deleted else "A" if status == "??" else "M", path))
        return changes

    def _stage(self, index: Path, changed: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Stage `changed` into `index` (paths on stdin: no pathspec magic); a batch git refuses is split
        until the paths it refuses are found, each named once and left out. Returns what was staged."""
        staged: list[tuple[str, str]] = []
        pending = [changed]
        retried: set[str] = set()
        while pending:
            batch = pending.pop()
            try:
                self.repo.git(
                    "update-index",
                    "--add",
                    "--remove",
                    "-z",
                    "--stdin",
                    env=self.repo.with_index(index),
                    input_bytes=literal(path for _, path in batch),
                )
            except GitFailed as failure:
                Path(f"{index}.lock").unlink(missing_ok=True)  # a git killed on its time limit leaves it
                if len(batch) > 1:
                    middle = len(batch) // 2
                    pending += [batch[middle:], batch[:middle]]
                elif self._in_index(index, batch[0][1]):
                    staged.append(batch[0])  # git was killed after it had staged the path
                elif os.path.lexists(self.repo.root / batch[0][1]) and batch[0][1] not in retried:
                    retried.add(batch[0][1])  # an editor's safe write may have swapped it in under git: once more
                    pending.append(batch)
                elif os.path.lexists(self.repo.root / batch[0][1]):
                    self.refused.append(batch[0][1])
                    self.notices.append(f"not committed: {batch[0][1]}: git refused it ({failure.reason})")
                elif batch[0][0] != "D":
                    self._vanished(batch[0][1])
                continue
            for status, path in batch:
                if status != "D" and not os.path.lexists(self.repo.root / path):
                    self._vanished(path)
                else:
                    staged.append((status, path))
        staged.sort(key=lambda item: item[1])
        return staged

    def _in_index(self, index: Path, path: str) -> bool:
        """Whether `index` already holds `path` as it is on disk (or, for a deleted file, not at all)."""
        env = self.repo.with_index(index)
        listed = self.repo.out("--literal-pathspecs", "ls-files", "-z", "--", path, env=env, check=False)
        if not os.path.lexists(self.repo.root / path):
            return not listed
        same = self.repo.git("--literal-pathspecs", "diff-files", "--quiet", "--", path, env=env, check=False)
        return bool(listed) and same.returncode == 0

    def _vanished(self, path: str) -> None:
        self.notices.append(f"skipped {path}: it vanished before it could be committed")

    # --- exchange ---------------------------------------------------------------------------------

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
                kept = self.backup(ours)
                raise Problem(
                    "unrelated-history",
                    f"{remote}/{name} has a history unrelated to yours (rewritten?): nothing pushed, nothing"
                    f" forced; your commits are kept on {branch} and under {kept}",
                )
            if output_text(base) != theirs:  # they have commits we do not
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
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                remote,
                f"+refs/heads/{name}:{tracking}",
                timeout=self.network_timeout,
                trace=True,
            )
        except GitFailed as failure:
            raise self._network_problem(failure, remote, name) from None
        fault("after-fetch")

    def _network_problem(self, failure: GitFailed, remote: str, name: str) -> Problem:
        text = failure.output
        committed = self._committed("committed locally")
        if isinstance(failure, GitTimedOut):
            waiting = failure.waiting_for()
            if waiting is not None:
                asks = " (it asks for credentials; git runs without prompts here)" if waiting.kind == "program" else ""
                message = f"{committed}; {_program(waiting, self.repo)} did not finish in {failure.limit:g} s{asks}"
                return Problem("hook-timeout", message)
            return Problem("offline", f"{committed}; {remote} did not answer in {failure.limit:g} s")
        hook = failure.failed_hook()
        if hook is not None:
            return Problem("refused", f"{committed}; {_program(hook)} refused the push: {_hook_words(text)}")
        if "couldn't find remote ref" in text:
            return Problem("upstream-gone", f"{committed}; {remote}/{name} no longer exists", ok=True)
        if _AUTH.search(text):
            return Problem("auth-failed", f"{committed}; {remote} refused the credentials: fix them, then sync again")
        if "No space left" in text:
            return Problem("disk-full", f"{committed}; {git_reason(text)}")
        return Problem("offline", f"{committed}; {remote} is unreachable ({_first_line(text)})")

    def integrate(self, branch: str, ours: str, theirs: str, remote: str, name: str) -> None:
        self.backup(ours)
        if self.repo.is_ancestor(ours, theirs):
            self.switch(branch, ours, theirs)  # behind: fast-forward
            return
        stamp = self.now.strftime("%Y%m%d-%H%M%S")
        try:
            merged = merge(self.repo, ours, theirs, stamp, lambda path: os.path.lexists(self.repo.root / path))
        except MergeFailed as failure:
            raise Problem("merge-failed", f"git merge-tree failed: {failure}") from None
        if (merged.conflicted or merged.copies) and self.settings.on_conflict == "hold":
            self.hold(remote, merged.conflicted or merged.copies)
        message = f"vault sync: merge {remote}/{name}"
        if merged.copies:
            message += "\n\nBoth versions kept:\n" + "\n".join(merged.copies)
        sign = ["-S"] if (self.repo.setting("commit", "gpgSign") or "").lower() in ("true", "yes", "on", "1") else []
        try:
            commit = self.repo.out("commit-tree", *sign, merged.tree, "-p", ours, "-p", theirs, "-m", message)
        except GitFailed as failure:
            raise Problem("commit-failed", f"the merge was not committed: {failure.reason}") from None
        fault("after-merge-commit")
        self.switch(branch, ours, commit)
        self.conflicts.extend(merged.copies)
        self.commits.append(commit)

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
        """Move branch, index and working tree from `old` to `new`, all or nothing (checkout.py)."""
        try:
            checkout.switch(self.repo, Journal(self.repo), branch, old, new)
        except CheckoutFailed as failure:
            if failure.state == "disk-full":
                message = f"{failure.message}: free some space, then sync again; nothing changed"
                raise Problem("disk-full", message) from None
            raise Problem(failure.state, failure.message) from None

    def push(self, remote: str, name: str) -> bool:
        """True when pushed; False when the remote moved meanwhile (fetch, integrate and try again)."""
        try:
            self.repo.git(
                "push",
                "--porcelain",
                remote,
                f"HEAD:refs/heads/{name}",
                timeout=self.network_timeout,
                trace=True,
            )
        except GitFailed as failure:
            text = failure.output
            rejected = "[remote rejected]" in text or "[rejected]" in text
            if rejected and not isinstance(failure, GitTimedOut) and failure.failed_hook() is None:
                if _RACE.search(text):
                    return False
                reason = _first_line(text[text.find("rejected]") + 9 :])
                committed = self._committed("committed locally")
                raise Problem("refused", f"{committed}; {remote} refused the push: {reason}") from None
            raise self._network_problem(failure, remote, name) from None
        return True

    def verify(self, remote: str, name: str, tracking: str) -> None:
        head = self.repo.out("rev-parse", "HEAD")
        if self.repo.rev(tracking) != head:
            self.fetch(remote, name, tracking)
            if self.repo.rev(tracking) != head:
                raise Problem("rejected", f"{remote}/{name} does not hold the pushed commit; will retry")

    def backup(self, tip: str) -> str:
        """Keep `tip` under refs/vaultkit/backup/ (returned), and prune those over 30 days."""
        stamp = self.now.strftime("%Y%m%d-%H%M%S")
        ref = f"refs/vaultkit/backup/{stamp}-{tip[:12]}"
        self.repo.git("update-ref", ref, tip)
        listed = self.repo.out("for-each-ref", "--format=%(refname)", "refs/vaultkit/backup/")
        cutoff = self.now.timestamp() - BACKUP_DAYS * 86400
        for kept in listed.splitlines():
            try:
                taken = datetime.strptime(kept.rsplit("/", 1)[1][:15], "%Y%m%d-%H%M%S").timestamp()
            except ValueError:
                continue
            if taken < cutoff:
                self.repo.git("update-ref", "-d", kept, check=False)
        return ref


def disk_full_message(problem: OSError) -> str:
    where = f" while writing {problem.filename}" if problem.filename else ""
    return f"No space left on device{where}: free some space, then sync again; nothing was changed"


def _saving(path: Path) -> bool:
    """Whether a deleted file is an editor's save in flight: a temp file of its name is beside it
    (JetBrains moves the note aside to `name___jb_old___`, vim to `name~`)."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return False
    return any(name != path.name and path.name in name and TEMP_FILE.fullmatch(name) for name in names)


def _program(child: Child, repo: Repository | None = None) -> str:
    """A program git ran, named as the user knows it."""
    if child.kind == "hook":
        return f"your {child.name} hook ({child.program})"
    if repo is not None and child.program == repo.setting("core", "askPass"):
        return f"core.askPass program {child.program}"
    return f"{child.program} (run by git)"


def _hook_words(text: str) -> str:
    """What a refusing hook said (git's own 'failed to push' line left out)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and "failed to push some refs" not in line]
    lines = [line for line in lines if not line.startswith("hint:")]
    return shorten("; ".join(lines) if lines else "no reason given", 300)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return shorten(lines[0] if lines else "no details", 200)
