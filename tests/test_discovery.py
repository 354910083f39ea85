"""Where the vault is and which configuration applies to which note (SPEC §2), through the command line.

Root: `--vault`; else the configuration that names it; else the nearest folder holding `.obsidian/`;
else the top of the git work tree; else the folder given. A configuration inside a vault whose root is
known does not move the root: it applies to its own folder and below, the nearest one winning key by
key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write_vault
from terminal import init_repository

CLI = Callable[..., Run]


def rows(result: Run) -> list[tuple[str, int, int, str, str]]:
    assert result.code in (0, 1), result.err
    return [(f["path"], f["line"], f["column"], f["code"], f["severity"]) for f in result.json()]


# --- the root ------------------------------------------------------------------------------------


def test_obsidian_folder_is_the_root_from_a_deep_note(
    tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            "References/Steph Ango.md": "# Steph Ango\n",
            "Notes/Audit note.md": "[[Steph Ango]] [[Nope]]\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    result = cli("check", root / "Notes" / "Audit note.md")
    assert result.out == (
        "Notes/Audit note.md:1:16: LK001 unresolved link: no note named 'Nope'\n1 error, 0 warnings in 1 note\n"
    )
    monkeypatch.chdir(root / "Notes")
    assert cli("check", "Audit note.md").out == result.out


def test_git_top_level_is_the_root_without_obsidian(tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_vault(tmp_path / "repo", {"a/one.md": "[[two]] [[three]]\n", "b/two.md": "# Two\n"})
    init_repository(root)
    monkeypatch.chdir(root / "a")
    expected = "a/one.md:1:9: LK001 unresolved link: no note named 'three'\n1 error, 0 warnings in 2 notes\n"
    assert cli("check").out == expected  # from a sub-folder: the whole work tree is the vault
    assert cli("check", "one.md").out == expected.replace("in 2 notes", "in 1 note")


def test_plain_folder_is_its_own_root(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path / "loose", {"a/one.md": "[[two]]\n", "b/two.md": "# Two\n"})
    result = cli("check", root / "a")
    assert result.out == "one.md:1:1: LK001 unresolved link: no note named 'two'\n1 error, 0 warnings in 1 note\n"


def test_outer_configuration_naming_the_vault_keeps_the_root(tmp_path: Path, cli: CLI) -> None:
    repo = write_vault(
        tmp_path / "repo",
        {
            "pyproject.toml": '[tool.vaultkit]\nvault = "garden"\n',
            "garden/x.md": "# X\n",
            "garden/Notes/.vaultkit.yaml": "ignore: [LK004]\n",
            "garden/Notes/n.md": "[[n]] [[x]]\n",
        },
    )
    assert cli("check", repo / "garden" / "Notes" / "n.md").out == "0 errors, 0 warnings in 1 note\n"
    assert cli("check", repo / "garden").out == "0 errors, 0 warnings in 2 notes\n"


def test_configuration_in_a_sub_folder_is_nested_not_a_new_root(
    tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's case: `Notes/.vaultkit.yaml` with `ignore: [LK004]` once made `Notes/` the vault."""
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            "Notes/.vaultkit.yaml": "ignore: [LK004]\n",
            "Notes/Audit note.md": "[[Steph Ango]] [[Audit note]]\n",
            "References/Steph Ango.md": "# Steph Ango\n",
            "Daily.md": "[[Daily]]\n",
        },
    )
    one = cli("check", root / "Notes" / "Audit note.md")
    assert (one.code, one.out) == (0, "0 errors, 0 warnings in 1 note\n")
    everything = "Daily.md:1:1: LK004 link to the note itself\n1 error, 0 warnings in 3 notes\n"
    assert cli("check", root).out == everything
    monkeypatch.chdir(root / "Notes")
    assert cli("check").out == everything  # the root is the vault's, and no PATH means the whole vault


# --- nested configuration ---------------------------------------------------------------------------


def test_nearest_configuration_wins_key_by_key(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            ".vaultkit.yaml": "ignore: [LK001]\nseverity: {LK004: warning, LK005: error}\n",
            "Notes/.vaultkit.yaml": "severity: {LK004: error}\n",
            "Notes/Deep/vaultkit.yaml": "ignore: []\n",
            "top.md": "[[top]] [[gone]] [[twin]]\n",
            "Notes/n.md": "[[n]] [[gone]] [[twin]]\n",
            "Notes/Deep/d.md": "[[d]] [[gone]]\n",
            "x/twin.md": "",
            "y/twin.md": "",
        },
    )
    assert rows(cli("check", "--vault", root, "--format", "json")) == [
        ("Notes/Deep/d.md", 1, 1, "LK004", "error"),  # severity from Notes/ (the nearest that sets it)
        ("Notes/Deep/d.md", 1, 7, "LK001", "error"),  # Deep's own `ignore: []` wins over the root's
        ("Notes/n.md", 1, 1, "LK004", "error"),  # Notes/ sets severity: the root's map no longer applies ...
        ("Notes/n.md", 1, 16, "LK005", "warning"),  # ... so LK005 is back to its default
        ("top.md", 1, 1, "LK004", "warning"),
        ("top.md", 1, 18, "LK005", "error"),
    ]


