"""The parser: exact positions (CJK, CRLF, BOM), what is and is not a link, frontmatter, headings, blocks."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vaultkit.parse
from vaultkit.model import Span
from vaultkit.parse import parse_note, parse_text, scanner
from vaultkit.parse.blocks import Blocks, _scan_plain
from vaultkit.parse.mistune_blocks import scan_blocks_mistune

FastPath = Callable[[str, int, int], Blocks | None]


def _fast_paths() -> list[Any]:
    """The block fast path of the scanner this run uses, compared with mistune below: CI runs the suite once
    with each scanner, and tests/test_parse_scanner.py compares the two with each other."""
    if scanner.KIND == "compiled":
        from vaultkit.parse._scanner import plain_blocks

        return [pytest.param(plain_blocks, id="compiled")]
    return [pytest.param(_scan_plain, id="pure")]


def _scan_bodies() -> list[Any]:
    if scanner.KIND == "compiled":
        from vaultkit.parse._scanner import scan_body

        return [pytest.param(scan_body, id="compiled")]
    return [pytest.param(scanner.scan_body_pure, id="pure")]


FAST_PATHS = _fast_paths()


@pytest.fixture(params=_scan_bodies())
def each_scanner(request: pytest.FixtureRequest) -> Iterator[None]:
    """parse_text with the scanner of this run, named in the test's id."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vaultkit.parse, "scan_body", request.param)
        yield


def links(text: str) -> list[tuple[int, int, str, str, str | None, bool, bool]]:
    note = parse_text("n.md", text)
    return [
        (link.span.line, link.span.column, link.target, link.anchor, link.alias, link.embed, _markdown(link.raw))
        for link in note.links
    ]


def _markdown(raw: str) -> bool:
    """[text](dest) rather than [[…]]."""
    return not raw.lstrip("!").startswith("[[")


def test_wikilink_forms_and_positions() -> None:
    text = "a [[T]] b [[T|Alias]] [[T#H|x]] [[T#^blk]] ![[img.png|100x200]] [[#Own]] [[a/b/T.md]]\n"
    assert links(text) == [
        (1, 3, "T", "", None, False, False),
        (1, 11, "T", "", "Alias", False, False),
        (1, 23, "T", "H", "x", False, False),
        (1, 33, "T", "^blk", None, False, False),
        (1, 44, "img.png", "", "100x200", True, False),
        (1, 65, "", "Own", None, False, False),
        (1, 74, "a/b/T.md", "", None, False, False),
    ]


def test_escaped_pipe_is_the_same_link() -> None:
    assert links("| [[目标\\|别名]] | [[目标#标题\\|别名]] |\n") == [
        (1, 3, "目标", "", "别名", False, False),
        (1, 16, "目标", "标题", "别名", False, False),
    ]


def test_nested_heading_anchor_and_trimmed_target() -> None:
    assert links("[[ Note #A#B ]]")[0][2:4] == ("Note", "A#B")


def test_columns_count_code_points_in_cjk_lines() -> None:
    text = "---\ntitle: 标题\n---\n中文中文[[链接]]\n"
    assert links(text) == [(4, 5, "链接", "", None, False, False)]


def test_crlf_and_bom_keep_positions() -> None:
    data = "\ufeff---\r\nk: v\r\n---\r\n中文 [[x]]\r\n\r\n[[y]]".encode()
    note = parse_note("n.md", data)
    assert [(link.span.line, link.span.column, link.target) for link in note.links] == [(4, 4, "x"), (6, 1, "y")]
    assert note.frontmatter == {"k": "v"}


def test_end_position_is_exclusive() -> None:
    note = parse_text("n.md", "ab[[链接]]c")
    assert note.links[0].span == Span(1, 3, 1, 9)


def test_markdown_links_decoded_and_schemes_skipped() -> None:
    text = (
        "[a](../rel/path%20x.md) ![](img/%E5%9B%BE.png) [b](<with space.md#Head>) "
        "[c](https://example.com) [d](mailto:x@y) [e](obsidian://open) [f](#Local)\n"
    )
    assert links(text) == [
        (1, 1, "../rel/path x.md", "", "a", False, True),
        (1, 25, "img/图.png", "", "", True, True),
        (1, 48, "with space.md", "Head", "b", False, True),
        (1, 136, "", "Local", "f", False, True),
    ]


def test_nothing_in_code_or_comments_is_a_link() -> None:
    text = "\n".join(
        [
            "`[[span]]` and ``[[double ` span]]``",
            "```",
            "[[fenced]]",
            "```",
            "~~~~",
            "```",
            "[[nested fence]]",
            "```",
            "~~~~",
            "<!-- [[html comment]] -->",
            "%% [[obsidian comment]] %%",
            "%%",
            "[[multi-line comment]]",
            "%%",
            "text [[real]]",
            "",
            "    [[indented code]]",
            "",
            "<div>",
            "[[html block]]",
            "</div>",
            "",
            "- item",
            "",
            "      [[code in item]]",
            "",
            "> ```",
            "> [[fenced in quote]]",
            "> ```",
            "",
        ]
    )
    assert [found[2] for found in links(text)] == ["real"]


