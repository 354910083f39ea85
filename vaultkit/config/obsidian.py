"""What Obsidian's own settings in `.obsidian/` say that vaultkit must follow (SPEC §2, §3).

- The templates folder of the core Templates plugin (`templates.json`: `folder`) and of Templater
  (`plugins/templater-obsidian/data.json`: `templates_folder`): notes there are templates.
- "Excluded files" (`app.json`: `userIgnoreFilters`): treated like `exclude`. Obsidian reads each filter
  as a path prefix, compared without case, or, written `/…/`, as a regular expression searched in the
  path (as Obsidian's own matching does; JavaScript and Python agree on the common syntax).

A settings file that is missing, unreadable or not the JSON Obsidian writes counts as not set: these
are Obsidian's files, and a vault Obsidian opens must not stop vaultkit.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

SETTINGS_FOLDER = ".obsidian"
TEMPLATES_FILES = (("templates.json", "folder"), ("plugins/templater-obsidian/data.json", "templates_folder"))


class ObsidianSettings(NamedTuple):
    templates: tuple[str, ...] = ()  # globs of the template folders
    excluded: tuple[str, ...] = ()  # userIgnoreFilters as regular expressions matched from a path's start


def read_obsidian_settings(root: Path) -> ObsidianSettings:
    """The settings of the vault at `root` (nothing when it has no `.obsidian/` folder)."""
    folder = root / SETTINGS_FOLDER
    if not folder.is_dir():
        return ObsidianSettings()
    templates: list[str] = []
    for name, key in TEMPLATES_FILES:
        value = _read_json(folder / name).get(key)
        glob = _folder_glob(value) if isinstance(value, str) else None
        if glob is not None and glob not in templates:
            templates.append(glob)
    filters = _read_json(folder / "app.json").get("userIgnoreFilters")
    excluded = [_filter_regex(item) for item in filters if isinstance(item, str)] if isinstance(filters, list) else []
    return ObsidianSettings(tuple(templates), tuple(regex for regex in excluded if regex is not None))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _folder_glob(folder: str) -> str | None:
    """`Templates`, `/Templates/` or `Templates/` as the glob of everything in that folder."""
    folder = folder.strip().strip("/")
    return f"/{folder}/**" if folder else None


def _filter_regex(item: str) -> str | None:
    """One of Obsidian's excluded-files filters as a regular expression matched from a path's start."""
    item = item.strip()
    if not item:
        return None
    if len(item) > 2 and item.startswith("/") and item.endswith("/"):
        expression = item[1:-1]
        try:
            re.compile(expression)
        except re.error:
            return None  # Obsidian cannot use it either
        return f"(?is:.*?(?:{expression}))"
    return f"(?i:{re.escape(item)})"
