"""fix.py: --fix rewrites only what a fix names, every other byte kept (line ends, BOM, frontmatter)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from vaultkit.cli import main
from vaultkit.parse import parse_note
from vaultkit.parse.inline import WIKILINK

from conftest import CLI, HOSTILE_NOTES, REPO, SEED_NOTE, SEED_TEXT, write_vault


@pytest.mark.parametrize("variant", ["as-is", "crlf", "bom"])
def test_lk004_fix_changes_one_link_only(tmp_path: Path, cli: CLI, variant: str) -> None:
    data = SEED_TEXT.encode("utf-8")
    if variant == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif variant == "bom":
        data = b"\xef\xbb\xbf" + data
    root = tmp_path / "vault"
    shutil.copytree(REPO / "vault", root)
    note = root / SEED_NOTE
    note.write_bytes(data)
    link = "[[政策/全国范围政策/10方面31项重点任务明确路线图、施工图\\|绿色低碳生活]]".encode()
    diff = cli("check", "--vault", root, "--select", "LK004", "--diff").out.splitlines()
    assert [line[:1] for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")] == ["-", "+"]
    assert [line for line in diff if line.startswith("+") and "绿色低碳生活" in line and "[[政策" not in line]
    assert note.read_bytes() == data
    result = cli("check", "--vault", root, "--select", "LK004", "--fix")
    assert result.code == 0
    assert note.read_bytes() == data.replace(link, "绿色低碳生活".encode(), 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(HOSTILE_NOTES.filter(lambda body: "\x00" not in body))  # a NUL makes the note binary: nothing to fix
def test_fix_output_parses_and_has_no_finding_of_the_fixed_code(
    tmp_path_factory: pytest.TempPathFactory, body: str
) -> None:

    root = tmp_path_factory.mktemp("fix")
    text = f"# n\n{body}\n[[n]] [[n|alias]] [x](n.md)\n"
    write_vault(root, {"n.md": text})
    main(["check", "--vault", str(root), "--select", "LK004", "--fix", "--no-cache", "-q"])
    fixed = (root / "n.md").read_bytes()
    note = parse_note("n.md", fixed)
    assert all(problem.code != "VK001" for problem in note.problems)  # still a text note
    after = [link for link in note.links if WIKILINK.fullmatch(link.raw.lstrip("!")) and link.target in ("n", "n.md")]
    assert all(link.anchor for link in after)
