"""Where the vault is and which configuration applies to which note (SPEC §2), through the command line.

Root: `--vault`; else the configuration that names it; else the nearest folder holding `.obsidian/`;
else the top of the git work tree; else the folder given. A configuration inside a vault whose root is
known does not move the root: it applies to its own folder and below, the nearest one winning key by
key."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, Run, write_vault
from terminal import init_repository

CLI = Callable[..., Run]


def rows(result: Run) -> list[tuple[str, int, int, str, str]]:
    assert result.code in (0, 1), result.err
    return [(f["path"], f["line"], f["column"], f["code"], f["severity"]) for f in result.json()]


# --- the root ------------------------------------------------------------------------------------


def test_obsidian_folder_is_the_root_from_a_deep_note(
    tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            "References/Steph Ango.md": "# Steph Ango\n",
            "Notes/Audit note.md": "[[Steph Ango]] [[Nope]]\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    result = cli("check", root / "Notes" / "Audit note.md")
    assert result.out == (
        "Notes/Audit note.md:1:16: LK001 unresolved link: no note named 'Nope'\n1 error, 0 warnings in 1 note\n"
    )
    monkeypatch.chdir(root / "Notes")
    assert cli("check", "Audit note.md").out == result.out


def test_git_top_level_is_the_root_without_obsidian(tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_vault(tmp_path / "repo", {"a/one.md": "[[two]] [[three]]\n", "b/two.md": "# Two\n"})
    init_repository(root)
    monkeypatch.chdir(root / "a")
    expected = "a/one.md:1:9: LK001 unresolved link: no note named 'three'\n1 error, 0 warnings in 2 notes\n"
    assert cli("check").out == expected  # from a sub-folder: the whole work tree is the vault
    assert cli("check", "one.md").out == expected.replace("in 2 notes", "in 1 note")


def test_plain_folder_is_its_own_root(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path / "loose", {"a/one.md": "[[two]]\n", "b/two.md": "# Two\n"})
    result = cli("check", root / "a")
    assert result.out == "one.md:1:1: LK001 unresolved link: no note named 'two'\n1 error, 0 warnings in 1 note\n"


def test_outer_configuration_naming_the_vault_keeps_the_root(tmp_path: Path, cli: CLI) -> None:
    repo = write_vault(
        tmp_path / "repo",
        {
            "pyproject.toml": '[tool.vaultkit]\nvault = "garden"\n',
            "garden/x.md": "# X\n",
            "garden/Notes/.vaultkit.yaml": "ignore: [LK004]\n",
            "garden/Notes/n.md": "[[n]] [[x]]\n",
        },
    )
    assert cli("check", repo / "garden" / "Notes" / "n.md").out == "0 errors, 0 warnings in 1 note\n"
    assert cli("check", repo / "garden").out == "0 errors, 0 warnings in 2 notes\n"


def test_configuration_in_a_sub_folder_is_nested_not_a_new_root(
    tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's case: `Notes/.vaultkit.yaml` with `ignore: [LK004]` once made `Notes/` the vault."""
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            "Notes/.vaultkit.yaml": "ignore: [LK004]\n",
            "Notes/Audit note.md": "[[Steph Ango]] [[Audit note]]\n",
            "References/Steph Ango.md": "# Steph Ango\n",
            "Daily.md": "[[Daily]]\n",
        },
    )
    one = cli("check", root / "Notes" / "Audit note.md")
    assert (one.code, one.out) == (0, "0 errors, 0 warnings in 1 note\n")
    everything = "Daily.md:1:1: LK004 link to the note itself\n1 error, 0 warnings in 3 notes\n"
    assert cli("check", root).out == everything
    monkeypatch.chdir(root / "Notes")
    assert cli("check").out == everything  # the root is the vault's, and no PATH means the whole vault


# --- nested configuration ---------------------------------------------------------------------------


def test_nearest_configuration_wins_key_by_key(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            ".vaultkit.yaml": "ignore: [LK001]\nseverity: {LK004: warning, LK005: error}\n",
            "Notes/.vaultkit.yaml": "severity: {LK004: error}\n",
            "Notes/Deep/vaultkit.yaml": "ignore: []\n",
            "top.md": "[[top]] [[gone]] [[twin]]\n",
            "Notes/n.md": "[[n]] [[gone]] [[twin]]\n",
            "Notes/Deep/d.md": "[[d]] [[gone]]\n",
            "x/twin.md": "",
            "y/twin.md": "",
        },
    )
    assert rows(cli("check", "--vault", root, "--format", "json")) == [
        ("Notes/Deep/d.md", 1, 1, "LK004", "error"),  # severity from Notes/ (the nearest that sets it)
        ("Notes/Deep/d.md", 1, 7, "LK001", "error"),  # Deep's own `ignore: []` wins over the root's
        ("Notes/n.md", 1, 1, "LK004", "error"),  # Notes/ sets severity: the root's map no longer applies ...
        ("Notes/n.md", 1, 16, "LK005", "warning"),  # ... so LK005 is back to its default
        ("top.md", 1, 1, "LK004", "warning"),
        ("top.md", 1, 18, "LK005", "error"),
    ]


