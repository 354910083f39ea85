"""Block structure of a note body: which lines are code or HTML, and where the headings are.

mistune is the authority on CommonMark block structure. Running its block parser on every note
costs several times more than everything else vaultkit does, so notes whose structure is plain
(no HTML, no indented code, no block but paragraphs inside quotes and list items, however deep,
no setext candidate) take a fast path that gives the same answer; every other note goes through
mistune. The test suite checks the fast path against mistune on generated Markdown.
"""

from __future__ import annotations

import re

from vaultkit.parse.types import Blocks, HeadingBlock, Region, merged

_MARKER = r"(?:[-+*]|\d{1,9}[.)])"
# A list item whose first line opens another block (code, heading, quote, HTML, list) needs mistune.
_ITEM_HOLDING_BLOCK = (
    _MARKER + r"(?:[ \t]{5}|[ ]*\t|[ \t]+(?:`{3}|~{3}|#|<|>|" + _MARKER + r"(?:[ \t]|$)|[=-]+[ \t]*$))"
)
# The only lines the fast path looks at; every other line is paragraph text, whatever mistune says.
# Anchored on the newline before the line: re skips ahead to "\n" far faster than it tries "^".
_LINE = (
    r"(?:(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)"
    r"|(?P<atx>#{1,6})(?:[ \t]+[^\n]*)?$"
    r"|(?P<setext>[=-]+[ \t]*$)"
    r"|(?P<defer><)"  # HTML: mistune decides
    r"|(?P<container>[ \t]+\S|>|" + _ITEM_HOLDING_BLOCK + r"))"  # indented, quoted, nested: looked at closer
)
# A line's container prefix: quote markers, list markers (followed by a space or the end of the line),
# and the spaces between and after them.
_PREFIX = re.compile(r"(?:[ ]*(?:>[ ]?|" + _MARKER + r"(?:[ ]|$)))*[ ]*")
_HEAD = re.compile(r"[ \t>*+\-\d.)]*")  # everything a container prefix could be made of, tabs too
_QUOTES = re.compile(r"(?:[ ]*>[ ]?)*[ ]*")  # quote markers and spaces only
_WIDE_MARKER = re.compile(_MARKER + r"[ ]{5}")  # an item whose text starts indented 4 more: code
# What the rest of a line can start other than paragraph text: a fence, HTML, an ATX heading, a setext
# underline or thematic break (and, for the line before an indented one, a link reference definition).
_BLOCK_START = re.compile(r"`{3}|~{3}|<|#{1,6}(?:[ \t]|$)|[=-]+[ \t]*$|(?:[-*_][ \t]*){3,}$")
_REFERENCE = re.compile(r"\[[^\]\n]*\]:")
_CANDIDATE = re.compile(r"\n" + _LINE, re.M)
_FIRST_LINE = re.compile(_LINE, re.M)
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")  # `## Title ##`: the closing sequence is not text
_CLOSING_FENCES: dict[tuple[str, int], re.Pattern[str]] = {}


def scan_blocks(text: str, start: int, first_line: int) -> Blocks:
    """Block structure of `text[start:]`, whose first line is line `first_line` (0-based)."""
    plain = _scan_plain(text, start, first_line)
    if plain is not None:
        return plain
    from vaultkit.parse.mistune_blocks import scan_blocks_mistune  # most runs never need mistune

    return scan_blocks_mistune(text, start, first_line)


def _closing_fence(char: str, length: int) -> re.Pattern[str]:
    key = (char, length)
    pattern = _CLOSING_FENCES.get(key)
    if pattern is None:
        pattern = re.compile(r"^ {0,3}" + re.escape(char) + "{" + str(length) + r",}[ \t]*$", re.M)
        _CLOSING_FENCES[key] = pattern
    return pattern


