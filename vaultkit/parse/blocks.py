"""Block structure of a note body: which lines are code or HTML, and where the headings are.

mistune is the authority on CommonMark block structure. Running its block parser on every note
costs several times more than everything else vaultkit does, so notes whose structure is plain
(nothing indented, no HTML, no block inside a quote or list item, no setext candidate) take a
fast path that gives the same answer; every other note goes through mistune. The test suite
checks the fast path against mistune on generated Markdown.
"""

from __future__ import annotations

import re

from vaultkit.parse.types import Blocks, HeadingBlock, Region, merged

_MARKER = r"(?:[-+*]|\d{1,9}[.)])"
# A list item whose first line opens another block (code, heading, quote, HTML, list) needs mistune.
_ITEM_HOLDING_BLOCK = (
    _MARKER + r"(?:[ \t]{5}|\t| \t|[ \t]+(?:`{3}|~{3}|#|<|>|" + _MARKER + r"(?:[ \t]|$)|(?:=+|-+)[ \t]*$))"
)
# The only lines the fast path looks at; every other line is paragraph text, whatever mistune says.
# Anchored on the newline before the line: re skips ahead to "\n" far faster than it tries "^".
_LINE = (
    r"(?:(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)"
    r"|(?P<atx>#{1,6})(?:[ \t]+[^\n]*)?$"
    r"|(?P<setext>(?:=+|-+)[ \t]*$)"
    r"|(?P<defer>[ \t]+\S|<"  # indentation (lists, indented code) and HTML: mistune decides
    r"|(?:>[ \t]?)+(?:[ \t]*(?:`{3}|~{3}|#|<)|[ \t]{4}|\t|" + _ITEM_HOLDING_BLOCK + r")"
    r"|" + _ITEM_HOLDING_BLOCK + r"))"
)
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
        else:
            return None
    return Blocks(merged(excluded), tuple(headings))


def _previous_line_has_text(text: str, at: int, start: int) -> bool:
    previous_start = text.rfind("\n", start, at - 1) + 1
    return bool(text[max(previous_start, start) : at - 1].strip())
