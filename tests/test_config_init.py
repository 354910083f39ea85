"""`vaultkit init`: a starter `.vaultkit.yaml` for the vault around it, never over an existing one.

The oracle: the vault's findings before init. After it the same findings come back, plus the schema
findings of the Digital Garden check it wrote, and nothing else; the file passes vaultkit's own
validation and the shipped JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import REPO, Run, write_vault

CLI = Callable[..., Run]
SCHEMA_FILE = REPO / "vaultkit" / "config" / "schema.json"
Row = tuple[str, int, int, str, str]

GARDEN = {
    ".obsidian/app.json": '{"userIgnoreFilters": ["Archive/"]}\n',
    ".obsidian/templates.json": '{"folder": "Templates"}\n',
    "Templates/Daily.md": "---\ndg-publish: false\n---\n# {{date}}\n",
    "Garden/Home.md": (
        '---\n{"dg-publish":true,"permalink":"/garden/home/","dg-home":true,"dgPassFrontmatter":true}\n---\n'
        "# Home\n[[Ideas]] [[Missing]]\n"
    ),
    "Garden/Ideas.md": '---\ndg-publish: "yes"\n---\n# Ideas\n',
    "Garden/Done.md": "---\ndg-publish: true\ndg-pinned: maybe\n---\n# Done\n",
    "Private.md": "# Private\n[[Private]]\n",
    "Archive/old.md": "[[gone]]\n",
}


def rows(result: Run) -> list[Row]:
    assert result.code in (0, 1), result.err
    return [(f["path"], f["line"], f["column"], f["code"], f["message"]) for f in result.json()]


@pytest.fixture
def garden(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "garden", GARDEN)


def test_init_writes_a_configuration_that_finds_the_same_and_the_schema(
    garden: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(garden / "Garden")  # from inside the vault: init finds its root
    before = rows(cli("check", "--format", "json", "--no-cache"))
    assert ("Private.md", 2, 1, "LK004", "link to the note itself") in before
    done = cli("init")
    assert done.code == 0, done.err
    written = garden / ".vaultkit.yaml"
    assert done.out.splitlines()[0] == f"wrote {written}"
    text = written.read_text(encoding="utf-8")
    first_line = text.splitlines()[0]
    assert first_line.startswith("# yaml-language-server: $schema=")
    assert Path(first_line.partition("$schema=")[2]).is_file()  # an editor finds the shipped schema there
    settings = yaml.safe_load(text)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert settings["templates"] == ["/Templates/**"]  # as vaultkit reads .obsidian/templates.json
    assert settings["exclude"] == ["Archive/**"]
    [garden_check] = [check for check in settings["checks"] if isinstance(check, dict)]
    assert garden_check["kind"] == "frontmatter" and garden_check["name"] == "digital-garden"
    import jsonschema

    jsonschema.Draft202012Validator(schema).validate(settings)
    after = rows(cli("check", "--format", "json", "--no-cache"))
    assert not any(row[0].startswith("Archive/") for row in before)  # Obsidian excludes it: vaultkit too
    assert set(before) <= set(after)
    assert sorted(set(after) - set(before)) == [
        ("Garden/Done.md", 3, 1, "FM004", "dg-pinned: 'maybe' is not of type 'boolean'"),
        ("Garden/Ideas.md", 2, 1, "FM004", "dg-publish: 'yes' is text in Obsidian: write true"),
    ]


def test_init_never_overwrites(garden: Path, cli: CLI) -> None:
    existing = garden / ".vaultkit.yaml"
    existing.write_bytes(b"# mine\nignore: [LK005]\n")
    result = cli("init", "--vault", garden)
    assert result.code == 2 and result.out == ""
    assert (
        result.err == f"vaultkit: error: {existing}: already exists; vaultkit init never overwrites a configuration\n"
    )
    assert existing.read_bytes() == b"# mine\nignore: [LK005]\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [("vaultkit.yaml", "ignore: [LK005]\n"), ("pyproject.toml", '[tool.vaultkit]\nignore = ["LK005"]\n')],
)
def test_init_refuses_when_another_configuration_governs_the_vault(
    garden: Path, cli: CLI, name: str, text: str
) -> None:
    (garden / name).write_text(text, encoding="utf-8")
    result = cli("init", "--vault", garden)
    assert result.code == 2 and result.out == ""
    assert result.err == (
        f"vaultkit: error: {garden / name}: already configures this vault; vaultkit init never overwrites a "
        "configuration\n"
    )
    assert not (garden / ".vaultkit.yaml").exists()


def test_init_on_a_plain_vault(tmp_path: Path, cli: CLI) -> None:
    """No templates, no Digital Garden notes, no excluded files: a file of comments that changes nothing."""
    root = write_vault(tmp_path / "plain", {".obsidian/app.json": "{}", "a.md": "[[a]] [[b]]\n", "b.md": "# B\n"})
    before = rows(cli("check", "--vault", root, "--format", "json", "--no-cache"))
    assert cli("init", "--vault", root).code == 0
    settings = yaml.safe_load((root / ".vaultkit.yaml").read_text(encoding="utf-8")) or {}
    assert "templates" not in settings and "checks" not in settings and "exclude" not in settings
    assert rows(cli("check", "--vault", root, "--format", "json", "--no-cache")) == before
