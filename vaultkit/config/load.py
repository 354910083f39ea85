"""Find and validate the configuration and the check definitions (SPEC §2, §6). Strict: unknown is an error."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkit.config.obsidian import read_obsidian_settings
from vaultkit.config.records import DEFAULT_EXCLUDE, DEFAULT_MAX_NOTE_SIZE, Config, SyncSettings
from vaultkit.globs import GlobError, compile_globs
from vaultkit.model import ConfigError, shorten
from vaultkit.rules import UnknownCode, codes_of

if TYPE_CHECKING:  # the kinds are imported only when a vault has check definitions
    from vaultkit.kinds.base import CheckDef

CONFIG_NAMES = (".vaultkit.yaml", "vaultkit.yaml", "pyproject.toml")
SEVERITIES = ("error", "warning", "off")


def find_config(start: Path) -> Path | None:
    """The first configuration file from `start` upward."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        return "vaultkit" in _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return False


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only a pyproject.toml needs it

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read TOML: {error}") from None


def default_vault_root(start: Path) -> Path:
    """Without a config: the nearest ancestor holding `.obsidian/`, else the given folder. For a file
    (pre-commit passes files, from the repository root) that is the current folder when it holds the
    file, so that a filename-scoped run still indexes the whole vault."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in [folder, *folder.parents]:
        if (candidate / ".obsidian").is_dir():
            return candidate
    if not start.is_dir():
        here = Path.cwd().resolve()
        if start.is_relative_to(here):
            return here
    return folder


def load_config(*, config_file: Path | None = None, vault: Path | None = None, paths: tuple[Path, ...] = ()) -> Config:
    """Find and read the configuration for a run; `vault` (--vault) overrides the `vault` key."""
    start = vault or (paths[0] if paths else Path.cwd())
    if config_file is None:
        config_file = find_config(start)
    elif not config_file.is_file():
        raise ConfigError(f"{config_file}: configuration file not found")
    if config_file is None:
        root = vault.resolve() if vault else default_vault_root(start)
        if not root.is_dir():
            raise ConfigError(f"{root}: vault folder not found")
        return with_obsidian_settings(Config(vault=root))
    raw = _read_config(config_file)
    return _build(config_file.resolve(), raw, vault)


def _read_config(path: Path) -> dict[str, Any]:
    if path.name == "pyproject.toml" or path.suffix == ".toml":
        data = _read_toml(path)
        table = data.get("tool", {}).get("vaultkit") if path.name == "pyproject.toml" else data
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: no [tool.vaultkit] table")
        return table
    data = _read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    return data


def _read_yaml(path: Path) -> Any:
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


def _build(source: Path, raw: dict[str, Any], vault_override: Path | None) -> Config:
    readers: dict[str, Callable[[Any, str], Any]] = {
        "vault": _string,
        "checks": _string_list,
        "exclude": _globs,
        "select": _codes,
        "ignore": _codes,
        "severity": _severity_map,
        "max_note_size": _size,
        "sync": _sync,
        "templates": _globs,
        "per_file_ignores": _per_file_ignores,
    }
    values: dict[str, Any] = {}
    for key, value in raw.items():
        reader = readers.get(key)
        if reader is None:
            raise ConfigError(f"{source}: unknown key '{key}' (known: {', '.join(readers)})")
        try:
            values[key] = reader(value, key)
        except _Invalid as problem:
            raise ConfigError(f"{source}: key '{problem.key}': {problem}") from None
    base = source.parent
    root = vault_override.resolve() if vault_override else (base / values.get("vault", ".")).resolve()
    if not root.is_dir():
        raise ConfigError(f"{source}: key 'vault': folder {root} not found")
    check_paths = values.get("checks", ["checks"])
    checks, check_files = load_checks([base / entry for entry in check_paths])
    select = values.get("select")
    config = Config(
        vault=root,
        source=source,
        checks=checks,
        check_files=check_files,
        exclude=(*DEFAULT_EXCLUDE, *values.get("exclude", ())),
        select=frozenset(select) if select is not None else None,
        ignore=frozenset(values.get("ignore", ())),
        severity=values.get("severity", {}),
        max_note_size=values.get("max_note_size", DEFAULT_MAX_NOTE_SIZE),
        sync=values.get("sync", SyncSettings()),
        templates=tuple(values.get("templates", ())),
        per_file_ignores=values.get("per_file_ignores", ()),
    )
    return with_obsidian_settings(config, templates_given="templates" in values)


def with_obsidian_settings(config: Config, templates_given: bool = False) -> Config:
    """The configuration with what the vault's `.obsidian/` settings add: its excluded files, and (unless
    the `templates` key names them) its templates folders."""
    settings = read_obsidian_settings(config.vault)
    templates = config.templates if templates_given else settings.templates
    return config._replace(templates=templates, obsidian_excluded=settings.excluded)


class _Invalid(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Invalid(key, f"expected a non-empty string, got {_describe(value)}")
    return value


def _string_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Invalid(key, f"expected a list of strings, got {_describe(value)}")
    return list(value)


def _globs(value: Any, key: str) -> list[str]:
    """A glob or a list of them (gitignore style), each one checked to be a glob."""
    patterns = _string_list(value, key)
    try:
        compile_globs(patterns)
    except GlobError as error:
        raise _Invalid(key, str(error)) from None
    return patterns


def _per_file_ignores(value: Any, key: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """ruff's shape: a mapping of glob to the codes (or prefixes, or names) not reported for those notes."""
    if not isinstance(value, dict):
        raise _Invalid(key, f"expected a mapping of glob to codes, got {_describe(value)}")
    return tuple(
        (_globs(str(glob), f"{key}.{glob}")[0], frozenset(_codes(codes, f"{key}.{glob}")))
        for glob, codes in value.items()
    )


