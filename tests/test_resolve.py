"""Link resolution as Obsidian does it (SPEC §4), through the real command line on fixture vaults."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from vaultkit.model import Note
from vaultkit.parse import parse_text
from vaultkit.resolve import Resolution, VaultIndex

from conftest import Findings


def index(*paths: str, notes: dict[str, str] | None = None) -> VaultIndex:
    parsed: dict[str, Note] = {p: parse_text(p, (notes or {}).get(p, "")) for p in paths if p.endswith(".md")}
    return VaultIndex(paths, parsed)


def test_case_and_unicode_form_do_not_matter() -> None:
    nfd = unicodedata.normalize("NFD", "Café.md")
    vault = index(nfd, "Notes/Résumé.md")
    assert vault.resolve("café", "x.md") == Resolution(nfd)
    assert vault.resolve(unicodedata.normalize("NFD", "RÉSUMÉ"), "x.md") == Resolution("Notes/Résumé.md")


def test_md_extension_optional_attachments_need_theirs() -> None:
    vault = index("Plan.md", "img.png", "doc.pdf")
    assert vault.resolve("Plan", "x.md").path == "Plan.md"
    assert vault.resolve("Plan.md", "x.md").path == "Plan.md"
    assert vault.resolve("img.png", "x.md").path == "img.png"
    assert vault.resolve("img", "x.md").path is None
    assert vault.resolve("doc", "x.md").path is None


def test_path_qualified_rooted_and_relative() -> None:
    vault = index("a/b/T.md", "c/T.md", "top.md", "a/sib.md")
    assert vault.resolve("b/T", "z.md").path == "a/b/T.md"
    assert vault.resolve("a/b/T", "z.md").path == "a/b/T.md"
    assert vault.resolve("/c/T", "a/b/n.md").path == "c/T.md"
    assert vault.resolve("/T", "a/b/n.md").path is None  # rooted: no fallback to the name
    assert vault.resolve("./T", "a/b/n.md").path == "a/b/T.md"
    assert vault.resolve("../sib.md", "a/b/n.md").path == "a/sib.md"
    assert vault.resolve("../../top", "a/b/n.md").path == "top.md"
    assert vault.resolve("../../../etc/passwd", "a/b/n.md") == Resolution(None, outside=True)


def test_root_path_then_own_folder_then_shortest_path() -> None:
    """SPEC §4.5, the rule observed in Obsidian 1.13.7: (a) the path from the vault root, even over the
    linking note's own folder; (b) the own folder, not a parent or child; (c) the shortest path string."""
    vault = index("T.md", "deep/er/T.md", "here/T.md", "here/sub/T.md", "p/U.md", "q/U.md", "a/b/V.md", "zzzz/V.md")
    others = ("here/T.md", "deep/er/T.md", "here/sub/T.md")
    assert vault.resolve("T", "here/n.md") == Resolution("T.md", others=others, rule="path")
    assert vault.resolve("here/T", "deep/er/n.md") == Resolution("here/T.md")  # the one ending so
    assert vault.resolve("sub/T", "x/n.md") == Resolution("here/sub/T.md")
    assert vault.resolve("U", "q/n.md") == Resolution("q/U.md", others=("p/U.md",), rule="folder")
    assert vault.resolve("V", "zzzz/deep/n.md") == Resolution("a/b/V.md", others=("zzzz/V.md",), rule="shortest")
    assert vault.resolve("V", "zzzz/n.md").path == "zzzz/V.md"
    assert vault.resolve("V", "a/n.md").path == "a/b/V.md"  # a parent folder counts for nothing
    assert vault.resolve("U", "r/n.md") == Resolution("p/U.md", others=("q/U.md",), rule="guess")
    assert vault.resolve("U", "r/n.md").ties == ("q/U.md",)  # only (c) makes a link ambiguous (LK005)
    assert vault.resolve("U", "q/n.md").ties == ()


def test_a_relative_target_is_resolved_from_each_folder() -> None:
    """`../b` climbs out of the vault from the root, whatever a note in a folder found by it before."""
    vault = index("a/n.md", "n.md", "c/b.md", "d/e/n.md")
    assert vault.resolve("../b", "a/n.md").path == "c/b.md"  # no b at the root: by name
    assert vault.resolve("../b", "n.md") == Resolution(None, outside=True)
    assert vault.resolve("../b", "d/e/n.md").path == "c/b.md"
    vault = index("a/n.md", "c/b.md", "c/d/n.md")
    assert vault.resolve("../b", "a/n.md").path == "c/b.md"
    assert vault.resolve("../n", "c/d/n.md").path == "c/d/n.md"  # no c/n: by name, its own folder's
    assert vault.resolve("../n", "a/x.md").path == "a/n.md"


