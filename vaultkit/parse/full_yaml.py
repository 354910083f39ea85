"""Frontmatter outside the simple subset, read by PyYAML: safe, bounded, with positions for every problem."""

from __future__ import annotations

from typing import Any

import yaml

from vaultkit.model import Finding, Span, shorten
from vaultkit.parse.types import Loaded, fm001

MAX_EXPANDED_NODES = 100_000  # YAML aliases may not expand beyond this many nodes ("billion laughs")

_YamlBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_YamlBase):  # type: ignore[valid-type,misc]
    """Safe YAML that keeps dates as text (as Obsidian shows them) and records duplicate keys."""

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


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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
