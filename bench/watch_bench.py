"""watch's speed (SPEC §11, issue 13): the re-check `elapsed_ms` that `vaultkit watch --format jsonl`
reports for everyday changes on the 10,000-note vault, as a share of a cold check of the same files.

    python /work/shared/bench/make_vault.py /tmp/vaultkit-bench/vault-10000 --notes 10000 --seed 1
    python bench/watch_bench.py [--vault /tmp/vaultkit-bench/vault-10000] [--repeat 5] [--start warm|cold|both]

Run by hand, not by CI. It works on a copy of the vault (an interrupted run never leaves its edits in
the vault bench/run.py scores), into which it adds, before anything is measured, a note that 50 notes
link to (`bench hub.md`). The cases, each repeated and reported as the median and the maximum of the
elapsed_ms summed over the `checked` events the change caused (the debounce is not in it):

  save at the root          a line with a link appended to a note at the vault root
  save three levels deep    the same, to a note in a folder three levels deep
  atomic save               a temp file written beside a note and renamed over it
  new note in a new folder  a folder made and a note (a copy of another note's text) saved in it
  delete a linked note      `bench hub.md`, that 50 notes link to, deleted (and made again, unmeasured)
  rename a folder           the folder holding closest to 100 notes renamed (and back)

Targets: every one-note case (the first five) <= 1 % of the cold check, the folder rename <= 5 %.
`--start warm`: watch starts from the cache a previous `vaultkit check` left (the notes are not in
memory, so a re-check reads them); `cold`: without a cache (every note is parsed, and kept, at start).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

DEFAULT_VAULT = Path(tempfile.gettempdir()) / "vaultkit-bench" / "vault-10000"
ONE_NOTE_TARGET, FOLDER_TARGET = 1.0, 5.0  # per cent of the cold check
HUB = "bench hub.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vault", type=Path, default=DEFAULT_VAULT)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--start", choices=["warm", "cold", "both"], default="both")
    args = parser.parse_args(argv)
    if not (args.vault / ".expected.json").is_file():
        sys.exit(f"{args.vault}: generate it first (python /work/shared/bench/make_vault.py --help)")
    with tempfile.TemporaryDirectory(prefix="vaultkit-watch-bench-") as work:
        vault = Path(work) / "vault"
        shutil.copytree(args.vault, vault, symlinks=True)
        add_hub(vault)
        cold_ms = cold_check(vault, Path(work) / "cold-cache")
        print(f"vault: {args.vault} copied ({count_notes(vault):,} notes); load {os.getloadavg()[0]:.2f}")
        print(f"cold check (--no-cache, median of 3): {cold_ms:.0f} ms")
        starts = ["warm", "cold"] if args.start == "both" else [args.start]
        worst = 0.0  # the worst share of a target
        for start in starts:
            cache = Path(work) / f"cache-{start}"
            if start == "warm":
                run_vaultkit(["check", "--vault", str(vault), "-q"], cache)
            results = measure(vault, cache, args.repeat, start)
            worst = max(worst, report(start, results, cold_ms, count_notes(folder_of_about(vault, 100))))
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0 if worst <= 1 else 1


def run_vaultkit(args: list[str], cache: Path) -> float:
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vaultkit", *args], stdout=subprocess.DEVNULL, env=env, check=False)
    return (time.perf_counter() - started) * 1000


def cold_check(vault: Path, cache: Path) -> float:
    return statistics.median(
        run_vaultkit(["check", "--vault", str(vault), "--no-cache", "-q"], cache) for _ in range(3)
    )


def count_notes(folder: Path) -> int:
    return sum(1 for _ in notes_of(folder))


def notes_of(vault: Path) -> list[Path]:
    return sorted(
        p for p in vault.rglob("*.md") if not any(part.startswith(".") for part in p.relative_to(vault).parts)
    )


def add_hub(vault: Path) -> None:
    """A note that 50 others link to (the generated vault has few notes with that many backlinks)."""
    write_hub(vault)
    notes = [note for note in notes_of(vault) if note.name != HUB]
    for note in notes[:: len(notes) // 50][:50]:
        with open(note, "a", encoding="utf-8") as handle:
            handle.write("\nSee [[bench hub]].\n")


def folder_of_about(vault: Path, wanted: int) -> Path:
    counts: dict[Path, int] = {}
    for note in notes_of(vault):
        for folder in note.relative_to(vault).parents:
            if folder != Path("."):
                counts[folder] = counts.get(folder, 0) + 1
    return vault / min(counts, key=lambda folder: (abs(counts[folder] - wanted), str(folder)))


class Watch:
    def __init__(self, vault: Path, cache: Path) -> None:
        command = [sys.executable, "-m", "vaultkit", "watch", "--vault", str(vault), "--format", "jsonl"]
        env = {**os.environ, "VAULTKIT_CACHE_DIR": str(cache)}
        options = ["--no-sync", "--debounce", "0.05", "--rescan", "36000"]
        self.process = subprocess.Popen([*command, *options], stdout=subprocess.PIPE, text=True, env=env)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.events.put(json.loads(line))

    def until(self, kind: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.events.get(timeout=max(0.01, deadline - time.monotonic()))["event"] != kind:
            pass

    def elapsed_after(self, change: Callable[[], None]) -> float:
        """Make the change; the elapsed_ms of the re-checks it caused (until 0.5 s without an event)."""
        self.quiet(0.3)
        change()
        total, checked = 0.0, False
        while True:
            try:
                event = self.events.get(timeout=0.5 if checked else 30)
            except queue.Empty:
                if not checked:
                    raise SystemExit("no re-check within 30 s of a change") from None
                return total
            if event["event"] == "checked":
                total += float(event["elapsed_ms"])
                checked = True

    def settle(self, timeout: float = 300) -> None:
        """Wait until watch uses no CPU (Linux: its utime + stime in /proc barely move for half a second)."""
        deadline = time.monotonic() + timeout
        ticks = os.sysconf("SC_CLK_TCK")

        def cpu() -> float:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
            return (int(fields[11]) + int(fields[12])) / ticks

        before = cpu()
        while time.monotonic() < deadline:
            self.quiet(0.5)
            now = cpu()
            if now - before < 0.03:
                return
            before = now

    def quiet(self, seconds: float) -> None:
        try:
            while True:
                self.events.get(timeout=seconds)
        except queue.Empty:
            return

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def append_link(note: Path, number: int) -> None:
    with open(note, "a", encoding="utf-8") as handle:
        handle.write(f"\n[[bench missing {number}]]\n")


def atomic_save(note: Path) -> None:
    temp = note.with_name(f".{note.name}.{os.getpid()}.tmp")
    temp.write_bytes(note.read_bytes() + b"\nsaved atomically\n")
    os.replace(temp, note)


def new_note(vault: Path, text_of: Path, name: str) -> None:
    folder = vault / f"bench new {name}" / "inside"
    folder.mkdir(parents=True)
    (folder / f"bench note {name}.md").write_bytes(text_of.read_bytes())


def write_hub(vault: Path) -> None:
    (vault / HUB).write_text("# Bench hub\n\n## Linked from fifty notes\n", encoding="utf-8")


def measure(vault: Path, cache: Path, repeat: int, tag: str) -> dict[str, list[float]]:
    notes = [note for note in notes_of(vault) if note.name != HUB]
    depth = {note: len(note.relative_to(vault).parts) - 1 for note in notes}
    at_root = [note for note in notes if depth[note] == 0]
    deep = [note for note in notes if depth[note] == 3]
    box = folder_of_about(vault, 100)
    renamed = box.with_name(box.name + " renamed")
    results: dict[str, list[float]] = {}
    watch = Watch(vault, cache)
    try:
        watch.until("ready", timeout=300)
        watch.settle()  # it gets ready to take changes one at a time, and reads what the cache stood in for
        for number in range(repeat):
            there, back = (box, renamed) if number % 2 == 0 else (renamed, box)
            cases: list[tuple[str, Callable[[], None]]] = [
                ("save at the root", partial(append_link, at_root[number * 7], number)),
                ("save three levels deep", partial(append_link, deep[number * 11], number)),
                ("atomic save", partial(atomic_save, deep[-1 - number])),
                ("new note in a new folder", partial(new_note, vault, notes[number * 97], f"{tag} {number}")),
                ("delete a note with 50 backlinks", (vault / HUB).unlink),
                ("rename a folder", partial(os.rename, there, back)),
            ]
            for name, change in cases:
                results.setdefault(name, []).append(watch.elapsed_after(change))
            watch.elapsed_after(partial(write_hub, vault))  # back for the next round, not measured
        if repeat % 2:
            watch.elapsed_after(partial(os.rename, renamed, box))
    finally:
        watch.stop()
    return results


def report(start: str, results: dict[str, list[float]], cold_ms: float, held: int) -> float:
    """Print one line a case; return the worst share of its target (over 1: a target missed)."""
    print(f"\nwatch started {start} ({'from the cache of a check' if start == 'warm' else 'without a cache'}):")
    worst = 0.0
    for name, values in results.items():
        target = FOLDER_TARGET if name.startswith("rename a folder") else ONE_NOTE_TARGET
        median = statistics.median(values)
        share = median / cold_ms * 100
        worst = max(worst, share / target)
        label = f"{name} of {held} notes" if name.startswith("rename a folder") else name
        print(
            f"  {label:<36} median {median:7.1f} ms  max {max(values):7.1f} ms  = {share:5.2f} % of the cold check"
            f"  (target <= {target:g} %: {'ok' if share <= target else 'OVER'})"
        )
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
