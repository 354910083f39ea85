"""Real git for sync tests: a bare remote that refuses non-fast-forwards, two clones, and a ledger of every
version a test saved — the oracle of SPEC §9's "nothing a user saved is lost".

Sync is driven only through its command line (`vaultkit sync --vault DIR --format json`, each run a process of its
own forked by forked.py), so these helpers never import vaultkit. The ledger follows what a user sees: a version
is *live* from the moment it is saved until the user of the clone that holds it on disk overwrites or deletes that
file (renames and folder moves keep it live). After a sequence has settled, every live version must be a file in
both clones' working trees (as itself or as a conflict copy), and every version that was on disk when a sync
reported success must be reachable from a ref.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forked import Vaultkit

CONFLICT_COPY = re.compile(r"\.conflict-\d{8}-\d{6}(?:-\d+)?(?=\.[^./]*$|$)")
FILLER = "".join(f"line {n} of a note that stays the same, so git can see a rename\n" for n in range(2, 14))
TIMEOUT_VARIABLE = "VAULTKIT_GIT_TIMEOUT"  # seconds: sync's time limit for git, shortened for tests
FAULT_VARIABLE = "VAULTKIT_SYNC_FAULT"
LEFTOVER_STATE = ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply", "BISECT_LOG")
REAL_GIT = shutil.which("git") or "git"


def git(cwd: Path, *args: str, check: bool = True, env: Mapping[str, str] | None = None, data: bytes = b"") -> str:
    """Run git for the test itself (never through a shim) and return its stdout."""
    done = subprocess.run(
        [REAL_GIT, "-c", "core.quotePath=false", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        env=dict(env) if env is not None else None,
        timeout=60,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} in {cwd}: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode("utf-8", "surrogateescape").strip()


def blob_id(data: bytes) -> str:
    """The object id git gives a file of these bytes (without filters)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def isolated_environment(home: Path) -> dict[str, str]:
    """The environment every git and vaultkit of a test runs in: no global or system configuration leaks in."""
    config = home / "gitconfig"
    if not config.exists():
        config.write_text("", encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") and key not in ("SSH_ASKPASS", "SSH_AUTH_SOCK")
    }
    env.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1", LC_ALL="C.UTF-8")
    return env


@dataclass
class Result:
    """What `vaultkit sync --format json` printed and how it exited."""

    code: int
    stdout: str
    stderr: str
    report: dict[str, Any]

    @property
    def state(self) -> str:
        return str(self.report.get("state", ""))

    @property
    def ok(self) -> bool:
        return bool(self.report.get("ok"))

    @property
    def message(self) -> str:
        return str(self.report.get("message", ""))

    @property
    def notices(self) -> list[str]:
        return [str(notice) for notice in self.report.get("notices", [])]

    @property
    def conflicts(self) -> list[str]:
        return [str(copy) for copy in self.report.get("conflicts", [])]

    @property
    def killed(self) -> bool:
        return self.code == -signal.SIGKILL

    def __str__(self) -> str:
        return f"exit {self.code}: {self.stdout.strip()} {self.stderr.strip()[-800:]}"


@dataclass
class Ledger:
    """Every version (the exact bytes) a test saved, which of them are still live, which were committed."""

    labels: dict[bytes, str] = field(default_factory=dict)
    live: set[bytes] = field(default_factory=set)
    committed: set[bytes] = field(default_factory=set)
    counter: int = 0

    def save(self, data: bytes, label: str) -> None:
        self.labels.setdefault(data, label)
        self.live.add(data)

    def supersede(self, data: bytes | None) -> None:
        """The user saw `data` in a file and replaced or deleted it: it need not be a file any more."""
        if data is not None:
            self.live.discard(data)

    def label(self, data: bytes) -> str:
        return self.labels.get(data, repr(data[:50]))


