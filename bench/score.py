"""Score vaultkit's findings against a generated vault's `.expected.json` (precision and recall).

    python bench/score.py VAULT [--findings FILE]

Runs `vaultkit check --vault VAULT --format json --no-cache` unless --findings gives its output.
LK001, LK002+LK003 and LK004 are matched by (file, line, column); FM001 by file. Exit 1 unless every
score is 1.0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

Key = tuple[str, ...]


def expected_keys(expected: dict[str, Any]) -> dict[str, set[Key]]:
    def at(entry: dict[str, Any]) -> Key:
        return (entry["file"], str(entry["line"]), str(entry["col"]))

    return {
        "LK001": {at(e) for e in expected["broken_links"]},
        "LK002+LK003": {at(e) for e in expected["broken_anchors"]},
        "LK004": {at(e) for e in expected["self_links"]},
        "FM001": {
            (e["file"],) for e in expected["malformed_frontmatter"] if e["kind"] in ("yaml_syntax", "unterminated")
        },
    }


def found_keys(findings: list[dict[str, Any]]) -> dict[str, set[Key]]:
    found: dict[str, set[Key]] = {"LK001": set(), "LK002+LK003": set(), "LK004": set(), "FM001": set()}
    for f in findings:
        key: Key = (f["path"], str(f["line"]), str(f["column"]))
        if f["code"] == "LK001":
            found["LK001"].add(key)
        elif f["code"] in ("LK002", "LK003"):
            found["LK002+LK003"].add(key)
        elif f["code"] == "LK004":
            found["LK004"].add(key)
        elif f["code"] == "FM001":
            found["FM001"].add((f["path"],))
    return found


def score(expected: dict[str, set[Key]], found: dict[str, set[Key]]) -> list[tuple[str, int, int, float, float]]:
    rows = []
    for code, want in expected.items():
        got = found[code]
        hits = len(want & got)
        precision = hits / len(got) if got else 1.0
        recall = hits / len(want) if want else 1.0
        rows.append((code, len(want), len(got), precision, recall))
    return rows


def run_vaultkit(vault: Path) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", "vaultkit", "check", "--vault", str(vault), "--format", "json", "--no-cache"]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"vaultkit failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--findings", type=Path, help="vaultkit's JSON output, instead of running it")
    parser.add_argument("--show", type=int, default=5, help="misses and extras to print per code")
    args = parser.parse_args(argv)
    expected = expected_keys(json.loads((args.vault / ".expected.json").read_text(encoding="utf-8")))
    findings = json.loads(args.findings.read_text(encoding="utf-8")) if args.findings else run_vaultkit(args.vault)
    found = found_keys(findings)
    perfect = True
    print(f"{'code':<12} {'expected':>8} {'found':>8} {'precision':>9} {'recall':>7}")
    for code, want, got, precision, recall in score(expected, found):
        print(f"{code:<12} {want:>8} {got:>8} {precision:>9.4f} {recall:>7.4f}")
        if precision < 1 or recall < 1:
            perfect = False
            for label, keys in (("missed", expected[code] - found[code]), ("extra", found[code] - expected[code])):
                for key in sorted(keys)[: args.show]:
                    print(f"    {label}: {':'.join(key)}")
    return 0 if perfect else 1


if __name__ == "__main__":
    raise SystemExit(main())
