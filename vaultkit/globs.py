"""Glob patterns over vault-relative paths: `*` within a folder, `**` across folders."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache


def glob_regex(pattern: str) -> str:
    """Translate one glob; a pattern without '/' matches a name in any folder, as in .gitignore."""
    pattern = unicodedata.normalize("NFC", pattern.strip())
    anchored = pattern.startswith("/")
    pattern = pattern.lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = pattern.find("]", index + 1)
            if close < 0:
                out.append(re.escape(char))
            else:
                body = pattern[index + 1 : close].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                index = close
        else:
            out.append(re.escape(char))
        index += 1
    body = "".join(out)
    if not anchored and "/" not in pattern.rstrip("*"):
        body = "(?:.*/)?" + body
    return body + "(?:/.*)?"


def compile_globs(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for all patterns (None when there are none); match with `.fullmatch`."""
    return _compiled(tuple(patterns))


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [glob_regex(pattern) for pattern in patterns if pattern.strip()]
    if not parts:
        return None
    return re.compile("|".join(f"(?:{part})" for part in parts), re.S)
