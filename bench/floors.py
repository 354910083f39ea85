"""The two floors every vaultkit figure is measured against (SPEC §11).

    python bench/floors.py read VAULT    # read and decode every .md file
    python bench/floors.py link VAULT    # the same, plus a [[...]] regex pass and a dict lookup per target

Each is a complete program run as its own process, so interpreter start-up counts as it does for vaultkit.
"""

from __future__ import annotations

import os
import re
import sys

WIKILINK = re.compile(r"\[\[([^\]|#\n]+)")


def markdown_files(root: str) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(folder, name) for name in files if name.endswith(".md"))
    return found


def read_floor(root: str) -> int:
    total = 0
    for path in markdown_files(root):
        with open(path, "rb") as handle:
            total += len(handle.read().decode("utf-8", errors="replace"))
    return total


def link_floor(root: str) -> int:
    paths = markdown_files(root)
    names = {os.path.basename(path)[:-3].lower(): path for path in paths}
    missing = 0
    for path in paths:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
        for match in WIKILINK.finditer(text):
            target = match.group(1).strip().lower()
            if target.rpartition("/")[2] not in names:
                missing += 1
    return missing


def main(argv: list[str]) -> int:
    mode, root = argv
    print({"read": read_floor, "link": link_floor}[mode](root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
