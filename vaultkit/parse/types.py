"""Records more than one parser module makes or reads: the block structure (made by the fast scanner
and by mistune's), and a frontmatter load's result (made by the subset reader and by PyYAML's)."""

from __future__ import annotations

from typing import Any, NamedTuple

from vaultkit.model import Finding, Span


class HeadingBlock(NamedTuple):
    line: int  # 0-based line index in the whole text
    level: int
    text: str
    end_line: int  # last line (the underline of a setext heading)
    offset: int  # where its first line starts in the text
    column: int = 0  # 1-based column of its text, when the scanner knows it (0: find it)
    width: int = 0  # code points in its line, when known


class Region(NamedTuple):
    """Lines that are code or HTML: inclusive 0-based lines, and the text offsets they cover."""

    first_line: int
    last_line: int
    start: int
    end: int  # just past the newline of the last line


class Blocks(NamedTuple):
    excluded: tuple[Region, ...]
    headings: tuple[HeadingBlock, ...]
    comments: tuple[Region, ...] = ()  # HTML blocks that are comments (suppression directives live there)


def merged(regions: list[Region]) -> tuple[Region, ...]:
    """Disjoint regions in order, adjacent ones joined: one answer however the blocks were found."""
    result: list[Region] = []
    for region in sorted(regions, key=lambda region: (region.first_line, region.last_line)):
        last = result[-1] if result else None
        if last is not None and region.first_line <= last.last_line + 1:
            result[-1] = Region(
                last.first_line, max(last.last_line, region.last_line), last.start, max(last.end, region.end)
            )
        else:
            result.append(region)
    return tuple(result)


Loaded = tuple[dict[str, Any] | None, tuple[Finding, ...], tuple[tuple[str, int, int], ...]]


def fm001(path: str, span: Span, message: str) -> Finding:
    return Finding(path, span, "FM001", message)
