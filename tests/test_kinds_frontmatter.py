"""kinds/frontmatter.py: FM004 (schema), FM005 (permalink template) and FM006 (duplicate permalinks), exactly placed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from vaultkit.parse.simple_yaml import read_simple

from conftest import CLI, Findings, with_checks, write_vault

GARDEN = """\
kind: frontmatter
name: garden
paths: ["pub/**"]
schema:
  type: object
  required: [dg-publish]
  properties:
    dg-publish: {type: boolean}
    permalink: {type: string, pattern: "^/.*/$"}
permalink:
  key: permalink
  template: "/{path}/"
"""


def test_schema_permalink_and_duplicates(tmp_path: Path, findings: Findings) -> None:
    root = with_checks(tmp_path, garden=GARDEN)
    write_vault(
        root,
        {
            "pub/ok.md": '---\n{"dg-publish":true,"permalink":"/pub/ok/"}\n---\n',
            "pub/wrong-type.md": '---\ndg-publish: "yes"\n---\n',
            "pub/missing.md": "---\ntitle: t\n---\n",
            "pub/moved.md": "---\ndg-publish: true\npermalink: /pub/old/\n---\n",
            "pub/twin.md": "---\ndg-publish: true\npermalink: /pub/old/\n---\n",
            "private/free.md": "---\ndg-publish: maybe\n---\n",
        },
    )
    assert findings(root) == [
        ("pub/missing.md", 1, 1, "FM004"),
        ("pub/moved.md", 3, 1, "FM005"),
        ("pub/moved.md", 3, 1, "FM006"),
        ("pub/twin.md", 3, 1, "FM005"),
        ("pub/twin.md", 3, 1, "FM006"),
        ("pub/wrong-type.md", 2, 1, "FM004"),
    ]


def test_duplicate_permalink_names_both(tmp_path: Path, cli: Callable[..., object]) -> None:
    root = with_checks(tmp_path, garden=GARDEN.replace('  template: "/{path}/"\n', '  template: "/{name}/"\n'))
    write_vault(
        root,
        {
            "pub/a/x.md": "---\ndg-publish: true\npermalink: /x/\n---\n",
            "pub/b/x.md": "---\ndg-publish: true\npermalink: /x/\n---\n",
        },
    )
    out = cli("check", "--config", root / ".vaultkit.yaml", "--no-cache").out  # type: ignore[attr-defined]
    assert out.splitlines()[:2] == [
        "pub/a/x.md:3:1: FM006 permalink '/x/' is also used by pub/b/x.md",
        "pub/b/x.md:3:1: FM006 permalink '/x/' is also used by pub/a/x.md",
    ]


def _lines(cli: CLI, root: Path) -> list[str]:
    result = cli("check", "--vault", root, "--no-cache", "-q")
    assert result.code in (0, 1), result.err
    return list(result.out.splitlines())


def test_unquoted_yes_is_text_and_the_message_says_so(tmp_path: Path, cli: CLI) -> None:
    """Obsidian reads properties as YAML 1.2: `dg-publish: yes` is the text 'yes' and the note is not published."""
    root = with_checks(tmp_path, garden=GARDEN)
    write_vault(
        root,
        {
            "pub/yes.md": "---\ntitle: t\ndg-publish: yes\n---\n",
            "pub/on.md": "---\ndg-publish: On\n---\n",
            "pub/no.md": "---\ndg-publish: no\n---\n",
            "pub/y.md": "---\ndg-publish: y\n---\n",
            "pub/full.md": "---\ndg-publish: yes\nnested: {a: 1}\n---\n",  # outside the subset: the PyYAML reader
            "pub/list.md": "---\ndg-publish: [yes]\n---\n",
            "pub/true.md": "---\ndg-publish: true\n---\n",
            "pub/upper.md": "---\ndg-publish: TRUE\n---\n",  # not TRUE.md: a case twin of true.md is VK004
            "pub/json.md": '---\n{"dg-publish":true}\n---\n',
        },
    )
    assert _lines(cli, root) == [
        "pub/full.md:2:1: FM004 dg-publish: 'yes' is text in Obsidian: write true",
        "pub/list.md:2:1: FM004 dg-publish: ['yes'] is not of type 'boolean'",
        "pub/no.md:2:1: FM004 dg-publish: 'no' is text in Obsidian: write false",
        "pub/on.md:2:1: FM004 dg-publish: 'On' is text in Obsidian: write true",
        "pub/y.md:2:1: FM004 dg-publish: 'y' is text in Obsidian: write true",
        "pub/yes.md:3:1: FM004 dg-publish: 'yes' is text in Obsidian: write true",
    ]


def test_the_hint_only_when_yaml11_would_have_passed(tmp_path: Path, cli: CLI) -> None:
    """Base-60 numbers get the hint where the schema wants a number; other errors keep jsonschema's words."""
    schema = {
        "kind": "frontmatter",
        "name": "times",
        "schema": {
            "properties": {
                "minutes": {"type": "integer"},
                "share": {"type": "number", "maximum": 100},
                "flag": {"enum": [True, False]},
                "count": {"type": "integer"},
                "dg-publish": {"type": "boolean"},
            }
        },
    }
    root = with_checks(tmp_path, times=json.dumps(schema))
    write_vault(
        root,
        {
            "a.md": "---\nminutes: 1:20\nshare: 1:20.5\nflag: off\n---\n",
            "b.md": "---\nminutes: 1:20:30\nshare: 2:00.0\ncount: yes\n---\n",
            "c.md": "---\ndg-publish: maybe\ncount: 0:20\n---\n",
            "d.md": "---\ndg-publish: 1\n---\n",
        },
    )
    assert _lines(cli, root) == [
        "a.md:2:1: FM004 minutes: '1:20' is text in Obsidian: write 80",
        "a.md:3:1: FM004 share: '1:20.5' is text in Obsidian: write 80.5",
        "a.md:4:1: FM004 flag: 'off' is text in Obsidian: write false",
        "b.md:2:1: FM004 minutes: '1:20:30' is text in Obsidian: write 4830",
        "b.md:3:1: FM004 share: '2:00.0' is not of type 'number'",  # 1.1's 120.0 is over the maximum: no hint
        "b.md:4:1: FM004 count: 'yes' is not of type 'integer'",
        "c.md:2:1: FM004 dg-publish: 'maybe' is not of type 'boolean'",
        "c.md:3:1: FM004 count: '0:20' is not of type 'integer'",  # text in YAML 1.1 too (no leading 0)
        "d.md:2:1: FM004 dg-publish: 1 is not of type 'boolean'",
    ]


