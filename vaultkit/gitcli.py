"""The one way vaultkit runs git: no terminal prompts, a time limit, its own process group, the user's ssh.

A git that waits for a password, a hook that hangs or a dead network must never hang vaultkit: every
command runs with a time limit in a process group of its own, killed with its children (ssh, hooks)
when the limit runs out. Both the check path (ignored files, a commit's files) and sync use it.

Commands that may run hooks or reach a remote can be traced (git's trace2 events), so that a failure or
a timeout names what git was waiting for — a local hook, an askpass helper or the network — and git's own
reason is kept in every message.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from vaultkit.model import shorten

LOCAL_TIMEOUT = 30.0
NETWORK_TIMEOUT = 60.0
TIMEOUT_VARIABLE = "VAULTKIT_GIT_TIMEOUT"  # seconds: overrides every time limit (slow disks, tests)
BATCH_MODE = "-o BatchMode=yes"
DEFAULT_SSH = f"ssh {BATCH_MODE} -o ConnectTimeout=20"


class Child(NamedTuple):
    """A program git started (trace2 `child_start`): a hook, a transport, an askpass helper."""

    kind: str  # "hook", "transport" or "program"
    name: str  # the hook's name ("pre-push") or the program (argv[0])
    program: str  # argv[0] as git ran it
    code: int | None  # its exit code; None: still running when git ended or was killed


class GitFailed(Exception):
    def __init__(self, args: Sequence[str], code: int, output: str, children: Sequence[Child] = ()) -> None:
        super().__init__(f"git {' '.join(args)}: {shorten(output.strip(), 300)}")
        self.command = args[0] if args else "git"
        self.code = code
        self.output = output
        self.children = tuple(children)

    @property
    def reason(self) -> str:
        return git_reason(self.output)

    def failed_hook(self) -> Child | None:
        """The hook whose refusal made git fail, if one did."""
        return next((child for child in self.children if child.kind == "hook" and child.code not in (0, None)), None)


class GitTimedOut(GitFailed):
    def __init__(self, args: Sequence[str], limit: float, children: Sequence[Child] = ()) -> None:
        super().__init__(args, -1, f"timed out after {limit:g} s", children)
        self.limit = limit

    def waiting_for(self) -> Child | None:
        """What git was waiting for when its time ran out: the innermost local program still running
        (a hook, an askpass or credential helper), or None when only the transport was (the network)."""
        running = [child for child in self.children if child.code is None and child.kind != "transport"]
        return running[-1] if running else None


def time_limit(default: float) -> float:
    """`default`, unless VAULTKIT_GIT_TIMEOUT gives every git command another limit."""
    try:
        return max(0.1, float(os.environ[TIMEOUT_VARIABLE]))
    except (KeyError, ValueError):
        return default


def git_env(ssh_command: str | None = None) -> dict[str, str]:
    """The environment of every git command: no prompts on a terminal, messages in English (they are
    read), no GUI askpass for ssh, and the user's ssh command with batch mode added."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANGUAGE": "C", "GIT_EDITOR": "true"}
    env.pop("GIT_ASKPASS", None)
    env.pop("SSH_ASKPASS", None)
    command = batch_ssh_command(env.get("GIT_SSH_COMMAND") or ssh_command, env.get("GIT_SSH"))
    if command is not None:
        env["GIT_SSH_COMMAND"] = command
    return env


def batch_ssh_command(configured: str | None, program: str | None = None) -> str | None:
    """The ssh command git should run: the user's (GIT_SSH_COMMAND, else core.sshCommand) with batch mode
    added when it is ssh itself; a wrapper is left as it is (it may not take ssh's options). None: leave
    git's choice alone (GIT_SSH names a program)."""
    if configured is None:
        return None if program else DEFAULT_SSH
    try:
        words = shlex.split(configured)
    except ValueError:
        return configured
    if words and os.path.basename(words[0]) in ("ssh", "ssh.exe") and "BatchMode" not in configured:
        return f"{configured} {BATCH_MODE}"
    return configured


