"""Split the YAML frontmatter off a note and load it safely, with positions for every problem."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from vaultkit.model import OPENING_FENCE, Finding, Span
from vaultkit.parse.simple_yaml import read_simple
from vaultkit.parse.templates import mask, unmask
from vaultkit.parse.types import Loaded, fm001

MAX_FRONTMATTER_CHARS = 1_000_000

_FENCE = re.compile(r"---[ \t]*\r?$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)


class Frontmatter(NamedTuple):
    data: dict[str, Any] | None
    end_line: int  # line of the closing fence; 0 when the note has no (closed) frontmatter
    problems: tuple[Finding, ...]
    body_offset: int = 0  # where the body starts in the text
    keys: tuple[tuple[str, int, int], ...] = ()  # top-level key, line, column


NO_FRONTMATTER = Frontmatter(None, 0, ())


def split_frontmatter(path: str, text: str, template: bool = False) -> Frontmatter:
    """Read the `---` block at the top of `text` (BOM already removed, line endings as written); in a
    template, each placeholder is read as a plain string."""
    first_end = text.find("\n")
    first_line = text if first_end < 0 else text[:first_end]
    if not _FENCE.fullmatch(first_line):
        return NO_FRONTMATTER
    close = _CLOSE.search(text, first_end + 1) if first_end >= 0 else None
    if close is None:
        span = OPENING_FENCE
        return Frontmatter(None, 0, (fm001(path, span, "frontmatter block opened by '---' is never closed"),))
    body = text[first_end + 1 : close.start()]
    end_line = text.count("\n", 0, close.start()) + 1
    masked = mask(body) if template else None
    if masked is None:
        data, problems, keys = load_yaml(path, body, first_line=2)
    else:
        source, placeholders = masked
        data, problems, keys = load_yaml(path, source, first_line=2)
        data = unmask(data, placeholders)
        problems = tuple(problem._replace(message=unmask(problem.message, placeholders)) for problem in problems)
        keys = tuple((unmask(key, placeholders), line, column) for key, line, column in keys)
    body_offset = min(close.end() + 1, len(text))
    return Frontmatter(data, end_line, problems, body_offset, keys)


def load_yaml(path: str, source: str, first_line: int) -> Loaded:
    """Load one YAML mapping; any problem becomes a finding positioned in the note."""
    if len(source) > MAX_FRONTMATTER_CHARS:
        span = Span(first_line, 1, first_line, 1)
        return None, (fm001(path, span, f"frontmatter of {len(source):,} characters is over the limit"),), ()
    source = source.replace("\r\n", "\n")
    simple = read_simple(source)
    if simple is not None:
        data, keys = simple
        return data, (), tuple((key, first_line + line, column) for key, line, column in keys)
    from vaultkit.parse.full_yaml import load_full_yaml  # PyYAML, for everything outside the simple subset

    return load_full_yaml(path, source, first_line)