def test_unclosed_constructs() -> None:
    assert links("`not closed [[a]]\n\n%% hides the rest\n[[b]]\n") == [(1, 13, "a", "", None, False, False)]
    assert links("```\n[[a]]\n") == []


def test_code_span_does_not_cross_a_blank_line() -> None:
    assert [found[2] for found in links("a ` b\n\n[[x]] ` c\n")] == ["x"]


def test_escaped_backtick_does_not_open_a_span() -> None:
    assert [found[2] for found in links("\\` [[x]] `\n")] == ["x"]


def test_headings_atx_setext_and_not_in_code() -> None:
    note = parse_text(
        "n.md",
        "# One #\ntext\nTwo\n---\n```\n# not\n```\n%% # hidden %%\n#tag is not a heading\n> ## Quoted\n",
    )
    assert [(h.level, h.text, h.span.line, h.span.column) for h in note.headings] == [
        (1, "One", 1, 3),
        (2, "text Two", 2, 1),
        (2, "Quoted", 10, 6),
    ]


def test_heading_inside_obsidian_comment_is_not_a_heading() -> None:
    note = parse_text("n.md", "%%\n# Hidden\n%%\n# Shown\n")
    assert [h.text for h in note.headings] == ["Shown"]


def test_block_ids() -> None:
    note = parse_text("n.md", "para ^abc-1\n\n- item ^Item2\n\n^solo\n\n`x ^code`\nnot^id\n")
    assert note.block_ids == frozenset({"abc-1", "item2", "solo"})


def test_frontmatter_links_are_links() -> None:
    note = parse_text("n.md", '---\nup: "[[Parent]]"\n---\nbody\n')
    assert [(link.target, link.span.line, link.span.column) for link in note.links] == [("Parent", 2, 6)]


def test_digital_garden_json_frontmatter() -> None:
    note = parse_text("n.md", '---\n{"dg-publish":true,"permalink":"/a/b/"}\n---\n')
    assert note.frontmatter == {"dg-publish": True, "permalink": "/a/b/"}
    assert note.frontmatter_keys == (("dg-publish", 2, 2), ("permalink", 2, 20))


def test_dates_stay_text() -> None:
    assert parse_text("n.md", "---\ncreated: 2024-01-02\n---\n").frontmatter == {"created": "2024-01-02"}


def test_seed_note_links(seed_note_bytes: bytes) -> None:
    note = parse_note("seed.md", seed_note_bytes)
    assert [(link.span.line, link.span.column) for link in note.links] == [
        (7, 139), (7, 169), (9, 141), (9, 205), (9, 247), (12, 1), (12, 42), (12, 84), (12, 136),
    ]  # fmt: skip
    assert note.links[6].alias == "绿色低碳生活"
    assert note.problems == ()


PLAIN_SAMPLES = [
    "a\n```\ncode [[x]]\n```\nb\n",
    "# H1\ntext\n## H2 ##\n~~~~\n~~~\n```\n~~~~\nz",
    "```\nunclosed\n[[y]]\n",
    "para\n> quote\n- item\n1. one\n* star\n\n---\n",
    "==#一是==\n1.甲\n\n2.乙\n==#二是==\n3.丙",
]


def structure(blocks: Blocks) -> tuple[object, ...]:
    """What both paths must agree on (the fast path also knows heading columns; mistune does not)."""
    return (blocks.excluded, [(h.line, h.level, h.text, h.end_line, h.offset) for h in blocks.headings])


@pytest.mark.parametrize("scan_plain", FAST_PATHS)
def test_fast_path_agrees_with_mistune_on_samples(scan_plain: FastPath) -> None:
    for sample in PLAIN_SAMPLES:
        plain = scan_plain(sample, 0, 0)
        assert plain is not None, sample
        assert structure(plain) == structure(scan_blocks_mistune(sample, 0, 0)), sample


@pytest.mark.parametrize("scan_plain", FAST_PATHS)
def test_fast_path_defers_to_mistune_when_structure_is_not_plain(scan_plain: FastPath) -> None:
    for sample in ["x\n---\n", "- a\n  ```\n  c\n  ```\n", "> ```\n> c\n> ```\n", "<div>\n", "    code\n"]:
        assert scan_plain(sample, 0, 0) is None, sample


