"""Inline scanning of the text between code blocks: code spans, comments, links, block ids.

Works on the whole note text with offsets, so every position is exact: lines count every line
of the file, columns count code points.
"""

from __future__ import annotations

import heapq
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
# an inline link's destination and title, from the `(` after the text's `]`; possessive, so that no input
# (a `(` before a megabyte of spaces) makes it backtrack
_MD_DEST = re.compile(
    r"\([ \t]*+"
    r"(<(?:[^<>\n\\]|\\.)*+>"
    r"|(?:[^ \t\n()<>\\]|\\[^\n])*+(?:\((?:[^ \t\n()\\]|\\[^\n])*+\)(?:[^ \t\n()<>\\]|\\[^\n])*+)*+)"
    r"(?:[ \t]++(?:\"(?:[^\"\n\\]|\\.)*+\"|'(?:[^'\n\\]|\\.)*+'|\((?:[^()\n\\]|\\.)*+\)))?+[ \t]*+\)"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")
_BACKTICKS = re.compile(r"`+")
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


class _Ranges:
    """Sorted, disjoint offset ranges, asked whether they hold an offset by bisection: a note with thousands
    of code spans and links costs a logarithm per link, not a scan of every range."""

    __slots__ = ("ends", "starts")

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _ in ranges]
        self.ends = [end for _, end in ranges]

    def holds(self, offset: int) -> bool:
        index = bisect_right(self.starts, offset) - 1
        return index >= 0 and offset < self.ends[index]


def _find_links(
    text: str,
    start: int,
    end: int,
    excluded: list[tuple[int, int]],
    result: InlineScan,
    positions: Positions,
) -> None:
    skipped = _Ranges(excluded) if excluded else None
    taken: list[tuple[int, int]] = []
    if _has(text, "[[", start, end):
        links, where = result.links, positions.where  # the loop below runs for every link of the vault
        for match in WIKILINK.finditer(text, start, end):
            at, stop = match.span()
            embed = at > start and text[at - 1] == "!"
            if embed:
                at -= 1
            if skipped is not None and skipped.holds(at):
                continue
            taken.append((at, stop))
            link = wikilink(match.group(1), embed, text[at:stop], where(at, stop))
            if link is not None:
                links.append(link)
    if _has(text, "](", start, end):
        _markdown_links(text, start, end, _union(excluded, taken), result, positions)
    if _has(text, "^", start, end):
        for match in _BLOCK_ID.finditer(text, start, end):
            at = match.start()
            if (at == 0 or text[at - 1] in " \t\n") and not (skipped is not None and skipped.holds(at)):
                result.block_ids.add(match.group(1).lower())