class Clone:
    """One working copy, changed as a user changes files, and synced through vaultkit's command line."""

    def __init__(self, world: World, name: str, path: Path) -> None:
        self.world = world
        self.name = name
        self.path = path

    # what a user does

    def version(self, label: str = "") -> bytes:
        """New, unique content: one line that differs, so two versions of a file always conflict, then
        lines shared by every note, so git sees a rename that kept or changed the first line."""
        self.world.ledger.counter += 1
        return f"{self.name} version {self.world.ledger.counter} {label}\n{FILLER}".encode()

    def write(self, relative: str, data: str | bytes | None = None, *, record: bool = True) -> bytes:
        """Save a file (new content when `data` is None); the version it replaces is superseded."""
        content = self.version(relative) if data is None else data.encode() if isinstance(data, str) else data
        target = self.path / relative
        self.world.ledger.supersede(self.read_or_none(relative))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if record:
            self.world.ledger.save(content, f"{self.name}:{relative}")
        return content

    def delete(self, relative: str) -> None:
        self.world.ledger.supersede(self.read_or_none(relative))
        (self.path / relative).unlink()
        self._prune(Path(relative).parent)

    def rename(self, old: str, new: str) -> None:
        """A rename (of a file or a folder) keeps every version it moves; a file it replaces is superseded."""
        target = self.path / new
        if target.is_file():
            self.world.ledger.supersede(target.read_bytes())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.path / old, target)
        self._prune(Path(old).parent)

    def _prune(self, folder: Path) -> None:
        """Git does not keep empty folders: neither do the clones' users."""
        while str(folder) not in ("", "."):
            with contextlib.suppress(OSError):
                (self.path / folder).rmdir()
            folder = folder.parent

    # what a test looks at

    def read(self, relative: str) -> bytes:
        return (self.path / relative).read_bytes()

    def read_or_none(self, relative: str) -> bytes | None:
        target = self.path / relative
        return target.read_bytes() if target.is_file() and not target.is_symlink() else None

    def files(self) -> dict[str, bytes]:
        """Every file of the working tree (outside .git), by path relative to the clone."""
        found: dict[str, bytes] = {}
        for folder, dirs, names in os.walk(self.path):
            dirs[:] = [d for d in dirs if not (folder == str(self.path) and d == ".git")]
            for name in names:
                full = Path(folder, name)
                found[full.relative_to(self.path).as_posix()] = full.read_bytes() if full.is_file() else b""
        return found

    def snapshot(self) -> dict[str, tuple[str, bytes, int]]:
        """Everything a byte-for-byte rollback must restore: each entry's kind, bytes and mode bits."""
        found: dict[str, tuple[str, bytes, int]] = {}
        for folder, dirs, names in os.walk(self.path):
            dirs[:] = [d for d in dirs if not (folder == str(self.path) and d == ".git")]
            for name in dirs + names:
                full = Path(folder, name)
                info = full.lstat()
                relative = full.relative_to(self.path).as_posix()
                if stat.S_ISLNK(info.st_mode):
                    found[relative] = ("link", os.readlink(full).encode(), 0)
                elif stat.S_ISDIR(info.st_mode):
                    found[relative] = ("dir", b"", 0)
                else:
                    found[relative] = ("file", full.read_bytes(), stat.S_IMODE(info.st_mode))
        return found

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD")

    def log(self, *args: str) -> list[str]:
        return git(self.path, "log", "--format=%s", *args).splitlines()

    def tracked(self, rev: str = "HEAD") -> list[str]:
        listed = git(self.path, "ls-tree", "-r", "-z", "--name-only", rev)
        return sorted(name for name in listed.split("\0") if name)

    def git(self, *args: str, check: bool = True) -> str:
        return git(self.path, *args, check=check, env=self.world.env)

    # syncing

    def sync(
        self,
        *,
        fault: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
        vault: Path | None = None,
    ) -> Result:
        """`vaultkit sync --format json`; a version on disk when a sync reports success must stay reachable."""
        process = self.start_sync(fault=fault, env=env, vault=vault)
        return self.finish_sync(process, timeout)

    def start_sync(
        self, *, fault: str | None = None, env: Mapping[str, str] | None = None, vault: Path | None = None
    ) -> Vaultkit:
        run_env = {**self.world.env, **(env or {})}
        if fault is not None:
            run_env[FAULT_VARIABLE] = fault
        self._on_disk = set(self.files().values())
        return Vaultkit(["sync", "--vault", str(vault or self.path), "--format", "json"], self.path, run_env)

    def finish_sync(self, process: Vaultkit, timeout: float = 120) -> Result:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            raise AssertionError(f"vaultkit sync in {self.name} did not end in {timeout} s: {err[-2000:]!r}") from None
        stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        report: dict[str, Any] = {}
        with contextlib.suppress(ValueError):
            parsed = json.loads(stdout)
            if isinstance(parsed, dict):
                report = parsed
        result = Result(process.returncode, stdout, stderr, report)
        wait_for_git_children(self.path)
        if result.ok:
            self.world.ledger.committed.update(self._on_disk & set(self.world.ledger.labels))
        self.world.results.append((self.name, result))
        return result

    def check(self, *args: str) -> list[dict[str, Any]]:
        """`vaultkit check --format json --no-cache` over this clone."""
        process = Vaultkit(
            ["check", "--vault", str(self.path), "--format", "json", "--no-cache", *args], self.path, self.world.env
        )
        out, err = process.communicate(timeout=120)
        assert process.returncode in (0, 1), err.decode("utf-8", "replace")
        findings: list[dict[str, Any]] = json.loads(out)
        return findings


