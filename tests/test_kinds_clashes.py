"""kinds/clashes.py: VK004 name-clash — files whose paths are equal up to case or Unicode form (NFC/NFD)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

from vaultkit.kinds.clashes import name_clashes
from vaultkit.model import FILE_START

from conftest import CLI, Findings

NFC = unicodedata.normalize("NFC", "café.md")
NFD = unicodedata.normalize("NFD", "café.md")


def test_twins_in_memory_name_each_other() -> None:
    found = name_clashes(["Note.md", "a/x.md", NFC, "note.md", NFD, "A/x.md", "other.md"])
    assert sorted(found) == sorted(["Note.md", "note.md", NFC, NFD, "A/x.md", "a/x.md"])
    assert all(finding.code == "VK004" and finding.span == FILE_START for finding in found.values())
    assert found["Note.md"].message == (
        "'Note.md' and 'note.md' differ only in case: they collide on macOS and Windows, and links cannot "
        "tell them apart; rename or merge one of them"
    )
    assert found[NFD].message.startswith(f"'{NFD}' and '{NFC}' differ only in Unicode normalization (NFC/NFD): ")
    assert found["a/x.md"].message.startswith("'a/x.md' and 'A/x.md' differ only in case: ")


def test_three_twins_and_both_differences() -> None:
    upper = unicodedata.normalize("NFD", "CAFÉ.md")
    found = name_clashes([NFC, upper, "Café.md"])
    assert found[NFC].message.startswith(f"'{NFC}' and '{upper}' and 'Café.md' differ only in ")
    assert "case and Unicode normalization" in found[NFC].message


def test_no_twins_no_findings() -> None:
    assert name_clashes(["Note.md", "Notes.md", "a/Note.md", "b/Note.md", "cafe.md", NFC, "note.txt"]) == {}


def test_check_reports_case_and_unicode_twins(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"Note.md": "one\n", "note.md": "two\n", NFC: "", NFD: "", "img.png": b"1", "img.PNG": b"2"})
    twins = ["Note.md", "note.md", NFC, NFD, "img.PNG", "img.png"]
    assert sorted(f for f in findings(root) if f[3] == "VK004") == sorted((path, 1, 1, "VK004") for path in twins)


def test_check_reports_folders_that_differ_in_case(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"Projects/plan.md": "", "projects/plan.md": "", "projects/other.md": ""})
    assert findings(root) == [("Projects/plan.md", 1, 1, "VK004"), ("projects/plan.md", 1, 1, "VK004")]


def test_check_is_quiet_on_names_that_only_look_alike(vault: Callable[..., Path], findings: Findings) -> None:
    root = vault({"Note.md": "", "Notes.md": "", "a/Note.md": "", "b/Note.md": "", "cafe.md": "", NFC: ""})
    assert [f for f in findings(root) if f[3] == "VK004"] == []


def test_vk004_can_be_ignored_and_is_explained(vault: Callable[..., Path], findings: Findings, cli: CLI) -> None:
    root = vault({"Note.md": "", "note.md": ""})
    assert findings(root, "--ignore", "name-clash") == []
    explained = cli("explain", "VK004").out
    assert explained.startswith("VK004 (name-clash) — default severity: warning")
    assert "Merge the two files into one" in explained and "rename one of them" in explained
