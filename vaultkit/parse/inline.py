"""Inline scanning of the text between code blocks: code spans, comments, links, block ids.

Works on the whole note text with offsets, so every position is exact: lines count every line
of the file, columns count code points.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from vaultkit.model import Comment, Link, Span

_SPECIAL = re.compile(r"`+|<!--|%%")
# where a paragraph ends: a code span or inline comment never crosses it
_PARAGRAPH_END = re.compile(r"\n[ \t]*(?:\n|#{1,6}(?:[ \t]|$)|[-+*>][ \t]|\d{1,9}[.)][ \t]|`{3}|~{3})", re.M)
WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]*)\]\]")
_MD_LINK = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\([ \t]*"
    r"(<[^<>\n]*>|[^ \t\n()<>]*(?:\([^ \t\n()]*\)[^ \t\n()<>]*)*)"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*\)"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")
_BLOCK_ID = re.compile(r"(?:^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$", re.M)


@dataclass(slots=True)
class Positions:
    """Turns increasing offsets into (line, column) by counting newlines once."""

    text: str
    first_line: int = 0  # 0-based line of offset `at`
    at: int = 0

    def line_col(self, offset: int) -> tuple[int, int]:
        if offset < self.at:
            self.first_line, self.at = 0, 0
        self.first_line += self.text.count("\n", self.at, offset)
        self.at = offset
        line_start = self.text.rfind("\n", 0, offset) + 1
        return self.first_line + 1, offset - line_start + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.line_col(start)
        if self.text.find("\n", start, end) < 0:
            return Span(line, column, line, column + end - start)
        end_line = line + self.text.count("\n", start, end)
        return Span(line, column, end_line, end - (self.text.rfind("\n", 0, end) + 1) + 1)


@dataclass(slots=True)
class InlineScan:
    links: list[Link] = field(default_factory=list)
    block_ids: set[str] = field(default_factory=set)
    comments: list[Comment] = field(default_factory=list)
    hidden: list[tuple[int, int]] = field(default_factory=list)  # offsets inside %% comments


def scan_inline(text: str, segments: list[tuple[int, int]]) -> InlineScan:
    """Scan each (start, end) offset range of `text` that lies outside code and HTML blocks."""
    result = InlineScan()
    positions = Positions(text)
    in_comment_from: int | None = None  # an Obsidian %% comment open since this offset
    for start, end in segments:
        excluded: list[tuple[int, int]] = []
        pos = start
        if in_comment_from is not None:
            close = text.find("%%", start, end)
            if close < 0:
                excluded.append((start, end))
                continue
            _add_comment(result, positions, text, in_comment_from, close + 2, hidden=(start, close + 2))
            excluded.append((start, close + 2))
            in_comment_from, pos = None, close + 2
        if _has(text, "`", pos, end) or _has(text, "<!--", pos, end) or _has(text, "%%", pos, end):
            in_comment_from = _exclusions(text, pos, end, excluded, result, positions)
        _find_links(text, start, end, excluded, result, positions)
    if in_comment_from is not None:  # an unclosed %% hides the rest of the note, as in Obsidian
        result.hidden.append((in_comment_from, len(text)))
    return result


def _exclusions(
    text: str, pos: int, end: int, excluded: list[tuple[int, int]], result: InlineScan, positions: Positions
) -> int | None:
    """Add code spans and comments in text[pos:end] to `excluded`; return where an open %% began."""
    while True:
        match = _SPECIAL.search(text, pos, end)
        if match is None:
            return None
        token, at = match.group(), match.start()
        if token == "%%":
            close = text.find("%%", match.end(), end)
            if close < 0:
                excluded.append((at, end))
                result.hidden.append((at, end))
                return at
            excluded.append((at, close + 2))
            _add_comment(result, positions, text, at, close + 2, hidden=(at, close + 2))
            pos = close + 2
            continue
        paragraph = _PARAGRAPH_END.search(text, match.end(), end)
        limit = paragraph.start() if paragraph else end
        if token == "<!--":
            close = text.find("-->", match.end(), limit)
            if close < 0:
                pos = match.end()
                continue
            excluded.append((at, close + 3))
            _add_comment(result, positions, text, at, close + 3)
            pos = close + 3
            continue
        if _escaped(text, at):  # \` is a literal backtick; the run after it may still open a span
            pos = at + 1
            continue
        closing = re.compile(r"(?<!`)" + token + r"(?!`)").search(text, match.end(), limit)
        if closing is None:
            pos = match.end()
            continue
        excluded.append((at, closing.end()))
        pos = closing.end()


def _has(text: str, needle: str, start: int, end: int) -> bool:
    return text.find(needle, start, end) >= 0


def _escaped(text: str, at: int) -> bool:
    backslashes = 0
    while at - backslashes - 1 >= 0 and text[at - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _add_comment(
    result: InlineScan,
    positions: Positions,
    text: str,
    start: int,
    end: int,
    hidden: tuple[int, int] | None = None,
) -> None:
    result.comments.append(Comment(text[start:end], positions.span(start, end)))
    if hidden:
        result.hidden.append(hidden)


def _inside(offset: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in ranges)


def _find_links(
    text: str,
    start: int,
    end: int,
    excluded: list[tuple[int, int]],
    result: InlineScan,
    positions: Positions,
) -> None:
    taken: list[tuple[int, int]] = []
    if _has(text, "[[", start, end):
        for match in WIKILINK.finditer(text, start, end):
            if excluded and _inside(match.start(), excluded):
                continue
            link = wikilink(match.group(2), bool(match.group(1)), match.group(), positions.span(*match.span()))
            taken.append(match.span())
            if link is not None:
                result.links.append(link)
    if _has(text, "](", start, end):
        for match in _MD_LINK.finditer(text, start, end):
            if (excluded and _inside(match.start(), excluded)) or (taken and _inside(match.start(), taken)):
                continue
            link = _markdown_link(match, positions)
            if link is not None:
                result.links.append(link)
    if _has(text, "^", start, end):
        for match in _BLOCK_ID.finditer(text, start, end):
            if not (excluded and _inside(match.start(1), excluded)):
                result.block_ids.add(match.group(1).lower())


def wikilink(inner: str, embed: bool, raw: str, span: Span) -> Link | None:
    """`[[target#anchor|alias]]`, also in the escaped form `[[target#anchor\\|alias]]`."""
    if not inner.strip():
        return None
    pipe = inner.find("|")
    left, alias = (inner, None) if pipe < 0 else (inner[:pipe], inner[pipe + 1 :])
    if left.endswith("\\"):
        left = left[:-1]
    target, _, anchor = left.partition("#")
    return Link(target.strip(), anchor.strip(), alias, embed, False, span, raw)


def _markdown_link(match: re.Match[str], positions: Positions) -> Link | None:
    dest = match.group(3)
    if dest.startswith("<"):
        dest = dest[1:-1]
    if not dest or _SCHEME.match(dest):
        return None
    path, _, anchor = dest.partition("#")
    return Link(
        unquote(path).strip(),
        unquote(anchor).strip(),
        match.group(2),
        bool(match.group(1)),
        True,
        positions.span(*match.span()),
        match.group(),
    )


def frontmatter_links(text: str, start: int, end: int) -> Iterator[Link]:
    """Wikilinks written in frontmatter values (Obsidian resolves them as links too)."""
    positions = Positions(text)
    for match in WIKILINK.finditer(text, start, end):
        link = wikilink(match.group(2), bool(match.group(1)), match.group(), positions.span(*match.span()))
        if link is not None:
            yield link
