"""The per-note scanner: what a note body holds (links, headings, block ids, comments, code blocks) with
the position of each, in one of two implementations that give the same answer.

The compiled scanner (vaultkit/parse/_scanner.pyx, built by Cython with the machine's C compiler at
install time) runs the hot loop of a cold check several times faster. The pure-Python scanner below
(blocks.py and inline.py) is the reference: it runs wherever the extension could not be built, or with
VAULTKIT_NO_EXTENSIONS=1, and the test suite proves both equal on generated Markdown. Both leave the
block structure of every note their fast path does not take to mistune.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from sys import intern

from vaultkit.model import Comment, Heading, Link, block_id_set
from vaultkit.parse.blocks import scan_blocks
from vaultkit.parse.inline import InlineScan, Positions, scan_inline
from vaultkit.parse.types import Blocks

# links in document order, headings, block ids (lower-cased), comments, code and HTML blocks (line ranges)
Body = tuple[list[Link], tuple[Heading, ...], frozenset[str], tuple[Comment, ...], tuple[tuple[int, int], ...]]


def scan_body_pure(text: str, start: int, first_line: int) -> Body:
    """What `text[start:]` holds, whose first line is line `first_line` (0-based) of the note."""
    blocks = scan_blocks(text, start, first_line)
    scan = scan_inline(text, segments(blocks, start, len(text)))
    return (
        sorted(scan.links, key=lambda link: (link.line, link.column)),
        headings(text, blocks, scan),
        block_id_set(scan.block_ids),
        comments(text, blocks, scan),
        tuple((region.first_line + 1, region.last_line + 1) for region in blocks.excluded),
    )


def comments(text: str, blocks: Blocks, scan: InlineScan) -> tuple[Comment, ...]:
    """Inline and %% comments from the scan, plus HTML comment blocks, in document order."""
    if not blocks.comments:
        return tuple(scan.comments)
    positions = Positions(text)
    found = list(scan.comments)
    for region in blocks.comments:
        end = region.end - 1 if text[region.end - 1 : region.end] == "\n" else region.end
        found.append(Comment(text[region.start : end], positions.span(region.start, end)))
    return tuple(sorted(found, key=lambda comment: (comment.span.line, comment.span.column)))


def segments(blocks: Blocks, start: int, end: int) -> list[tuple[int, int]]:
    """The stretches of [start, end) outside code and HTML blocks."""
    found: list[tuple[int, int]] = []
    pos = start
    for region in blocks.excluded:
        if region.start > pos:
            found.append((pos, region.start))
        pos = max(pos, region.end)
    if pos < end:
        found.append((pos, end))
    return found


def headings(text: str, blocks: Blocks, scan: InlineScan) -> tuple[Heading, ...]:
    found: list[Heading] = []
    for block in blocks.headings:
        if scan.hidden and any(start <= block.offset < end for start, end in scan.hidden):
            continue  # inside an Obsidian %% comment
        if block.column:  # the scanner knew where its text starts and where its line ends
            column, end_column = block.column, block.width + 1
        else:
            line_end = text.find("\n", block.offset)
            line_text = text[block.offset : line_end if line_end >= 0 else len(text)]
            at = line_text.find(block.text) if block.text else -1
            column = at + 1 if at >= 0 else len(line_text) - len(line_text.lstrip(" \t>#")) + 1
            end_column = len(line_text) + 1
        line, end_line = block.line + 1, block.end_line + 1
        # heading texts repeat across a vault ("References", "总结"): interned, one string for all
        found.append(Heading(block.level, intern(block.text), line, column, end_line, end_column))
    return tuple(found)


REFERENCE = ("blocks.py", "inline.py", "scanner.py", "types.py")  # what the compiled scanner twins


def _digest(names: tuple[str, ...]) -> str:
    """As setup.py digests the sources the extension is built from."""
    folder = os.path.dirname(os.path.abspath(__file__))
    summed = hashlib.blake2b(digest_size=12)
    for name in names:
        with open(os.path.join(folder, name), "rb") as source:
            summed.update(source.read().replace(b"\r\n", b"\n"))
    return summed.hexdigest()


def _compiled() -> tuple[Callable[[str, int, int], Body] | None, str]:
    """The compiled scanner, when it is installed, wanted, and built from the sources beside it."""
    if os.environ.get("VAULTKIT_NO_EXTENSIONS", "") not in ("", "0"):
        return None, "pure Python (VAULTKIT_NO_EXTENSIONS is set)"
    try:
        from vaultkit.parse import _scanner
    except ImportError:
        return None, "pure Python (the compiled scanner is not installed)"
    try:
        stale = _digest(REFERENCE) != _scanner.REFERENCE_DIGEST
        if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "_scanner.pyx")):
            stale = stale or _digest(("_scanner.pyx",)) != _scanner.SOURCE_DIGEST
    except OSError:  # sources not readable as files (a zip): installed together, so built together
        stale = False
    if stale:
        return None, "pure Python (the compiled scanner is older than its sources: install again to rebuild it)"
    return _scanner.scan_body, "compiled"


_COMPILED, KIND = _compiled()
scan_body: Callable[[str, int, int], Body] = _COMPILED or scan_body_pure
