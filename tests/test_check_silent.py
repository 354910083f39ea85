"""A setting or a PATH that selects nothing is a usage error or a one-line warning, never a silent
`0 errors … in N notes` (SPEC §2). Each case: its exit code, its one line, and nothing on stdout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write_vault

CLI = Callable[..., Run]


@pytest.fixture
def garden(tmp_path: Path) -> Path:
    return write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": '{"userIgnoreFilters": []}\n',
            "n.md": "[[n]] [[m#Nope]]\n",
            "m.md": "# M\n",
            "x.base": "views: []\n",
            "attachments/photo.png": b"\x89PNG\r\n\x1a\n",
        },
    )


def one_error_line(result: Run) -> str:
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


@pytest.mark.parametrize("value", ["", ",", " , ", ",,"])
def test_select_that_names_no_code(garden: Path, cli: CLI, value: str) -> None:
    assert one_error_line(cli("check", "--vault", garden, "--select", value)) == (
        f"vaultkit: error: --select {value!r}: selects nothing; give codes, prefixes or names (see 'vaultkit rules')"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [("select: []\n", "select: []"), ("select: ''\n", "select: ''"), ("select: ','\n", "select: ','")],
)
def test_configuration_select_that_names_no_code(garden: Path, cli: CLI, text: str, shown: str) -> None:
    (garden / ".vaultkit.yaml").write_text(text, encoding="utf-8")
    line = one_error_line(cli("check", garden))
    assert line == (
        f"vaultkit: error: {garden / '.vaultkit.yaml'}: key 'select': selects nothing; "
        "remove the key to check every code"
    ), shown


@pytest.mark.parametrize(
    ("name", "text", "missing"),
    [
        (".vaultkit.yaml", "checks: chekcs\n", "chekcs"),
        (".vaultkit.yaml", "checks: [checks, extra.yaml]\n", "extra.yaml"),
        ("pyproject.toml", '[tool.vaultkit]\nchecks = "chekcs"\n', "chekcs"),
    ],
)
def test_checks_named_in_the_configuration_must_exist(
    garden: Path, cli: CLI, name: str, text: str, missing: str
) -> None:
    (garden / "checks").mkdir()
    (garden / name).write_text(text, encoding="utf-8")
    assert one_error_line(cli("check", garden)) == (
        f"vaultkit: error: {garden / name}: key 'checks': {garden / missing} not found "
        "(a folder or file of check definitions)"
    )


def test_default_checks_folder_may_be_missing(garden: Path, cli: CLI) -> None:
    """Only a folder the configuration names must exist: without the key, no `checks/` means built-ins."""
    (garden / ".vaultkit.yaml").write_text("ignore: [LK005]\n", encoding="utf-8")
    result = cli("check", garden)
    assert result.code == 1 and result.err == ""


def test_staged_removals_outside_git(garden: Path, cli: CLI) -> None:
    assert one_error_line(cli("check", "--vault", garden, "--staged-removals")) == (
        f"vaultkit: error: --staged-removals: {garden} is not in a git repository"
    )


def test_repeated_select_and_ignore_add_up(garden: Path, cli: CLI) -> None:
    """As ruff: `--select A --select B` selects both, never only the last."""
    both = cli("check", "--vault", garden, "-q", "--select", "LK004", "--select", "LK002")
    assert both.code == 1
    assert both.out == "n.md:1:1: LK004 link to the note itself\nn.md:1:7: LK002 heading 'Nope' not found in [[m]]\n"
    neither = cli("check", "--vault", garden, "--ignore", "LK004", "--ignore", "missing-heading")
    assert (neither.code, neither.out) == (0, "0 errors, 0 warnings in 2 notes\n")


@pytest.mark.parametrize("given", ["x.base", ".obsidian/app.json", "attachments/photo.png"])
def test_a_path_that_is_not_a_note(garden: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    monkeypatch.chdir(garden)
    assert one_error_line(cli("check", given)) == (
        f"vaultkit: error: {given}: not a note; vaultkit checks Markdown notes (.md files)"
    )


def test_a_file_outside_any_vault(garden: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    """`/etc/passwd` once made `/etc` the vault and said `0 errors … in 0 notes`."""
    monkeypatch.chdir(garden)
    assert one_error_line(cli("check", "/etc/passwd")) == (
        "vaultkit: error: /etc/passwd: not a note; vaultkit checks Markdown notes (.md files)"
    )
    outside = garden.parent / "elsewhere.md"
    outside.write_text("[[n]]\n", encoding="utf-8")
    assert one_error_line(cli("check", "--vault", garden, outside)) == (
        f"vaultkit: error: {outside}: not inside the vault {garden}"
    )


def test_a_path_that_does_not_exist(garden: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(garden)
    assert one_error_line(cli("check", "nope.md")) == "vaultkit: error: nope.md: no such file or folder"


def test_a_folder_without_notes_warns(garden: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    """As ruff's "No Python files found": a warning, the summary, exit 0."""
    monkeypatch.chdir(garden)
    result = cli("check", "attachments")
    assert result.code == 0
    assert result.err == "vaultkit: warning: attachments: no notes in this folder\n"
    assert result.out == "0 errors, 0 warnings in 0 notes\n"


def test_a_vault_without_notes_warns(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path / "empty", {".obsidian/app.json": "{}", "photo.png": b"\x89PNG"})
    result = cli("check", "--vault", root)
    assert result.code == 0
    assert result.err == f"vaultkit: warning: {root}: no notes in the vault\n"
    assert result.out == "0 errors, 0 warnings in 0 notes\n"
