"""The fast frontmatter reader agrees with PyYAML wherever it answers at all."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.parse.full_yaml import _Loader
from vaultkit.parse.simple_yaml import read_simple

SCALARS = [
    "x", "hello world", "学习/数学", "a:b", "a: b", "a #b", "a#b", "@home", "`tick`", "%x", "-dash", "- item",
    "yes", "No", "on", "OFF", "true", "False", "~", "null", "0", "12", "-3", "007", "0x1F", "1_000", "1.5",
    ".5", "1e3", "2024-01-02", "2024-1-2", "12:30", "'single'", "'it''s'", "'bad", '"double"', '"esc \\" q"',
    '"tab\\t"', '"\\u00e9"', '"\\/slash"', '"unterminated', "[[link]]", '"[[link]]"', "{a: 1}", "{}", "&anchor x",
    "*alias", "!tag x", "|", ">", "a, b", "trailing ", " leading", "中文：全角", "？", "x\t y",
]  # fmt: skip
KEYS = ["title", "tags", "dg-publish", "a b", "标题", "yes", "123", "x", "aliases", "-k", "k:", "'q'", "key "]


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


line = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", st.sampled_from(KEYS), st.sampled_from(SCALARS)),
    st.builds(lambda k, v: f"{k}: {_flow(v)}", st.sampled_from(KEYS), st.lists(st.sampled_from(SCALARS), max_size=3)),
    st.builds(
        lambda k, indent, items: "\n".join([f"{k}:", *(f"{indent}- {item}" for item in items)]),
        st.sampled_from(KEYS),
        st.sampled_from(["", "  ", "    ", "\t"]),
        st.lists(st.sampled_from(SCALARS), max_size=3),
    ),
    st.sampled_from(["# comment", "", "   ", "key:", "  nested: x", "- orphan", "key:value"]),
)


def pyyaml(source: str) -> Any:
    loader = _Loader(source)
    loader.duplicates = []
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
        keys = [(k.value, k.start_mark.line, k.start_mark.column + 1) for k, _ in node.value] if node else []
        return data, keys, loader.duplicates
    except yaml.YAMLError:
        return "error"
    finally:
        loader.dispose()


@settings(max_examples=400, deadline=None)
@given(st.lists(line, max_size=6))
def test_simple_reader_agrees_with_pyyaml(lines: list[str]) -> None:
    source = "\n".join(lines)
    simple = read_simple(source)
    if simple is None:
        return
    data, keys = simple
    expected = pyyaml(source)
    assert expected != "error", source
    expected_data, expected_keys, duplicates = expected
    assert not duplicates
    assert data == expected_data and type(data) is dict, source
    assert keys == expected_keys, source


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
            max_leaves=6,
        ),
        max_size=5,
    )
)
def test_json_form_agrees_with_pyyaml(value: dict[str, Any]) -> None:
    for source in (json.dumps(value), json.dumps(value, ensure_ascii=False, separators=(",", ":"))):
        simple = read_simple(source)
        if simple is None:
            continue
        expected = pyyaml(source)
        assert expected != "error", source
        assert simple[0] == expected[0] and simple[1] == expected[1], source


def test_shapes_the_vault_uses_take_the_fast_path() -> None:
    assert read_simple('{"dg-publish":true,"permalink":"/a/b/","dgPassFrontmatter":true}') is not None
    front = 'title: "x"\ntags:\n  - 读书\n  - a/b\ndg-publish: true\ncreated: 2024-01-02\naliases: [甲乙, "en w"]\n'
    assert read_simple(front) == (
        {
            "title": "x",
            "tags": ["读书", "a/b"],
            "dg-publish": True,
            "created": "2024-01-02",
            "aliases": ["甲乙", "en w"],
        },
        [("title", 0, 1), ("tags", 1, 1), ("dg-publish", 4, 1), ("created", 5, 1), ("aliases", 6, 1)],
    )


def test_frontmatter_agrees_with_python_frontmatter() -> None:
    """python-frontmatter (the usual reader) sees the same properties in the seed and in the shapes
    vaults use; vaultkit reads them itself for positions, duplicate keys and untouched bytes."""
    import frontmatter

    from vaultkit.parse import parse_note

    from conftest import REPO, SEED_NOTE

    samples = [
        (REPO / "vault" / SEED_NOTE).read_text(encoding="utf-8"),
        '---\ntitle: "x"\ntags:\n  - 读书\naliases: [甲, "b c"]\ndg-publish: false\n---\nbody\n',
    ]
    for text in samples:
        ours = parse_note("n.md", text.encode("utf-8")).frontmatter
        assert ours == frontmatter.loads(text).metadata