def test_nested_select_and_pyproject(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            "Notes/pyproject.toml": '[tool.vaultkit]\nselect = ["LK004"]\n',
            "Other/pyproject.toml": '[project]\nname = "not-a-vaultkit-config"\n',
            "Notes/n.md": "[[n]] [[gone]]\n",
            "Other/o.md": "[[o]] [[gone]]\n",
        },
    )
    assert [row[:4] for row in rows(cli("check", "--vault", root, "--format", "json"))] == [
        ("Notes/n.md", 1, 1, "LK004"),
        ("Other/o.md", 1, 1, "LK004"),
        ("Other/o.md", 1, 7, "LK001"),
    ]


def test_nested_checks_replace_the_outer_ones_in_their_folder(tmp_path: Path, cli: CLI) -> None:
    schema = "kind: frontmatter\nname: {name}\nschema: {{type: object, required: [{key}]}}\n"
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            ".vaultkit.yaml": "checks: checks\n",
            "checks/title.yaml": schema.format(name="titled", key="title"),
            "Notes/.vaultkit.yaml": "checks: notes-checks\n",
            "Notes/notes-checks/status.yaml": schema.format(name="with-status", key="status"),
            "a.md": "# A\n",
            "Notes/n.md": "# N\n",
        },
    )
    result = cli("check", "--vault", root, "--format", "json")
    assert [(f["path"], f["code"], f["message"]) for f in result.json()] == [
        ("Notes/n.md", "FM004", "required key 'status' is missing"),
        ("a.md", "FM004", "required key 'title' is missing"),
    ]


def test_explicit_config_reads_no_nested_configuration(tmp_path: Path, cli: CLI) -> None:
    """As ruff's --config: the file named is the whole configuration."""
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            ".vaultkit.yaml": "",
            "Notes/.vaultkit.yaml": "ignore: [LK004]\n",
            "Notes/n.md": "[[n]]\n",
        },
    )
    assert cli("check", root, "-q").out == ""
    assert (
        cli("check", "--config", root / ".vaultkit.yaml", root, "-q").out
        == "Notes/n.md:1:1: LK004 link to the note itself\n"
    )


@pytest.mark.parametrize("key", ["vault", "exclude", "max_note_size", "sync"])
def test_nested_configuration_cannot_set_vault_wide_keys(tmp_path: Path, cli: CLI, key: str) -> None:
    values = {"vault": ".", "exclude": "[x/**]", "max_note_size": "1MB", "sync": "{remote: origin}"}
    root = write_vault(
        tmp_path / "garden",
        {".obsidian/app.json": "{}", "Notes/.vaultkit.yaml": f"{key}: {values[key]}\n", "Notes/n.md": ""},
    )
    result = cli("check", root)
    assert result.code == 2 and result.out == ""
    known = json.loads((REPO / "vaultkit" / "config" / "schema.json").read_text())["$defs"]["configuration"]
    nested = [
        key for key in ("select", "ignore", "severity", "per_file_ignores", "checks") if key in known["properties"]
    ]
    assert result.err == (
        f"vaultkit: error: {root / 'Notes' / '.vaultkit.yaml'}: key '{key}': only the vault's root configuration "
        f"may set it (a nested configuration sets {', '.join(nested)})\n"
    )


def test_editing_a_nested_configuration_is_seen_by_the_next_run(tmp_path: Path, cli: CLI) -> None:
    """The cache answers unchanged vaults: a nested configuration is part of what must be unchanged."""
    root = write_vault(
        tmp_path / "garden", {".obsidian/app.json": "{}", "Notes/n.md": "[[n]]\n", "top.md": "[[top]]\n"}
    )
    both = "Notes/n.md:1:1: LK004 link to the note itself\ntop.md:1:1: LK004 link to the note itself\n"
    assert cli("check", root, "-q").out == both
    nested = root / "Notes" / ".vaultkit.yaml"
    nested.write_text("ignore: [LK004]\n", encoding="utf-8")
    assert cli("check", root, "-q").out == "top.md:1:1: LK004 link to the note itself\n"
    nested.write_text("ignore: [LK001]\n", encoding="utf-8")
    assert cli("check", root, "-q").out == both
    nested.unlink()
    (root / "Notes" / "vaultkit.yaml").write_text("select: [LK001]\n", encoding="utf-8")
    assert cli("check", root, "-q").out == "top.md:1:1: LK004 link to the note itself\n"


