"""rules.py: the one table of codes, as `vaultkit rules` and `vaultkit explain` show it."""

from __future__ import annotations

import pytest

from vaultkit.rules import RULES

from conftest import CLI


def test_rules_lists_every_code(cli: CLI) -> None:
    result = cli("rules", "--format", "json")
    assert [r["code"] for r in result.json()] == list(RULES)
    text = cli("rules").out.splitlines()
    assert text[0].split()[:3] == ["FM001", "frontmatter-syntax", "error"]
    assert len(text) == len(RULES)


@pytest.mark.parametrize("code", list(RULES))
def test_explain_every_code(cli: CLI, code: str) -> None:
    result = cli("explain", code)
    assert result.code == 0
    for section in ("What it does", "Why is this bad?", "Example", "How to fix it"):
        assert section in result.out
    assert cli("explain", RULES[code].name).out == result.out
