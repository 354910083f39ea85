"""`vaultkit init`: a starter `.vaultkit.yaml` for the vault around the current folder.

It writes down what the vault already tells: its template folder (Obsidian's Templates plugin and
Templater), Obsidian's "Excluded files" as globs, and a Digital Garden frontmatter schema when notes
carry `dg-publish`; the rest as comments. The file starts with the comment that points editors at the
shipped JSON Schema. It is checked against that schema before it is written, and it is never written
over a configuration: not over an existing `.vaultkit.yaml`, and not in a vault another file configures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from vaultkit.config import schema
from vaultkit.config.discovery import config_in, find_root
from vaultkit.config.obsidian import read_obsidian_settings
from vaultkit.model import ConfigError
from vaultkit.vault import scan_vault
from vaultkit.vault.names import CONFIG_NAMES

NEVER = "vaultkit init never overwrites a configuration"
FRONTMATTER_PEEK = 4096  # bytes of a note read to see whether its frontmatter has dg-publish

DIGITAL_GARDEN: dict[str, Any] = {
    "type": "object",
    "properties": {
        "dg-publish": {"type": "boolean"},
        "dg-home": {"type": "boolean"},
        "dg-pinned": {"type": "boolean"},
        "dg-hide": {"type": "boolean"},
        "dg-permalink": {"type": "string", "pattern": "^/"},
        "permalink": {"type": "string", "pattern": "^/"},
        "dgPassFrontmatter": {"type": "boolean"},
    },
}


def write_starter(vault: Path | None) -> Path:
    """Write the starter configuration; return its path. ConfigError when one is there already."""
    root, governing = _vault_and_configuration(vault)
    target = root / CONFIG_NAMES[0]
    if target.exists():
        raise ConfigError(f"{target}: already exists; {NEVER}")
    if governing is not None:
        raise ConfigError(f"{governing}: already configures this vault; {NEVER}")
    text = starter(root)
    schema.validate(read_yaml_text(text) or {}, schema.ROOT, target)  # what is written is what is valid
    try:
        with open(target, "x", encoding="utf-8") as file:  # "x": never over a file that appeared meanwhile
            file.write(text)
    except FileExistsError:
        raise ConfigError(f"{target}: already exists; {NEVER}") from None
    except OSError as problem:
        raise ConfigError(f"{target}: cannot write: {problem.strerror or problem}") from None
    return target


def _vault_and_configuration(vault: Path | None) -> tuple[Path, Path | None]:
    if vault is None:
        found = find_root(Path.cwd())
        return found.vault, found.source
    root = vault.resolve()
    if not root.is_dir():
        raise ConfigError(f"{root}: vault folder not found")
    for folder in [root, *root.parents]:
        existing = config_in(folder)
        if existing is not None:
            return root, existing[0]
    return root, None


def starter(root: Path) -> str:
    """The text of the starter configuration."""
    lines = [
        f"# yaml-language-server: $schema={schema.SCHEMA_FILE}",
        "# vaultkit's configuration for this vault, written by `vaultkit init`. Every key is optional;",
        "# the README (Configuration) and the schema named above describe them all.",
    ]
    known = schema.schema()["$defs"][schema.ROOT]["properties"]
    templates = template_globs(root)
    if templates and "templates" in known:
        lines += ["", "# Template notes: their {{...}} and <%...%> placeholders are not errors (Obsidian's settings)."]
        lines.append(f"templates: {json.dumps(templates, ensure_ascii=False)}")
    excluded, unreadable = excluded_globs(root)
    if excluded:
        lines += ["", "# Obsidian's Excluded files (.obsidian/app.json), as globs: not checked."]
        lines.append(f"exclude: {json.dumps(excluded, ensure_ascii=False)}")
    lines += [f"# Obsidian excludes {pattern}, a regular expression: write it here as globs." for pattern in unreadable]
    published = digital_garden_notes(root, excluded)
    if published:
        carry = "note carries" if published == 1 else "notes carry"
        lines += ["", f"# {published:,} {carry} dg-publish (Obsidian Digital Garden): the plugin's keys, typed."]
        lines.append("checks:")
        if (root / "checks").is_dir():
            lines.append("  - checks   # the definitions in checks/")
        lines += [
            "  - kind: frontmatter",
            "    name: digital-garden",
            "    description: the keys of the Digital Garden plugin",
            "    schema:",
            "      type: object",
            "      properties:",
        ]
        lines += [f"        {key}: {json.dumps(value)}" for key, value in DIGITAL_GARDEN["properties"].items()]
    lines += [
        "",
        "# select: [LK, FM]            # only these codes (prefixes and names such as self-link work too)",
        "# ignore: [LK005]             # leave these out",
        "# severity: {LK007: error}    # error, warning or off",
    ]
    return "\n".join(lines) + "\n"


def template_globs(root: Path) -> list[str]:
    """The template folders of Obsidian's Templates plugin and of Templater, as globs (read as vaultkit
    reads them without a `templates` key)."""
    return list(read_obsidian_settings(root).templates)


def excluded_globs(root: Path) -> tuple[list[str], list[str]]:
    """Obsidian's Excluded files as globs (a folder: everything under it), and the filters that are
    regular expressions (`/…/`), which no glob says."""
    filters = _json_value(root / ".obsidian" / "app.json", "userIgnoreFilters")
    globs: list[str] = []
    regexes: list[str] = []
    for item in filters if isinstance(filters, list) else []:
        if not isinstance(item, str) or not item.strip():
            continue
        if len(item) > 1 and item.startswith("/") and item.endswith("/"):
            regexes.append(item)
            continue
        path = item.strip("/")
        glob = f"{path}/**" if item.endswith("/") or (root / path).is_dir() else path
        if glob not in globs:
            globs.append(glob)
    return globs, regexes


def digital_garden_notes(root: Path, exclude: list[str]) -> int:
    """How many notes have `dg-publish` in their frontmatter."""
    from vaultkit.config.records import Config

    files = scan_vault(root, Config(vault=root, exclude=(*Config(vault=root).exclude, *exclude)).exclude_regex)
    count = 0
    for note in files.notes:
        try:
            with open(os.path.join(root, note), "rb") as file:
                head = file.read(FRONTMATTER_PEEK).decode("utf-8", "replace")
        except OSError:
            continue
        if head.lstrip("\ufeff").startswith("---") and "dg-publish" in head.partition("\n---")[0]:
            count += 1
    return count


def read_yaml_text(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def _json_value(path: Path, key: str) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get(key) if isinstance(data, dict) else None