# Each key's value as YAML 1.2 reads it; the check file is JSON so that no YAML reading of its own intervenes.
WORDS = {
    "a": ("yes", {"const": "yes"}),
    "b": ("No", {"const": "No"}),
    "c": ("off", {"const": "off"}),
    "d": ("y", {"const": "y"}),
    "e": ("TRUE", {"const": True}),
    "f": ("Null", {"type": "null"}),
    "g": ("2024-01-02", {"const": "2024-01-02"}),
    "h": ("[on, n, Yes]", {"const": ["on", "n", "Yes"]}),
}
NUMBERS = {
    "i": ("0777", {"type": "integer", "const": 777}),
    "j": ("0o777", {"type": "integer", "const": 511}),
    "k": ("0x1F", {"type": "integer", "const": 31}),
    "l": ("1:20", {"const": "1:20"}),
    "m": ("1e3", {"type": "number", "const": 1000}),
    "n": ("[off, 007]", {"const": ["off", 7]}),
}


def test_schemas_see_the_values_obsidian_shows(tmp_path: Path, cli: CLI) -> None:
    """Words alone are read by the fast reader, numbers and nested mappings by the PyYAML one."""
    properties = {key: schema for key, (_, schema) in (WORDS | NUMBERS).items()}
    properties["z"] = {"const": "never"}  # proves the check runs
    check = {"kind": "frontmatter", "name": "seen", "schema": {"type": "object", "properties": properties}}
    words = "".join(f"{key}: {written}\n" for key, (written, _) in WORDS.items()) + "z: on\n"
    everything = "".join(f"{key}: {written}\n" for key, (written, _) in (WORDS | NUMBERS).items())
    everything += "nested:\n  x: 1\nz: on\n"
    assert read_simple(words) is not None and read_simple(everything) is None
    root = with_checks(tmp_path, seen=json.dumps(check))
    write_vault(root, {"words.md": f"---\n{words}---\n", "everything.md": f"---\n{everything}---\n"})
    assert _lines(cli, root) == [
        "everything.md:18:1: FM004 z: 'never' was expected",
        "words.md:10:1: FM004 z: 'never' was expected",
    ]
