"""Reporters: findings to text, JSON, SARIF or GitHub annotations — a dict of functions keyed by name."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import quote

from vaultkit import __version__
from vaultkit.model import Finding
from vaultkit.report import colour
from vaultkit.report.fixes import plural
from vaultkit.rules import RULES


class ReportContext(NamedTuple):
    notes: int  # notes checked
    prefix: str = ""  # the vault root relative to the working directory, for CI paths ("vault/")
    colour: bool = False  # paint text output (report.colour decides when)


Reporter = Callable[[Sequence[Finding], ReportContext], str]


def finding_dict(finding: Finding) -> dict[str, Any]:
    """The JSON shape of a finding (SPEC §7); watch's jsonl events reuse it."""
    record: dict[str, Any] = {
        "path": finding.path,
        "line": finding.span.line,
        "column": finding.span.column,
        "end_line": finding.span.end_line,
        "end_column": finding.span.end_column,
        "code": finding.code,
        "name": RULES[finding.code].name,
        "severity": finding.severity,
        "message": finding.message,
    }
    if finding.fix is not None:
        record["fix"] = {
            "description": finding.fix.description,
            "edits": [
                {
                    "line": edit.span.line,
                    "column": edit.span.column,
                    "end_line": edit.span.end_line,
                    "end_column": edit.span.end_column,
                    "replacement": edit.replacement,
                }
                for edit in finding.fix.edits
            ],
        }
    return record


def text_line(finding: Finding, painted: bool = False) -> str:
    """`path:line:col: CODE message`; painted: the path bold, the code red (error) or yellow (warning)."""
    if painted:
        where = f"{colour.bold(finding.path)}:{finding.span.line}:{finding.span.column}"
        return f"{where}: {colour.code(finding.code, finding.severity)} {finding.message}"
    return f"{finding.path}:{finding.span.line}:{finding.span.column}: {finding.code} {finding.message}"


def summary(findings: Sequence[Finding], notes: int) -> str:
    errors = sum(1 for finding in findings if finding.severity == "error")
    warnings = len(findings) - errors
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(notes, 'note')}"


def report_text(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = "".join(text_line(finding, context.colour) + "\n" for finding in findings)
    return lines + summary_line(summary(findings, context.notes), context.colour)


def summary_line(text: str, painted: bool = False) -> str:
    return (colour.bold(text) if painted else text) + "\n"


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps makes one per call with options


def report_json(findings: Sequence[Finding], context: ReportContext) -> str:
    """A JSON array, one finding a line.

    A thousand findings are encoded in one call (json's C encoder runs only without `indent`, and each
    call costs as much as a short finding), then each `}, {"path": ` between two findings becomes a
    line break: that sequence holds a bare quote, which inside a JSON string is always escaped, so it
    is never part of a value."""
    if not findings:
        return "[]\n"
    parts = []
    for start in range(0, len(findings), _BATCH):
        batch = [finding_dict(finding) for finding in findings[start : start + _BATCH]]
        parts.append(_ENCODER.encode(batch)[1:-1].replace(_BETWEEN, _BETWEEN_LINES))
    return "[\n" + ",\n".join(parts) + "\n]\n"


_BATCH = 1000  # findings a call: as fast as all at once, without holding every finding as a dict
_BETWEEN = '}, {"path": '
_BETWEEN_LINES = '},\n{"path": '


def report_github(findings: Sequence[Finding], context: ReportContext) -> str:
    """Workflow commands (`::error file=…,line=…,col=…,title=CODE::message`); GitHub shows them as
    annotations on the files, so paths are relative to the working directory (the checkout)."""
    lines = []
    for finding in findings:
        level = "error" if finding.severity == "error" else "warning"
        properties = ",".join(
            [
                f"file={_escape_property(context.prefix + finding.path)}",
                f"line={finding.span.line}",
                f"col={finding.span.column}",
                f"title={_escape_property(finding.code)}",
            ]
        )
        lines.append(f"::{level} {properties}::{_escape_data(finding.message)}\n")
    return "".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report_sarif(findings: Sequence[Finding], context: ReportContext) -> str:
    """SARIF 2.1.0: one rule per code, columns in Unicode code points."""
    codes = sorted(RULES)
    index = {code: i for i, code in enumerate(codes)}
    rules = [
        {
            "id": code,
            "name": RULES[code].name,
            "shortDescription": {"text": RULES[code].summary},
            "fullDescription": {"text": RULES[code].what},
            "help": {"text": RULES[code].explain()},
            "defaultConfiguration": {"level": RULES[code].severity},
        }
        for code in codes
    ]
    results = [
        {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": finding.severity,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": quote(context.prefix + finding.path, safe="/")},
                        "region": {
                            "startLine": finding.span.line,
                            "startColumn": finding.span.column,
                            "endLine": finding.span.end_line,
                            "endColumn": finding.span.end_column,
                        },
                    }
                }
            ],
        }
        for finding in findings
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vaultkit",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "json": report_json,
    "sarif": report_sarif,
    "github": report_github,
}
