"""Time per MB of `vaultkit check` on hostile note shapes (issue 15): parsing must stay linear in a note's size.

    python bench/hostile.py [--sizes 0.25,1,5] [--shapes NAME,...] [--timeout 300] [--verify]

Each shape is one note of about the given size in MB (UTF-8 bytes), checked alone in a vault that also holds
`ok.md`, by `python -m vaultkit check --no-cache --format json --select LK001` in a subprocess. The time printed
is the CPU time (user and system, of vaultkit's processes: on a shared machine, what the note costs) less that
of the same vault with a one-line note (start-up and the vault scan), per MB of the note, and as a ratio to the
plain note of the same size. Targets: no shape over 3x plain per MB, and a shape's per-MB cost not growing with
size.

Every shape writes `[[missing]]` only where it is a real link (never inside code, a comment or a link's text),
so the findings are known exactly: one LK001 at each occurrence of `[[missing]]`, with its line and column.
`--verify` compares them and exits 1 on any difference or timeout (tests/test_hostile_shapes.py uses it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MISSING = "[[missing]]"
MB = 1024 * 1024


def _repeat(unit: str, size: int) -> str:
    """`unit` repeated up to `size` UTF-8 bytes (whole units only, so every line is whole)."""
    count = max(1, size // len(unit.encode("utf-8")))
    return unit * count


def code_spans(size: int) -> str:
    """The note of the issue: many code spans, and links beside them (quadratic in 0.1.0)."""
    return _repeat("汉字 text [[ok]] [[missing]] `[[code]]` " * 4 + "\n", size)


def html_comments(size: int) -> str:
    return _repeat("汉字 <!-- [[hidden]] --> [[ok]] [[missing]] <!-- c --> " * 4 + "\n", size)


def obsidian_comments(size: int) -> str:
    return _repeat("汉字 %% [[hidden]] %% [[ok]] [[missing]] %%c%% " * 4 + "\n", size)


def bracket_runs(size: int) -> str:
    """Long runs of `[` and of `](` that open and close nothing (a `)` ends each line, so every `](` is
    tried), a `](` before a run of spaces, and runs of openers with links inside links."""
    unit = "[" * 2000 + " [[missing]] " + "](" * 2000 + " [[ok]] " + "[a" * 500 + "](](" * 250 + MISSING + " )\n"
    unit += "[a](" + " " * 3000 + "b c " + MISSING + " )\n"  # spaces where a destination would start
    unit += "[" * 1000 + "a](ok.md)](ok.md) " * 200 + MISSING + "\n"  # openers left open, links in links
    return _repeat(unit, size)


def deep_nesting(size: int) -> str:
    """Lists nested 30 deep, then quotes nested 30 deep, each line holding links."""
    lists = "".join("  " * depth + f"- item {depth} [[ok]] {MISSING}\n" for depth in range(30))
    quotes = "".join("> " * depth + f"quote {depth} [[ok]] {MISSING}\n" for depth in range(1, 31))
    return _repeat(lists + "\n" + quotes + "\n", size)


def one_long_line(size: int) -> str:
    return _repeat("word [[ok]] [[missing]] `code` <!-- c --> ", size).rstrip() + "\n"


def plain(size: int) -> str:
    """Prose with the same density of links: the yardstick."""
    return _repeat("汉字 text [[ok]] [[missing]] plain words here " * 4 + "\n", size)


SHAPES: dict[str, Callable[[int], str]] = {
    "plain": plain,
    "code spans + links": code_spans,
    "HTML comments + links": html_comments,
    "%% comments + links": obsidian_comments,
    "runs of [ and ](": bracket_runs,
    "deep lists + quotes": deep_nesting,
    "one long line": one_long_line,
}


def expected_findings(text: str) -> list[tuple[int, int]]:
    """(line, column) of every `[[missing]]`, columns in code points."""
    found: list[tuple[int, int]] = []
    line, line_start = 1, 0
    at = text.find(MISSING)
    scanned = 0
    while at >= 0:
        newlines = text.count("\n", scanned, at)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", scanned, at) + 1
        scanned = at
        found.append((line, at - line_start + 1))
        at = text.find(MISSING, at + len(MISSING))
    return found


def run_check(vault: Path, timeout: float) -> tuple[float, list[dict[str, object]] | None]:
    """CPU seconds (user and system, of the process and any child it forks) and findings of one check;
    findings None on a timeout. CPU time, not wall time: on a shared machine it is what the note costs."""
    command = [sys.executable, "-m", "vaultkit", "check", "--vault", str(vault), "--no-cache"]
    command += ["--format", "json", "--select", "LK001", "--exit-zero"]
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(vault.parent / "cache")}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        before = os.times()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                return timeout, None
            time.sleep(0.01)
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"vaultkit failed: {err.read().decode(errors='replace')[:500]}")
        out.seek(0)
        findings: list[dict[str, object]] = json.loads(out.read())
        return cpu, findings


def make_vault(folder: Path, text: str) -> Path:
    vault = folder / "vault"
    vault.mkdir(parents=True)
    (vault / "ok.md").write_text("# ok\n", encoding="utf-8")
    (vault / "note.md").write_text(text, encoding="utf-8")
    return vault


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0.25,1,5", help="note sizes in MB, comma-separated")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="shapes, comma-separated")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed for one check")
    parser.add_argument("--runs", type=int, default=1, help="runs per figure (the median is shown)")
    parser.add_argument("--verify", action="store_true", help="exit 1 unless every finding is exactly as expected")
    args = parser.parse_args(argv)
    sizes = [float(size) for size in args.sizes.split(",")]
    shapes = [name.strip() for name in args.shapes.split(",")]
    unknown = [name for name in shapes if name not in SHAPES]
    if unknown:
        parser.error(f"unknown shape {unknown[0]!r} (known: {', '.join(SHAPES)})")
    ok = True
    with tempfile.TemporaryDirectory(prefix="vaultkit-hostile-") as work:
        base_vault = make_vault(Path(work) / "baseline", "# small\n\n[[ok]]\n")
        baseline = statistics.median(run_check(base_vault, args.timeout)[0] for _ in range(3))
        print(f"start-up and scan (subtracted): {baseline:.3f} s of CPU")
        print(f"{'shape':<24} {'MB':>6} {'CPU s':>8} {'s/MB':>7} {'x plain':>8}  findings")
        for size in sizes:
            plain_per_mb: float | None = None
            for name in shapes:
                text = SHAPES[name](int(size * MB))
                megabytes = len(text.encode("utf-8")) / MB
                vault = make_vault(Path(work) / f"{name}-{size}".replace(" ", "_"), text)
                times: list[float] = []
                findings: list[dict[str, object]] | None = None
                for _ in range(args.runs):
                    elapsed, findings = run_check(vault, args.timeout)
                    times.append(elapsed)
                    if findings is None:
                        break
                seconds = max(statistics.median(times) - baseline, 0.0)
                per_mb = seconds / megabytes
                if name == "plain":
                    plain_per_mb = per_mb
                ratio = f"{per_mb / plain_per_mb:8.2f}" if plain_per_mb else f"{'-':>8}"
                if findings is None:
                    verdict = f"TIMEOUT after {args.timeout:.0f} s"
                    ok = False
                else:
                    got = sorted((int(str(f["line"])), int(str(f["column"]))) for f in findings)
                    want = expected_findings(text)
                    verdict = f"{len(got)} LK001"
                    if got != want:
                        ok = False
                        wrong = sorted(set(got) ^ set(want))[:3]
                        verdict += f", WRONG: expected {len(want)}; first differences {wrong}"
                print(f"{name:<24} {megabytes:6.2f} {seconds:8.3f} {per_mb:7.3f} {ratio}  {verdict}", flush=True)
    return 0 if ok or not args.verify else 1


if __name__ == "__main__":
    raise SystemExit(main())
