"""Every code has a fixture that triggers it and one that must not, with exact path, line and column."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import write_vault

Findings = Callable[..., list[tuple[str, int, int, str]]]

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


def with_checks(root: Path, **checks: str) -> Path:
    write_vault(root, {".vaultkit.yaml": "checks: checks\n", **{f"checks/{k}.yaml": v for k, v in checks.items()}})
    return root


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("---\ntitle: Foo: bar\n---\n", [("n.md", 2, 11, "FM001")]),
        ("---\ntags: [a, b\n---\n", [("n.md", 3, 1, "FM001")]),
        ("---\ntitle: x\n\n# never closed\n", [("n.md", 1, 1, "FM001")]),
        ("---\n- a\n- b\n---\n", [("n.md", 2, 1, "FM002")]),
        ("---\njust text\n---\n", [("n.md", 2, 1, "FM002")]),
        ("---\ntags: [a]\ntitle: t\ntags: [b]\n---\n", [("n.md", 4, 1, "FM003")]),
        ("---\ntitle: 'Foo: bar'\ntags: [a, b]\n---\nbody\n", []),
        ("---\n---\n", []),
        ("no frontmatter\n---\n", []),
    ],
)
def test_frontmatter_syntax(vault: Callable[..., Path], findings: Findings, note: str, expected: list[object]) -> None:
    assert findings(vault({"n.md": note})) == expected


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


def test_links_codes(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault(
        {
            "src.md": "\n".join(
                [
                    "---",
                    "dg-publish: true",
                    "---",
                    "[[gone]] [[t#nope]] [[t#^nope]] [[src]] [[dup]] [[../../x]] [[private]]",
                    "[[t]] [[t#Here]] [[t#^blk]] [[src#Mine]] [[a/dup]] [[pub]] ![[t]]",
                    "## Mine",
                ]
            ),
            "t.md": "---\ndg-publish: true\n---\n## Here\ntext ^blk\n",
            "a/dup.md": "---\ndg-publish: true\n---\n",
            "b/dup.md": "---\ndg-publish: true\n---\n",
            "private.md": "---\ndg-publish: false\n---\n",
            "pub.md": "---\ndg-publish: true\n---\n",
        }
    )
    assert findings(root) == [
        ("src.md", 4, 1, "LK001"),
        ("src.md", 4, 10, "LK002"),
        ("src.md", 4, 21, "LK003"),
        ("src.md", 4, 33, "LK004"),
        ("src.md", 4, 41, "LK005"),
        ("src.md", 4, 49, "LK006"),
        ("src.md", 4, 61, "LK007"),
    ]


def test_unpublished_note_may_link_anywhere(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"draft.md": "[[private]]\n", "private.md": "---\ndg-publish: false\n---\n"})
    assert findings(root) == []


def test_links_check_tunes_builtin(tmp_path: Path, findings: Findings) -> None:
    root = with_checks(tmp_path, links="kind: links\nname: links\nignore_targets: ['Planned*']\nembeds: false\n")
    write_vault(root, {"n.md": "[[Planned note]] ![[missing.png]] [[Other]]\n"})
    assert findings(root) == [("n.md", 1, 35, "LK001")]


def test_vk001_not_utf8_and_nul(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"bad.md": b"ok\nab\xff\xfe\n", "bin.md": b"\x89PNG\x00\x00", "good.md": "[[bad]] [[bin]]\n"})
    assert findings(root) == [("bad.md", 2, 3, "VK001"), ("bin.md", 1, 5, "VK001")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_vk001_unreadable(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"locked.md": "x"})
    (root / "locked.md").chmod(0)
    assert findings(root) == [("locked.md", 1, 1, "VK001")]


def test_vk003_big_note_fifo_and_symlinks(tmp_path: Path, findings: Findings) -> None:
    root = write_vault(tmp_path / "v", {".vaultkit.yaml": "max_note_size: 1KB\n", "big.md": "x" * 2000, "ok.md": ""})
    os.mkfifo(root / "pipe.md")
    outside = write_vault(tmp_path / "outside", {"secret.md": "[[nothing]]"})
    (root / "escape.md").symlink_to(outside / "secret.md")
    (root / "loop.md").symlink_to(root / "loop.md")
    (root / "inside.md").symlink_to(root / "ok.md")
    assert findings(root) == [
        ("big.md", 1, 1, "VK003"),
        ("escape.md", 1, 1, "VK003"),
        ("loop.md", 1, 1, "VK003"),
        ("pipe.md", 1, 1, "VK003"),
    ]


def test_sy001_conflict_copy(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"笔记.md": "", "笔记.conflict-20261124-101500.md": "", "not.conflict-2026.md": ""})
    assert findings(root) == [("笔记.conflict-20261124-101500.md", 1, 1, "SY001")]
