"""What a user's shell does: run vaultkit or git in a child process, on a pipe or on a pseudo-terminal.

Tests that must see what a person sees at a terminal (colour, progress) give the child a real pty;
every read has a deadline, so a child that hangs fails the test instead of hanging the suite."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
import tty
from collections.abc import Mapping, Sequence
from pathlib import Path

VAULTKIT = (sys.executable, "-m", "vaultkit")
TIMEOUT = 120.0

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


class Done:
    """What a finished command left: its exit code and what it wrote, decoded as UTF-8."""

    def __init__(self, code: int, out: bytes, err: bytes) -> None:
        self.code = code
        self.out_bytes, self.err_bytes = out, err
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"Done(code={self.code}, out={self.out!r}, err={self.err!r})"


def clean_env(extra: Mapping[str, str] | None = None, drop: Sequence[str] = ()) -> dict[str, str]:
    """The test's environment without the variables that change colour or pre-commit detection."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NO_COLOR", "FORCE_COLOR", "PRE_COMMIT", "VAULTKIT_PROGRESS_DELAY", *drop)
    }
    env.update(extra or {})
    return env


def run(
    args: Sequence[str | Path],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> Done:
    """Run a command on pipes (no terminal anywhere), stdin closed."""
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def vaultkit(*args: str | Path, cwd: Path, env: Mapping[str, str] | None = None) -> Done:
    return run([*VAULTKIT, *args], cwd=cwd, env=env)


def run_on_terminal(
    args: Sequence[str | Path],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdout_tty: bool = True,
    stderr_tty: bool = True,
    timeout: float = TIMEOUT,
) -> Done:
    """Run a command whose stdout and/or stderr is a pseudo-terminal (raw: no CRLF translation)."""
    masters: dict[str, int] = {}
    slaves: dict[str, int] = {}
    for name, wanted in (("out", stdout_tty), ("err", stderr_tty)):
        if wanted:
            master, slave = pty.openpty()
            tty.setraw(slave)
            masters[name], slaves[name] = master, slave
    child = subprocess.Popen(
        [str(arg) for arg in args],
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=slaves.get("out", subprocess.PIPE),
        stderr=slaves.get("err", subprocess.PIPE),
    )
    for slave in slaves.values():
        os.close(slave)
    streams: dict[int, str] = {fd: name for name, fd in masters.items()}
    if child.stdout is not None:
        streams[child.stdout.fileno()] = "out"
    if child.stderr is not None:
        streams[child.stderr.fileno()] = "err"
    collected: dict[str, bytearray] = {"out": bytearray(), "err": bytearray()}
    deadline = time.monotonic() + timeout
    try:
        while streams:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{args}: no end of output within {timeout} s")
            ready, _, _ = select.select(list(streams), [], [], left)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # a pty whose other side closed reads as EIO on Linux
                    chunk = b""
                if chunk:
                    collected[streams[fd]].extend(chunk)
                else:
                    del streams[fd]
        code = child.wait(timeout=max(deadline - time.monotonic(), 1.0))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for master in masters.values():
            os.close(master)
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    return Done(code, bytes(collected["out"]), bytes(collected["err"]))


def git(cwd: Path, *args: str) -> str:
    """Run git as a test's user would; a failing git command fails the test with what git said."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=clean_env(GIT_ENV),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr.decode()}"
    return done.stdout.decode("utf-8")


def init_repository(root: Path) -> Path:
    """A git repository holding everything under `root`, committed once."""
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", "start")
    return root


def fenced_block(text: str, first_line: str, language: str = "yaml") -> str:
    """The first fenced code block of a document whose first line starts with `first_line` (no fences)."""
    fence = f"```{language}\n"
    start = 0
    while True:
        start = text.find(fence, start)
        assert start >= 0, f"no ```{language} block starting with {first_line!r}"
        body_start = start + len(fence)
        body_end = text.index("\n```", body_start)
        body = text[body_start : body_end + 1]
        if body.startswith(first_line):
            return body
        start = body_end
