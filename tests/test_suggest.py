"""suggest.py: 'did you mean [[…]]?' — the same answer whichever way the nearest name is found."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import suggest
from vaultkit.resolve import VaultIndex


def test_did_you_mean(vault: Callable[[dict[str, str]], Path], cli: Callable[..., object]) -> None:
    root = vault({"a.md": "[[Project Plna]] [[project-plan]]\n", "Project Plan.md": ""})
    lines = cli("check", "--vault", root, "--no-cache").out.splitlines()  # type: ignore[attr-defined]
    assert lines[:2] == [
        "a.md:1:1: LK001 unresolved link: no note named 'Project Plna'; did you mean [[Project Plan]]?",
        "a.md:1:18: LK001 unresolved link: no note named 'project-plan'; did you mean [[Project Plan]]?",
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abcde笔记 -", min_size=1, max_size=9), min_size=1, max_size=40), st.data())
def test_suggestions_are_the_same_from_a_scan_and_from_the_index(names: list[str], data: st.DataObject) -> None:
    """The first queries scan, later ones use an index; a message must not depend on which."""
    vault = VaultIndex([f"{name}.md" for name in names], {})
    scanning, indexed = suggest._SuggestIndex(vault), suggest._SuggestIndex(vault)
    indexed.scans = suggest._SCANS_BEFORE_INDEX
    for _ in range(5):
        query = data.draw(st.text(alphabet="abcde笔记 -x", min_size=1, max_size=10))
        scanning.scans = 0
        assert scanning.nearest(query) == indexed.nearest(query)


CLOSEST_HEADING_NOTE = "# 容器\n\n## 1.1 容器的命名规则\n\n## Setup & Vault Consistency\n\n### Sub-step 1\n\n## Q\n"


def test_closest_heading_for_a_missing_one() -> None:
    """The chain's last part found elsewhere, the same letters, a small edit, words held: else nothing."""
    from vaultkit.parse import parse_text

    vault = VaultIndex(["n.md"], {"n.md": parse_text("n.md", CLOSEST_HEADING_NOTE)})
    note = vault.notes["n.md"]
    asked = {
        "Q#Sub-step 1": "Sub-step 1",
        "setupvault consistency": "Setup & Vault Consistency",
        "Setup Vault Consistancy": "Setup & Vault Consistency",
        "1.2 容器的命名规则": "1.1 容器的命名规则",
        "容器的命名规则": "1.1 容器的命名规则",
        "完全无关的标题": None,
        "P": None,  # one letter off a one-letter heading is a guess, not a suggestion
        "命名": None,  # too short to be held in another
    }
    assert {anchor: suggest.closest_heading(vault, note, anchor) for anchor in asked} == asked
