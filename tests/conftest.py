"""Shared helpers: build a vault in tmp_path, run the real command line, read its findings."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from vaultkit.cli import main

REPO = Path(__file__).resolve().parent.parent
SEED_NOTE = "政策/全国范围政策/10方面31项重点任务明确路线图、施工图.md"

Files = Mapping[str, str | bytes]


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


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never read or write the user's cache; each test starts with an empty one."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(folder))
    return folder


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


@pytest.fixture
def vault(tmp_path: Path) -> Callable[[Files], Path]:
    def make(files: Files) -> Path:
        return write_vault(tmp_path / "vault", files)

    return make


@pytest.fixture
def seed_note_bytes() -> bytes:
    return (REPO / "vault" / SEED_NOTE).read_bytes()
