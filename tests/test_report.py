"""SARIF that a SARIF reader accepts, GitHub annotations in the documented syntax, paths CI expects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sarif_pydantic import Sarif

from vaultkit.model import Edit, Finding, Fix, Span
from vaultkit.report import ReportContext, finding_dict, report_json
from vaultkit.rules import RULES

from conftest import CLI, REPO, SEED_NOTE, write_vault


def test_sarif_is_read_by_a_sarif_reader(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    output = cli("check", "vault", "--format", "sarif").out
    log = Sarif.model_validate_json(output)  # sarif-pydantic, the SARIF 2.1.0 object model from PyPI
    assert log.version == "2.1.0"
    data = json.loads(output)
    run = data["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(RULES)
    assert all(rule["help"]["text"] == RULES[rule["id"]].explain() for rule in rules)
    assert all(rule["defaultConfiguration"]["level"] in ("error", "warning") for rule in rules)
    results = run["results"]
    assert len(results) == 9
    self_link = next(result for result in results if result["ruleId"] == "LK004")
    assert rules[self_link["ruleIndex"]]["id"] == "LK004"
    location = self_link["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 12, "startColumn": 42, "endLine": 12, "endColumn": 84}
    # relative to the working directory (the repository root in CI), URL-encoded
    assert location["artifactLocation"]["uri"].startswith("vault/%E6%94%BF%E7%AD%96/")


def test_sarif_without_findings_is_valid(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path, {"a.md": "[[b]]", "b.md": ""})
    output = cli("check", "--vault", root, "--format", "sarif").out
    Sarif.model_validate_json(output)
    assert json.loads(output)["runs"][0]["results"] == []


def test_github_annotations(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    lines = cli("check", "vault", "--format", "github").out.splitlines()
    assert len(lines) == 9
    assert lines[6] == f"::error file=vault/{SEED_NOTE},line=12,col=42,title=LK004::link to the note itself"


def test_github_escapes_and_warnings(tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    write_vault(tmp_path / "v", {"a,b/x.md": "", "c:d/x.md": "", "100%.md": "[[x]] [[a: 50%]]"})
    monkeypatch.chdir(tmp_path)
    assert cli("check", "--vault", "v", "--format", "github").out.splitlines() == [
        "::warning file=v/100%25.md,line=1,col=1,title=LK005::ambiguous link 'x': Obsidian opens 'a,b/x.md';"
        " it also matches 'c:d/x.md' (paths of equal length: vaultkit guesses the first by code point)",
        "::error file=v/100%25.md,line=1,col=7,title=LK001::unresolved link: no note named 'a: 50%25'",
    ]


def test_json_is_an_array_of_finding_objects(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    records = cli("check", "vault", "--format", "json").json()
    assert len(records) == 9
    assert set(records[0]) == {
        "path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message",
    }  # fmt: skip
    assert "fix" in records[6]


@pytest.mark.parametrize("batch", [1000, 2])
def test_json_has_one_finding_a_line_whatever_the_messages_hold(batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vaultkit.report._BATCH", batch)  # 2: the findings span two encoder calls
    tricky = 'unresolved link: no note named \'}, {"path": "x.md"}\''
    fix = Fix("replace", (Edit(Span(2, 1, 2, 9), '}, {"path": ', "[[b.md]]"),))
    findings = [
        Finding("a.md", Span(1, 1, 1, 5), "LK001", tricky),
        Finding("笔记/b.md", Span(2, 1, 2, 9), "LK004", "link to the note itself", fix=fix),
        Finding("c.md", Span(3, 2, 3, 4), "LK002", "heading '}' not found in [[a]]"),
    ]
    lines = report_json(findings, ReportContext(3)).splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 5
    assert [json.loads(line.removesuffix(",")) for line in lines[1:-1]] == [finding_dict(f) for f in findings]
