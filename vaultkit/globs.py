"""Glob patterns over vault-relative paths, read as .gitignore reads them (by the `pathspec` library).

`*` stays within a folder, `**` crosses folders, a pattern without `/` matches a name in any folder, a
leading `/` anchors at the vault root, a trailing `/` means a folder, a folder's match covers everything
below it, and `!` takes paths back out. Patterns are NFC-normalized, as the paths they are asked about.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache


class GlobError(ValueError):
    """A pattern that is not a glob (`!` alone, say); the message names it."""


class Globs:
    """Compiled patterns (and, for Obsidian's excluded files, regular expressions); ask with `matches`.

    When every pattern includes (no `!`), their expressions are joined into one, matched in one call of
    re's C code: `matches` runs for every note against every check definition."""

    __slots__ = ("_joined", "_regexes", "_spec", "patterns")

    def __init__(self, patterns: tuple[str, ...], regexes: tuple[str, ...] = ()) -> None:
        import pathspec  # 12 ms to import: only for a vault whose configuration has patterns

        self.patterns = patterns
        try:
            self._spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        except ValueError as error:  # pathspec's GitIgnorePatternError names the pattern
            raise GlobError(str(error).replace("Invalid git pattern", "not a valid glob")) from None
        parts = [f"(?:{regex})" for regex in regexes]
        joinable = True
        for pattern in self._spec.patterns:
            if pattern.include is None:  # a blank line or a comment
                continue
            expression = getattr(pattern.regex, "pattern", None)
            if not pattern.include or not isinstance(expression, str):
                joinable = False
                break
            parts.append("(?:" + expression.replace("(?P<ps_d>/)", "/") + ")")
        joined = "|".join(parts)
        self._joined = re.compile(joined, re.S) if joinable and "(?P<" not in joined and parts else None
        self._regexes = re.compile("|".join(f"(?:{regex})" for regex in regexes), re.S) if regexes else None

    def matches(self, path: str) -> bool:
        """Whether the vault-relative `path` (NFC, `/` separators) is matched."""
        if self._joined is not None:
            return self._joined.match(path) is not None
        if self._regexes is not None and self._regexes.match(path) is not None:
            return True
        return self._spec.match_file(path)

    def __repr__(self) -> str:
        return f"Globs({self.patterns!r})"


def compile_globs(patterns: Iterable[str], regexes: Iterable[str] = ()) -> Globs | None:
    """The patterns compiled once (None when there are none); `regexes` are Python regular expressions
    matched from the start of the path, as they are. Raises GlobError for a pattern that is no glob."""
    return _compiled(tuple(patterns), tuple(regexes))


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...], regexes: tuple[str, ...]) -> Globs | None:
    lines = tuple(_line(pattern) for pattern in patterns if pattern.strip())
    if not lines and not regexes:
        return None
    return Globs(lines, regexes)


def _line(pattern: str) -> str:
    """One glob as a .gitignore line: surrounding spaces dropped, a leading `#` taken literally."""
    pattern = unicodedata.normalize("NFC", pattern.strip())
    return "\\" + pattern if pattern.startswith("#") else pattern