# --- nested configuration against an oracle -------------------------------------------------------------

FOLDERS = ["", "A/", "A/B/", "A/B/C/", "D/"]
CODES = ["LK001", "LK004", "LK005"]


def _random_settings(chance: random.Random) -> dict[str, object]:
    settings: dict[str, object] = {}
    if chance.random() < 0.4:
        settings["select"] = chance.sample([*CODES, "LK"], chance.randint(1, 2))
    if chance.random() < 0.5:
        settings["ignore"] = chance.sample(CODES, chance.randint(0, 2))
    if chance.random() < 0.5:
        settings["severity"] = {code: chance.choice(["error", "warning", "off"]) for code in chance.sample(CODES, 2)}
    return settings


def _expected(
    base: list[dict[str, object]], layers: dict[str, dict[str, object]], select: list[str] | None, ignore: list[str]
) -> list[tuple[object, ...]]:
    """The oracle: each finding kept or not, and its severity, by the nearest folder setting each key."""

    def codes(selectors: object) -> set[str]:
        return {code for code in CODES for selector in selectors if code.startswith(selector)}  # type: ignore[attr-defined]

    kept = []
    for finding in base:
        path = str(finding["path"])
        folders = [folder for folder in sorted(FOLDERS, key=len, reverse=True) if path.startswith(folder)]
        value = {
            key: next((layers[f][key] for f in folders if key in layers.get(f, {})), None)
            for key in ("select", "ignore", "severity")
        }
        chosen = (
            codes(select) if select is not None else (codes(value["select"]) if value["select"] is not None else None)
        )
        ignored = codes(value["ignore"] or []) | codes(ignore)
        severity: dict[str, str] = dict(value["severity"] or {})  # type: ignore[call-overload]
        code = str(finding["code"])
        if (chosen is not None and code not in chosen) or code in ignored or severity.get(code) == "off":
            continue
        kept.append((path, finding["line"], finding["column"], code, severity.get(code, finding["severity"])))
    return sorted(kept)


def test_nested_configurations_on_random_trees(tmp_path: Path, cli: CLI) -> None:
    for seed in range(25):
        chance = random.Random(seed)
        root = tmp_path / f"vault{seed}"
        notes = {f"{folder}n{number}.md": f"[[n{number}]] [[gone]] [[twin]]\n" for number, folder in enumerate(FOLDERS)}
        write_vault(root, {".obsidian/app.json": "{}", "x/twin.md": "", "y/twin.md": "", **notes})
        base = cli("check", "--vault", root, "--format", "json", "--no-cache").json()
        assert len(base) == 3 * len(FOLDERS)
        layers = {folder: _random_settings(chance) for folder in FOLDERS if chance.random() < 0.6}
        for folder, settings in layers.items():
            name = chance.choice([".vaultkit.yaml", "vaultkit.yaml"])
            (root / folder / name).write_text(json.dumps(settings) + "\n", encoding="utf-8")
        select = chance.sample(CODES, 2) if chance.random() < 0.2 else None
        ignore = chance.sample(CODES, 1) if chance.random() < 0.3 else []
        args = [*(["--select", ",".join(select)] if select else []), *(["--ignore", ignore[0]] if ignore else [])]
        for cache in ("--no-cache", "--exit-zero"):  # cold, then (twice) through the cache
            result = cli("check", "--vault", root, "--format", "json", cache, *args)
            actual = sorted((f["path"], f["line"], f["column"], f["code"], f["severity"]) for f in result.json())
            assert actual == _expected(base, layers, select, ignore), (seed, layers, select, ignore)


def test_a_configuration_at_the_root_of_a_vault_named_from_outside_is_nested_everywhere(
    tmp_path: Path, cli: CLI
) -> None:
    """`repo/pyproject.toml` names `garden/`; `garden/.vaultkit.yaml` then applies to the whole vault, and its
    `checks` replace the outer definitions there."""
    schema = "kind: frontmatter\nname: {name}\nschema: {{type: object, required: [{key}]}}\n"
    repo = write_vault(
        tmp_path / "repo",
        {
            "pyproject.toml": '[tool.vaultkit]\nvault = "garden"\nchecks = "checks"\nignore = ["LK004"]\n',
            "checks/title.yaml": schema.format(name="titled", key="title"),
            "garden/.vaultkit.yaml": "checks: inner\n",
            "garden/inner/status.yaml": schema.format(name="with-status", key="status"),
            "garden/n.md": "[[n]]\n",
        },
    )
    result = cli("check", repo / "garden", "--format", "json")
    assert [(f["path"], f["code"], f["message"]) for f in result.json()] == [
        ("n.md", "FM004", "required key 'status' is missing")  # LK004 still ignored: the outer key holds
    ]