MARKDOWN_LINES = [
    "", "text [[link]]", "中文段落", "# Heading", "## Two ##", "###### Six", "####### seven", "#tag", "#",
    "```", "```py", "````", "~~~", "~~~~ x", "``` `x`", "   ```", "- item", "* item", "+ item", "1. one", "2) two",
    "-", "- # not", "- ```", "> quote", "> # quoted", "> ```", ">", "> > deep", "---", "***", "___", "===", "- - -",
    "    code", "\tcode", "  lazy", "<div>", "<!-- c -->", "a | b", "|---|---|", "==#一是==", "1.紧接", "%%",
    "  - nested", "10. ten", "x ^block", "[ref]: /url",
    "    - deeper", "      - deepest", "        text", "     five", "  > quoted item", "> - item", "> > > x",
    ">     code", "> >     code", "-     code", "- - x", "- > x", "1. - x", "   1. x", "      text [[l]]", "> #tag",
    "- #tag", "  - ```", "  ~~~", "  # h", "  <b>", "  ---", "  ===", "  - - -", "  * * *", "> -     x", "\t- tab",
    ">", "-", "  -", "   >", "  [ref]: /url", "    [ref]: /u",
]  # fmt: skip


@pytest.mark.parametrize("scan_plain", FAST_PATHS)
@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_LINES), max_size=12), st.booleans())
def test_fast_path_agrees_with_mistune(scan_plain: FastPath, lines: list[str], final_newline: bool) -> None:
    """Wherever the fast path answers, mistune gives the same structure."""
    text = "\n".join(lines) + ("\n" if final_newline else "")
    plain = scan_plain(text, 0, 0)
    if plain is not None:
        assert structure(plain) == structure(scan_blocks_mistune(text, 0, 0)), text


CONTAINER_PIECES = ["", " ", "  ", "   ", "    ", "      ", "> ", ">", "- ", "* ", "1. ", "10) ", "+ ", "-", "\t"]
CONTENTS = ["text", "a [[x]]", "", "```", "~~~", "# h", "#tag", "<b>", "---", "===", "-===", "* * *", "- - -"]
CONTENTS += ["[r]: /u", "`c`", "1.", "-"]
CONTAINER_LINE = st.tuples(st.lists(st.sampled_from(CONTAINER_PIECES), max_size=4), st.sampled_from(CONTENTS))


@pytest.mark.parametrize("scan_plain", FAST_PATHS)
@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.just(""), CONTAINER_LINE.map(lambda pair: "".join(pair[0]) + pair[1])), max_size=8))
def test_fast_path_agrees_with_mistune_inside_quotes_and_lists(scan_plain: FastPath, lines: list[str]) -> None:
    """Lists and quotes nested any way, around every block start: where the fast path answers (a note of
    deep lists and quotes need not cost mistune's depth per line), mistune agrees. (A line of spaces only
    is left blank: mistune calls four of them code, which holds nothing and changes no finding.)"""
    text = "\n".join(line if line.strip() else "" for line in lines) + "\n"
    plain = scan_plain(text, 0, 0)
    if plain is not None:
        assert structure(plain) == structure(scan_blocks_mistune(text, 0, 0)), text


@pytest.mark.parametrize("scan_plain", FAST_PATHS)
def test_deep_lists_and_quotes_take_the_fast_path(scan_plain: FastPath) -> None:
    lists = "".join("  " * depth + f"- item {depth} [[ok]]\n" for depth in range(30))
    quotes = "".join("> " * depth + f"quote {depth}\n" for depth in range(1, 31))
    text = lists + "\n" + quotes
    plain = scan_plain(text, 0, 0)
    assert plain is not None
    assert structure(plain) == structure(scan_blocks_mistune(text, 0, 0)) == ((), [])


LINK_TOKENS = ["[", "]", "\\[", "\\]", "\\\\", "a", " ", ")", "!", "`", "b c", "](", "]("]


@pytest.mark.usefixtures("each_scanner")
def test_markdown_links_are_the_links_mistune_finds() -> None:
    """CommonMark's bracket rules (escapes, balanced text, no link in a link, code spans opaque) against
    mistune on random lines of brackets; every destination is a `](dN.md)` token, so each link is named."""
    import mistune

    markdown = mistune.create_markdown(renderer=None)

    def destinations(items: list[Any]) -> list[str]:
        found: list[str] = []
        for item in items:
            if item["type"] in ("link", "image"):
                found.append(item["attrs"]["url"])
            found.extend(destinations(item.get("children") or []))
        return found

    rng = random.Random(15)
    for _ in range(1500):
        tokens = [rng.choice(LINK_TOKENS) for _ in range(rng.randint(3, 24))]
        line = "".join(f"](d{index}.md)" if token == "](" else token for index, token in enumerate(tokens))
        while "[[" in line or "]]" in line:  # wikilinks are Obsidian's, not CommonMark's
            line = line.replace("[[", "[ [").replace("]]", "] ]")
        tree = markdown(line)
        assert isinstance(tree, list)
        found = sorted(link.target for link in parse_text("n.md", line + "\n").links)
        assert found == sorted(destinations(tree)), line
