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
