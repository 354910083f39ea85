"""Turn the bytes of a note into a Note: frontmatter, headings, block ids, links, comments, positions."""

from __future__ import annotations

from vaultkit.model import Finding, Note, Span
from vaultkit.parse.frontmatter import split_frontmatter
from vaultkit.parse.inline import frontmatter_links
from vaultkit.parse.scanner import scan_body
from vaultkit.parse.templates import has_placeholder

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
    links, headings, block_ids, comments, code_lines = scan_body(text, body, frontmatter.end_line)
    if frontmatter.data and text.find("[[", 0, body) >= 0:
        links[:0] = frontmatter_links(text, 0, body)
    if template:
        links = [link for link in links if not (has_placeholder(link.target) or has_placeholder(link.anchor))]
    return Note(
        path=path,
        frontmatter=frontmatter.data,
        frontmatter_end=frontmatter.end_line,
        headings=headings,
        block_ids=block_ids,
        links=tuple(links),
        comments=comments,
        problems=frontmatter.problems,
        code_lines=code_lines,
        frontmatter_keys=frontmatter.keys,
        text=text if keep_text else None,
    )
