"""'Did you mean' also catches a name the link gives only the start or the end of (or the name plus more).

The oracle for each case is written out by hand: which note a person reading the link would pick."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write_vault

CLI = Callable[..., Run]

NOTES = {
    "Brand Newer.md": "",
    "References/Steph Ango.md": "",
    "Plan B.md": "",
    "Planning.md": "",
    "Brand Newr Extended.md": "",
    "abcdef.md": "",
}


@pytest.mark.parametrize(
    ("target", "suggested"),
    [
        ("Brand New", "Brand Newer"),  # the case: a prefix of the name
        ("Steph", "Steph Ango"),
        ("Ango", "Steph Ango"),  # a suffix
        ("steph-ango notes", "Steph Ango"),  # the name is a prefix of the target (case, punctuation aside)
        ("Plan", "Plan B"),  # of two names it starts, the one that adds least
        ("Brand Newr", "Brand Newer"),  # one letter off wins over a longer name it starts
        ("abc", None),  # three letters start too many names to be a suggestion
        ("Elsewhere", None),
    ],
)
def test_suggestion_for_a_prefix_or_suffix(tmp_path: Path, cli: CLI, target: str, suggested: str | None) -> None:
    root = write_vault(tmp_path / "garden", {**NOTES, "index.md": f"[[{target}]]\n"})
    result = cli("check", "--vault", root, "-q", "--select", "LK001", root / "index.md")
    expected = f"index.md:1:1: LK001 unresolved link: no note named '{target}'"
    if suggested is not None:
        expected += f"; did you mean [[{suggested}]]?"
    assert result.out == expected + "\n"


def test_many_unresolved_targets_each_get_their_own_answer(tmp_path: Path, cli: CLI) -> None:
    """Past the first few queries the lookups switch to an index: the answers must not change."""
    names = [f"Topic {number:03d} overview" for number in range(200)]
    links = "\n".join(f"[[Topic {number:03d}]]" for number in range(200))
    root = write_vault(tmp_path / "garden", {**{f"{name}.md": "" for name in names}, "index.md": links + "\n"})
    result = cli("check", "--vault", root, "-q", "--select", "LK001", root / "index.md")
    assert result.out.splitlines() == [
        f"index.md:{number + 1}:1: LK001 unresolved link: no note named 'Topic {number:03d}'; "
        f"did you mean [[Topic {number:03d} overview]]?"
        for number in range(200)
    ]
