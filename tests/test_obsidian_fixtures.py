"""Right on real vaults (issue 15): each folder of tests/fixtures/ is a small vault for one behaviour, with the
exact findings `vaultkit check` must report in its expected.json.

expected.json holds `findings`: every finding of the vault, each with path, line, column and code, and where
it matters the exact `message`, `severity`, `end_line`/`end_column` and `fix` (null: the finding must carry
no fix; {"replacement": ...}: the text the fix writes). A fixture with `fixed` is also run with `--fix`: each
named note must then hold exactly the bytes of the fixture's fixed/ copy, and `after_fix` is what is left.
Each run works on a copy of the fixture in tmp_path, so no configuration above it applies and nothing in
the repository is ever written.

Beside the fixtures, seeded random vaults are checked against oracles written here from SPEC §4: heading
matching after Obsidian's stripHeading, and the tie-break among same-named notes.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run, write_vault

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = sorted(path.parent.name for path in FIXTURES.glob("*/expected.json"))

Cli = Callable[..., Run]


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name / "expected.json").read_text(encoding="utf-8"))
    return data


def copy_vault(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name / "vault", target)
    return target


def check_json(cli: Cli, root: Path, *args: str) -> list[dict[str, Any]]:
    result = cli("check", "--vault", root, "--format", "json", "--no-cache", *args)
    assert result.code in (0, 1), result.err
    assert result.err == "", result.err
    findings: list[dict[str, Any]] = result.json()
    return findings


def assert_findings(found: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> None:
    """Exactly the wanted findings (by path, line, column, code), and each field the fixture names."""

    def key(finding: dict[str, Any]) -> tuple[str, int, int, str]:
        return finding["path"], finding["line"], finding["column"], finding["code"]

    assert sorted(map(key, found)) == sorted(map(key, wanted))
    by_key = {key(finding): finding for finding in found}
    for want in wanted:
        got = by_key[key(want)]
        for field in ("message", "severity", "end_line", "end_column"):
            if field in want:
                assert got[field] == want[field], (key(want), field)
        if "fix" in want:
            if want["fix"] is None:
                assert "fix" not in got, (key(want), got.get("fix"))
            else:
                assert "fix" in got, key(want)
                replacements = [edit["replacement"] for edit in got["fix"]["edits"]]
                assert replacements == [want["fix"]["replacement"]], key(want)


def test_every_fixture_has_an_expectation() -> None:
    folders = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())
    assert folders == CASES
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", CASES)
def test_fixture_findings(name: str, cli: Cli, tmp_path: Path) -> None:
    root = copy_vault(name, tmp_path)
    assert_findings(check_json(cli, root), expected(name)["findings"])


@pytest.mark.parametrize("name", [name for name in CASES if "fixed" in expected(name)])
def test_fixture_fix_writes_exact_bytes(name: str, cli: Cli, tmp_path: Path) -> None:
    data = expected(name)
    root = copy_vault(name, tmp_path)
    untouched = {
        path.relative_to(root): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and str(path.relative_to(root)) not in data["fixed"]
    }
    left = check_json(cli, root, "--fix")
    assert_findings(left, data["after_fix"])
    for relative in data["fixed"]:
        assert (root / relative).read_bytes() == (FIXTURES / name / "fixed" / relative).read_bytes(), relative
    for relative, content in untouched.items():
        assert (root / relative).read_bytes() == content, relative
    assert_findings(check_json(cli, root), data["after_fix"])  # and a second run finds the same


def test_excluded_note_given_as_path_reports_nothing(cli: Cli, tmp_path: Path) -> None:
    """An excluded note is not checked even when named on the command line (it is still a link target)."""
    root = copy_vault("exclude-config", tmp_path)
    assert check_json(cli, root, str(root / "Templates" / "日报.md")) == []
    assert [f["code"] for f in check_json(cli, root, str(root / "Home.md"))] == ["LK001"]


def test_excluded_folder_through_obsidian_filters_regex_and_prefix(cli: Cli, tmp_path: Path) -> None:
    """The same vault without .obsidian/app.json reports every excluded note's broken link."""
    root = copy_vault("exclude-obsidian", tmp_path)
    (root / ".obsidian" / "app.json").unlink()
    found = {(f["path"], f["code"]) for f in check_json(cli, root)}
    assert {("Archive/2019.md", "LK001"), ("草稿/私人笔记.md", "LK001"), ("Drawing.excalidraw.md", "LK001")} <= found


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("templates-core", ".obsidian/templates.json"),
        ("templates-templater", ".obsidian/plugins/templater-obsidian/data.json"),
        ("templates-config", ".vaultkit.yaml"),
    ],
)
def test_without_the_templates_setting_placeholders_are_findings(
    name: str, settings: str, cli: Cli, tmp_path: Path
) -> None:
    """The setting is what makes the difference: without it the same template notes are linted as notes."""
    root = copy_vault(name, tmp_path)
    (root / settings).unlink()
    found = check_json(cli, root)
    folder = {"templates-core": "模板", "templates-templater": "Templates", "templates-config": "样板"}[name]
    codes = sorted({f["code"] for f in found if f["path"].startswith(folder + "/")})
    assert "FM001" in codes and "LK001" in codes


