"""Frontmatter in the shapes notes actually use, read without PyYAML, to exactly the same values.

Values are the ones Obsidian shows: YAML 1.2's core schema, where `yes`, `on` or `n` are text and only
`true`/`false` (and their `True`/`TRUE` forms) are booleans — not YAML 1.1's, which PyYAML implements.

Most frontmatter is the Digital Garden's one-line JSON or a few `key: value` lines with strings,
booleans, dates and short lists. PyYAML spends most of a vault check building such mappings. This
reader accepts only a strict subset whose meaning is beyond doubt and returns None for anything else
(nested mappings, anchors, tags, block scalars, numbers other than plain integers, duplicate keys,
comments in odd places...), which then goes through PyYAML. Tests compare both on generated input.
"""

from __future__ import annotations

import json
import re
from sys import intern
from typing import Any

# Characters PyYAML refuses, and the ones YAML 1.1 reads as line breaks (NEL, LS, PS).
# (Written as the complement of YAML's printable set: the same characters, compiled ten times faster.)
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
# YAML 1.2's core schema reads these plain words as booleans (the PyYAML reader's resolver too) and nulls.
BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = {"~", "null", "Null", "NULL", ""}
# What YAML 1.1 made of plain scalars that YAML 1.2 reads as text: booleans and base-60 numbers.
_YAML11_BOOLEANS = {w: True for w in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON")}
_YAML11_BOOLEANS |= {w: False for w in ("n", "N", "no", "No", "NO", "off", "Off", "OFF")}
_YAML11_BASE_60 = re.compile(r"[-+]?(?:[1-9][0-9_]*(?::[0-5]?[0-9])+|[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)")

_KEY_LINE = re.compile(r"([^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#\n]*?):(?:[ \t]+(.*?))?[ \t]*")
_ITEM_LINE = re.compile(r"( *)-(?:[ \t]+(.*?))?[ \t]*")
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^:#\n]|:(?=\S)|(?<=\S)#)*")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_NUMERIC_START = re.compile(r"[-+.0-9]")
_FLOW_ITEM = re.compile(r"[ \t]*(\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\n]|'')*'|[^,\[\]{}'\"\n]*?)[ \t]*(,|$)")


Keys = list[tuple[str, int, int]]  # top-level key, 0-based line within the source, 1-based column


def read_simple(source: str) -> tuple[dict[str, Any], Keys] | None:
    """The mapping the PyYAML reader would build from `source` and where its keys are, or None when the
    text is outside the subset."""
    if _NOT_PRINTABLE.search(source):
        return None  # PyYAML refuses these characters anywhere; let it say so
    stripped = source.strip()
    if stripped.startswith("{"):
        return _read_json(source)
    result: dict[str, Any] = {}
    keys: Keys = []
    open_list: list[Any] | None = None
    indent = ""
    for number, line in enumerate(source.split("\n")):
        if not line.strip() or line.lstrip(" ").startswith("#"):
            continue
        item = _ITEM_LINE.fullmatch(line)
        if item is not None:
            if open_list is None or (open_list and item.group(1) != indent):
                return None  # nested or misaligned lists: PyYAML decides
            indent = item.group(1)
            value = _scalar(item.group(2) or "")
            if value is _INVALID:
                return None
            open_list.append(value)
            continue
        pair = _KEY_LINE.fullmatch(line)
        if pair is None:
            return None
        key = intern(pair.group(1).rstrip())  # every note has a title: one string for all of them
        if key in result or _scalar(key) != key:
            return None  # duplicate keys, or keys that are not plain strings: PyYAML says what they are
        keys.append((key, number, 1))
        raw = pair.group(2)
        if not raw:
            open_list = []
            result[key] = open_list
            continue
        open_list = None
        value = _flow_list(raw) if raw.startswith("[") else _scalar(raw)
        if value is _INVALID:
            return None
        result[key] = value
    block_lists = {key for key, value in result.items() if isinstance(value, list) and value == []}
    for key in block_lists:
        if not _has_flow_list(source, key):
            result[key] = None  # `key:` and no item under it is a null
    return result, keys


class _Invalid:
    pass


_INVALID: Any = _Invalid()


def _has_flow_list(source: str, key: str) -> bool:
    return re.search(r"^" + re.escape(key) + r"[ \t]*:[ \t]*\[", source, re.M) is not None


def _scalar(raw: str) -> Any:
    if raw.startswith('"'):
        if not raw.endswith('"') or len(raw) < 2:
            return _INVALID
        try:
            value = json.loads(raw)
        except ValueError:
            return _INVALID
        return value if isinstance(value, str) and "\\/" not in raw and "\\u" not in raw else _INVALID
    if raw.startswith("'"):
        if not raw.endswith("'") or len(raw) < 2:
            return _INVALID
        inner = raw[1:-1]
        if "'" in inner.replace("''", ""):
            return _INVALID
        return inner.replace("''", "'")
    if raw in BOOLEANS:
        return BOOLEANS[raw]
    if raw in _NULLS:
        return None
    if _INTEGER.fullmatch(raw):
        return int(raw)
    if _DATE.fullmatch(raw):
        return raw  # vaultkit keeps dates as the text Obsidian shows
    if _NUMERIC_START.match(raw) or not _PLAIN.fullmatch(raw) or raw.endswith(":"):
        return _INVALID
    return raw


def _flow_list(raw: str) -> Any:
    if not raw.endswith("]"):
        return _INVALID
    inner = raw[1:-1]
    if not inner.strip():
        return []
    items: list[Any] = []
    position = 0
    while position <= len(inner):
        match = _FLOW_ITEM.match(inner, position)
        if match is None or not match.group(1):
            return _INVALID
        token = match.group(1)
        value = _scalar(token)
        if value is _INVALID or (token[0] not in "'\"" and (":" in token or "#" in token)):
            return _INVALID
        items.append(value)
        if not match.group(2):
            break
        position = match.end()
    return items


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]]')


