"""config/: finding the configuration, reading it strictly, one line naming the file and the key for every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CLI, write_vault


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({".vaultkit.yaml": "colour: blue\n"}, ".vaultkit.yaml: unknown key 'colour'"),
        ({".vaultkit.yaml": "select: [LK999]\n"}, ".vaultkit.yaml: key 'select': unknown code 'LK999'"),
        ({".vaultkit.yaml": "max_note_size: huge\n"}, ".vaultkit.yaml: key 'max_note_size': expected a size"),
        ({".vaultkit.yaml": "sync: {debounce: soon}\n"}, ".vaultkit.yaml: key 'sync.debounce': expected seconds"),
        ({".vaultkit.yaml": "vault: [x\n"}, ".vaultkit.yaml:2:1: not valid YAML"),
        ({"checks/a.yaml": "kind: spelling\n"}, "checks/a.yaml: key 'kind': unknown kind 'spelling'"),
        ({"checks/a.yaml": "kind: links\ncolour: x\n"}, "checks/a.yaml: key 'colour': unknown for kind links"),
        (
            {"checks/a.yaml": "kind: frontmatter\nschema: {type: objekt}\n"},
            "checks/a.yaml: key 'schema' at type: invalid JSON Schema",
        ),
        ({"checks/a.yaml": "- {kind: links, name: x}\n- {kind: links, name: x}\n"}, "check name 'x' is already used"),
        (
            {"checks/a.yaml": "kind: outline\nsections: {pattern: '^(x'}\nitems: {pattern: '(?P<number>\\d+)'}\n"},
            "checks/a.yaml: key 'sections.pattern': invalid regular expression",
        ),
        (
            {"checks/a.yaml": "kind: outline\nsections: {pattern: '^#'}\nitems: {pattern: '(?P<number>\\d+)'}\n"},
            "checks/a.yaml: key 'sections.pattern': needs a named group 'ordinal'",
        ),
    ],
)
def test_config_errors_exit_2_with_one_line(tmp_path: Path, cli: CLI, files: dict[str, str], message: str) -> None:
    root = write_vault(tmp_path, {".vaultkit.yaml": "checks: checks\n", "n.md": "", **files})
    result = cli("check", str(root))
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vaultkit: error: ")
    assert message in lines[0]
    assert str(tmp_path) in lines[0]


def test_pyproject_table_and_explicit_config(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(
        tmp_path,
        {"pyproject.toml": '[tool.vaultkit]\nvault = "notes"\nignore = ["LK004"]\n', "notes/n.md": "[[n]] [[x]]"},
    )
    assert cli("check", root / "notes", "-q").out == "n.md:1:7: LK001 unresolved link: no note named 'x'\n"
    other = write_vault(tmp_path / "elsewhere", {"cfg.yaml": f"vault: {root / 'notes'}\nselect: [LK004]\n"})
    assert cli("check", "--config", other / "cfg.yaml", "-q").out == "n.md:1:1: LK004 link to the note itself\n"


def test_severity_config(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(
        tmp_path, {".vaultkit.yaml": "severity:\n  LK001: warning\n  LK004: off\n", "n.md": "[[x]] [[n]]"}
    )
    result = cli("check", str(root))
    assert result.out.splitlines() == [
        "n.md:1:1: LK001 unresolved link: no note named 'x'",
        "0 errors, 1 warning in 1 note",
    ]
    assert result.code == 0
