"""kinds/links.py: LK001–LK007, each triggered and each not, with exact path, line and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Findings, with_checks, write_vault


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


def test_dg_publish_yes_is_not_published(vault: Callable[..., Path], findings: Findings) -> None:
    """Obsidian reads `dg-publish: yes` as the text 'yes' (YAML 1.2): the Digital Garden does not publish
    the note, so its links are not checked as published, and a published note linking to it gets LK007."""
    root = vault(
        {
            "pub.md": "---\ndg-publish: true\n---\n[[draft]] [[private]]\n",
            "draft.md": "---\ndg-publish: yes\n---\n[[private]]\n",
            "on.md": "---\ndg-publish: on\nnested: {a: 1}\n---\n[[private]]\n",
            "private.md": "---\ndg-publish: false\n---\n",
        }
    )
    assert findings(root) == [("pub.md", 4, 1, "LK007"), ("pub.md", 4, 11, "LK007")]
