"""What `--fix` and `--diff` tell: the summary line (`fixed N findings in M notes, K left`) and the
fixes as JSON (`--diff --format json`: one object per note, its path, how many fixes, its diff)."""

from __future__ import annotations

import json
from collections.abc import Sequence


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def fix_summary(fixed: Sequence[tuple[str, int, str]], left: int) -> str:
    """`fixed 2 findings in 2 notes, 1 left` (fixed: (path, fixes, diff) of each note changed)."""
    count = sum(fixes for _, fixes, _ in fixed)
    return f"fixed {plural(count, 'finding')} in {plural(len(fixed), 'note')}, {left:,} left"


def diff_json(fixed: Sequence[tuple[str, int, str]]) -> str:
    records = [{"path": path, "fixes": fixes, "diff": diff} for path, fixes, diff in fixed]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
