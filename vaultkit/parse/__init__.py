"""Turn the bytes of a note into a Note: frontmatter, headings, block ids, links, comments, positions."""

from __future__ import annotations

from sys import intern

from vaultkit.model import Comment, Finding, Heading, Link, Note, Span, block_id_set
from vaultkit.parse.blocks import scan_blocks
from vaultkit.parse.frontmatter import split_frontmatter
from vaultkit.parse.inline import InlineScan, Positions, frontmatter_links, scan_inline
from vaultkit.parse.templates import has_placeholder
from vaultkit.parse.types import Blocks

__all__ = ["decode_note", "parse_note", "parse_text"]


def decode_note(path: str, data: bytes) -> tuple[str | None, Finding | None]:
    """UTF-8 text without BOM and with `\\n` line ends, or a VK001 finding saying why not."""
    if b"\x00" in data:
        at = data.index(b"\x00")
        return None, _unreadable(path, data, at, "holds NUL bytes: binary data, not a text note")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        return None, _unreadable(path, data, error.start, f"is not valid UTF-8 (byte 0x{bad})")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text, None


def _unreadable(path: str, data: bytes, at: int, reason: str) -> Finding:
    line_start = data.rfind(b"\n", 0, at) + 1
    line = data.count(b"\n", 0, at) + 1
    column = len(data[line_start:at].decode("utf-8", errors="replace")) + 1
    return Finding(path, Span(line, column, line, column + 1), "VK001", f"note {reason}")


def parse_note(path: str, data: bytes, keep_text: bool = False, template: bool = False) -> Note:
    text, problem = decode_note(path, data)
    if text is None:
        assert problem is not None
        return Note.with_problem(problem)
    return parse_text(path, text, keep_text, template)


def parse_text(path: str, text: str, keep_text: bool = False, template: bool = False) -> Note:
    """Parse decoded note text (as returned by `decode_note`). A template's placeholders are read as
    plain strings in its frontmatter, and its links that hold one are left out (SPEC §3)."""
    frontmatter = split_frontmatter(path, text, template)
    body = frontmatter.body_offset
    body_line = frontmatter.end_line
    blocks = scan_blocks(text, body, body_line)
    scan = scan_inline(text, _segments(blocks, body, len(text)))
    links: list[Link] = []
    if frontmatter.data and text.find("[[", 0, body) >= 0:
        links.extend(frontmatter_links(text, 0, body))
    links.extend(sorted(scan.links, key=lambda link: (link.line, link.column)))
    if template:
        links = [link for link in links if not (has_placeholder(link.target) or has_placeholder(link.anchor))]
    return Note(
        path=path,
        frontmatter=frontmatter.data,
        frontmatter_end=frontmatter.end_line,
        headings=_headings(text, blocks, scan),
        block_ids=block_id_set(scan.block_ids),
        links=tuple(links),
        comments=_comments(text, blocks, scan),
        problems=frontmatter.problems,
        code_lines=tuple((r.first_line + 1, r.last_line + 1) for r in blocks.excluded),
        frontmatter_keys=frontmatter.keys,
        text=text if keep_text else None,
    )


def _comments(text: str, blocks: Blocks, scan: InlineScan) -> tuple[Comment, ...]:
    """Inline and %% comments from the scan, plus HTML comment blocks, in document order."""
    if not blocks.comments:
        return tuple(scan.comments)
    positions = Positions(text)
    found = list(scan.comments)
    for region in blocks.comments:
        end = region.end - 1 if text[region.end - 1 : region.end] == "\n" else region.end
        found.append(Comment(text[region.start : end], positions.span(region.start, end)))
    return tuple(sorted(found, key=lambda comment: (comment.span.line, comment.span.column)))


def _segments(blocks: Blocks, start: int, end: int) -> list[tuple[int, int]]:
    segments: list[tuple[int, int]] = []
    pos = start
    for region in blocks.excluded:
        if region.start > pos:
            segments.append((pos, region.start))
        pos = max(pos, region.end)
    if pos < end:
        segments.append((pos, end))
    return segments


def _headings(text: str, blocks: Blocks, scan: InlineScan) -> tuple[Heading, ...]:
    headings: list[Heading] = []
    for block in blocks.headings:
        if scan.hidden and any(start <= block.offset < end for start, end in scan.hidden):
            continue  # inside an Obsidian %% comment
        if block.column:  # the scanner knew where its text starts and where its line ends
            column, end_column = block.column, block.width + 1
        else:
            line_end = text.find("\n", block.offset)
            line_text = text[block.offset : line_end if line_end >= 0 else len(text)]
            found = line_text.find(block.text) if block.text else -1
            column = found + 1 if found >= 0 else len(line_text) - len(line_text.lstrip(" \t>#")) + 1
            end_column = len(line_text) + 1
        line, end_line = block.line + 1, block.end_line + 1
        # heading texts repeat across a vault ("References", "总结"): interned, one string for all
        headings.append(Heading(block.level, intern(block.text), line, column, end_line, end_column))
    return tuple(headings)