def _codes(value: Any, key: str) -> set[str]:
    try:
        return codes_of(value if isinstance(value, str) else _string_list(value, key))
    except UnknownCode as unknown:
        raise _Invalid(key, f"unknown code '{unknown}'") from None


def _severity_map(value: Any, key: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Invalid(key, f"expected a mapping of code to error|warning|off, got {_describe(value)}")
    result: dict[str, str] = {}
    for selector, level in value.items():
        try:
            codes = codes_of([str(selector)])
        except UnknownCode:
            raise _Invalid(f"{key}.{selector}", f"unknown code '{selector}'") from None
        if level is False:  # YAML 1.1 reads a bare `off` as false
            level = "off"
        if level not in SEVERITIES:
            raise _Invalid(f"{key}.{selector}", f"expected error, warning or off, got {_describe(level)}")
        for code in codes:
            result[code] = level
    return result


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g|kib|mib|gib)?\s*", re.I)
_UNITS = {"b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2}
_UNITS |= {"g": 1024**3, "gb": 1024**3, "gib": 1024**3}


def _size(value: Any, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(key, f"expected a size such as 10MB, got {_describe(value)}")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "b").lower()])


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(value: Any, key: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(key, f"expected seconds or a duration such as 30s, got {_describe(value)}")
    return float(match.group(1)) * _SECONDS[match.group(2) or "s"]


def _sync(value: Any, key: str) -> SyncSettings:
    if not isinstance(value, dict):
        raise _Invalid(key, f"expected a mapping, got {_describe(value)}")
    readers: dict[str, Callable[[Any, str], Any]] = {
        "remote": _string,
        "debounce": _duration,
        "max_delay": _duration,
        "pull_interval": _duration,
        "on_conflict": _on_conflict,
        "commit_message": _commit_message,
        "verify": _boolean,
        "max_file_size": _size,
    }
    known = set(SyncSettings._fields)
    values: dict[str, Any] = {}
    for name, item in value.items():
        reader = readers.get(name)
        if reader is None or name not in known:
            raise _Invalid(f"{key}.{name}", f"unknown key (known: {', '.join(readers)})")
        values[name] = reader(item, f"{key}.{name}")
    return SyncSettings(**values)


def _commit_message(value: Any, key: str) -> str:
    template = _string(value, key)
    try:
        template.format(date="2026-01-01 00:00:00", count=1)
    except (KeyError, IndexError, ValueError) as problem:
        raise _Invalid(key, f"only {{date}} and {{count}} may be used: {problem!r}") from None
    return template


def _on_conflict(value: Any, key: str) -> str:
    if value not in ("keep-both", "hold"):
        raise _Invalid(key, f"expected keep-both or hold, got {_describe(value)}")
    return str(value)


def _boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(key, f"expected true or false, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    return shorten(repr(value), 60)


# --- check definitions -------------------------------------------------------------------

CHECK_KEYS = ("kind", "name", "paths", "description")


def load_checks(entries: list[Path]) -> tuple[tuple[CheckDef, ...], tuple[Path, ...]]:
    """Read every check definition from folders or files; a missing folder means built-ins only."""
    files: list[Path] = []
    for entry in entries:
        if entry.is_dir():
            files.extend(sorted(p for p in entry.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif entry.is_file():
            files.append(entry)
    checks: list[CheckDef] = []
    names: dict[str, Path] = {}
    for path in files:
        data = _read_yaml(path)
        items = data if isinstance(data, list) else [data]
        for item in items:
            check = _check(path, item)
            if check.name in names:
                raise ConfigError(f"{path}: check name '{check.name}' is already used in {names[check.name]}")
            names[check.name] = path
            checks.append(check)
    return tuple(checks), tuple(p.resolve() for p in files)


def _check(path: Path, item: Any) -> CheckDef:
    from vaultkit.kinds import NAMES, kind  # only a vault with check definitions needs the kinds
    from vaultkit.kinds.base import CheckDef

    if not isinstance(item, dict):
        raise ConfigError(f"{path}: a check definition must be a mapping, got {_describe(item)}")
    kind_name = item.get("kind")
    if kind_name not in NAMES:
        raise ConfigError(f"{path}: key 'kind': unknown kind {_describe(kind_name)} (known: {', '.join(NAMES)})")
    check_kind = kind(kind_name)
    name = item.get("name", kind_name)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path}: key 'name': expected a non-empty string, got {_describe(name)}")
    try:
        paths = tuple(_globs(item.get("paths", ["**/*.md"]), "paths"))
        description = item.get("description", "")
        if not isinstance(description, str):
            raise _Invalid("description", f"expected a string, got {_describe(description)}")
    except _Invalid as problem:
        raise ConfigError(f"{path}: key '{problem.key}': {problem}") from None
    specific = {key: value for key, value in item.items() if key not in CHECK_KEYS}
    unknown = [key for key in specific if key not in check_kind.keys]
    if unknown:
        known = ", ".join((*CHECK_KEYS, *check_kind.keys))
        raise ConfigError(f"{path}: key '{unknown[0]}': unknown for kind {kind_name} (known: {known})")
    params = check_kind.parse(specific, str(path))
    return CheckDef(kind_name, name, paths, description, params, str(path), compile_globs(paths))