def test_template_with_real_yaml_error_is_still_fm001(cli: Cli, tmp_path: Path) -> None:
    """Placeholders are read as text; a template whose YAML is broken for another reason is still reported."""
    root = write_vault(
        tmp_path / "v",
        {
            ".vaultkit.yaml": 'templates: ["模板/**"]\n',
            "模板/坏.md": "---\ncreated: {{date}}\ntags: [unclosed\n---\n# 坏\n",
            "模板/好.md": "---\ncreated: {{date}} {{time}}\ntitle: '{{title}}'\n---\n# {{title}}\n",
        },
    )
    found = check_json(cli, root)
    assert [(f["path"], f["code"]) for f in found] == [("模板/坏.md", "FM001")]


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ('per_file_ignores: {"a/**": [NOPE1]}\n', "per_file_ignores"),
        ('per_file_ignores: ["a/**"]\n', "per_file_ignores"),
        ('per_file_ignores: {"a/**": 3}\n', "per_file_ignores"),
        ("templates: 3\n", "templates"),
        ("templates: [3]\n", "templates"),
        ('exclude: ["!"]\n', "not a valid glob: '!'"),
        ('per_file_ignores: {"!": [LK001]}\n', "not a valid glob: '!'"),
    ],
)
def test_bad_new_keys_are_one_line_errors(config: str, problem: str, cli: Cli, tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {".vaultkit.yaml": config, "a.md": "# a\n"})
    result = cli("check", "--vault", root, "--no-cache")
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and ".vaultkit.yaml" in lines[0] and problem in lines[0], result.err
    assert "Traceback" not in result.err


def test_per_file_ignores_in_pyproject_toml(cli: Cli, tmp_path: Path) -> None:
    """The same key in TOML, as ruff users write it."""
    root = write_vault(
        tmp_path / "v",
        {
            "pyproject.toml": '[tool.vaultkit]\n[tool.vaultkit.per_file_ignores]\n"drafts/*.md" = ["LK001"]\n',
            "drafts/a.md": "[[nowhere]]\n",
            "b.md": "[[nowhere]]\n",
        },
    )
    assert [(f["path"], f["code"]) for f in check_json(cli, root)] == [("b.md", "LK001")]


# --- heading matching against an oracle ---------------------------------------------------------------

STRIPPED = set('!"#$%&()*+,.:;<=>?@^`{|}~/[]\\')


def strip_heading(text: str) -> str:
    """SPEC §4, written independently of vaultkit: punctuation to spaces, runs of spaces to one, case ignored."""
    text = "".join(" " if char in STRIPPED else char for char in unicodedata.normalize("NFC", text))
    return " ".join(text.split()).lower()


HEADING_WORDS = ["Setup", "vault", "容器", "命名", "规则", "Café", "1", "2", "List", "what", "is", "it", "Über"]
HEADING_PUNCTUATION = [*"?!&.,:;()*+=<>@~{}/\"'-_", "`", "$", "..."]
LINK_PUNCTUATION = list('?!&.,:;()*+=<>@~{}/"')  # no # | [ ] ^ \ % $: a link's heading part cannot hold them


