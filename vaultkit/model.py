"""The records every part of vaultkit passes around: spans, links, headings, notes, findings, fixes.

The small records are named tuples: a vault has hundreds of thousands of them, and tuples are the
cheapest immutable records Python creates, pickles and compares.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning"]


class Span(NamedTuple):
    """A range in a note: lines 1-based (frontmatter counts), columns 1-based in code points, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


class Link(NamedTuple):
    """One wikilink, embed or Markdown link as written in a note."""

    target: str  # path part: before the first '#', trimmed, escape removed, URL-decoded for Markdown links
    anchor: str  # after the first '#': "Heading", "A#B" or "^block"; "" when none
    alias: str | None  # display text after '|' (for embeds, possibly a size such as "100x200")
    embed: bool
    line: int  # where it is written (a vault has a hundred thousand links: no Span object each)
    column: int
    end_line: int
    end_column: int
    raw: str  # the link exactly as written

    @property
    def span(self) -> Span:
        return Span(self.line, self.column, self.end_line, self.end_column)


class Heading(NamedTuple):
    level: int
    text: str
    line: int  # where it is written (held here rather than in a Span object: a vault has many)
    column: int
    end_line: int
    end_column: int

    @property
    def span(self) -> Span:
        return Span(self.line, self.column, self.end_line, self.end_column)


class Comment(NamedTuple):
    """An HTML comment or an Obsidian %% comment, for suppression directives."""

    text: str
    span: Span


class Edit(NamedTuple):
    """Replace the text in `span` by `replacement`; `original` (when given) must still be there."""

    span: Span
    replacement: str
    original: str = ""


class Fix(NamedTuple):
    description: str
    edits: tuple[Edit, ...]


FILE_START = Span(1, 1, 1, 1)  # where a finding about a whole file points
OPENING_FENCE = Span(1, 1, 1, 4)  # the `---` that opens frontmatter


class Finding(NamedTuple):
    """One finding. Its severity as reported is stamped by `Selection.apply` (the code's default, or the
    configuration's), so the checks that make findings never name one."""

    path: str  # vault-relative, '/' separators
    span: Span
    code: str
    message: str
    severity: Severity = "error"
    fix: Fix | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.code, self.message)


def block_id_set(ids: Iterable[str]) -> frozenset[str]:
    """A note's block ids; every note without any shares one empty set (frozenset() makes a new one)."""
    found = frozenset(ids)
    return found if found else _NO_BLOCK_IDS


_NO_BLOCK_IDS: frozenset[str] = frozenset()


class Note(NamedTuple):
    """A parsed note; everything a check needs, nothing that needs the file system."""

    path: str
    frontmatter: dict[str, Any] | None  # None: no frontmatter or unreadable frontmatter
    frontmatter_end: int  # last line of the frontmatter block (0 when there is none)
    headings: tuple[Heading, ...]
    block_ids: frozenset[str]  # lower-cased
    links: tuple[Link, ...]
    comments: tuple[Comment, ...]
    problems: tuple[Finding, ...]  # found while parsing: FM001-FM003, VK001, VK003
    code_lines: tuple[tuple[int, int], ...] = ()  # inclusive line ranges of code and HTML blocks
    frontmatter_keys: tuple[tuple[str, int, int], ...] = ()  # top-level key, line, column
    text: str | None = None  # body text, kept only when a check needs it

    @property
    def name(self) -> str:
        return strip_md(self.path.rsplit("/", 1)[-1])

    @classmethod
    def with_problem(cls, problem: Finding) -> Note:
        """A note known only by its path and one problem that kept it from being parsed."""
        return cls(problem.path, None, 0, (), block_id_set(()), (), (), (problem,))

    def key_span(self, key: str | None, missing: Span = OPENING_FENCE) -> Span:
        """Where a top-level frontmatter key is written; `missing` (the opening `---`) when it is not."""
        for name, line, column in self.frontmatter_keys:
            if name == key:
                return Span(line, column, line, column + len(name))
        return missing


def is_note(path: str) -> bool:
    """Notes are `.md` files (any case); every other file is an attachment."""
    return path.lower().endswith(".md")


def strip_md(path: str) -> str:
    """A note's path or name without its `.md` (any case), as links write it."""
    return path[:-3] if path.lower().endswith(".md") else path


def shorten(text: str, limit: int = 120) -> str:
    """Messages stay one readable line, whatever a hostile note holds."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ConfigError(Exception):
    """Bad configuration or check definition: one line naming the file and the key; exit code 2."""
