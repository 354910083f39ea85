"""parse/full_yaml.py and parse/simple_yaml.py build the values Obsidian shows: YAML 1.2, not PyYAML's 1.1.

The oracle is ruamel.yaml's safe loader in YAML 1.2 mode, used only here. Both of vaultkit's readers
(the fast subset reader and the PyYAML fallback) must build the values it builds, on frontmatter made of
every word the two YAML versions read differently. What a user then sees: tests/test_kinds_frontmatter.py.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError as RuamelError

from vaultkit.parse import parse_note
from vaultkit.parse.full_yaml import load_full_yaml
from vaultkit.parse.simple_yaml import read_simple

# Words YAML 1.1 and YAML 1.2 read differently, and their neighbours that neither reads as a value.
DIFFERENCES = [
    *("yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "yEs"),
    *("true", "True", "TRUE", "false", "False", "FALSE", "tRUE", "fALSE"),
    *("~", "null", "Null", "NULL", "nULL", ""),
    *("0777", "-0777", "0o777", "0O777", "0o8", "0x1F", "0x1f", "0X1F", "-0x1F", "+0x1F", "0b101", "-0b1"),
    *("1:20", "-1:20", "190:20:30", "1:20.5", "1:60", "01:20", "12:30"),
    *("1_000", "1__0", "1_0.5", "_1", "-_1"),
    *(".inf", ".Inf", ".INF", "-.inf", "+.inf", ".iNF", ".nan", ".NaN", ".NAN", "-.nan", "nan", "inf"),
    *("1e3", "1E3", "1.5e3", "1.5e+3", ".5e3", ".5e+3", "1.", "-.5", "+.5", "+12", "-0", "+0", "007", "08", "0.0"),
    *("2024-01-02", "2024-1-2", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "=", "=x"),
]  # fmt: skip
QUOTED = [f"'{word}'" for word in DIFFERENCES[:20]] + [f'"{word}"' for word in DIFFERENCES[20:50]]
OTHER_SCALARS = [
    "x", "hello world", "学习/数学", "a:b", "a #b", "a#b", "-dash", "x\t y", "[[link]]", '"[[link]]"', "中文：全角",
]  # fmt: skip
# Numbers and near-numbers built from the characters YAML's number forms are made of (base 60's `:` only
# in DIFFERENCES: a random `:` mostly finds where libyaml's and ruamel's parsers differ, not their values).
NUMBER_LIKE = st.text(alphabet="0123456789_.+-eExXoObBaAfFinN", min_size=1, max_size=7)
SCALAR = st.one_of(st.sampled_from(DIFFERENCES), st.sampled_from(QUOTED + OTHER_SCALARS), NUMBER_LIKE)
KEY = st.sampled_from(
    [
        "title",
        "dg-publish",
        "tags",
        "标题",
        "a b",
        "yes",
        "on",
        "y",
        "No",
        "true",
        "Null",
        "1:20",
        "0777",
        "0x1F",
        "1_0",
    ]
)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


# What follows a key (`key` + one of these is a line); keys are unique in a mapping, or there is no answer.
AFTER_KEY = st.one_of(
    st.builds(lambda v: f": {v}", SCALAR),
    st.builds(lambda v: f": {_flow(v)}", st.lists(SCALAR, max_size=3)),
    st.builds(lambda items: "".join([":", *(f"\n  - {item}" for item in items)]), st.lists(SCALAR)),
    st.builds(lambda a, b: f":\n  {a}: {b}", KEY, SCALAR),  # nested: outside the subset
    st.builds(lambda a, b: f": {{{a}: {b}}}", KEY, SCALAR),
)
LINES = st.lists(st.tuples(KEY, AFTER_KEY), min_size=1, max_size=6, unique_by=lambda pair: pair[0]).map(
    lambda pairs: [key + rest for key, rest in pairs]
)


class _Constructor(SafeConstructor):
    """ruamel's safe constructor, with dates kept as the text written (as vaultkit and Obsidian show them)
    and `=` as text: YAML 1.2's core schema has no `value` type (ruamel keeps 1.1's, and cannot build it)."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
