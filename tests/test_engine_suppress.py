"""Suppression comments silence exactly the named codes on exactly the named lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Findings

Vault = Callable[[dict[str, str]], Path]

BROKEN_AND_SELF = "[[missing]] [[n]]"  # LK001 at column 1, LK004 at column 13 (in note n.md)


def note(*lines: str) -> dict[str, str]:
    return {"n.md": "\n".join(lines) + "\n"}


def test_next_line_html_and_obsidian_comments(vault: Vault, findings: Findings) -> None:
    root = vault(
        note(
            "<!-- vaultkit-disable-next-line LK001 -->",
            BROKEN_AND_SELF,
            BROKEN_AND_SELF,
            "%% vaultkit-disable-next-line self-link %%",
            BROKEN_AND_SELF,
            "text <!-- vaultkit-disable-next-line LK --> inline",
            BROKEN_AND_SELF,
        )
    )
    assert findings(root) == [
        ("n.md", 2, 13, "LK004"),
        ("n.md", 3, 1, "LK001"),
        ("n.md", 3, 13, "LK004"),
        ("n.md", 5, 1, "LK001"),
    ]


def test_ranges_and_all_codes(vault: Vault, findings: Findings) -> None:
    root = vault(
        note(
            BROKEN_AND_SELF,
            "<!-- vaultkit-disable LK001 -->",
            BROKEN_AND_SELF,
            BROKEN_AND_SELF,
            "<!-- vaultkit-enable LK001 -->",
            BROKEN_AND_SELF,
            "%% vaultkit-disable %%",
            BROKEN_AND_SELF,
        )
    )
    assert findings(root) == [
        ("n.md", 1, 1, "LK001"),
        ("n.md", 1, 13, "LK004"),
        ("n.md", 3, 13, "LK004"),
        ("n.md", 4, 13, "LK004"),
        ("n.md", 6, 1, "LK001"),
        ("n.md", 6, 13, "LK004"),
    ]


def test_frontmatter_silences_the_whole_note(vault: Vault, findings: Findings) -> None:
    root = vault(note("---", "vaultkit-disable: [unresolved-link]", "---", BROKEN_AND_SELF, BROKEN_AND_SELF))
    assert findings(root) == [("n.md", 4, 13, "LK004"), ("n.md", 5, 13, "LK004")]


def test_unused_suppressions_are_vk002(vault: Vault, findings: Findings) -> None:
    root = vault(
        note(
            "---",
            "vaultkit-disable: [LK002]",
            "---",
            "<!-- vaultkit-disable-next-line LK001 -->",
            "no link here",
            "%% vaultkit-enable LK004 %%",
            "<!-- vaultkit-disable-next-line LK999 -->",
            "[[missing]]",
        )
    )
    assert findings(root) == [
        ("n.md", 2, 1, "VK002"),
        ("n.md", 4, 1, "VK002"),
        ("n.md", 6, 1, "VK002"),
        ("n.md", 7, 1, "VK002"),
        ("n.md", 8, 1, "LK001"),
    ]
    # a suppression of codes that were not checked is not "unused"
    assert findings(root, "--select", "OL,VK") == [("n.md", 6, 1, "VK002"), ("n.md", 7, 1, "VK002")]
    assert findings(root, "--ignore", "VK002") == [("n.md", 8, 1, "LK001")]


def test_suppressions_inside_code_are_not_suppressions(vault: Vault, findings: Findings) -> None:
    root = vault(
        note(
            "```",
            "<!-- vaultkit-disable-next-line -->",
            "```",
            BROKEN_AND_SELF,
            "`<!-- vaultkit-disable-next-line -->`",
            BROKEN_AND_SELF,
        )
    )
    assert findings(root) == [
        ("n.md", 4, 1, "LK001"),
        ("n.md", 4, 13, "LK004"),
        ("n.md", 6, 1, "LK001"),
        ("n.md", 6, 13, "LK004"),
    ]


def test_suppressions_survive_the_cache(vault: Vault, cli: Callable[..., object]) -> None:
    root = vault(note("<!-- vaultkit-disable-next-line LK001 -->", BROKEN_AND_SELF, "[[other missing]]"))
    runs = [cli("check", "--vault", root, "-q").out for _ in range(2)]  # type: ignore[attr-defined]
    assert (
        runs[0]
        == runs[1]
        == (
            "n.md:2:13: LK004 link to the note itself\nn.md:3:1: LK001 unresolved link: no note named 'other missing'\n"
        )
    )