def wait_for_git_children(path: Path, limit: float = 20.0) -> None:
    """A SIGKILLed vaultkit leaves its git children running (each has a process group of its own); wait for
    them, as a user's next sync would find them finished, so that every test sees a settled repository."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy = False
        for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if os.readlink(entry / "cwd") == str(path) and (entry / "comm").read_text().startswith("git"):
                    busy = True
                    break
        if not busy:
            return
        time.sleep(0.02)


class World:
    """A bare remote with receive.denyNonFastForwards, cloned twice (A and B) from one seed commit."""

    def __init__(self, tmp_path: Path, seed: Mapping[str, str] | None = None) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp_path
        self.env = isolated_environment(tmp_path)
        self.ledger = Ledger()
        self.results: list[tuple[str, Result]] = []
        self.remote = tmp_path / "remote.git"
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(self.remote), env=self.env)
        git(self.remote, "config", "receive.denyNonFastForwards", "true", env=self.env)
        start = tmp_path / "start"
        git(tmp_path, "init", "-q", "-b", "main", str(start), env=self.env)
        identify(start, "seed", self.env)
        files = {".gitignore": "ignored/\n", "Note.md": "seed\n" + FILLER} if seed is None else seed
        for relative, text in files.items():
            (start / relative).parent.mkdir(parents=True, exist_ok=True)
            (start / relative).write_text(text, encoding="utf-8")
            self.ledger.save(text.encode(), f"seed:{relative}")
            self.ledger.committed.add(text.encode())
        git(start, "add", "-A", env=self.env)
        git(start, "commit", "-q", "-m", "start", env=self.env)
        git(start, "push", "-q", str(self.remote), "main", env=self.env)
        shutil.rmtree(start)
        self.clones: list[Clone] = []
        self.a = self.clone("a")
        self.b = self.clone("b")

    def clone(self, name: str, where: Path | None = None) -> Clone:
        """Another clone of the remote (the invariant then covers it too)."""
        path = where or self.tmp / name
        git(self.tmp, "clone", "-q", str(self.remote), str(path), env=self.env)
        identify(path, name, self.env)
        clone = Clone(self, name, path)
        self.clones.append(clone)
        return clone

    def settle(self, rounds: int = 4) -> None:
        """Sync every clone, taking turns, until all report success and hold the remote's tip."""
        last: list[Result] = []
        for _ in range(rounds):
            last = [clone.sync() for clone in self.clones]
            tip = git(self.remote, "rev-parse", "main")
            settled = all(result.ok for result in last) and {clone.head() for clone in self.clones} == {tip}
            if settled and self.clones[0].sync().ok and self.clones[0].head() == tip:
                return
        raise AssertionError("the clones did not settle: " + " | ".join(str(result) for result in last))

    def repositories(self) -> list[Path]:
        return [self.remote, *(clone.path for clone in self.clones)]

    def objects(self) -> dict[str, tuple[str, str]]:
        """Every object reachable from a ref of any repository: its type and a path it was seen at."""
        found: dict[str, tuple[str, str]] = {}
        for repo in self.repositories():
            listed = git(repo, "rev-list", "--all", "--objects", env=self.env)
            names = dict(line.partition(" ")[::2] for line in listed.splitlines() if line)
            checked = git(
                repo,
                "cat-file",
                "--batch-check=%(objectname) %(objecttype)",
                env=self.env,
                data="".join(f"{oid}\n" for oid in names).encode(),
            )
            for line in checked.splitlines():
                oid, _, kind = line.partition(" ")
                found.setdefault(oid, (kind, f"{names.get(oid, '')} in {repo.name}"))
        return found

    def assert_nothing_lost(self, *, only_saved_committed: bool = True, ignored: tuple[str, ...] = ()) -> None:
        """The invariant of issue 14, checked after a sequence has settled (see the module docstring)."""
        ledger = self.ledger
        for clone in self.clones:
            status = git(clone.path, "status", "--porcelain", "--untracked-files=all", env=self.env)
            assert status == "", f"{clone.name} is not clean after settling:\n{status}"
            on_disk = clone.files()
            extra = set(on_disk) - set(clone.tracked()) - set(ignored)
            assert not extra, f"files in {clone.name} that HEAD does not hold: {sorted(extra)}"
            contents = set(on_disk.values())
            missing = [ledger.label(data) for data in ledger.live if data not in contents]
            assert not missing, f"saved versions that are no file in {clone.name}: {missing}\n{self.history()}"
            assert_no_leftovers(clone.path)
        reachable = self.objects()
        for data in ledger.committed | ledger.live:
            assert blob_id(data) in reachable, f"a saved version is not reachable: {ledger.label(data)}"
        if only_saved_committed:
            known = {blob_id(data) for data in ledger.labels}
            for oid, (kind, where) in reachable.items():
                if kind == "blob":
                    assert oid in known, f"committed content no one saved ({where}): {git_show(self.a.path, oid)}"
        for repo in self.repositories():
            done = subprocess.run(
                [REAL_GIT, "fsck", "--no-progress", "--no-dangling"], cwd=repo, capture_output=True, env=self.env
            )
            assert done.returncode == 0 and not done.stdout.strip(), f"git fsck in {repo}: {done.stdout!r}"

    def history(self) -> str:
        return "\n".join(f"{name}: {result}" for name, result in self.results[-12:])