def test_nested_select_and_pyproject(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            "Notes/pyproject.toml": '[tool.vaultkit]\nselect = ["LK004"]\n',
            "Other/pyproject.toml": '[project]\nname = "not-a-vaultkit-config"\n',
            "Notes/n.md": "[[n]] [[gone]]\n",
            "Other/o.md": "[[o]] [[gone]]\n",
        },
    )
    assert [row[:4] for row in rows(cli("check", "--vault", root, "--format", "json"))] == [
        ("Notes/n.md", 1, 1, "LK004"),
        ("Other/o.md", 1, 1, "LK004"),
        ("Other/o.md", 1, 7, "LK001"),
    ]


def test_nested_checks_replace_the_outer_ones_in_their_folder(tmp_path: Path, cli: CLI) -> None:
    schema = "kind: frontmatter\nname: {name}\nschema: {{type: object, required: [{key}]}}\n"
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            ".vaultkit.yaml": "checks: checks\n",
            "checks/title.yaml": schema.format(name="titled", key="title"),
            "Notes/.vaultkit.yaml": "checks: notes-checks\n",
            "Notes/notes-checks/status.yaml": schema.format(name="with-status", key="status"),
            "a.md": "# A\n",
            "Notes/n.md": "# N\n",
        },
    )
    result = cli("check", "--vault", root, "--format", "json")
    assert [(f["path"], f["code"], f["message"]) for f in result.json()] == [
        ("Notes/n.md", "FM004", "required key 'status' is missing"),
        ("a.md", "FM004", "required key 'title' is missing"),
    ]


def test_explicit_config_reads_no_nested_configuration(tmp_path: Path, cli: CLI) -> None:
    """As ruff's --config: the file named is the whole configuration."""
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            ".vaultkit.yaml": "",
            "Notes/.vaultkit.yaml": "ignore: [LK004]\n",
            "Notes/n.md": "[[n]]\n",
        },
    )
    assert cli("check", root, "-q").out == ""
    assert (
        cli("check", "--config", root / ".vaultkit.yaml", root, "-q").out
        == "Notes/n.md:1:1: LK004 link to the note itself\n"
    )


@pytest.mark.parametrize("key", ["vault", "exclude", "max_note_size", "sync"])
def test_nested_configuration_cannot_set_vault_wide_keys(tmp_path: Path, cli: CLI, key: str) -> None:
    values = {"vault": ".", "exclude": "[x/**]", "max_note_size": "1MB", "sync": "{remote: origin}"}
    root = write_vault(
        tmp_path / "garden",
        {".obsidian/app.json": "{}", "Notes/.vaultkit.yaml": f"{key}: {values[key]}\n", "Notes/n.md": ""},
    )
    result = cli("check", root)
    assert result.code == 2 and result.out == ""
    assert result.err == (
        f"vaultkit: error: {root / 'Notes' / '.vaultkit.yaml'}: key '{key}': only the vault's root configuration "
        "may set it (a nested configuration sets select, ignore, severity, per_file_ignores, checks)\n"
    )


def test_editing_a_nested_configuration_is_seen_by_the_next_run(tmp_path: Path, cli: CLI) -> None:
    """The cache answers unchanged vaults: a nested configuration is part of what must be unchanged."""
    root = write_vault(
        tmp_path / "garden", {".obsidian/app.json": "{}", "Notes/n.md": "[[n]]\n", "top.md": "[[top]]\n"}
    )
    both = "Notes/n.md:1:1: LK004 link to the note itself\ntop.md:1:1: LK004 link to the note itself\n"
    assert cli("check", root, "-q").out == both
    nested = root / "Notes" / ".vaultkit.yaml"
    nested.write_text("ignore: [LK004]\n", encoding="utf-8")
    assert cli("check", root, "-q").out == "top.md:1:1: LK004 link to the note itself\n"
    nested.write_text("ignore: [LK001]\n", encoding="utf-8")
    assert cli("check", root, "-q").out == both
    nested.unlink()
    (root / "Notes" / "vaultkit.yaml").write_text("select: [LK001]\n", encoding="utf-8")
    assert cli("check", root, "-q").out == "top.md:1:1: LK004 link to the note itself\n"