def _scan_plain(text: str, start: int, first_line: int) -> Blocks | None:
    """The fast path: the structure of a plain note, or None when mistune must decide."""
    excluded: list[Region] = []
    headings: list[HeadingBlock] = []
    line = first_line
    counted = start  # text[start:counted] has been counted into `line`
    pos = start
    end = len(text)
    while pos < end:
        match = _FIRST_LINE.match(text, 0) if pos == 0 else None
        if match is None:
            match = _CANDIDATE.search(text, max(pos - 1, 0))
            if match is None:
                break
        at = match.start() if match.re is _FIRST_LINE else match.start() + 1
        line += text.count("\n", counted, at)
        counted = at
        kind = match.lastgroup
        pos = match.end() + 1
        if kind == "info" or kind == "fence":
            fence = match.group("fence")
            if fence[0] == "`" and "`" in match.group("info"):
                continue  # not a fence: an inline code span at the start of a line
            close = _closing_fence(fence[0], len(fence)).search(text, pos) if pos < end else None
            if close is None:  # an unclosed fence runs to the end of the note
                last = line + text.count("\n", at, end) - (1 if text.endswith("\n") else 0)
                excluded.append(Region(line, max(line, last), at, end))
                break
            last = line + text.count("\n", at, close.start())
            excluded.append(Region(line, last, at, min(close.end() + 1, end)))
            line, counted, pos = last, close.start(), close.end() + 1
        elif kind == "atx":
            level = len(match.group("atx"))
            rest = _CLOSING_HASHES.sub("", text[at + level : match.end()])
            title = rest.strip(" \t")
            column = level + len(rest) - len(rest.lstrip(" \t")) + 1 if title else 0
            headings.append(HeadingBlock(line, level, title, line, at, column, match.end() - at))
        elif kind == "setext":
            if at > start and _previous_line_has_text(text, at, start):
                return None
        elif kind == "container":
            line_end = text.find("\n", at)
            if not _plain_container_line(text, at, line_end if line_end >= 0 else end, start):
                return None
        else:
            return None
    return Blocks(merged(excluded), tuple(headings))


def _plain_container_line(text: str, at: int, line_end: int, start: int) -> bool:
    """Whether an indented, quoted or nested line is paragraph text (or a blank or marker-only line)
    inside its containers, whatever columns they open — so that a note of deep lists and quotes need not
    go through mistune, which costs its nesting depth for every line.

    Conservative: a tab, four spaces after a marker, or a fence, HTML, a heading, an underline or a
    thematic break after the markers sends the note to mistune; so does an indentation of four spaces or
    more (indented code, unless it continues a paragraph) after a line that is not paragraph text.
    Indented code cannot interrupt a paragraph, in any container, and an indentation that deep opens no
    new container."""
    line = text[at:line_end]
    prefix_end = _end(_PREFIX, line)
    prefix = line[:prefix_end]
    if "\t" in line[: _end(_HEAD, line)] or _WIDE_MARKER.search(prefix):
        return False  # a tab among the markers, or an item's text indented by four more
    if _BLOCK_START.match(line, prefix_end) or _BLOCK_START.match(line, _end(_QUOTES, line)):
        return False  # `  -` is an underline, not an empty item
    lead = len(prefix) - len(prefix.lstrip(" "))
    if "    " in prefix[lead:]:
        return False  # four spaces after a marker: code at the start of a quote or item
    return lead < 4 or (">" not in prefix and _paragraph_text(text, start, at))


def _end(pattern: re.Pattern[str], line: str) -> int:
    """Where `pattern`, which matches the empty string too, stops matching at the start of `line`."""
    match = pattern.match(line)
    return match.end() if match else 0


def _paragraph_text(text: str, start: int, at: int) -> bool:
    """Whether the line before the one at `at` leaves a paragraph open: text after its containers."""
    if at <= start:
        return False
    previous_start = max(text.rfind("\n", start, at - 1) + 1, start)
    previous = text[previous_start : at - 1]
    prefix_end = _end(_PREFIX, previous)
    content = previous[prefix_end:]
    if not content.strip() or content[:1].isspace() or ">" in previous[:prefix_end]:
        return False  # mistune reads no lazy line after a quote as a paragraph's
    return not (_BLOCK_START.match(content) or _REFERENCE.match(content.lstrip()))


def _previous_line_has_text(text: str, at: int, start: int) -> bool:
    previous_start = text.rfind("\n", start, at - 1) + 1
    return bool(text[max(previous_start, start) : at - 1].strip())
