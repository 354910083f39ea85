"""suggest.py: 'did you mean [[…]]?' — the same answer whichever way the nearest name is found."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import suggest
from vaultkit.resolve import VaultIndex

from conftest import Run, write_vault


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


# --- prefixes and suffixes: 'did you mean' catches a name the link gives only the start or end of ------

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


# --- against a brute-force oracle of the documented rules ----------------------------------------------

WORDS = ["brand", "new", "er", "steph", "ango", "plan", "b", "note", "notes", "x", "草稿", "心理"]


def _skeleton(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def oracle(target: str, names: list[str]) -> str | None:
    """The README's rules, one name at a time (names: unique, one folder, so a name is its link text)."""
    stem, skeleton = target.lower(), _skeleton(target)
    same = sorted(name for name in names if _skeleton(name) == skeleton)
    if same and skeleton:
        return same[0]
    if not 4 <= len(stem) <= 64:
        return None
    limit = 1 if len(stem) < 8 else 2
    close = [
        (_distance(stem, name.lower()), name.lower(), name)
        for name in names
        if not _deletions(stem).isdisjoint(_deletions(name.lower())) and _distance(stem, name.lower()) <= limit
    ]
    if close:
        return min(close)[2]
    if len(skeleton) < 4:
        return None
    affixes = []
    for name in names:
        other = _skeleton(name)
        if other != skeleton and (other.startswith(skeleton) or other.endswith(skeleton)):
            affixes.append((len(other) - len(skeleton), name.lower() + ".md", name))
        half = max(4, (len(skeleton) + 1) // 2)
        if other != skeleton and len(other) >= half and (skeleton.startswith(other) or skeleton.endswith(other)):
            affixes.append((len(skeleton) - len(other), name.lower() + ".md", name))
    return min(affixes)[2] if affixes else None


def test_suggestions_follow_the_rules_on_random_vaults() -> None:
    kinds: set[str] = set()
    for seed in range(40):
        chance = random.Random(seed)
        names = sorted({_phrase(chance).title() if chance.random() < 0.5 else _phrase(chance) for _ in range(30)})
        vault = VaultIndex([f"{name}.md" for name in names], {})
        for _ in range(30):
            target = _phrase(chance)
            if chance.random() < 0.3:
                target = target.replace(" ", chance.choice(["-", "_", "  "]))
            expected = oracle(target, names)
            assert suggest.suggestion(target, vault) == expected, (seed, target)
            kinds.add("none" if expected is None else "affix" if _skeleton(expected) != _skeleton(target) else "same")
    assert kinds == {"none", "affix", "same"}  # every rule was exercised


def _phrase(chance: random.Random) -> str:
    return " ".join(chance.choice(WORDS) for _ in range(chance.randint(1, 4)))
