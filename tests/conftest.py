"""Shared helpers: build a vault in tmp_path, run the real command line, read its findings."""

from __future__ import annotations

import compileall
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Container, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import strategies as st

from vaultkit.cli import main

REPO = Path(__file__).resolve().parent.parent
SEED_NOTE = "政策/全国范围政策/10方面31项重点任务明确路线图、施工图.md"
SEED_TEXT = (REPO / "vault" / SEED_NOTE).read_text(encoding="utf-8")

Files = Mapping[str, str | bytes]
Findings = Callable[..., list[tuple[str, int, int, str]]]  # the `findings` fixture


def pytest_configure(config: pytest.Config) -> None:
    """vaultkit's bytecode, written once before any test (by the controller, before its workers start), as
    pip's install writes it: the tests start vaultkit in hundreds of processes, and where nothing writes
    bytecode (a fresh checkout with PYTHONDONTWRITEBYTECODE set) each would compile every module again."""
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(REPO / "vaultkit", quiet=1)


# Files whose tests mostly wait (a real observer, pip, pre-commit's hook environment, git remotes and hooks
# with time limits), started first: the other workers fill the cores around them, instead of the run ending
# on one worker that still has a 14 s test to go (measured on two cores: 75-97 s instead of 100-115 s).
STARTED_FIRST = (
    "test_watch_oracle.py",
    "test_install.py",
    "test_precommit.py",
    "test_sync_companion.py",
    "test_sync_model.py",
    "test_sync.py",
    "test_sync_scenarios.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of STARTED_FIRST first, in that order, then the rest as collected (the sort is stable)."""
    rank = {name: place for place, name in enumerate(STARTED_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def write_vault(root: Path, files: Files) -> Path:
    """Write notes and attachments; str is written as UTF-8 exactly as given."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


CLI = Callable[..., Run]  # the `cli` fixture


def slow_except(values: Iterable[Any], fast: Container[Any]) -> list[Any]:
    """Parameters of a test, those not in `fast` marked slow: the default run keeps the variants that
    found or guard a bug of their own, `pytest -m slow` runs the rest (the suite stays under 90 s)."""
    slow = pytest.mark.slow
    return [
        value if value in fast else pytest.param(*(value if isinstance(value, tuple) else (value,)), marks=slow)
        for value in values
    ]


def with_checks(root: Path, **checks: str) -> Path:
    """A vault whose config reads check definitions from checks/<name>.yaml."""
    write_vault(root, {".vaultkit.yaml": "checks: checks\n", **{f"checks/{k}.yaml": v for k, v in checks.items()}})
    return root


class LineReader:
    """The lines a running process writes, read by a thread, so that every wait has a time limit."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def until(self, wanted: Callable[[str], bool], timeout: float = 20.0) -> list[str]:
        """Every line up to and including the first one `wanted` accepts."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no such line within {timeout} s; saw {seen}"
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            seen.append(line)
            if wanted(line):
                return seen

    def quiet(self, seconds: float) -> list[str]:
        """Every line until none comes for `seconds`."""
        seen = []
        while True:
            try:
                seen.append(self.lines.get(timeout=seconds))
            except queue.Empty:
                return seen

    def next(self, count: int, timeout: float = 20.0) -> list[str]:
        """The next `count` lines."""
        seen: list[str] = []
        self.until(lambda line: seen.append(line) is None and len(seen) == count, timeout)
        return seen


def stop(process: subprocess.Popen[str], timeout: float = 60.0) -> int:
    """SIGTERM, and the exit code within `timeout` (killed, and the test failed, if it does not stop): watch may
    take up to 30 s to push what it committed, so the limit leaves room for a loaded machine."""
    process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"did not stop within {timeout} s of SIGTERM") from None


# Notes made of the pieces hostile Markdown is made of (generated by hypothesis)
PIECES = st.sampled_from(
    [
        "[[a]]", "[[a#H|x]]", "[[a\\|b]]", "![[p.png|100x200]]", "[t](a%20b.md)", "[t](<a b.md>)", "`", "``",
        "<!--", "-->", "%%", "#", "## H", "\n", "\r\n", "\n\n", "```\n", "~~~\n", "    ", "> ", "- ", "1. ",
        "中文", "😀", "\u200b", "é", "e\u0301", "^id", "[", "]", "(", ")", "|", "\\", "---\n", "x: [1, 2\n", "---",
    ]
)  # fmt: skip
HOSTILE_NOTES = st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=40).map("".join)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never read or write the user's cache; each test starts with an empty one."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git configuration leaks in; identity comes from each clone's config."""
    empty = tmp_path / "gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli(capfd: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `vaultkit ARGS` in-process and capture what the user would see."""

    def run(*args: str | Path) -> Run:
        code = main([str(arg) for arg in args])
        captured = capfd.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def findings(cli: Callable[..., Run]) -> Callable[..., list[tuple[str, int, int, str]]]:
    """(path, line, column, code) of every finding of `vaultkit check --vault ROOT ARGS`."""

    def run(root: Path, *args: str) -> list[tuple[str, int, int, str]]:
        result = cli("check", "--vault", root, "--format", "json", "--no-cache", *args)
        assert result.code in (0, 1), result.err
        return [(f["path"], f["line"], f["column"], f["code"]) for f in result.json()]

    return run


def cached_lines(cli: Callable[..., Run], root: Path, *args: str) -> list[str]:
    """Findings with the cache, checked against a run without it."""
    cached = cli("check", "--vault", root, "-q", *args).out.splitlines()
    assert cached == cli("check", "--vault", root, "-q", "--no-cache", *args).out.splitlines()
    return cached


def age(root: Path, seconds: int = 3600) -> None:
    """Date every file an hour back, as a vault that nobody is editing right now."""
    then = time.time_ns() - seconds * 1_000_000_000
    for path in root.rglob("*"):
        os.utime(path, ns=(then, then))


def no_checking(*args: object, **kwargs: object) -> object:
    """Put in place of check_vault where a run must be answered without checking."""
    raise AssertionError("the vault was checked again")


@pytest.fixture
def linked_vault(tmp_path: Path) -> Path:
    """Four notes with an unresolved link, a missing heading and a link between them."""
    return write_vault(
        tmp_path / "v",
        {
            ".obsidian/app.json": "{}",
            "a.md": "[[b]] [[b#Two]] [[c]]\n",
            "b.md": "# One\n",
            "d.md": "[[a]]\n",
        },
    )


@pytest.fixture
def vault(tmp_path: Path) -> Callable[[Files], Path]:
    def make(files: Files) -> Path:
        return write_vault(tmp_path / "vault", files)

    return make


@pytest.fixture
def seed_note_bytes() -> bytes:
    return (REPO / "vault" / SEED_NOTE).read_bytes()