def git_show(repo: Path, oid: str) -> str:
    done = subprocess.run([REAL_GIT, "cat-file", "-p", oid], cwd=repo, capture_output=True, timeout=30)
    return repr(done.stdout[:120])


def identify(repo: Path, name: str, env: Mapping[str, str]) -> None:
    git(repo, "config", "user.name", name, env=env)
    git(repo, "config", "user.email", f"{name}@example.com", env=env)


def assert_no_leftovers(path: Path) -> None:
    """No merge state, no lock file of git's, no journal, and vaultkit's own lock free."""
    git_dir = path / ".git"
    for name in LEFTOVER_STATE:
        assert not (git_dir / name).exists(), f"{name} left in {path}"
    locks = [p.relative_to(git_dir).as_posix() for p in git_dir.rglob("*.lock")]
    assert not locks, f"lock files left in {git_dir}: {locks}"
    assert not (git_dir / "vaultkit" / "journal.json").exists(), f"a journal left in {git_dir}"
    lock = git_dir / "vaultkit" / "lock"
    if lock.exists():
        fd = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises when a vaultkit still holds it
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


@contextlib.contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` (needs root and mount(8)); the test is skipped where it cannot be."""
    import pytest

    where.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        for _ in range(50):
            if subprocess.run(["umount", str(where)], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)


def fill_disk(folder: Path, leave: int) -> Path:
    """Fill the file system of `folder` until at most `leave` bytes are free; return the filler file."""
    filler = folder / "filler.bin"
    with open(filler, "wb") as out:
        chunk = os.urandom(64 * 1024)
        while True:
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            if free <= leave:
                break
            try:
                out.write(chunk[: max(1, min(len(chunk), free - leave))])
                out.flush()
            except OSError:
                break
    return filler


class GitShim:
    """A `git` earlier on PATH for one vaultkit run: counts invocations and can SIGKILL one (the Nth, or the
    first of a subcommand) — before it starts, while it runs, or after it has done its work but before
    vaultkit hears — or remove files after a `git status` (a file that vanishes between status and add, as
    an editor's temp file does)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.counter = folder / "count"
        script = folder / "git"
        script.write_text(
            f"""#!/bin/sh
n=$(( $(cat '{self.counter}' 2>/dev/null || echo 0) + 1 ))
echo $n > '{self.counter}'
echo "$n $*" >> '{self.counter}.log'
if [ -n "$VK_VANISH" ]; then
  for arg in "$@"; do
    if [ "$arg" = status ]; then
      '{REAL_GIT}' "$@"; rc=$?
      (IFS=:; for f in $VK_VANISH; do rm -f -- "$f"; done)
      exit $rc
    fi
  done
fi
if [ -n "$VK_KILL_MATCH" ] && [ "$1" = "$VK_KILL_MATCH" ] && [ ! -e '{self.counter}.matched' ]; then
  touch '{self.counter}.matched'
  VK_KILL_AT=$n
fi
if [ "$n" = "$VK_KILL_AT" ]; then
  case "$VK_KILL_WHEN" in
    after) '{REAL_GIT}' "$@"; kill -9 $$ ;;
    during)
      exec 3<&0
      '{REAL_GIT}' "$@" <&3 3<&- &
      child=$!
      sleep "$VK_KILL_DELAY"
      kill -9 $child 2>/dev/null
      wait $child
      kill -9 $$ ;;
    *) kill -9 $$ ;;
  esac
fi
exec '{REAL_GIT}' "$@"
""",
            encoding="utf-8",
        )
        script.chmod(0o755)

    def env(self, **variables: str) -> dict[str, str]:
        """The environment for one run: VK_KILL_AT (the Nth git call) or VK_KILL_MATCH (the first call of
        this subcommand), VK_KILL_WHEN (before, during, after), VK_KILL_DELAY, VK_VANISH (paths, `:`)."""
        for leftover in (self.counter, Path(f"{self.counter}.matched"), Path(f"{self.counter}.log")):
            leftover.unlink(missing_ok=True)
        return {"PATH": f"{self.folder}{os.pathsep}{os.environ.get('PATH', '')}", **variables}

    def calls(self) -> int:
        return int(self.counter.read_text()) if self.counter.exists() else 0

    def log(self) -> str:
        """The git commands of the last run, numbered (for a failure's message)."""
        log = Path(f"{self.counter}.log")
        return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


def hook_script(body: str, env: Mapping[str, str]) -> str:
    """A hook that may run git or vaultkit in another repository: git's own GIT_* variables are dropped, the
    test's isolated configuration kept."""
    keep = " ".join(f"{key}='{env[key]}'" for key in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM") if key in env)
    return (
        "#!/bin/sh\n"
        "for v in $(env | sed -n 's/^\\(GIT_[A-Za-z0-9_]*\\)=.*/\\1/p'); do unset $v; done\n"
        f"export {keep}\n"
        f"{body}\n"
    )


def install_hook(path: Path, body: str, env: Mapping[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(hook_script(body, env), encoding="utf-8")
    path.chmod(0o755)
