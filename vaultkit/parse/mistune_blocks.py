"""mistune's block parser, the authority on CommonMark structure, made to say on which lines it saw what.

mistune keeps no source positions. Its container blocks (quotes, list items) parse a copy of their
lines with the prefixes stripped, one line of the copy for each line of the note, so a child state
only needs to know which line of the note its first line is; this module records that as mistune
creates child states, and the lines of code, HTML and headings as it parses them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any, cast

import mistune

from vaultkit.parse.types import Blocks, HeadingBlock, Region, merged


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
    """Block structure of `text[start:]` as mistune sees it, whose first line is line `first_line`."""
    recorder = _Recorder()
    state = _State()
    state.line_base = first_line
    body = text[start:]
    state.process(body if body.endswith("\n") else body + "\n")
    recorder.parse(state)
    starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def offset(line: int) -> int:
        return starts[line] if line < len(starts) else len(text)

    regions = merged([Region(a, b, offset(a), offset(b + 1)) for a, b in recorder.excluded])
    comments = tuple(Region(a, b, offset(a), offset(b + 1)) for a, b in sorted(recorder.comments))
    headings = tuple(
        HeadingBlock(h.line, h.level, h.text, h.end_line, offset(h.line))
        for h in sorted(recorder.headings, key=lambda h: h.line)
        if not any(r.first_line <= h.line <= r.last_line for r in regions)
    )
    return Blocks(regions, headings, comments)
