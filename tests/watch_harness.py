"""Drive `vaultkit watch --format jsonl` as a user's editor plugin would: a subprocess whose events are
read on a thread, every read with a time limit; and the git helpers the watch tests share.

Only the command line is used (never vaultkit's modules), so these tests hold whatever the package's
inner layout is.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from forked import Vaultkit

Event = dict[str, Any]
FindingKey = tuple[str, int, int, str, str]  # path, line, column, code, message
TIMEOUT = 20.0  # an event that takes longer than this is not coming


def finding_key(record: Event) -> FindingKey:
    return (record["path"], record["line"], record["column"], record["code"], record["message"])


class Watch:
    """A running `vaultkit watch --format jsonl`; its events (with their arrival times) read by a thread.

    It is started in a session of its own, as a terminal's foreground job is a process group of its
    own: `interrupt()` then sends SIGINT to that whole group, as Ctrl-C does."""

    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "vaultkit", "watch", "--vault", str(root), "--format", "jsonl"]
        self.process = subprocess.Popen(
            [*command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**(os.environ if env is None else env), "PYTHONFAULTHANDLER": "1"},
            start_new_session=True,
        )
        self.events: queue.Queue[tuple[float, Event]] = queue.Queue()
        self.seen: list[Event] = []  # every event taken so far, in order
        self.stderr_lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.events.put((time.monotonic(), json.loads(line)))

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)

    def _get(self, timeout: float) -> tuple[float, Event] | None:
        try:
            arrived, event = self.events.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        self.seen.append(event)
        return arrived, event

    def until(self, kind: str, timeout: float = TIMEOUT, **fields: Any) -> list[Event]:
        """Every event up to and including the next one of `kind` (whose `fields` match, if given)."""
        taken: list[Event] = []
        deadline = time.monotonic() + timeout
        while True:
            got = self._get(deadline - time.monotonic())
            if got is None:
                raise AssertionError(f"no {kind!r} event {fields or ''} within {timeout} s; saw {taken}; {self.stderr}")
            event = got[1]
            taken.append(event)
            if event["event"] == kind and all(event.get(key) == value for key, value in fields.items()):
                return taken

    def quiet(self, seconds: float = 1.0, timeout: float = TIMEOUT) -> list[Event]:
        """Every event until none comes for `seconds`."""
        taken: list[Event] = []
        deadline = time.monotonic() + timeout
        while (got := self._get(seconds)) is not None:
            taken.append(got[1])
            assert time.monotonic() < deadline, f"never quiet for {seconds} s within {timeout} s: {taken}"
        return taken

    def settle(self, since: float, quiet: float, timeout: float = TIMEOUT) -> list[Event]:
        """Every event until a `checked` event that arrived after `since` (the moment of the last edit)
        has been followed by `quiet` seconds without any event: what the edits caused has all been told."""
        taken: list[Event] = []
        deadline = time.monotonic() + timeout
        checked = False
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"events never settled within {timeout} s; saw {taken}; {self.stderr}"
            got = self._get(min(quiet, remaining) if checked else remaining)
            if got is None:
                if checked:
                    return taken
                continue
            arrived, event = got
            taken.append(event)
            checked = checked or (event["event"] == "checked" and arrived > since)

    def interrupt(self) -> None:
        """Ctrl-C in the terminal: SIGINT to the foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30.0) -> int:
        """Its exit code; a watch still running after `timeout` s is aborted, and the assertion shows
        where each of its threads was (faulthandler, enabled for every watch started here)."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)
            self.process.wait(timeout=10)
            time.sleep(0.2)
            raise AssertionError(f"watch did not end within {timeout} s; its threads:\n{self.stderr[-6000:]}") from None
        time.sleep(0.05)  # let the reader threads take the last lines
        return code

    def rest(self) -> list[Event]:
        """Every event not taken yet (after the process ended)."""
        taken: list[Event] = []
        while (got := self._get(0.2)) is not None:
            taken.append(got[1])
        return taken

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Reported:
    """The findings a watch has told (added minus removed), and any told twice or removed unseen."""

    def __init__(self) -> None:
        self.current: Counter[FindingKey] = Counter()
        self.anomalies: list[str] = []

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            if event["event"] == "added":
                key = finding_key(event)
                if self.current[key]:
                    self.anomalies.append(f"added twice: {key}")
                self.current[key] += 1
            elif event["event"] == "removed":
                key = finding_key(event)
                if not self.current[key]:
                    self.anomalies.append(f"removed but never added: {key}")
                    continue
                self.current[key] -= 1
                if not self.current[key]:
                    del self.current[key]


def check_findings(root: Path, cached: bool = False) -> Counter[FindingKey]:
    """What `vaultkit check --no-cache --format json` reports for the vault, as a fresh run sees it
    (`cached`: what a check reading the cache reports)."""
    process = Vaultkit(["check", "--vault", str(root), *([] if cached else ["--no-cache"]), "--format", "json"], root)
    out, err = process.communicate(timeout=120)
    assert process.returncode in (0, 1), err.decode("utf-8", "replace")
    return Counter(finding_key(record) for record in json.loads(out))


def difference(reported: Counter[FindingKey], expected: Counter[FindingKey]) -> str:
    missing = sorted((expected - reported).elements())
    extra = sorted((reported - expected).elements())
    lines = [f"{len(missing)} missing from watch (check reports them):", *(f"  - {key}" for key in missing[:40])]
    lines += [f"{len(extra)} extra in watch (check does not report them):", *(f"  + {key}" for key in extra[:40])]
    return "\n".join(lines)


# --- git ------------------------------------------------------------------------------------------


def git(cwd: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["git", "-c", "core.quotePath=false", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def identify(repo: Path, name: str) -> None:
    git(repo, "config", "user.name", name)
    git(repo, "config", "user.email", f"{name}@example.com")


def make_remote(tmp_path: Path, files: dict[str, str], clones: Iterable[str]) -> tuple[Path, list[Path]]:
    """A bare remote (refusing non-fast-forwards, as hosting services do) holding `files` on `main`,
    and a clone of it for each name."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(remote, "config", "receive.denyNonFastForwards", "true")
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    identify(seed, "seed")
    for relative, text in files.items():
        path = seed / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "start")
    git(seed, "push", "-q", str(remote), "main")
    paths = []
    for name in clones:
        path = tmp_path / name
        git(tmp_path, "clone", "-q", str(remote), str(path))
        identify(path, name)
        paths.append(path)
    return remote, paths


def is_pushed(clone: Path, remote: Path, branch: str = "main") -> bool:
    """Whether the clone's HEAD is on the remote's branch (everything committed there was pushed)."""
    head = git(clone, "rev-parse", "HEAD")
    tip = git(remote, "rev-parse", branch)
    done = subprocess.run(["git", "merge-base", "--is-ancestor", head, tip], cwd=remote, capture_output=True)
    return done.returncode == 0