def test_the_vault_key_of_the_obsidian_folders_configuration_holds(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(
        tmp_path / "garden",
        {".obsidian/app.json": "{}", ".vaultkit.yaml": "vault: sub\n", "sub/a.md": "[[gone]]\n", "x.md": ""},
    )
    assert cli("check", root / "sub" / "a.md", "-q").out == "a.md:1:1: LK001 unresolved link: no note named 'gone'\n"
    outside = cli("check", root / "x.md")
    assert (outside.code, outside.err) == (
        2,
        f"vaultkit: error: {root / 'x.md'}: not inside the vault {root / 'sub'}\n",
    )


def _readme_root(start: Path, top: Path, markers: dict[Path, set[str]]) -> tuple[Path, Path | None]:
    """The README's list "Where the vault is", read literally (the oracle for find_root)."""
    folders = [start, *[parent for parent in start.parents if parent.is_relative_to(top)]]
    configs = [
        (folder, name) for folder in folders for name in ("vaultkit.yaml",) if name in markers.get(folder, set())
    ]
    named = {folder: folder / "sub" for folder, _ in configs if "names-sub" in markers.get(folder, set())}
    for folder, name in configs:  # 2. a configuration whose vault key names a folder holding the start
        if folder in named and start.is_relative_to(named[folder]):
            return named[folder], folder / name
    obsidian = next((folder for folder in folders if ".obsidian" in markers.get(folder, set())), None)
    if obsidian is not None:  # 3. the nearest .obsidian, configured by its own folder's file
        own = next((folder / name for folder, name in configs if folder == obsidian), None)
        return (named.get(obsidian, obsidian), own)
    git_top = next((folder for folder in folders if ".git" in markers.get(folder, set())), None)
    plain = [(folder, name) for folder, name in configs if folder not in named]
    if plain:  # 4. inside a git work tree the outermost one in it, elsewhere the nearest
        inside = [pair for pair in plain if git_top is not None and pair[0].is_relative_to(git_top)]
        folder, name = inside[-1] if inside else plain[0]
        return folder, folder / name
    if configs:
        folder, name = configs[0]
        return named.get(folder, folder), folder / name
    return (git_top or start), None  # 5. the top of the git work tree, 6. the folder given


def test_root_discovery_follows_the_readme_on_random_trees(tmp_path: Path) -> None:
    from vaultkit.config.discovery import find_root

    for seed in range(60):
        chance = random.Random(seed)
        top = tmp_path / f"t{seed}"
        chain = [top / "/".join(f"d{depth}" for depth in range(1, level + 1)) for level in range(5)]
        markers: dict[Path, set[str]] = {}
        for folder in chain:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "sub").mkdir(exist_ok=True)
            chosen = {marker for marker in (".obsidian", ".git", "vaultkit.yaml") if chance.random() < 0.25}
            if "vaultkit.yaml" in chosen and chance.random() < 0.4:
                chosen.add("names-sub")
            markers[folder] = chosen
            for marker in chosen & {".obsidian", ".git"}:
                (folder / marker).mkdir()
            if "vaultkit.yaml" in chosen:
                (folder / "vaultkit.yaml").write_text("vault: sub\n" if "names-sub" in chosen else "{}\n")
        start = chance.choice([*chain, *(folder / "sub" for folder in chain)])
        found = find_root(start)
        assert (found.vault, found.source) == _readme_root(start, top, markers), (seed, markers, start)


def test_nested_per_file_ignores(tmp_path: Path, cli: CLI) -> None:
    """ruff's per-file ignores in a nested file: globs from the vault root, the nearest file's key wins."""
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            ".vaultkit.yaml": 'per_file_ignores: {"*.md": [LK001]}\n',
            "Notes/.vaultkit.yaml": 'per_file_ignores: {"Notes/a.md": [self-link]}\n',
            "Notes/a.md": "[[a]] [[gone]]\n",
            "Notes/b.md": "[[b]] [[gone]]\n",
            "c.md": "[[c]] [[gone]]\n",
        },
    )
    assert [row[:4] for row in rows(cli("check", "--vault", root, "--format", "json"))] == [
        ("Notes/a.md", 1, 7, "LK001"),  # the root's key no longer holds in Notes/ ...
        ("Notes/b.md", 1, 1, "LK004"),
        ("Notes/b.md", 1, 7, "LK001"),
        ("c.md", 1, 1, "LK004"),  # ... and still does outside it
    ]