_Constructor.add_constructor("tag:yaml.org,2002:value", SafeConstructor.construct_yaml_str)


class Refused:
    """The oracle has no answer (invalid YAML, duplicate keys): nothing to compare with."""


def yaml12(source: str) -> Any:
    loader = YAML(typ="safe", pure=True)
    loader.version = (1, 2)
    loader.Constructor = _Constructor
    try:
        return loader.load(source)
    except (RuamelError, ValueError):  # ValueError: forms its resolver takes and its constructor cannot build
        return Refused()


def same(ours: Any, theirs: Any) -> bool:
    """Equal and of the same types all the way down (True is not 1, 1.0 is not 1), NaN equal to NaN."""
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, dict):
        return len(ours) == len(theirs) and all(
            same(k1, k2) and same(v1, v2) for (k1, v1), (k2, v2) in zip(ours.items(), theirs.items(), strict=True)
        )
    if isinstance(ours, list):
        return len(ours) == len(theirs) and all(same(a, b) for a, b in zip(ours, theirs, strict=True))
    if isinstance(ours, float) and math.isnan(ours):
        return math.isnan(theirs)
    return bool(ours == theirs)


@settings(max_examples=600, deadline=None)
@given(LINES)
@example(["dg-publish: yes", "on: off", "n: 0777", "o: 0o777", "h: 0x1F", "t: 1:20", "u: 1_000"])
@example(["a: .inf", "b: -.Inf", "c: .NaN", "d: ~", "e: Null", "f:", "g: TRUE", "h: False", "i: 2024-01-02"])
@example(["a: [yes, No, y, n, 1:20, 0777, 1e3]", "b: =", "c: 1."])
def test_both_readers_build_the_values_yaml12_builds(lines: list[str]) -> None:
    source = "\n".join(lines) + "\n"
    expected = yaml12(source)
    if isinstance(expected, Refused) or not isinstance(expected, dict):
        return
    simple = read_simple(source)
    if simple is not None:
        assert same(simple[0], expected), (source, simple[0], expected)
    data, problems, _ = load_full_yaml("n.md", source, 2)
    assert not problems, (source, problems)
    assert same(data, expected), (source, data, expected)
    note = parse_note("n.md", f"---\n{source}---\n".encode())
    assert same(note.frontmatter, expected), (source, note.frontmatter, expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(KEY, SCALAR), min_size=1, max_size=8, unique_by=lambda pair: pair[0]))
def test_plain_key_value_lines_agree(pairs: list[tuple[str, str]]) -> None:
    """The shape most notes have, where the fast reader answers most often."""
    source = "".join(f"{key}: {value}\n" for key, value in pairs)
    expected = yaml12(source)
    if isinstance(expected, Refused):
        return
    simple = read_simple(source)
    if simple is not None:
        assert same(simple[0], expected), (source, simple[0], expected)
    data, problems, _ = load_full_yaml("n.md", source, 2)
    assert not problems and same(data, expected), (source, data, expected)


def test_every_difference_reads_as_yaml12() -> None:
    """Each word alone, as a value, in a flow list and as a key; both readers."""
    for word in DIFFERENCES:
        for source in (f"k: {word}\n", f"k: [{word}]\n", f"k:\n  - {word}\n", f"{word}: v\n" if word else "x: v\n"):
            expected = yaml12(source)
            if isinstance(expected, Refused):
                continue
            data, problems, _ = load_full_yaml("n.md", source, 2)
            assert not problems and same(data, expected), (source, data, expected)
            simple = read_simple(source)
            if simple is not None:
                assert same(simple[0], expected), (source, simple[0], expected)


def test_the_oracle_reads_yaml12() -> None:
    """The differences this file is about, as the oracle reads them (so a ruamel.yaml change shows here)."""
    got = yaml12("a: yes\nb: on\nc: n\nd: 0777\ne: 0o777\nf: 1:20\ng: 0x1F\nh: TRUE\ni: NULL\nj: 2024-01-02\n")
    want = {"a": "yes", "b": "on", "c": "n", "d": 777, "e": 511, "f": "1:20", "g": 31, "h": True, "i": None}
    assert same(got, want | {"j": "2024-01-02"})
