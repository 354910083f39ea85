"""Template placeholders (SPEC §3): `{{date}}`, `{{title}}` of Obsidian's core Templates plugin and
`<% tp.file.title %>` of Templater. In a template they are not errors: its frontmatter is read with each
placeholder taken as a plain string, and a link whose target holds one is not checked.

While YAML reads the frontmatter, each placeholder stands as private-use characters of the same length
(so every position in a finding stays exact), and the strings read are given their placeholders back.
"""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = re.compile(r"\{\{[^{}\n]*\}\}|<%[^\n]*?%>")
_FIRST = 0xE000  # the first private-use character: placeholder number 0
_FILL = "\uf8ff"  # the rest of a placeholder's length
_MAX = 0xF8FE - _FIRST  # placeholders a frontmatter may hold
_STAND_IN = re.compile("[\ue000-\uf8fe]\uf8ff*")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def has_placeholder(text: str) -> bool:
    return ("{{" in text or "<%" in text) and PLACEHOLDER.search(text) is not None


def mask(source: str) -> tuple[str, list[str]] | None:
    """`source` with each placeholder replaced by a stand-in of the same length, and the placeholders in
    order; None when it holds none (or more than can stand in, or private-use characters of its own)."""
    if not has_placeholder(source) or _PRIVATE_USE.search(source):
        return None
    placeholders: list[str] = []

    def stand_in(match: re.Match[str]) -> str:
        placeholders.append(match.group())
        return chr(_FIRST + len(placeholders) - 1) + _FILL * (len(match.group()) - 1)

    masked = source
    while has_placeholder(masked):  # `{{{{date}}}}`: once the inner one stands in, the outer is one too
        masked = PLACEHOLDER.sub(stand_in, masked)
        if len(placeholders) > _MAX:
            return None
    return masked, placeholders


def unmask(value: Any, placeholders: list[str]) -> Any:
    """`value` as read from masked YAML, with its placeholders back in every string (keys too)."""
    if isinstance(value, str):
        before = None
        while before != value:  # an outer placeholder gives back the stand-ins of inner ones
            before, value = value, _STAND_IN.sub(lambda match: placeholders[ord(match.group()[0]) - _FIRST], value)
        return value
    if isinstance(value, dict):
        return {unmask(key, placeholders): unmask(item, placeholders) for key, item in value.items()}
    if isinstance(value, list):
        return [unmask(item, placeholders) for item in value]
    return value
