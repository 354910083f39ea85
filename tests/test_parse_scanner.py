"""parse/scanner.py: the compiled scanner gives exactly the notes of the pure-Python one (the reference).

Every link, heading, block id, comment and code block, with its position, on generated Markdown that mixes
every construct the scanners decide on with CJK text, astral characters, tabs, CRLF and a BOM; and the
pieces the compiled scanner does by hand (a link's destination, URL-decoding) against what the pure one
uses (its pattern, urllib).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import vaultkit.parse
from vaultkit.model import Note
from vaultkit.parse import inline, parse_note, scanner

if os.environ.get("VAULTKIT_NO_EXTENSIONS", "") not in ("", "0"):
    pytest.skip("VAULTKIT_NO_EXTENSIONS is set: the compiled run compares both", allow_module_level=True)
compiled = pytest.importorskip("vaultkit.parse._scanner", reason="the compiled scanner is not built here")

Scan = Callable[[str, int, int], scanner.Body]


def parsed(scan: Scan, path: str, data: bytes, template: bool = False) -> Note:
    """The note as parse_note makes it with `scan` as the scanner."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vaultkit.parse, "scan_body", scan)
        return parse_note(path, data, template=template)


def both(data: bytes, template: bool = False) -> tuple[Note, Note]:
    return parsed(scanner.scan_body_pure, "n.md", data, template), parsed(compiled.scan_body, "n.md", data, template)


# --- generated Markdown --------------------------------------------------------------------------------

WORDS = ["text", "中文", "段落（一）", "é", "😀", "Ω", "a b", "١٢", "tab\there", "  ", "x", "二〇二四", "١."]
INLINE = [
    "[[Note]]", "[[Note|Alias]]", "[[Note#Head]]", "[[Note#^blk]]", "![[img.png|100x200]]", "[[#Own]]",
    "[[a/b/T.md]]", "[[目标\\|别名]]", "[[ ]]", "[[a[[b]]", "[[x]", "]]", "[[", "![[嵌入]]", "[[t#A#B|x]]",
    "[t](dest.md)", "![](img/%E5%9B%BE.png)", "[b](<with space.md#Head>)", "[c](https://example.com)",
    "[d](mailto:x@y)", "[f](#Local)", "[a](../rel/path%20x.md)", "[x](a(b)c.md)", "[x](d.md \"title\")",
    "[x](d.md 'title')", "[x](d.md (title))", "[x]( d.md )", "[x](<a>b)", "[x](a\\)b.md)", "\\[no](x.md)",
    "[a\\]b](c.md)", "[[a]](b.md)", "[a [b](c.md) d](e.md)", "[![i](i.png)](l.md)", "[x](%zz%4)", "[x](%E4)",
    "[x](%C3%A9%)", "](", ")", "(", "[", "]", "!", "\\", "`", "``", "`[[code]]`", "``a ` b``", "\\`[[x]]`",
    "<!-- [[c]] -->", "<!--", "-->", "%%", "%% [[hidden]] %%", "^block-1", " ^id", "^", "<b>", "&amp;",
    "#tag", "##", "*em*", "~~", "|", "\t", " ",
]  # fmt: skip
LINE_STARTS = [
    "", "", "", "# ", "## ", "###### ", "####### ", "#", "- ", "* ", "+ ", "1. ", "2) ", "10. ", "١. ", "  - ",
    "    - ", "> ", ">", "> > ", "> [!note] ", "    ", "\t", "  ", "- [ ] ", "| ", "-", "1.", "   ",
]  # fmt: skip
WHOLE_LINES = [
    "```", "```py", "````", "~~~", "~~~~ x", "``` `x`", "   ```", "---", "***", "___", "===", "- - -", "%%",
    "<div>", "</div>", "<!-- c -->", "<!--", "-->", "  ---", "  ===", "-===", "[ref]: /url", "## Two ##",
    "# Title #", "#   ", "# a #b", "# # #", "Title\n===", "^solo", "    code [[x]]", "$$", "",
]  # fmt: skip

LINE = st.one_of(
    st.sampled_from(WHOLE_LINES),
    st.tuples(st.sampled_from(LINE_STARTS), st.lists(st.sampled_from(WORDS + INLINE), max_size=8)).map(
        lambda parts: parts[0] + " ".join(parts[1])
    ),
    st.text(alphabet="[]()!\\`<>%#^|-*_~=\n \t中😀", max_size=12),  # punctuation soup
)
FRONTMATTER = st.sampled_from(["", "---\ntitle: t\n---\n", '---\nup: "[[Parent]]"\n---\n', "---\nbad: [\n---\n"])


