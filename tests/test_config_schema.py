"""One declarative JSON Schema validates the configuration and every kind's parameters (issue 12): the
file ships in the package, editors can use it, and every error is still one line naming file and key."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import REPO, Run, write_vault
from terminal import fenced_block

CLI = Callable[..., Run]
SCHEMA_FILE = REPO / "vaultkit" / "config" / "schema.json"
README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return jsonschema.Draft202012Validator(schema)


def test_this_repositorys_configuration_and_checks_are_valid(validator: jsonschema.Draft202012Validator) -> None:
    table = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["vaultkit"]
    validator.validate(table)
    definitions = [
        yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((REPO / "checks").glob("*.yaml"))
    ]
    validator.validate({**table, "checks": definitions})  # a definition is also valid written inline


def test_every_yaml_example_of_the_readme_is_valid(validator: jsonschema.Draft202012Validator) -> None:
    settings = yaml.safe_load(fenced_block(README, "vault: ."))
    validator.validate(settings)
    for first_line in ("kind: frontmatter", "kind: links", "kind: outline"):
        definition = yaml.safe_load(fenced_block(README, first_line))
        validator.validate({"checks": [definition]})


def test_readme_says_how_to_point_an_editor_at_the_schema() -> None:
    assert "# yaml-language-server: $schema=" in README
    assert "vaultkit/config/schema.json" in README


def test_schema_knows_every_code(validator: jsonschema.Draft202012Validator, cli: CLI) -> None:
    for rule in cli("rules", "--format", "json").json():
        code = rule["code"]
        validator.validate({"select": [code, code[:2], rule["name"]], "severity": {code: "off"}})


@pytest.mark.parametrize(
    ("settings", "wrong"),
    [
        ({"colour": "blue"}, "colour"),
        ({"select": "LK001"}, None),
        ({"max_note_size": "huge"}, "max_note_size"),
        ({"max_note_size": "10MB"}, None),
        ({"sync": {"on_conflict": "merge"}}, "sync"),
        ({"sync": {"debounce": "2s", "verify": True}}, None),
        ({"checks": [{"kind": "spelling"}]}, "checks"),
        ({"checks": [{"kind": "links", "embeds": "maybe"}]}, "checks"),
        ({"checks": [{"kind": "links", "ignore_targets": ["Planned/*"]}]}, None),
        ({"templates": ["Templates/**"], "per_file_ignores": {"drafts/*.md": ["LK001"], "x.md": "LK,FM"}}, None),
        ({"templates": 3}, "templates"),
        ({"per_file_ignores": ["a/**"]}, "per_file_ignores"),
        ({"per_file_ignores": {"a/**": 3}}, "per_file_ignores"),
    ],
)
def test_the_schema_says_what_vaultkit_says(
    validator: jsonschema.Draft202012Validator,
    tmp_path: Path,
    cli: CLI,
    settings: dict[str, Any],
    wrong: str | None,
) -> None:
    """The shipped schema (what an editor shows) and the command line agree on what is valid."""
    errors = list(validator.iter_errors(settings))
    root = write_vault(tmp_path / "garden", {".vaultkit.yaml": yaml.safe_dump(settings), "n.md": "# N\n"})
    result = cli("check", root)
    if wrong is None:
        assert errors == [] and result.code == 0, result.err
        return
    assert errors and result.code == 2
    assert result.err.startswith(f"vaultkit: error: {root / '.vaultkit.yaml'}: ")
    assert f"key '{wrong}" in result.err
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"checks/a.yaml": "kind: links\nembeds: maybe\n"},
            "checks/a.yaml: key 'embeds': expected true or false, got 'maybe'",
        ),
        (
            {
                "checks/a.yaml": (
                    "kind: outline\nsections: {pattern: '^(?P<ordinal>x)', numerals: greek}\n"
                    "items: {pattern: '(?P<number>x)'}\n"
                )
            },
            "checks/a.yaml: key 'sections.numerals': expected one of chinese, arabic, roman, got 'greek'",
        ),
        ({"checks/a.yaml": "kind: outline\n"}, "checks/a.yaml: key 'sections': required for kind outline"),
        (
            {"checks/a.yaml": "kind: links\nignore_targets: 3\n"},
            "checks/a.yaml: key 'ignore_targets': expected a list of globs, got 3",
        ),
        (
            {"checks/a.yaml": "kind: frontmatter\npermalink: {key: 1}\n"},
            "checks/a.yaml: key 'permalink.key': expected a string, got 1",
        ),
        ({"checks/a.yaml": "- 1\n"}, "checks/a.yaml: a check definition must be a mapping, got 1"),
        (
            {"checks/a.yaml": "kind: links\nname: ''\n"},
            "checks/a.yaml: key 'name': expected a non-empty string, got ''",
        ),
        (
            {".vaultkit.yaml": "checks: checks\nsync: {colour: 1}\n"},
            ".vaultkit.yaml: key 'sync.colour': unknown key (known: ",
        ),
        (
            {".vaultkit.yaml": "checks: checks\nseverity: {LK001: loud}\n"},
            "key 'severity.LK001': expected error, warning or off, got 'loud'",
        ),
        ({".vaultkit.yaml": "checks: checks\nseverity: {LK9: 'off'}\n"}, "key 'severity.LK9': unknown code 'LK9'"),
        ({".vaultkit.yaml": "checks: checks\nexclude: [1]\n"}, "key 'exclude': expected a list of globs, got [1]"),
        ({".vaultkit.yaml": "checks: checks\nsync: {verify: 1}\n"}, "key 'sync.verify': expected true or false, got 1"),
        ({".vaultkit.yaml": "checks: checks\nsync: 3\n"}, "key 'sync': expected a mapping, got 3"),
        ({".vaultkit.yaml": "- checks\n"}, ".vaultkit.yaml: the configuration must be a mapping of keys to values"),
    ],
)
def test_schema_errors_are_one_line_naming_file_and_key(
    tmp_path: Path, cli: CLI, files: dict[str, str], message: str
) -> None:
    root = write_vault(tmp_path, {".vaultkit.yaml": "checks: checks\n", "checks/README.md": "", "n.md": "", **files})
    result = cli("check", str(root))
    assert result.code == 2 and result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vaultkit: error: "), result.err
    assert message in lines[0]
    assert str(tmp_path) in lines[0]