def run_git(
    cwd: Path,
    *args: str,
    timeout: float = LOCAL_TIMEOUT,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    input_bytes: bytes | None = None,
    trace: bool = False,
) -> subprocess.CompletedProcess[bytes]:
    """git in its own process group, killed with its children when its time limit runs out.

    GitFailed when git fails (with `check`) or is killed by a signal (always: a killed git's exit status
    answers nothing). `trace`: record the programs git starts (hooks, transports, helpers), for the
    failure's message."""
    limit = time_limit(timeout)
    run_env = dict(env) if env is not None else git_env()
    trace_file = _trace_file() if trace else None
    if trace_file is not None:
        run_env["GIT_TRACE2_EVENT"] = trace_file
        run_env.pop("GIT_TRACE2_PARENT_SID", None)
    try:
        process = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=run_env,
            start_new_session=True,
        )
        try:
            out, err = process.communicate(input_bytes, timeout=limit)
        except subprocess.TimeoutExpired:
            children = _children(trace_file, _ssh_programs(run_env))  # before the kill: what still ran
            _kill_group(process)
            raise GitTimedOut(args, limit, children) from None
        done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
        if process.returncode != 0 and (check or process.returncode < 0):  # killed by a signal: no answer
            output = "\n".join(part.decode("utf-8", "replace") for part in (err, out) if part.strip())
            raise GitFailed(args, process.returncode, output, _children(trace_file, _ssh_programs(run_env)))
        return done
    finally:
        if trace_file is not None:
            with contextlib.suppress(OSError):
                os.unlink(trace_file)


def output_text(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stdout.decode("utf-8", "surrogateescape").strip()


def git_reason(text: str) -> str:
    """Git's own reason in one line: what it (and a filter or hook it ran) said, without hints and
    without the `error:`/`fatal:` prefixes, in its order."""
    said = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("hint:"):
            continue
        for prefix in ("error: ", "fatal: ", "warning: "):
            line = line.removeprefix(prefix)
        said.append(line)
    unique = list(dict.fromkeys(said))
    return shorten("; ".join(unique) if unique else "no details", 300)


def _trace_file() -> str | None:
    try:
        handle, name = tempfile.mkstemp(prefix="vaultkit-git-", suffix=".trace")
    except OSError:
        return None  # no room for a trace: the messages are only less precise
    os.close(handle)
    return name


def _ssh_programs(env: Mapping[str, str]) -> set[str]:
    """The programs that are the network for git: ssh, and what the user runs instead of it."""
    found = {"ssh", "ssh.exe"}
    for command in (env.get("GIT_SSH_COMMAND"), env.get("GIT_SSH")):
        if command:
            with contextlib.suppress(ValueError):
                words = shlex.split(command)
                if words:
                    found.update((words[0], os.path.basename(words[0])))
    return found


def _children(trace_file: str | None, transports: set[str]) -> list[Child]:
    """The programs git and its git children started, in order, from the trace2 event stream (git's own
    probe of the ssh command, `ssh -G`, is the transport too)."""
    if trace_file is None:
        return []
    try:
        with open(trace_file, "rb") as stream:
            lines = stream.read().splitlines()
    except OSError:
        return []
    started: dict[tuple[str, int], Child] = {}
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut short by the kill
        kind = event.get("event")
        key = (str(event.get("sid")), int(event.get("child_id", -1)))
        if kind == "child_start":
            argv = [str(word) for word in event.get("argv") or [""]]
            program = argv[0].split(" ", 1)[0] if event.get("use_shell") else argv[0]
            child_class = str(event.get("child_class", ""))
            if child_class == "hook":
                started[key] = Child("hook", str(event.get("hook_name", program)), program, None)
            elif (
                child_class.startswith(("transport/", "remote-", "dashed"))
                or program.startswith(("git-remote-", "git-upload-pack", "git-receive-pack"))
                or program in transports
                or os.path.basename(program) in transports
            ):
                started[key] = Child("transport", program, program, None)
            elif program != "git":  # git's own subcommands are not what it waits for
                started[key] = Child("program", os.path.basename(program), program, None)
        elif kind == "child_exit" and key in started:
            started[key] = started[key]._replace(code=int(event.get("code", -1)))
    return list(started.values())


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
