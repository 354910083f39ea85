"""`kind: outline` — OL001–OL005 for notes built as numbered sections holding numbered items.

Each number is expected to be the previous one found plus one, so one slip gives one finding (two
for a replaced number: the repeat and the gap), never a cascade. The fix renumbers by position:
the n-th section or item gets the n-th number, so every fix of a note agrees with every other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from vaultkit import numerals
from vaultkit.kinds.base import CheckDef
from vaultkit.model import FILE_START, ConfigError, Edit, Finding, Fix, Note, Span
from vaultkit.resolve import VaultIndex

Numbering = Literal["continuous", "per-section"]


class Sequence_(NamedTuple):
    """How one level of the outline is numbered."""

    pattern: re.Pattern[str]
    group: str  # "ordinal" for sections, "number" for items
    numerals: numerals.Style
    start: int
    numbering: Numbering = "continuous"


class OutlineParams(NamedTuple):
    sections: Sequence_
    items: Sequence_
    title_counts: re.Pattern[str] | None = None


@dataclass
class _Mark:
    """A section marker or an item found in the note."""

    line: int  # 1-based
    start: int  # 0-based code point offsets of the number in the line
    end: int
    text: str  # the number as written
    value: int | None  # None: not a numeral of the configured style
    section: int  # index of the section holding it (-1: before the first)


class OutlineKind:
    name: str = "outline"
    codes: tuple[str, ...] = ("OL001", "OL002", "OL003", "OL004", "OL005")
    keys: tuple[str, ...] = ("sections", "items", "title_counts")
    exclusive = False
    needs_text = True
    checks_templates = False
    default: CheckDef | None = None

    def parse(self, raw: dict[str, Any], source: str) -> OutlineParams:
        sections = _sequence(raw["sections"], "sections", "ordinal", "chinese", source)
        items = _sequence(raw["items"], "items", "number", "arabic", source)
        title = raw.get("title_counts")
        title_pattern = None
        if title is not None:
            title_pattern = _regex(title, "title_counts", source)
            if not {"sections", "items"} & set(title_pattern.groupindex):
                raise ConfigError(f"{source}: key 'title_counts': needs a named group 'sections' or 'items'")
        return OutlineParams(sections, items, title_pattern)

    def needs(self, check: CheckDef, vault: VaultIndex, notes: Sequence[Note]) -> Iterator[str]:
        return iter(())  # an outline is the note's own

    def run(self, check: CheckDef, vault: VaultIndex, notes: Sequence[Note]) -> Iterator[Finding]:
        params: OutlineParams = check.params
        for note in notes:
            if note.text is None:
                continue  # unreadable or skipped: VK001/VK003 say so
            yield from _check_note(note, params)


def _sequence(raw: dict[str, Any], key: str, group: str, default_style: str, source: str) -> Sequence_:
    """One level of the outline; its keys and values are checked by the schema (`$defs/*Sequence`), what a
    schema cannot say (the pattern compiles and has its named group) here."""
    pattern = _regex(raw["pattern"], f"{key}.pattern", source)
    if group not in pattern.groupindex:
        raise ConfigError(f"{source}: key '{key}.pattern': needs a named group '{group}'")
    return Sequence_(
        pattern, group, raw.get("numerals", default_style), raw.get("start", 1), raw.get("numbering", "continuous")
    )


def _regex(raw: str, key: str, source: str) -> re.Pattern[str]:
    try:
        return re.compile(raw)
    except re.error as error:
        raise ConfigError(f"{source}: key '{key}': invalid regular expression: {error}") from None


def _check_note(note: Note, params: OutlineParams) -> Iterator[Finding]:
    sections, items = _marks(note, params)
    yield from _sequence_findings(note, sections, params.sections, "OL001", "section ordinal")
    groups = _groups(items, params.items)
    for group in groups:
        yield from _sequence_findings(note, group, params.items, "OL002", "item")
    for mark in items:
        if mark.section < 0:
            yield _finding(note, mark, "OL005", f"item {mark.text} comes before the first section")
    for index, section in enumerate(sections):
        if not any(item.section == index for item in items):
            yield _finding(note, section, "OL003", f"section {section.text} has no items")
    if params.title_counts is not None:
        yield from _title_findings(note, params.title_counts, len(sections), len(items))


def _marks(note: Note, params: OutlineParams) -> tuple[list[_Mark], list[_Mark]]:
    """Section markers and items, line by line, outside frontmatter, code and HTML blocks."""
    assert note.text is not None
    skipped = {line for first, last in note.code_lines for line in range(first, last + 1)}
    sections: list[_Mark] = []
    items: list[_Mark] = []
    for number, line in enumerate(note.text.split("\n"), 1):
        if number <= note.frontmatter_end or number in skipped:
            continue
        for level, found in ((params.sections, sections), (params.items, items)):
            match = level.pattern.search(line)
            if match is None or match.group(level.group) is None:
                continue
            text = match.group(level.group)
            start, end = match.span(level.group)
            found.append(_Mark(number, start, end, text, numerals.parse(text, level.numerals), len(sections) - 1))
            break
    return sections, items


def _groups(items: list[_Mark], level: Sequence_) -> list[list[_Mark]]:
    """Items numbered together: all of them, or those of each section (items before the first
    section form a group of their own)."""
    if level.numbering == "continuous":
        return [items]
    groups: dict[int, list[_Mark]] = {}
    for item in items:
        groups.setdefault(item.section, []).append(item)
    return list(groups.values())


def _sequence_findings(note: Note, marks: list[_Mark], level: Sequence_, code: str, what: str) -> Iterator[Finding]:
    expected = level.start
    for index, mark in enumerate(marks):
        if mark.value != expected:
            fix = _renumber(marks[index:], level, level.start + index)
            yield _finding(note, mark, code, _slip(what, mark, expected, level), fix)
        expected = (mark.value if mark.value is not None else expected) + 1


def _slip(what: str, mark: _Mark, expected: int, level: Sequence_) -> str:
    """Say what kind of slip it is: a repeat, a gap, disorder, or not a number at all."""

    def shown(value: int) -> str:
        return numerals.render(value, level.numerals, mark.text)

    if mark.value is None:
        return f"{what} {mark.text} is not a {level.numerals} numeral; {shown(expected)} expected"
    if mark.value == expected - 1:
        return f"{what} {mark.text} repeats the previous number; {shown(expected)} expected"
    if mark.value > expected:
        missing = shown(expected) if mark.value == expected + 1 else f"{shown(expected)}–{shown(mark.value - 1)}"
        return f"{what} {mark.text} skips {missing}; {shown(expected)} expected"
    return f"{what} {mark.text} is out of order; {shown(expected)} expected"


def _renumber(marks: list[_Mark], level: Sequence_, first: int) -> Fix | None:
    """Number `marks` first, first + 1, ... in the style each is written in."""
    edits = []
    for offset, mark in enumerate(marks):
        target = numerals.render(first + offset, level.numerals, mark.text)
        if target != mark.text:
            span = Span(mark.line, mark.start + 1, mark.line, mark.end + 1)
            edits.append(Edit(span, target, mark.text))
    if not edits:
        return None
    start = numerals.render(first, level.numerals, marks[0].text)
    return Fix(f"renumber in sequence from {start}", tuple(edits))


def _title_findings(note: Note, pattern: re.Pattern[str], sections: int, items: int) -> Iterator[Finding]:
    title = note.frontmatter.get("title") if note.frontmatter else None
    if not isinstance(title, str):
        title = note.name
    match = pattern.search(title)
    if match is None:
        return
    for group, found, noun in (("sections", sections, "sections"), ("items", items, "items")):
        if group not in pattern.groupindex or match.group(group) is None:
            continue
        promised = numerals.parse_any(match.group(group))
        if promised is not None and promised != found:
            yield Finding(
                note.path,
                note.key_span("title", missing=FILE_START),
                "OL004",
                f"title '{title}' promises {promised} {noun}; the note has {found}",
            )


def _finding(note: Note, mark: _Mark, code: str, message: str, fix: Fix | None = None) -> Finding:
    return Finding(note.path, Span(mark.line, mark.start + 1, mark.line, mark.end + 1), code, message, fix=fix)
