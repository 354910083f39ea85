"""Frontmatter outside the simple subset, read by PyYAML: safe, bounded, with positions for every problem.

PyYAML implements YAML 1.1; Obsidian reads properties with YAML 1.2's core schema. The loader's resolvers
are 1.2's, so both readers build the values Obsidian shows (`yes` is text, `0777` is 777, `1:20` is text).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from vaultkit.model import Finding, Span, shorten
from vaultkit.parse.simple_yaml import BOOLEANS
from vaultkit.parse.types import Loaded, fm001

MAX_EXPANDED_NODES = 100_000  # YAML aliases may not expand beyond this many nodes ("billion laughs")

_YamlBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_YamlBase):  # type: ignore[valid-type,misc]
    """Safe YAML with YAML 1.2's values, dates kept as text (as Obsidian shows them), duplicate keys recorded."""

    duplicates: list[yaml.Node]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = (key_node.tag, key_node.value)
                if key in seen:
                    self.duplicates.append(key_node)
                seen.add(key)
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


# YAML 1.2's resolvers, as ruamel.yaml's safe loader has them (the tests' oracle): numbers may hold `_`, octal
# is `0o17` (`017` is 17), no base 60. A form without a digit (`0x_`) is text, not an error.
# Not `yamlcore`: no faster (19.0 vs 19.3 us a fallback note, bench vault), +1.3 ms import, no `<<` or `1_000`.
_CORE_RESOLVERS = (
    ("tag:yaml.org,2002:bool", "|".join(BOOLEANS), "tTfF"),
    (
        "tag:yaml.org,2002:float",
        r"""[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
        |[-+]?\.[0-9_]*[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)""",
        "-+.0123456789",
    ),
    (
        "tag:yaml.org,2002:int",
        r"""[-+]?0b[0-1_]*[0-1][0-1_]*
        |[-+]?0o[0-7_]*[0-7][0-7_]*
        |[-+]?0x[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*
        |[-+]?[0-9_]*[0-9][0-9_]*""",
        "-+0123456789",
    ),
)
# From PyYAML's own: null (the same words in 1.2) and the merge key `<<`. Left out: timestamps (dates stay the
# text Obsidian shows) and YAML 1.1's `=` (text in 1.2).
_KEPT = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")
_Loader.yaml_implicit_resolvers = {
    first: kept
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    if (kept := [(tag, rx) for tag, rx in resolvers if tag in _KEPT])
}
for _tag, _pattern, _first in _CORE_RESOLVERS:
    _compiled = re.compile(f"^(?:{_pattern})$", re.X)
    for _char in _first:
        _Loader.yaml_implicit_resolvers.setdefault(_char, []).append((_tag, _compiled))
_BASES = {"0b": 2, "0o": 8, "0x": 16}


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """YAML 1.2's integers: `0b`, `0o` and `0x` prefixes; leading zeros are decimal."""
    text = str(node.value).replace("_", "")
    digits = text.lstrip("+-")
    base = _BASES.get(digits[:2], 10)
    value = int(digits[2:] if base != 10 else digits, base)
    return -value if text[0] == "-" else value


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_full_yaml(path: str, source: str, first_line: int) -> Loaded:
    """Load one YAML mapping with PyYAML; any problem becomes a finding positioned in the note."""
    loader = _Loader(source)
    loader.duplicates = []
    keys: tuple[tuple[str, int, int], ...] = ()
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, (), ()
        if "*" in source:
            too_big = _expansion_problem(node)
            if too_big:
                span = Span(first_line, 1, first_line, 1)
                return None, (fm001(path, span, too_big),), ()
        if isinstance(node, yaml.MappingNode):
            keys = tuple(
                (str(key.value), first_line + key.start_mark.line, key.start_mark.column + 1)
                for key, _ in node.value
                if isinstance(key, yaml.ScalarNode)
            )
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        unhashable = _mapping_as_key(path, source, first_line, error)
        if unhashable is not None:
            return None, (unhashable,), ()
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line, mark.column) if mark else (0, 0)
        span = Span(first_line + line, column + 1, first_line + line, column + 2)
        reason = error.problem or error.context or "invalid YAML"
        return None, (fm001(path, span, f"frontmatter is not valid YAML: {reason}"),), ()
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
        span = Span(first_line, 1, first_line, 1)
        return None, (fm001(path, span, f"frontmatter is not valid YAML: {type(error).__name__}"),), ()
    finally:
        loader.dispose()
    problems = [_duplicate(path, key_node, first_line) for key_node in loader.duplicates]
    if not isinstance(data, dict):
        span = Span(first_line, 1, first_line, 1)
        kind = "empty" if data is None else type(data).__name__
        problems.append(Finding(path, span, "FM002", f"frontmatter must be a mapping of keys to values, not {kind}"))
        return None, tuple(problems), ()
    return data, tuple(problems), keys


def _mapping_as_key(path: str, source: str, first_line: int, error: yaml.MarkedYAMLError) -> Finding | None:
    """PyYAML's "found unhashable key" in the user's terms: `created: {{date}}` is a mapping (`{…}`)
    whose key is a mapping, almost always text (a template's placeholder) that wants quotes. Positioned
    on the value, from the mapping's `{` to the end of its line."""
    mark = error.context_mark
    if error.problem != "found unhashable key" or mark is None:
        return None
    lines = source.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    value = line[mark.column :].rstrip()
    if not value.startswith("{"):
        return None
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    before = line[: mark.column].lstrip()
    message = (
        f"frontmatter is not valid YAML: '{shorten(value, 60)}' is read as a mapping used as a key; "
        f"if it is text, quote it: {shorten(before + quoted, 80)}"
    )
    row = first_line + mark.line
    return fm001(path, Span(row, mark.column + 1, row, mark.column + 1 + len(value)), message)


def _expansion_problem(root: yaml.Node) -> str | None:
    """Count the nodes aliases would expand to, without expanding them."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if children_done:
            in_progress.discard(key)
            total = 1 + sum(sizes[id(child)] for child in children)
            if total > MAX_EXPANDED_NODES:
                return f"frontmatter aliases expand to over {MAX_EXPANDED_NODES:,} values"
            sizes[key] = total
            continue
        if key in in_progress:
            return "frontmatter holds a recursive alias"
        in_progress.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in in_progress:
                return "frontmatter holds a recursive alias"
            if id(child) not in sizes:
                stack.append((child, False))
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _duplicate(path: str, key_node: yaml.Node, first_line: int) -> Finding:
    mark = key_node.start_mark
    end = key_node.end_mark
    span = Span(first_line + mark.line, mark.column + 1, first_line + end.line, end.column + 1)
    key = shorten(str(key_node.value), 60)
    return Finding(path, span, "FM003", f"key '{key}' is given more than once; YAML keeps only the last")
