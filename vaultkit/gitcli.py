"""The one way vaultkit runs git: no terminal prompts, a time limit, its own process group.

A git that waits for a password, a hook that hangs or a dead network must never hang vaultkit: every
command runs with a time limit in a process group of its own, killed with its children (ssh, hooks)
when the limit runs out. Both the check path (ignored files, a commit's files) and sync use it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from vaultkit.model import shorten

LOCAL_TIMEOUT = 30.0
NETWORK_TIMEOUT = 60.0


class GitFailed(Exception):
    def __init__(self, args: Sequence[str], code: int, output: str) -> None:
        super().__init__(f"git {' '.join(args)}: {shorten(output.strip(), 300)}")
        self.code = code
        self.output = output


class GitTimedOut(GitFailed):
    pass


def git_env() -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANGUAGE": "C"}
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=20")
    env.pop("GIT_ASKPASS", None)
    env.pop("SSH_ASKPASS", None)
    return env


def run_git(
    cwd: Path,
    *args: str,
    timeout: float = LOCAL_TIMEOUT,
    env: dict[str, str] | None = None,
    check: bool = True,
    input_bytes: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """git in its own process group, killed with its children when `timeout` runs out."""
    process = subprocess.Popen(
        ["git", *args],
        cwd=cwd,
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env or git_env(),
        start_new_session=True,
    )
    try:
        out, err = process.communicate(input_bytes, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise GitTimedOut(args, -1, f"timed out after {timeout:g} s") from None
    done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    if check and process.returncode != 0:
        raise GitFailed(args, process.returncode, err.decode("utf-8", "replace") or out.decode("utf-8", "replace"))
    return done


def output_text(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stdout.decode("utf-8", "surrogateescape").strip()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
