"""`--statistics`: how many findings of each code, as ruff prints them (`count<TAB>code<TAB>[*] name`,
counts right-aligned, most frequent first; `[*]` where a fix exists), or the same as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from vaultkit.model import Finding
from vaultkit.report import colour
from vaultkit.rules import RULES


def statistics(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    counts = Counter(finding.code for finding in findings)
    fixable = {finding.code for finding in findings if finding.fix is not None}
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    return [
        {"code": code, "name": RULES[code].name, "count": counts[code], "fixable": code in fixable} for code in ordered
    ]


def statistics_text(findings: Sequence[Finding], painted: bool = False) -> str:
    rows = statistics(findings)
    width = max((len(str(row["count"])) for row in rows), default=1)
    lines = []
    for row in rows:
        severity = next(finding.severity for finding in findings if finding.code == row["code"])
        shown = colour.code(row["code"], severity) if painted else row["code"]
        mark = "[*]" if row["fixable"] else "[ ]"
        lines.append(f"{row['count']:>{width}}\t{shown}\t{mark} {row['name']}\n")
    return "".join(lines)


def statistics_json(findings: Sequence[Finding]) -> str:
    return json.dumps(statistics(findings), ensure_ascii=False, indent=2) + "\n"