def test_empty_target_is_the_note_itself() -> None:
    assert index("a.md").resolve("", "a.md") == Resolution("a.md")


def test_headings_and_blocks() -> None:
    text = "# Top\n## Pros & Cons\n### Deep  Part\n## Other\n### Deep Part 2\npara ^blk-1\n## C# tips\n"
    vault = index("t.md", notes={"t.md": text})
    note = vault.notes["t.md"]
    assert vault.has_heading(note, "pros & cons")
    assert vault.has_heading(note, "Top#Pros & Cons#Deep Part")
    assert vault.has_heading(note, "Pros & Cons#deep part")
    assert not vault.has_heading(note, "Other#Deep Part")
    assert vault.has_heading(note, "C tips")
    assert vault.has_heading(note, "Pros Cons")  # Obsidian's stripHeading on both sides
    assert vault.has_heading(note, "top#pros-cons") is False  # '-' is not punctuation to stripHeading
    assert not vault.has_heading(note, "Missing")
    assert vault.has_block(note, "BLK-1")
    assert not vault.has_block(note, "nope")


@pytest.mark.parametrize("seed", range(8))
def test_an_updated_index_resolves_as_a_fresh_one(seed: int) -> None:
    """Watch updates one index for hours while files come and go; it keeps what it resolved for names
    that did not change. Every answer equals that of an index built afresh over the same files."""
    rng = random.Random(seed)
    folders = ["", "a", "a/b", "A/b", "c", "c/d/e", "Ré"]
    names = [
        "T.md",
        "t.md",
        "T",
        "x.png",
        "x.png.md",
        "b",
        "d.md",
        "Résumé.md",
        unicodedata.normalize("NFD", "Résumé.md"),
    ]
    every = sorted({f"{folder}/{name}".lstrip("/") for folder in folders for name in names})
    by_name = ["T", "t.md", "T.md", "x.png", "x.png.md", "b", "d", "résumé", "b/T", "e/d", "a/b/T"]
    by_path = ["/c/T", "/a/b", "./T", "../T", "../b", "..", ".", "./", "../..", "../d/.."]
    sources = [f"{folder}/n.md".lstrip("/") for folder in folders]
    files = set(rng.sample(every, 20))
    vault = VaultIndex(sorted(files), {})
    for _ in range(12):
        for target in by_name + by_path:  # what watch resolved, and keeps
            for source in sources:
                vault.resolve(target, source)
        added = set(rng.sample(sorted(set(every) - files), 3))
        removed = set(rng.sample(sorted(files), 3))
        files = (files | added) - removed
        vault.update(added, removed)
        fresh = VaultIndex(sorted(files), {})
        for target in by_name + by_path:
            for source in sources:
                assert vault.resolve(target, source) == fresh.resolve(target, source), (target, source, seed)


def test_resolution_through_the_cli(vault: Callable[[dict[str, str]], Path], findings: Findings) -> None:
    root = vault(
        {
            "A/src.md": "\n".join(
                [
                    "[[target]] [[TARGET#Heading]] [[target#Missing]] [[target#^b1]] [[target#^zz]]",
                    "[[Sub/target\\|alias]] ![[pic.png|100x200]] ![[pic|100]] [[#Local]] [[#Nope]]",
                    "[x](../B/target%20two.md) [y](<../B/target two.md>) [z](../../out.md)",
                    "`[[in code]]` <!-- [[in comment]] --> %% [[in obsidian comment]] %%",
                    "## Local",
                ]
            ),
            "A/target.md": "## Heading\npara ^b1\n",
            "A/Sub/target.md": "",
            "B/target two.md": "",
            "B/pic.png": "",
        }
    )
    assert findings(root) == [
        ("A/src.md", 1, 31, "LK002"),
        ("A/src.md", 1, 65, "LK003"),
        ("A/src.md", 2, 44, "LK001"),
        ("A/src.md", 2, 68, "LK002"),
        ("A/src.md", 3, 53, "LK006"),
    ]


def test_alias_only_target_is_unresolved_with_a_hint(
    vault: Callable[[dict[str, str]], Path], cli: Callable[..., object]
) -> None:
    root = vault({"a.md": "[[Nickname]]\n", "Real Name.md": "---\naliases: [Nickname]\n---\n"})
    result = cli("check", "--vault", root, "--no-cache")
    assert result.out.splitlines()[0] == (  # type: ignore[attr-defined]
        "a.md:1:1: LK001 unresolved link: no note named 'Nickname'; "
        "it is an alias of [[Real Name]], and aliases do not resolve links"
    )