def random_heading(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(1, 4)):
        word = rng.choice(HEADING_WORDS)
        if rng.random() < 0.3:
            word = f"`{word}`"
        parts.append(word)
        parts.append(rng.choice([" ", " ", "  ", " & ", ". ", "? ", ": ", " / ", "-", " (", ") "]))
    if rng.random() < 0.5:
        parts.append(rng.choice(HEADING_PUNCTUATION))
    return "".join(parts).strip() or "x"


def link_form(heading: str, rng: random.Random) -> str:
    """Another way of writing a heading's stripped key in a link: other case, punctuation, spacing."""
    words = strip_heading(heading).split(" ")
    out = []
    for word in words:
        out.append(word.upper() if rng.random() < 0.3 else word)
        out.append(rng.choice([" ", "  ", " " + rng.choice(LINK_PUNCTUATION) + " ", rng.choice(LINK_PUNCTUATION)]))
    return "".join(out[:-1])


@pytest.mark.parametrize("seed", range(12))
def test_heading_links_match_by_strip_heading(seed: int, cli: Cli, tmp_path: Path) -> None:
    rng = random.Random(seed)
    headings: list[str] = []
    while len(headings) < 12:
        heading = random_heading(rng)
        if (
            strip_heading(heading)
            and heading.strip("#").strip()
            and strip_heading(heading) not in map(strip_heading, headings)
        ):
            headings.append(heading)
    body = "".join(f"{'#' * rng.randint(1, 6)} {heading}\n\ntext\n\n" for heading in headings)
    links: list[tuple[str, bool]] = []  # (anchor, should resolve)
    keys = {strip_heading(heading) for heading in headings}
    for heading in headings:
        form = link_form(heading, rng)
        if strip_heading(form) == strip_heading(heading) and form.strip() and not form.strip().startswith("^"):
            links.append((form, True))
        broken = form + " zq"
        links.append((broken, strip_heading(broken) in keys))
    lines = [f"[[目标#{anchor}]]" for anchor, _ in links]
    root = write_vault(tmp_path / "v", {"目标.md": body, "来源.md": "\n".join(lines) + "\n"})
    found = {f["line"] for f in check_json(cli, root) if f["path"] == "来源.md" and f["code"] == "LK002"}
    wanted = {number for number, (_, resolves) in enumerate(links, 1) if not resolves}
    assert found == wanted, [links[number - 1] for number in found ^ wanted]


def test_heading_chains_match_by_strip_heading(cli: Cli, tmp_path: Path) -> None:
    """`#A#B`: B inside A's section, each part matched after stripHeading."""
    root = write_vault(
        tmp_path / "v",
        {
            "Guide.md": "# What is it?\n\n## Setup & Run\n\n### `Step` 1.1\n\n## Other\n\n### Notes\n",
            "Links.md": "\n".join(
                [
                    "[[Guide#what is it#setup run#step 1 1]]",  # 1: resolves
                    "[[Guide#What is it?#Step 1.1]]",  # 2: resolves (any depth below)
                    "[[Guide#Other#Step 1.1]]",  # 3: Step 1.1 is not under Other
                    "[[Guide#Setup Run#Notes]]",  # 4: Notes is not under Setup & Run
                    "[[Guide#Other#Notes]]",  # 5: resolves
                    "[[#Setup & Run]]",  # 6: not in this note
                ]
            )
            + "\n",
        },
    )
    found = [(f["line"], f["code"]) for f in check_json(cli, root)]
    assert found == [(3, "LK002"), (4, "LK002"), (6, "LK002")]


# --- the tie-break against an oracle ----------------------------------------------------------------------

FOLDERS = ["", "a", "b", "a/b", "zzzz", "zzzz/deep", "x/b", "长文件夹", "长文件夹/子", "q"]


def obsidian_opens(target: str, source: str, notes: list[str]) -> tuple[str | None, bool]:
    """SPEC §4 rule 5 written independently: (the note opened, whether rule (c) chose among several)."""
    wanted = target.lower() + ".md"
    candidates = matching(target, notes)
    if not candidates:
        return None, False
    exact = [path for path in candidates if path.lower() == wanted]
    if exact:
        return exact[0], False
    folder = source.rpartition("/")[0]
    own = [path for path in candidates if path.rpartition("/")[0] == folder]
    if own:
        return own[0], False
    ordered = sorted(candidates, key=lambda path: (len(path), path))
    return ordered[0], len(candidates) > 1