def _read_json(source: str) -> tuple[dict[str, Any], Keys] | None:
    """The Digital Garden export's one-line form. JSON floats differ from YAML 1.1 floats: none here."""

    def no_floats(_: str) -> Any:
        raise ValueError("float")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            raise ValueError("duplicate key")
        return result

    if "\\/" in source or "\\u" in source:
        return None  # escapes YAML reads differently (and PyYAML refuses escaped surrogates)
    try:
        value = json.loads(source, parse_float=no_floats, parse_constant=no_floats, object_pairs_hook=no_duplicates)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    return value, _json_keys(source)


def _json_keys(source: str) -> Keys:
    """Where the top-level keys of a JSON object are written."""
    keys: Keys = []
    depth = 0
    for token in _JSON_TOKEN.finditer(source):
        text = token.group()
        if text in "{[":
            depth += 1
        elif text in "}]":
            depth -= 1
        elif depth == 1 and source[token.end() :].lstrip(" \t\n").startswith(":"):
            line = source.count("\n", 0, token.start())
            column = token.start() - (source.rfind("\n", 0, token.start()) + 1) + 1
            keys.append((json.loads(text), line, column))
    return keys


def yaml11_reading(text: str) -> bool | int | float | None:
    """What YAML 1.1 (PyYAML, older tools, many tutorials) reads a plain scalar as when YAML 1.2 reads it as
    text; None when both read text. Messages use it to tell a user why `yes` is not `true`."""
    if text in _YAML11_BOOLEANS:
        return _YAML11_BOOLEANS[text]
    if not _YAML11_BASE_60.fullmatch(text):
        return None
    number = float if "." in text else int
    value: int | float = 0
    for part in text.lstrip("+-").replace("_", "").split(":"):
        value = value * 60 + number(part)
    return -value if text[0] == "-" else value
