"""Inline scanning of the text between code blocks: code spans, comments, links, block ids.

Works on the whole note text with offsets, so every position is exact: lines count every line
of the file, columns count code points.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from sys import intern  # a vault links to the same notes again and again: one string each
from urllib.parse import unquote

from vaultkit.model import Comment, Link, Span

# where a paragraph ends: a code span or inline comment never crosses it
_PARAGRAPH_END = re.compile(r"\n[ \t]*(?:\n|#{1,6}(?:[ \t]|$)|[-+*>][ \t]|\d{1,9}[.)][ \t]|`{3}|~{3})", re.M)
# Patterns start with a literal so that re can skip ahead fast; an embed's `!` is checked by hand.
WIKILINK = re.compile(r"\[\[([^\[\]\n]*)\]\]")
_MD_LINK = re.compile(
    r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\([ \t]*"
    r"(<[^<>\n]*>|[^ \t\n()<>]*(?:\([^ \t\n()]*\)[^ \t\n()<>]*)*)"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*\)"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")
_BACKTICKS = re.compile(r"`+")
MAX_LINK_TEXT = 4096
_BLOCK_ID = re.compile(r"\^([A-Za-z0-9-]+)[ \t]*$", re.M)


@dataclass(slots=True, eq=False, repr=False)
class Positions:
    """Turns increasing offsets into (line, column) by counting newlines once."""

    text: str
    first_line: int = 0  # 0-based line of offset `at`
    at: int = 0
    line_start: int = 0  # where the line of `at` starts (a 1 MB line must not be searched per link)

    def line_col(self, offset: int) -> tuple[int, int]:
        if offset < self.at:
            self.first_line, self.at, self.line_start = 0, 0, 0
        newlines = self.text.count("\n", self.at, offset)
        if newlines:
            self.first_line += newlines
            self.line_start = self.text.rfind("\n", self.at, offset) + 1
        self.at = offset
        return self.first_line + 1, offset - self.line_start + 1

    def where(self, start: int, end: int) -> tuple[int, int, int, int]:
        """Line, column, end line, end column of text[start:end] (a plain tuple: links and headings
        hold the four numbers themselves)."""
        line, column = self.line_col(start)
        if self.text.find("\n", start, end) < 0:
            return line, column, line, column + end - start
        end_line = line + self.text.count("\n", start, end)
        return line, column, end_line, end - (self.text.rfind("\n", 0, end) + 1) + 1

    def span(self, start: int, end: int) -> Span:
        return Span(*self.where(start, end))


@dataclass(slots=True, eq=False, repr=False)
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
            _add_comment(result, positions, text, in_comment_from, close + 2, hidden=(in_comment_from, close + 2))
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
    """Add code spans and comments in text[pos:end] to `excluded`; return where an open %% began.

    Every search remembers what it learnt, so hostile text (a megabyte paragraph of unmatched
    backticks or `<!--`) costs linear time, not quadratic."""
    specials = _Specials(text, end)
    limit = -1  # the end of the paragraph holding the current token
    no_comment_end_before = -1  # no `-->` between a token and this offset
    runs: dict[int, list[int]] | None = None  # backtick runs of this segment, by length
    while True:
        at, token = specials.first(pos)
        if not token:
            return None
        if token == "%%":
            close = text.find("%%", at + 2, end)
            if close < 0:
                excluded.append((at, end))
                result.hidden.append((at, end))
                return at
            excluded.append((at, close + 2))
            _add_comment(result, positions, text, at, close + 2, hidden=(at, close + 2))
            pos = close + 2
            continue
        if at >= limit:
            paragraph = _PARAGRAPH_END.search(text, at, end)
            limit = paragraph.start() if paragraph else end
        if token == "<!--":
            close = -1 if at < no_comment_end_before else text.find("-->", at + 4, limit)
            if close < 0:
                no_comment_end_before = limit
                pos = at + 4
                continue
            excluded.append((at, close + 3))
            _add_comment(result, positions, text, at, close + 3)
            pos = close + 3
            continue
        run = _run_length(text, at)
        if _escaped(text, at):  # \` is a literal backtick; the run after it may still open a span
            pos = at + 1
            continue
        if runs is None:
            runs = defaultdict(list)
            for match in _BACKTICKS.finditer(text, at, end):
                runs[match.end() - match.start()].append(match.start())
        candidates = runs.get(run, [])
        index = bisect_right(candidates, at)
        closing = candidates[index] if index < len(candidates) else -1
        if closing < 0 or closing >= limit:
            pos = at + run
            continue
        excluded.append((at, closing + run))
        pos = closing + run


class _Specials:
    """The next backtick, `<!--` or `%%` from a position, each searched for once per stretch of text."""

    NEEDLES = ("`", "<!--", "%%")

    def __init__(self, text: str, end: int) -> None:
        self.text, self.end = text, end
        self.next = dict.fromkeys(self.NEEDLES, -2)  # -2: not searched yet; -1: none left

    def first(self, pos: int) -> tuple[int, str]:
        best, token = self.end, ""
        for needle in self.NEEDLES:
            found = self.next[needle]
            if found != -1 and found < pos:
                found = self.text.find(needle, pos, self.end)
                self.next[needle] = found
            if 0 <= found < best:
                best, token = found, needle
        return best, token


def _run_length(text: str, at: int) -> int:
    run = _BACKTICKS.match(text, at)
    return run.end() - at if run else 0


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
        links, where = result.links, positions.where  # the loop below runs for every link of the vault
        for match in WIKILINK.finditer(text, start, end):
            at, stop = match.span()
            embed = at > start and text[at - 1] == "!"
            if embed:
                at -= 1
            if excluded and _inside(at, excluded):
                continue
            taken.append((at, stop))
            link = wikilink(match.group(1), embed, text[at:stop], where(at, stop))
            if link is not None:
                links.append(link)
    close = text.find("](", start, end)
    while close >= 0:
        opening = _opening_bracket(text, close, start)
        found = _MD_LINK.match(text, opening, end) if opening >= 0 else None
        if found is None:
            close = text.find("](", close + 2, end)
            continue
        at = opening - 1 if opening > start and text[opening - 1] == "!" else opening
        if not ((excluded and _inside(at, excluded)) or (taken and _inside(at, taken))):
            link = _markdown_link(found, at, text, positions)
            if link is not None:
                result.links.append(link)
        close = text.find("](", found.end(), end)
    if _has(text, "^", start, end):
        for match in _BLOCK_ID.finditer(text, start, end):
            at = match.start()
            if (at == 0 or text[at - 1] in " \t\n") and not (excluded and _inside(at, excluded)):
                result.block_ids.add(match.group(1).lower())


def _opening_bracket(text: str, close: int, start: int) -> int:
    """The `[` that opens the link text ending at `close` (one level of nested brackets), or -1.

    Link texts longer than MAX_LINK_TEXT are not looked for: a megabyte line of `](` stays linear."""
    depth = 0
    index = close - 1
    start = max(start, close - MAX_LINK_TEXT)
    while index >= start:
        char = text[index]
        if char == "]":
            depth += 1
            if depth > 1:
                return -1
        elif char == "[":
            if depth == 0:
                return index
            depth -= 1
        elif char == "\n":
            return -1
        index -= 1
    return -1


def wikilink(inner: str, embed: bool, raw: str, where: tuple[int, int, int, int]) -> Link | None:
    """`[[target#anchor|alias]]`, also in the escaped form `[[target#anchor\\|alias]]`."""
    if not inner.strip():
        return None
    pipe = inner.find("|")
    left, alias = (inner, None) if pipe < 0 else (inner[:pipe], inner[pipe + 1 :])
    if left.endswith("\\"):
        left = left[:-1]
    target, _, anchor = left.partition("#")
    return Link(intern(target.strip()), anchor.strip(), alias, embed, *where, raw)


def _markdown_link(match: re.Match[str], at: int, text: str, positions: Positions) -> Link | None:
    dest = match.group(2)
    if dest.startswith("<"):
        dest = dest[1:-1]
    if not dest or _SCHEME.match(dest):
        return None
    path, _, anchor = dest.partition("#")
    return Link(
        intern((unquote(path) if "%" in path else path).strip()),
        (unquote(anchor) if "%" in anchor else anchor).strip(),
        match.group(1),
        at < match.start(),
        *positions.where(at, match.end()),
        text[at : match.end()],
    )


def frontmatter_links(text: str, start: int, end: int) -> Iterator[Link]:
    """Wikilinks written in frontmatter values (Obsidian resolves them as links too)."""
    positions = Positions(text)
    for match in WIKILINK.finditer(text, start, end):
        at = match.start() - (1 if match.start() > start and text[match.start() - 1] == "!" else 0)
        link = wikilink(match.group(1), at < match.start(), text[at : match.end()], positions.where(at, match.end()))
        if link is not None:
            yield link
