"""Block structure of a note body: which lines are code or HTML, and where the headings are.

mistune is the authority on CommonMark block structure. Running its block parser on every note
costs several times more than everything else vaultkit does, so notes whose structure is plain
(nothing indented, no HTML, no block inside a quote or list item, no setext candidate) take a
fast path that gives the same answer; every other note goes through mistune. The test suite
checks the fast path against mistune on generated Markdown.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, cast

import mistune


@dataclass(frozen=True, slots=True)
class HeadingBlock:
    line: int  # 0-based line index in the whole text
    level: int
    text: str
    end_line: int  # last line (the underline of a setext heading)
    offset: int  # where its first line starts in the text


@dataclass(frozen=True, slots=True)
class Region:
    """Lines that are code or HTML: inclusive 0-based lines, and the text offsets they cover."""

    first_line: int
    last_line: int
    start: int
    end: int  # just past the newline of the last line


@dataclass(frozen=True, slots=True)
class Blocks:
    excluded: tuple[Region, ...]
    headings: tuple[HeadingBlock, ...]
    comments: tuple[Region, ...] = ()  # HTML blocks that are comments (suppression directives live there)


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
    return plain if plain is not None else scan_blocks_mistune(text, start, first_line)


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
            title = _CLOSING_HASHES.sub("", text[at + level : match.end()]).strip(" \t")
            headings.append(HeadingBlock(line, level, title, line, at))
        elif kind == "setext":
            if at > start and _previous_line_has_text(text, at, start):
                return None
        else:
            return None
    return Blocks(tuple(excluded), tuple(headings))


def _previous_line_has_text(text: str, at: int, start: int) -> bool:
    previous_start = text.rfind("\n", start, at - 1) + 1
    return bool(text[max(previous_start, start) : at - 1].strip())


# --- mistune: the authority -------------------------------------------------------------


class _State(mistune.BlockState):
    """A block state that knows which line of the note its first line is."""

    line_base = 0
    container_line = 0  # first line of the container whose child state is created next
    _starts: list[int] | None = None

    def child_state(self, src: str, lazy_line_starts: set[int] | None = None) -> _State:
        child = cast(_State, super().child_state(src, lazy_line_starts))
        child.line_base = self.container_line
        # a list creates one child per item; the next item starts on the line before the cursor
        self.container_line = self.line_of(max(self.cursor - 1, 0))
        return child

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.src))]
        return self.line_base + bisect_right(self._starts, offset) - 1


class _Recorder(mistune.BlockParser):
    """mistune's block parser, recording the lines of code, HTML and headings as it goes."""

    state_cls = _State

    def __init__(self) -> None:
        super().__init__()
        self.excluded: list[tuple[int, int]] = []  # inclusive line ranges
        self.headings: list[HeadingBlock] = []
        self.comments: list[tuple[int, int]] = []  # inclusive line ranges of HTML comment blocks
        self._seen: set[int] = set()

    def parse_method(self, m: re.Match[str], state: mistune.BlockState) -> int | None:
        assert isinstance(state, _State)
        saved = state.container_line
        state.container_line = state.line_of(m.start())
        end: int | None = super().parse_method(m, state)
        state.container_line = saved
        if end:
            if m.lastgroup == "setex_heading":
                self._record_setext(state, m)
            else:
                self._record_new(state, m.start(), end)
        return end

    def _parse_indent_code_fast(self, state: mistune.BlockState) -> int | None:
        assert isinstance(state, _State)
        start = state.cursor
        end: int | None = super()._parse_indent_code_fast(state)
        if end is not None:
            self._record_new(state, start, end)
        return end

    def _record_new(self, state: _State, start: int, end: int) -> None:
        for token in state.tokens[-2:]:
            if id(token) in self._seen:
                continue
            kind = token.get("type")
            if kind in ("block_code", "block_html"):
                self._seen.add(id(token))
                lines = (state.line_of(start), state.line_of(max(end - 1, start)))
                self.excluded.append(lines)
                if kind == "block_html" and token.get("raw", "").lstrip().startswith("<!--"):
                    self.comments.append(lines)
            elif kind == "heading" and token.get("style") == "atx":
                self._seen.add(id(token))
                line = state.line_of(start)
                self.headings.append(HeadingBlock(line, token["attrs"]["level"], token["text"], line, -1))

    def _record_setext(self, state: _State, m: re.Match[str]) -> None:
        token: dict[str, Any] = state.tokens[-1] if state.tokens else {}
        if token.get("type") != "heading" or id(token) in self._seen:
            return
        self._seen.add(id(token))
        underline = state.line_of(m.start())
        text = token["text"]
        first = underline - text.rstrip("\n").count("\n") - 1
        title = " ".join(part.strip() for part in text.strip().splitlines())
        self.headings.append(HeadingBlock(first, token["attrs"]["level"], title, underline, -1))


def scan_blocks_mistune(text: str, start: int, first_line: int) -> Blocks:
    recorder = _Recorder()
    state = _State()
    state.line_base = first_line
    body = text[start:]
    state.process(body if body.endswith("\n") else body + "\n")
    recorder.parse(state)
    starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def offset(line: int) -> int:
        return starts[line] if line < len(starts) else len(text)

    regions = tuple(Region(a, b, offset(a), offset(b + 1)) for a, b in _merged(recorder.excluded))
    comments = tuple(Region(a, b, offset(a), offset(b + 1)) for a, b in sorted(recorder.comments))
    headings = tuple(
        HeadingBlock(h.line, h.level, h.text, h.end_line, offset(h.line))
        for h in sorted(recorder.headings, key=lambda h: h.line)
        if not any(r.first_line <= h.line <= r.last_line for r in regions)
    )
    return Blocks(regions, headings, comments)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Nested containers can report overlapping ranges; keep them disjoint and sorted."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged
