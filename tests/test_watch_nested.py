"""watch applies nested configuration as check does (SPEC §2, §9): one found at start, one created,
changed or removed while watching; and its findings stay those of `vaultkit check --no-cache`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from conftest import LineReader, stop, write_vault
from terminal import vaultkit


def check_rows(root: Path) -> list[tuple[str, int, int, str]]:
    done = vaultkit("check", "--vault", root, "--no-cache", "--format", "json", cwd=root)
    return sorted((f["path"], f["line"], f["column"], f["code"]) for f in json.loads(done.out))


def test_nested_configuration_while_watching(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            "Notes/.vaultkit.yaml": "ignore: [LK004]\n",
            "Notes/n.md": "[[n]]\n",
            "t.md": "[[t]]\n",
        },
    )
    command = [sys.executable, "-m", "vaultkit", "watch", "--vault", str(root), "--format", "jsonl", "--no-sync"]
    process = subprocess.Popen(
        [*command, "--debounce", "0.1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines = LineReader(process.stdout)
    try:
        events = [json.loads(line) for line in lines.until(lambda line: '"ready"' in line)]
        shown = {(e["path"], e["line"], e["column"], e["code"]) for e in events if e["event"] == "added"}
        assert sorted(shown) == check_rows(root) == [("t.md", 1, 1, "LK004")]
        time.sleep(0.05)
        (root / "Notes" / ".vaultkit.yaml").write_text("ignore: [LK001]\n", encoding="utf-8")
        events = [json.loads(line) for line in lines.until(lambda line: '"checked"' in line)]
        assert {"event": "notice", "message": "configuration reloaded"} in events
        added = [(e["path"], e["code"]) for e in events if e["event"] == "added"]
        assert added == [("Notes/n.md", "LK004")] and check_rows(root) == [
            ("Notes/n.md", 1, 1, "LK004"),
            ("t.md", 1, 1, "LK004"),
        ]
        (root / "vaultkit.yaml").write_text("select: [LK001]\n", encoding="utf-8")  # a new one, at the root
        events = [json.loads(line) for line in lines.until(lambda line: '"checked"' in line)]
        removed = sorted((e["path"], e["code"]) for e in events if e["event"] == "removed")
        assert removed == [("Notes/n.md", "LK004"), ("t.md", "LK004")] and check_rows(root) == []
    finally:
        assert stop(process) == 0
