"""`python -m vaultkit ARGS` as a process forked from one that has imported vaultkit already.

A new interpreter spends about 80 ms of CPU starting and importing vaultkit before a `vaultkit sync` runs its
first git command, a third of what a whole sync costs; the sync tests start some 250 of them. multiprocessing's
forkserver imports vaultkit once per test worker and forks every run from that clean process (never from the
test's, which has threads): each run is still a process of its own, in a session of its own, with its own
environment, working directory, output and exit status (or the signal that killed it), and it runs what
`python -m vaultkit` runs, `vaultkit.cli.main`. vaultkit reads its environment when it acts, not when it is
imported, so the one import serves every run; the tests of a fresh interpreter (install, pre-commit, watch,
the `vaultkit` console script) still start one.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

_forkserver = multiprocessing.get_context("forkserver")
_forkserver.set_forkserver_preload(["vaultkit.cli", "vaultkit.sync", "vaultkit.sync.companion"])


def _main(args: list[str], cwd: str, env: dict[str, str], out: str, err: str) -> None:
    """In the forked process: become `vaultkit ARGS` started in `cwd` with `env` and its output in files."""
    os.setsid()
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    sys.argv = ["vaultkit", *args]
    from vaultkit.cli import main

    raise SystemExit(main(args))  # multiprocessing flushes stdout and stderr and exits with the code


class Vaultkit:
    """A running `vaultkit ARGS`, with the part of subprocess.Popen's interface the tests use."""

    def __init__(self, args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> None:
        handle, out = tempfile.mkstemp(prefix="vaultkit-out-")  # outside every vault and repository
        os.close(handle)
        self.args = list(args)
        self._out, self._err = Path(out), Path(out + ".err")
        self._process = _forkserver.Process(
            target=_main,
            args=(self.args, str(cwd), dict(os.environ if env is None else env), str(self._out), str(self._err)),
        )
        self._process.start()
        assert self._process.pid is not None
        self.pid: int = self._process.pid
        self.returncode: int | None = None

    def communicate(self, timeout: float | None = None) -> tuple[bytes, bytes]:
        """Wait until it ends (TimeoutExpired after `timeout` s) and return what it wrote."""
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        self.returncode = self._process.exitcode
        output = self._out.read_bytes(), self._err.read_bytes() if self._err.exists() else b""
        self._out.unlink()
        self._err.unlink(missing_ok=True)
        self._process.close()
        return output