def _union(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Two sorted lists of ranges as one sorted list of disjoint ranges."""
    if not second:
        return first
    joined: list[tuple[int, int]] = []
    for start, end in heapq.merge(first, second):
        if joined and start <= joined[-1][1]:
            if end > joined[-1][1]:
                joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


# Inside a line that may hold a Markdown link: an escape (a backslash and what it escapes), an image's
# opening bracket, a run of opening brackets, a closing bracket.
_BRACKET_TOKEN = re.compile(r"\\[^\n]|!\[|\[+|\]")
_PUNCTUATION_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _markdown_links(
    text: str, start: int, end: int, skip: list[tuple[int, int]], result: InlineScan, positions: Positions
) -> None:
    """`[text](dest)` and `![text](dest)` in text[start:end] by CommonMark's bracket rules, within one
    line: backslash-escaped brackets neither open nor close, the text holds balanced brackets, a link
    holds no other link, and code spans, comments and wikilinks (the sorted, disjoint `skip` ranges) are
    opaque. Only the lines holding a `](` with a `)` after it are looked at, each once."""
    ends = [high for _, high in skip]
    close = text.find("](", start, end)
    while close >= 0:
        line_start = max(text.rfind("\n", start, close) + 1, start)
        line_end = text.find("\n", close, end)
        line_end = end if line_end < 0 else line_end
        last_paren = text.rfind(")", close, line_end)
        if last_paren >= 0:
            first = bisect_right(ends, line_start)  # the first range ending after the line starts
            stretches = _between(skip, first, line_start, line_end)
            _line_links(text, stretches, last_paren, result, positions)
        close = text.find("](", line_end, end)


def _line_links(
    text: str, stretches: list[tuple[int, int]], last_paren: int, result: InlineScan, positions: Positions
) -> None:
    """The Markdown links of one line, given as the stretches outside skipped ranges.

    One pass: openers are kept on a stack as runs (a megabyte of `[` is one entry), and a destination is
    only tried at a `](` before the line's last `)`."""
    # the stack: [offset of the run's first bracket, brackets left in the run, is an image opener]
    stack: list[list[int]] = []
    inactive_below = 0  # openers below this stack index are inside a link's text: no longer openers
    resume = 0  # tokens before this offset are inside a link just found
    for low, high in stretches:
        for token in _BRACKET_TOKEN.finditer(text, low, high):
            at = token.start()
            if at < resume:
                continue
            char = text[at]
            if char == "[":
                stack.append([at, token.end() - at, 0])
            elif char == "!":
                stack.append([at + 1, 1, 1])
            elif char == "]" and stack:
                top = stack[-1]
                opener = top[0] + top[1] - 1
                image = top[2]
                active = image or len(stack) - 1 >= inactive_below
                top[1] -= 1
                if not top[1]:
                    stack.pop()
                    inactive_below = min(inactive_below, len(stack))
                if not active or at > last_paren or text[at + 1 : at + 2] != "(":
                    continue
                dest = _MD_DEST.match(text, at + 1, min(high, last_paren + 1))  # no wikilink in it
                if dest is None:
                    continue
                begin = opener - 1 if image else opener
                link = _markdown_link(text, begin, opener + 1, at, dest, image == 1, positions)
                if link is not None:
                    result.links.append(link)
                if not image:
                    inactive_below = len(stack)
                resume = dest.end()


def _between(skip: list[tuple[int, int]], first: int, start: int, end: int) -> list[tuple[int, int]]:
    """The stretches of [start, end) outside the sorted, disjoint `skip` ranges (from `skip[first]`)."""
    stretches: list[tuple[int, int]] = []
    pos = start
    for index in range(first, len(skip)):
        low, high = skip[index]
        if low >= end:
            break
        if low > pos:
            stretches.append((pos, low))
        pos = max(pos, high)
    if pos < end:
        stretches.append((pos, end))
    return stretches


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


def _markdown_link(
    text: str, at: int, text_start: int, close: int, dest: re.Match[str], image: bool, positions: Positions
) -> Link | None:
    """The link of `[text](dest)`: text[at:dest.end()], its text ending at `close`."""
    target = dest.group(1)
    if target.startswith("<"):
        target = target[1:-1]
    if "\\" in target:
        target = _PUNCTUATION_ESCAPE.sub(r"\1", target)
    if not target or _SCHEME.match(target):
        return None
    path, _, anchor = target.partition("#")
    return Link(
        intern((unquote(path) if "%" in path else path).strip()),
        (unquote(anchor) if "%" in anchor else anchor).strip(),
        text[text_start:close],
        image,
        *positions.where(at, dest.end()),
        text[at : dest.end()],
    )


def frontmatter_links(text: str, start: int, end: int) -> Iterator[Link]:
    """Wikilinks written in frontmatter values (Obsidian resolves them as links too)."""
    positions = Positions(text)
    for match in WIKILINK.finditer(text, start, end):
        at = match.start() - (1 if match.start() > start and text[match.start() - 1] == "!" else 0)
        link = wikilink(match.group(1), at < match.start(), text[at : match.end()], positions.where(at, match.end()))
        if link is not None:
            yield link
