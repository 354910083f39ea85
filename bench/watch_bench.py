"""watch's speed on one save (SPEC §11): the re-check's elapsed_ms, and the wall time from the write to
the `added` event, on the 10,000-note vault; compared with a cold check of the same vault.

    python bench/watch_bench.py [--vault /tmp/vaultkit-bench/vault-10000] [--saves 15]

Run by hand, not by CI. Each save appends a link to a note that does not exist, so each one must
produce exactly one `added` event; the debounce (0.2 s by default, here --debounce 0) is excluded.
It works on a copy of the vault: an interrupted run never leaves its edits in the vault that
bench/run.py scores.
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
from pathlib import Path

DEFAULT_VAULT = Path(tempfile.gettempdir()) / "vaultkit-bench" / "vault-10000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vault", type=Path, default=DEFAULT_VAULT)
    parser.add_argument("--saves", type=int, default=15)
    args = parser.parse_args(argv)
    if not (args.vault / ".expected.json").is_file():
        sys.exit(f"{args.vault}: generate it first (python bench/run.py does)")
    with tempfile.TemporaryDirectory(prefix="vaultkit-watch-bench-") as work:
        vault = Path(work) / "vault"
        shutil.copytree(args.vault, vault, symlinks=True)
        return measure(vault, args.saves)


def measure(vault: Path, saves: int) -> int:
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(Path(tempfile.gettempdir()) / "vaultkit-bench" / "watch-cache")}
    cold = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "vaultkit", "check", "--vault", str(vault), "--no-cache", "-q"],
            stdout=subprocess.DEVNULL,
            env=env,
            check=False,
        )
        cold.append(time.perf_counter() - start)
    command = [sys.executable, "-m", "vaultkit", "watch", "--vault", str(vault), "--format", "jsonl"]
    watch = subprocess.Popen([*command, "--debounce", "0", "--no-sync"], stdout=subprocess.PIPE, text=True, env=env)
    events: queue.Queue[tuple[float, dict[str, object]]] = queue.Queue()

    def read() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            events.put((time.perf_counter(), json.loads(line)))

    threading.Thread(target=read, daemon=True).start()
    notes = sorted(vault.rglob("*.md"))[:: max(1, 10000 // saves)][:saves]
    elapsed_ms: list[float] = []
    to_event: list[float] = []
    try:
        while events.get(timeout=120)[1]["event"] != "ready":
            pass
        for number, note in enumerate(notes):
            time.sleep(0.3)
            written = time.perf_counter()
            with open(note, "ab") as handle:
                handle.write(f"\n[[bench missing {number}]]\n".encode())
            added_at = None
            while True:
                try:
                    arrived, event = events.get(timeout=10)
                except queue.Empty:
                    print(f"no re-check within 10 s of saving {note}", file=sys.stderr)
                    break
                if event["event"] == "added" and added_at is None:
                    added_at = arrived
                if event["event"] == "checked":
                    elapsed_ms.append(float(event["elapsed_ms"]))  # type: ignore[arg-type]
                    break
            if added_at is not None:
                to_event.append((added_at - written) * 1000)
    finally:
        watch.terminate()
        watch.wait()
    cold_s = statistics.median(cold)
    check_ms = statistics.median(elapsed_ms)
    print(f"cold check (--no-cache, median of 3): {cold_s:.3f} s")
    print(
        f"one-note save, re-check elapsed_ms: median {check_ms:.1f} ms = {check_ms / (cold_s * 1000) * 100:.2f} %"
        f" of the cold check (target <= 1 %); max {max(elapsed_ms):.1f} ms over {len(elapsed_ms)} saves"
    )
    print(f"write -> 'added' event, wall time: median {statistics.median(to_event):.1f} ms (debounce 0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
