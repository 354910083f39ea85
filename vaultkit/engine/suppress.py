"""Suppression comments (SPEC §8): silence named findings on a line, a range, or a whole note.

    <!-- vaultkit-disable-next-line LK001,LK004 -->      the next line
    <!-- vaultkit-disable LK001 --> … <!-- vaultkit-enable LK001 -->     a range (to the end without enable)
    %% vaultkit-disable-next-line self-link %%            the same, invisible in Obsidian's reading view
    vaultkit-disable: [LK001]                            frontmatter: the whole note

No code means every code; codes may be prefixes (`LK`) or names (`self-link`). A directive that
silenced nothing among the codes checked is VK002. Comments inside code are not directives: the
parser never reports them as comments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, NamedTuple

from vaultkit.model import Finding, Note, Span
from vaultkit.rules import RULES, expand_codes

ALL = "*"
_DIRECTIVE = re.compile(r"\s*vaultkit-(disable-next-line|disable|enable)(?:\s+([^\n]*?))?\s*")
_SEPARATORS = re.compile(r"[\s,]+")
FRONTMATTER_KEY = "vaultkit-disable"

Scope = Literal["next-line", "range", "note", "enable"]


class Directive(NamedTuple):
    scope: Scope
    codes: frozenset[str]  # codes it names; ALL for every code
    span: Span  # where it is written
    until: tuple[int, int] | None = None  # range: (line, column) where it ends; None: end of note

    def covers(self, finding: Finding) -> bool:
        if ALL not in self.codes and finding.code not in self.codes:
            return False
        if self.scope == "note":
            return True
        if self.scope == "next-line":
            return finding.span.line == self.span.end_line + 1
        if self.scope == "range":
            start = (self.span.end_line, self.span.end_column)
            at = (finding.span.line, finding.span.column)
            return start <= at and (self.until is None or at < self.until)
        return False

    def plain(self) -> tuple[Any, ...]:
        return (self.scope, tuple(sorted(self.codes)), tuple(self.span), self.until)

    @classmethod
    def from_plain(cls, plain: Sequence[Any]) -> Directive:
        scope, codes, span, until = plain
        return cls(scope, frozenset(codes), Span(*span), (until[0], until[1]) if until else None)


def directives_of(note: Note) -> tuple[Directive, ...]:
    """Every suppression directive of a note, with ranges closed by their `enable`."""
    found: list[Directive] = []
    disable = note.frontmatter.get(FRONTMATTER_KEY) if note.frontmatter else None
    if note.frontmatter is not None and FRONTMATTER_KEY in note.frontmatter:
        listed = disable if isinstance(disable, list) else [] if disable in (None, True) else [disable]
        found.append(Directive("note", _codes(str(code) for code in listed), note.key_span(FRONTMATTER_KEY)))
    open_ranges: list[tuple[str, Directive]] = []  # (code token, directive)
    for comment in note.comments:
        match = _DIRECTIVE.fullmatch(_inner(comment.text))
        if match is None:
            continue
        kind, raw = match.groups()
        codes = _codes(_SEPARATORS.split(raw.strip()) if raw else [])
        if kind == "disable-next-line":
            found.append(Directive("next-line", codes, comment.span))
        elif kind == "disable":
            directive = Directive("range", codes, comment.span)
            open_ranges.extend((code, directive) for code in codes)
        else:
            closing = [(code, d) for code, d in open_ranges if ALL in codes or code in codes]
            if not closing:
                found.append(Directive("enable", codes, comment.span))
            end = (comment.span.line, comment.span.column)
            for code, directive in closing:
                open_ranges.remove((code, directive))
                found.append(Directive("range", frozenset({code}), directive.span, end))
    found.extend(Directive("range", frozenset({code}), directive.span) for code, directive in open_ranges)
    return tuple(found)


def apply(
    path: str, findings: Iterable[Finding], directives: Sequence[Directive], selected: Callable[[str], bool]
) -> list[Finding]:
    """The findings of note `path` no directive silences, plus VK002 for each directive that silenced
    nothing among the codes `selected` checks — like ruff's unused-noqa."""
    used: set[int] = set()
    kept: list[Finding] = []
    for finding in findings:
        silencing = [index for index, d in enumerate(directives) if finding.code != "VK002" and d.covers(finding)]
        if silencing:
            used.update(silencing)
        else:
            kept.append(finding)
    if selected("VK002"):
        for index, directive in enumerate(directives):
            if index in used or (directive.scope != "enable" and not _any_selected(directive.codes, selected)):
                continue
            kept.append(Finding(path, directive.span, "VK002", _unused(directive)))
    return kept


def _any_selected(codes: frozenset[str], selected: Callable[[str], bool]) -> bool:
    """Whether silencing nothing means something: a code that was checked, or one that does not exist."""
    if ALL in codes:
        return True
    return any(selected(code) or code not in RULES for code in codes)


def _unused(directive: Directive) -> str:
    names = "every code" if ALL in directive.codes else ", ".join(sorted(directive.codes))
    unknown = sorted(code for code in directive.codes if code != ALL and code not in RULES)
    if unknown:
        return f"suppression names unknown code {', '.join(unknown)} (see `vaultkit rules`)"
    if directive.scope == "enable":
        return f"vaultkit-enable of {names} has no vaultkit-disable to end"
    where = {"next-line": "on the next line", "range": "in its range", "note": "in this note"}[directive.scope]
    return f"suppression of {names} silenced nothing {where}"


def _codes(tokens: Iterable[str]) -> frozenset[str]:
    given = [token for token in tokens if token]
    if not given:
        return frozenset({ALL})
    codes, unknown = expand_codes(given)
    return frozenset(codes | set(unknown))  # an unknown code silences nothing, and VK002 says so


def _inner(comment: str) -> str:
    text = comment.strip()
    if text.startswith("<!--"):
        text = text[4:]
        text = text[:-3] if text.endswith("-->") else text
    elif text.startswith("%%"):
        text = text[2:]
        text = text[:-2] if text.endswith("%%") else text
    return text
