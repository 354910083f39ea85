"""kinds/frontmatter.py: FM004 (schema), FM005 (permalink template) and FM006 (duplicate permalinks), exactly placed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Findings, with_checks, write_vault

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
