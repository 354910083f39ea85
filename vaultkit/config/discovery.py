"""Where the vault is, and which configuration file is its root configuration (SPEC §2).

Looked for from the first PATH (or the current folder) upward:
1. a configuration whose `vault` key names a folder holding the start: it says where the vault is;
2. else the nearest folder holding `.obsidian/` (Obsidian's own mark of a vault), configured by the
   file in that folder if there is one;
3. else a configuration file: inside a git work tree the outermost one in it, else the nearest; the
   vault is its folder;
4. else the top of the git work tree (the nearest folder holding `.git`), else the folder given.
Configuration files met on the way below the root are nested configurations: they do not move the root
(the scan finds them, with every other one inside the vault, and they apply to their own folders).
Nothing is read that is not a configuration file; git is not run (a `.git` entry marks a work tree).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from vaultkit.model import ConfigError
from vaultkit.vault.names import CONFIG_NAMES


class Root(NamedTuple):
    vault: Path  # absolute
    source: Path | None  # the root configuration file, None: defaults
    settings: dict[str, Any]  # its contents, as read (not yet checked against the schema)


def find_root(start: Path) -> Root:
    """The vault around `start` (a file or folder) and its root configuration."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    chain: list[tuple[Path, Path, dict[str, Any]]] = []  # (folder, file, settings), nearest first
    obsidian: Path | None = None
    git_top: Path | None = None
    for candidate in [folder, *folder.parents]:
        found = config_in(candidate)
        if found is not None:
            chain.append((candidate, *found))
        if obsidian is None and (candidate / ".obsidian").is_dir():
            obsidian = candidate
        if git_top is None and (candidate / ".git").exists():
            git_top = candidate
    for where, source, settings in chain:
        named = _named_vault(where, settings)
        if named is not None and folder.is_relative_to(named):
            return Root(named, source, settings)
    if obsidian is not None:
        own = next((found for found in chain if found[0] == obsidian), None)
        if own is None:
            return Root(obsidian, None, {})
        return Root(_named_vault(obsidian, own[2]) or obsidian, own[1], own[2])  # its `vault` key still holds
    plain = [found for found in chain if _named_vault(found[0], found[2]) is None]
    if plain:
        inside = [found for found in plain if git_top is not None and found[0].is_relative_to(git_top)]
        where, source, settings = inside[-1] if inside else plain[0]
        return Root(where, source, settings)
    if chain:
        where, source, settings = chain[0]
        return Root(_named_vault(where, settings) or where, source, settings)
    return Root(git_top or folder, None, {})


def config_in(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    """The configuration file of a folder (the first of CONFIG_NAMES there) and its settings."""
    for name in CONFIG_NAMES:
        candidate = folder / name
        if candidate.is_file():
            settings = read_settings(candidate)
            if settings is not None:
                return candidate, settings
    return None


def _named_vault(folder: Path, settings: dict[str, Any]) -> Path | None:
    value = settings.get("vault")
    return (folder / value).resolve() if isinstance(value, str) and value else None


def read_settings(path: Path) -> dict[str, Any] | None:
    """A configuration file's settings as written; None for a pyproject.toml without [tool.vaultkit]."""
    if path.name == "pyproject.toml":
        table = read_toml(path).get("tool", {}).get("vaultkit")
        if table is None:
            return None
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.vaultkit] must be a table of keys and values")
        return table
    if path.suffix == ".toml":
        return read_toml(path)
    data = read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    return data


def read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only a pyproject.toml needs it

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read TOML: {error}") from None


def read_yaml(path: Path) -> Any:
    import yaml  # only configurations written in YAML need it

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None