@pytest.mark.parametrize("seed", range(16))
def test_tie_break_matches_the_observed_rule(seed: int, cli: Cli, tmp_path: Path) -> None:
    rng = random.Random(seed)
    names = ["Note", "计划"]
    notes: list[str] = []
    for name in names:
        for folder in rng.sample(FOLDERS, rng.randint(1, 5)):
            notes.append(f"{folder}/{name}.md".lstrip("/"))
    files = {path: f"# {path}\n" for path in notes}  # each candidate's one heading is its path
    sources = [f"{folder}/来源{index}.md".lstrip("/") for index, folder in enumerate(rng.sample(FOLDERS, 4))]
    targets = [*names, "b/Note", "a/b/Note", "deep/计划", "b/计划"]
    expected_findings: set[tuple[str, int, str]] = set()
    for source in sources:
        lines: list[str] = []
        for target in targets:
            opened, fell_to_shortest = obsidian_opens(target, source, notes)
            if opened is None:
                lines.append(f"[[{target}]]")
                expected_findings.add((source, len(lines), "LK001"))
            for candidate in matching(target, notes):
                lines.append(f"[[{target}#{candidate}]]")  # the heading of the candidate: its path
                if candidate != opened:
                    expected_findings.add((source, len(lines), "LK002"))
                if fell_to_shortest:
                    expected_findings.add((source, len(lines), "LK005"))
        files[source] = "\n".join(lines) + "\n"
    root = write_vault(tmp_path / "v", files)
    found = {(f["path"], f["line"], f["code"]) for f in check_json(cli, root)}
    assert found == expected_findings


def matching(target: str, notes: list[str]) -> list[str]:
    wanted = target.lower() + ".md"
    return [path for path in notes if path.lower() == wanted or path.lower().endswith("/" + wanted)]


# --- CommonMark's link text against mistune ---------------------------------------------------------------

# no "(" alone: every destination is one of the `](dN.md)` tokens, so each link found is named by its N
TOKENS = ["[", "]", "\\[", "\\]", "\\\\", "a", " ", ")", "!", "`", "b c", "](", "]("]


def random_markdown(rng: random.Random) -> str:
    """One line of brackets, escapes, parentheses and code spans; never `[[` or `]]` (wikilinks are Obsidian's)."""
    out: list[str] = []
    number = 0
    for _ in range(rng.randint(3, 24)):
        token = rng.choice(TOKENS)
        if token == "](":
            token = f"](d{number}.md)"
            number += 1
        out.append(token)
    text = "".join(out)
    while "[[" in text or "]]" in text:
        text = text.replace("[[", "[ [").replace("]]", "] ]")
    return text


def mistune_destinations(text: str) -> list[str]:
    import mistune

    tokens = mistune.create_markdown(renderer=None)(text)

    def walk(items: list[dict[str, Any]]) -> list[str]:
        found: list[str] = []
        for item in items:
            if item["type"] in ("link", "image"):
                found.append(item["attrs"]["url"])
            found.extend(walk(item.get("children") or []))
        return found

    assert isinstance(tokens, list)
    return sorted(walk(tokens))


UNRESOLVED = re.compile(r"no (?:note|file) named '(d\d+\.md)'")


@pytest.mark.parametrize("seed", range(8))
def test_markdown_link_text_follows_commonmark(seed: int, cli: Cli, tmp_path: Path) -> None:
    """Which `[text](dest)` are links, compared with mistune (CommonMark) on random lines: one note a line,
    so that no line changes how another is read."""
    rng = random.Random(seed)
    lines = [random_markdown(rng) for _ in range(40)]
    files = {f"n{index}.md": f"{line}\n" for index, line in enumerate(lines)}
    root = write_vault(tmp_path / "v", files)
    found: dict[str, list[str]] = {}
    for finding in check_json(cli, root):
        match = UNRESOLVED.search(finding["message"])
        assert match, finding
        found.setdefault(finding["path"], []).append(match.group(1))
    for index, line in enumerate(lines):
        assert sorted(found.get(f"n{index}.md", [])) == mistune_destinations(line), line
