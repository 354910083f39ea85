"""config/obsidian.py: what Obsidian's own settings say (templates folders, excluded files)."""

from __future__ import annotations

import re
from pathlib import Path

from vaultkit.config.obsidian import ObsidianSettings, read_obsidian_settings

from conftest import write_vault


def test_templates_folders_from_the_core_plugin_and_templater(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "v",
        {
            ".obsidian/templates.json": '{"folder": "/模板/", "dateFormat": "YYYY"}',
            ".obsidian/plugins/templater-obsidian/data.json": '{"templates_folder": "Extras/Templates"}',
        },
    )
    assert read_obsidian_settings(root).templates == ("/模板/**", "/Extras/Templates/**")


def test_excluded_files_are_prefixes_without_case_or_regexes(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "v",
        {".obsidian/app.json": '{"userIgnoreFilters": ["archive/", "/\\\\.excalidraw\\\\.md$/", "/[/", "", 3]}'},
    )
    settings = read_obsidian_settings(root)
    assert len(settings.excluded) == 2  # an invalid regex, an empty filter and a number are no filters
    joined = re.compile("|".join(settings.excluded))
    assert joined.match("Archive/2019.md") and joined.match("ARCHIVE/x/y.md")
    assert not joined.match("old/archive/x.md")  # a prefix of the path from the vault root
    assert joined.match("a/b/Drawing.excalidraw.md")
    assert not joined.match("a/excalidraw.md")


def test_missing_broken_or_unexpected_settings_count_as_not_set(tmp_path: Path) -> None:
    assert read_obsidian_settings(tmp_path) == ObsidianSettings()  # no .obsidian/ at all
    root = write_vault(
        tmp_path / "v",
        {
            ".obsidian/templates.json": "{not json",
            ".obsidian/plugins/templater-obsidian/data.json": '{"templates_folder": ""}',  # Templater's default
            ".obsidian/app.json": b"\xff\xfe binary",
        },
    )
    assert read_obsidian_settings(root) == ObsidianSettings()
    (root / ".obsidian" / "templates.json").write_text('["a list"]', encoding="utf-8")
    assert read_obsidian_settings(root) == ObsidianSettings()