@st.composite
def notes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(LINE, max_size=14))
    text = draw(FRONTMATTER) + "\n".join(lines) + draw(st.sampled_from(["", "\n"]))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return (draw(st.sampled_from(["", "\ufeff"])) + text).encode("utf-8", "surrogatepass")


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes())
@example("\ufeff# 标题 ##\r\n段落 [[链接|别名]] ^b1\r\n".encode())
@example(b"> [!note] [x](a.md)\n> - [[b]]\n  - `[[c]]` %% [[d]]\n\n%%\n# hidden\n")
@example("```\n[[code]]\n```\n😀 [[e]] [f](g%20h.md)\n<!--\n[[i]]\n-->".encode())
def test_both_scanners_give_the_same_note(data: bytes) -> None:
    pure, fast = both(data)
    assert fast == pure
    assert [link.span for link in fast.links] == [link.span for link in pure.links]  # positions, exactly


@settings(max_examples=300, deadline=None)
@given(notes())
def test_both_scanners_give_the_same_template(data: bytes) -> None:
    pure, fast = both(data.replace(b"Note", b"{{date}}"), template=True)
    assert fast == pure


def test_notes_mistune_decides_are_the_same(seed_note_bytes: bytes) -> None:
    """Notes whose structure the fast path leaves to mistune (HTML, indented code, setext), and the seed."""
    for data in [
        b"<div>\n[[html]]\n</div>\n\n[[after]] `x`\n",
        b"    [[indented]]\npara\n---\n[[y]]\n",
        b"- a\n  ```\n  [[in item]]\n  ```\n- [[b]]\n<!-- c -->\n",
        "> ```\n> [[q]]\n> ```\n中文 [[z]]\n".encode(),
        seed_note_bytes,
    ]:
        pure, fast = both(data)
        assert fast == pure, data


def test_a_long_note_is_the_same() -> None:
    """A long note of every shape at once (1.4 MB: positions past a million characters, and back)."""
    line = "汉字 text [[ok]] [[missing]] `[[code]]` <!-- [[c]] --> %% [[h]] %% [a](b%20c.md) ^i1\n"
    data = ("# 标题\n" + line * 16000 + "```\n" + line * 10 + "```\n" + "[[end]]").encode()
    pure, fast = both(data)
    assert fast == pure and len(fast.links) == 3 * 16000 + 1


# --- the pieces done by hand --------------------------------------------------------------------------


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="( )\t<>\\\"'a\n%#[]!中", max_size=16), st.data())
def test_destination_is_the_pattern(text: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(pos, len(text)))
    match = inline._MD_DEST.match(text, pos, end)
    assert compiled.destination(text, pos, end) == (None if match is None else (match.group(1), match.end()))


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="%%%2F0aAfFgG zé中😀\x7f\x80/", max_size=14))
def test_unquote_is_urllib(text: str) -> None:
    assert compiled.unquote(text) == urllib.parse.unquote(text)


# --- which scanner runs --------------------------------------------------------------------------------


def kind(cwd: str | None = None, **env: str) -> str:
    """Which scanner a fresh process runs (in `cwd`: a copy of the package there comes first)."""
    variables = {key: value for key, value in os.environ.items() if key != "VAULTKIT_NO_EXTENSIONS"}
    command = [sys.executable, "-c", "import vaultkit.parse.scanner as s; print(s.KIND)"]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**variables, **env}, cwd=cwd, timeout=60, check=True
    )
    return done.stdout.strip()


def test_the_compiled_scanner_runs_unless_told_not_to() -> None:
    assert kind() == "compiled"
    assert kind(VAULTKIT_NO_EXTENSIONS="1") == "pure Python (VAULTKIT_NO_EXTENSIONS is set)"
    assert kind(VAULTKIT_NO_EXTENSIONS="0") == "compiled"


@pytest.fixture
def edited_reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the package whose pure-Python scanner was edited after the extension was built."""
    import shutil

    root = tmp_path_factory.mktemp("copy")
    package = os.path.dirname(vaultkit.__file__)
    shutil.copytree(package, root / "vaultkit", ignore=shutil.ignore_patterns("__pycache__"))
    inline_py = root / "vaultkit" / "parse" / "inline.py"
    inline_py.write_text(inline_py.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    yield str(root)


def test_a_compiled_scanner_older_than_its_sources_is_not_used(edited_reference: str) -> None:
    assert kind(cwd=edited_reference).startswith("pure Python (the compiled scanner is older than its sources")
    assert kind(cwd=edited_reference, VAULTKIT_NO_EXTENSIONS="1") == "pure Python (VAULTKIT_NO_EXTENSIONS is set)"
