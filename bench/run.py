"""vaultkit's benchmark (SPEC §11): one command, every figure, as ratios to floors measured in the same run.

    python bench/run.py [--runs 5] [--work /tmp/vaultkit-bench] [--make-vault PATH]

Generates the 1,000- and 10,000-note vaults with make_vault.py --seed 1, then measures, interleaved,
the median of --runs runs of: the read floor and the link floor (bench/floors.py), vaultkit cold
(--no-cache), warm (cache, nothing changed), one note changed with the whole vault indexed (the
pre-commit case: the changed note is passed as PATH), and the peak memory of the cold run; then
scores the cold run's findings against .expected.json. Run by hand, not by CI.
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
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import score  # noqa: E402  (bench/score.py, beside this file)

DEFAULT_MAKE_VAULT = HERE.parent.parent / "shared" / "bench" / "make_vault.py"
TARGETS = {  # figure at 10,000 notes: (limit, what it is a ratio to)
    "cold": (2.0, "link"),
    "warm": (1.0, "read"),
    "one changed": (1.2, "read"),
}


def timed(command: list[str], env: dict[str, str], sample: bool = False) -> tuple[float, int, bytes]:
    """Wall seconds, peak memory in bytes, stdout of one run of `command`. The peak is the kernel's
    max RSS of the process; with `sample` (vaultkit forks a second process for a cold check), the
    largest proportional set size of the process and its children together, sampled every 5 ms:
    the memory the two use, with the pages they share after the fork counted once (summing their
    RSS would count those twice)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env)
        peak_sum = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG if sample else 0)
            if pid:
                break
            peak_sum = max(peak_sum, tree_memory(process.pid))
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):
            sys.exit(f"failed ({process.returncode}): {' '.join(command)}")
        out.seek(0)
        return elapsed, peak_sum if sample else usage.ru_maxrss * 1024, out.read()


def tree_memory(pid: int) -> int:
    """Proportional set size of a process and its children, from /proc (Linux)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids.extend(int(child) for child in children)
    except OSError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def make_vault(make: Path, folder: Path, notes: int) -> Path:
    if not (folder / ".expected.json").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(make), str(folder), "--notes", str(notes), "--seed", "1", "--force"]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    return folder


def vault_bytes(vault: Path) -> tuple[int, int]:
    """The notes' and attachments' bytes, and the space they take on disk (what `du` reports)."""
    files = [path.stat() for path in vault.rglob("*") if path.is_file() and ".obsidian" not in path.parts]
    return sum(info.st_size for info in files), sum(info.st_blocks * 512 for info in files)


def measure(vault: Path, runs: int, cache_dir: Path) -> tuple[dict[str, list[float]], dict[str, int], bytes]:
    """Every figure for one vault, interleaved so that a slow moment of the machine hits all alike."""
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(cache_dir)}
    vaultkit = [sys.executable, "-m", "vaultkit", "check", "--vault", str(vault), "--format", "json"]
    floors = [sys.executable, str(HERE / "floors.py")]
    changed = next(p for p in sorted(vault.rglob("*.md")) if "[[" in p.read_text(encoding="utf-8"))
    original = changed.read_bytes()
    timed(vaultkit, env)  # fill the cache (and the page cache) before anything is measured
    times: dict[str, list[float]] = defaultdict(list)
    memory: dict[str, int] = {}
    cold_output = b""

    def one_changed() -> list[str]:
        changed.write_bytes(original + f"\nedit {time.time_ns()}\n".encode())
        return [*vaultkit, str(changed)]

    figures: dict[str, Callable[[], list[str]]] = {
        "read floor": lambda: [*floors, "read", str(vault)],
        "link floor": lambda: [*floors, "link", str(vault)],
        "cold": lambda: [*vaultkit, "--no-cache"],
        "cold, one core": lambda: ["env", "VAULTKIT_WORKERS=1", *vaultkit, "--no-cache"],
        "warm": lambda: vaultkit,
        "one changed": one_changed,
    }
    try:
        for _ in range(runs):
            for name, command in figures.items():
                if name == "warm":
                    timed(vaultkit, env)  # the cache now matches the vault: what follows is warm
                seconds, peak, output = timed(command(), env, sample=name == "cold")
                times[name].append(seconds)
                memory[name] = max(memory.get(name, 0), peak)
                if name == "cold":
                    cold_output = output
    finally:
        changed.write_bytes(original)
    return times, memory, cold_output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "vaultkit-bench")
    parser.add_argument("--make-vault", type=Path, default=DEFAULT_MAKE_VAULT)
    args = parser.parse_args(argv)
    # As `pip install` does: compile vaultkit's modules once, so no run pays for it (PYTHONDONTWRITEBYTECODE
    # or an editable install would otherwise make every run compile them from source).
    package = subprocess.run(
        [sys.executable, "-c", "import vaultkit, os; print(os.path.dirname(vaultkit.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)
    results = {}
    for notes in (1000, 10000):
        vault = make_vault(args.make_vault, args.work / f"vault-{notes}", notes)
        times, memory, cold_output = measure(vault, args.runs, args.work / f"cache-{notes}")
        medians = {name: statistics.median(values) for name, values in times.items()}
        results[notes] = (medians, memory, vault_bytes(vault), cold_output, vault)
    big, small = results[10000], results[1000]
    medians, memory, (size, on_disk), cold_output, vault = big
    floors = {"read": medians["read floor"], "link": medians["link floor"]}
    print(
        f"10,000 notes: {size / 1e6:.1f} MB in files, {on_disk / 1e6:.1f} MB on disk;"
        f" median of {args.runs} interleaved runs (1,000 notes in brackets)"
    )
    print(f"  read floor   {floors['read']:6.3f} s   [{small[0]['read floor']:.3f} s]")
    print(f"  link floor   {floors['link']:6.3f} s   [{small[0]['link floor']:.3f} s]")
    for name, (limit, floor) in TARGETS.items():
        ratio = medians[name] / floors[floor]
        verdict = "ok" if ratio <= limit else "MISSED"
        print(
            f"  {name:<12} {medians[name]:6.3f} s = {ratio:5.2f} x {floor} floor"
            f" (target <= {limit})  {verdict}   [{small[0][name]:.3f} s]"
        )
    print(f"  cold on one core {medians['cold, one core']:6.3f} s (VAULTKIT_WORKERS=1)")
    for name in ("cold", "cold, one core"):  # cold: both processes, shared pages once; one core: max RSS
        peak = memory[name]
        print(
            f"  peak memory, {name + ':':<15} {peak / 1e6:6.1f} MB = {peak / on_disk:4.2f} x bytes on disk"
            f" (target <= 4) = {peak / size:4.2f} x bytes in files"
        )
    growth = medians["cold"] / small[0]["cold"]
    print(f"  growth 1,000 -> 10,000 notes: cold time x {growth:.2f} (target <= 11)")
    findings = json.loads(cold_output)
    expected = score.expected_keys(json.loads((vault / ".expected.json").read_text(encoding="utf-8")))
    print("correctness (cold run at 10,000 notes):")
    print(f"  {'code':<12} {'expected':>8} {'found':>8} {'precision':>9} {'recall':>7}")
    for code, want, got, precision, recall in score.score(expected, score.found_keys(findings)):
        print(f"  {code:<12} {want:>8} {got:>8} {precision:>9.4f} {recall:>7.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
