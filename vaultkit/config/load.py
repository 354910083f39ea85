"""Read the configuration and the check definitions (SPEC §2, §6): found by discovery, checked against the
one JSON Schema (schema.json), then turned into records. Strict: unknown is an error, and so is a
setting that selects nothing or names a checks folder that is not there."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkit.config import schema
from vaultkit.config.discovery import config_in, find_root, read_settings, read_yaml
from vaultkit.config.obsidian import read_obsidian_settings
from vaultkit.config.records import DEFAULT_EXCLUDE, DEFAULT_MAX_NOTE_SIZE, Config, Layer, SyncSettings
from vaultkit.globs import GlobError, compile_globs
from vaultkit.model import ConfigError
from vaultkit.rules import UnknownCode, codes_of
from vaultkit.vault.names import CONFIG_NAMES

if TYPE_CHECKING:  # the kinds are imported only when a vault has check definitions
    from vaultkit.kinds.base import CheckDef

NESTED_KEYS = ("select", "ignore", "severity", "per_file_ignores", "checks")
NOTHING_SELECTED = "selects nothing; give codes, prefixes or names (see 'vaultkit rules')"


def load_config(
    *,
    config_file: Path | None = None,
    vault: Path | None = None,
    paths: Sequence[Path] = (),
    staged: bool = False,
    memo: schema.Memo | None = None,
) -> Config:
    """The root configuration of a run (nested ones come from the scan: `with_nested`). `config_file`
    (--config) is the whole configuration; `vault` (--vault) overrides where the vault is; `memo`: the
    settings already found valid."""
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: configuration file not found")
        settings = read_settings(config_file)
        if settings is None:
            raise ConfigError(f"{config_file}: no [tool.vaultkit] table")
        return _build(config_file.resolve(), settings, vault, nested=False, staged=staged, memo=memo)
    if vault is not None:
        root = vault.resolve()
        found = None
        for folder in [root, *root.parents]:
            found = config_in(folder)
            if found is not None:
                break
        if found is None:
            if not root.is_dir():
                raise ConfigError(f"{root}: vault folder not found")
            return with_obsidian_settings(Config(vault=root, staged=staged))
        return _build(found[0].resolve(), found[1], root, nested=True, staged=staged, memo=memo)
    discovered = find_root(paths[0] if paths else Path.cwd())
    if discovered.source is None:
        if not discovered.vault.is_dir():
            raise ConfigError(f"{discovered.vault}: vault folder not found")
        return with_obsidian_settings(Config(vault=discovered.vault, staged=staged))
    source = discovered.source.resolve()
    return _build(source, discovered.settings, discovered.vault, nested=True, staged=staged, memo=memo)


def _build(
    source: Path, raw: dict[str, Any], root: Path | None, *, nested: bool, staged: bool, memo: schema.Memo | None
) -> Config:
    schema.validate(raw, schema.ROOT, source, memo=memo)
    base = source.parent
    if root is None:
        root = (base / raw.get("vault", ".")).resolve()
    if not root.is_dir():
        raise ConfigError(f"{source}: key 'vault': folder {root} not found")
    checks, check_files = checks_of(source, raw.get("checks"), required="checks" in raw, memo=memo)
    config = Config(
        vault=root,
        source=source,
        checks=checks,
        check_files=check_files,
        exclude=(*DEFAULT_EXCLUDE, *_globs(source, "exclude", raw.get("exclude", ()))),
        select=_selected(source, "select", raw["select"]) if "select" in raw else None,
        ignore=_codes(source, "ignore", raw.get("ignore", ())),
        severity=_severity(source, raw.get("severity", {})),
        max_note_size=_size(raw.get("max_note_size", DEFAULT_MAX_NOTE_SIZE)),
        sync=_sync(source, raw.get("sync", {})),
        templates=tuple(_globs(source, "templates", raw.get("templates", ()))),
        per_file_ignores=_per_file_ignores(source, raw.get("per_file_ignores", {})),
        nested=nested,
        staged=staged,
    )
    return with_obsidian_settings(config, templates_given="templates" in raw)


def with_obsidian_settings(config: Config, templates_given: bool = False) -> Config:
    """The configuration with what the vault's `.obsidian/` settings add: its excluded files, and (unless
    the `templates` key names them) its templates folders."""
    settings = read_obsidian_settings(config.vault)
    templates = config.templates if templates_given else settings.templates
    return config._replace(templates=templates, obsidian_excluded=settings.excluded)


def with_nested(config: Config, found: Iterable[str], memo: schema.Memo | None = None) -> Config:
    """The configuration with the nested ones the scan found (vault-relative paths of files named as
    configuration files): each applies to its folder and below, key by key (SPEC §2)."""
    if not config.nested:
        return config
    by_folder: dict[str, list[str]] = {}
    for path in found:
        folder, _, name = path.rpartition("/")
        by_folder.setdefault(folder, []).append(name)
    layers: list[Layer] = []
    extra_checks: list[CheckDef] = []
    check_files = list(config.check_files)
    for folder in sorted(by_folder):
        names = by_folder[folder]
        for name in (name for name in CONFIG_NAMES if name in names):
            source = (config.vault / folder / name).resolve()
            if source == config.source:
                break
            raw = read_settings(source)
            if raw is None:
                continue  # a pyproject.toml of something else
            layer, checks, files = _nested(source, raw, folder + "/" if folder else "", memo)
            layers.append(layer)
            extra_checks.extend(checks)
            check_files.extend(files)
            break
    if not layers:
        return config
    replaced = tuple(layer.folder for layer in layers if layer.checks)
    # the root configuration's definitions, less where a nested file replaces them ("": everywhere)
    scoped = [] if "" in replaced else [_scoped(check, "", replaced) for check in config.checks]
    for check in extra_checks:
        inner = tuple(folder for folder in replaced if folder != check.within and folder.startswith(check.within))
        scoped.append(_scoped(check, check.within, inner))
    return config._replace(layers=tuple(layers), checks=tuple(scoped), check_files=tuple(check_files))


def _nested(
    source: Path, raw: dict[str, Any], folder: str, memo: schema.Memo | None
) -> tuple[Layer, list[CheckDef], tuple[Path, ...]]:
    known = schema.schema()["$defs"][schema.ROOT]["properties"]
    for key in raw:
        if key not in NESTED_KEYS and key in known:
            allowed = ", ".join(name for name in NESTED_KEYS if name in known)
            raise ConfigError(
                f"{source}: key '{key}': only the vault's root configuration may set it "
                f"(a nested configuration sets {allowed})"
            )
    schema.validate(raw, schema.ROOT, source, memo=memo)
    checks: tuple[CheckDef, ...] = ()
    files: tuple[Path, ...] = ()
    if "checks" in raw:
        checks, files = checks_of(source, raw["checks"], required=True, memo=memo)
        checks = tuple(check._replace(within=folder) for check in checks)
    layer = Layer(
        folder,
        source,
        select=_selected(source, "select", raw["select"]) if "select" in raw else None,
        ignore=_codes(source, "ignore", raw["ignore"]) if "ignore" in raw else None,
        severity=_severity(source, raw["severity"]) if "severity" in raw else None,
        per_file_ignores=_per_file_ignores(source, raw["per_file_ignores"]) if "per_file_ignores" in raw else None,
        checks="checks" in raw,
    )
    return layer, list(checks), files


def _scoped(check: CheckDef, within: str, outside: Sequence[str]) -> CheckDef:
    """A definition that covers only its configuration's folder, less the folders that replace `checks`."""
    kept = tuple(folder for folder in outside if folder.startswith(within) and folder != within)
    return check._replace(within=within, outside=kept) if (within or kept) else check


# --- values ----------------------------------------------------------------------------------------


def _strings(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _globs(source: Path, key: str, value: str | Sequence[str]) -> list[str]:
    """Globs (gitignore style); what the schema cannot say: each one is a glob."""
    patterns = _strings(value)
    try:
        compile_globs(patterns)
    except GlobError as error:
        raise ConfigError(f"{source}: key '{key}': {error}") from None
    return patterns


def _per_file_ignores(source: Path, value: dict[str, Any]) -> tuple[tuple[str, frozenset[str]], ...]:
    """ruff's shape: glob to the codes (or prefixes, or names) not reported for the notes it matches."""
    key = "per_file_ignores"
    return tuple(
        (_globs(source, f"{key}.{glob}", glob)[0], _codes(source, f"{key}.{glob}", codes))
        for glob, codes in value.items()
    )


def _codes(source: Path, key: str, value: str | list[str]) -> frozenset[str]:
    try:
        return frozenset(codes_of(value))
    except UnknownCode as unknown:
        raise ConfigError(f"{source}: key '{key}': unknown code '{unknown}'") from None


def _selected(source: Path, key: str, value: str | list[str]) -> frozenset[str]:
    codes = _codes(source, key, value)
    if not codes:
        raise ConfigError(f"{source}: key '{key}': selects nothing; remove the key to check every code")
    return codes


def selection_option(value: str | Sequence[str], option: str) -> set[str]:
    """The codes of a `--select`/`--ignore` option (repeated: they add up); ValueError with the message."""
    values = [value] if isinstance(value, str) else list(value)
    try:
        codes = codes_of(",".join(values))
    except UnknownCode as unknown:
        raise ValueError(f"{option}: unknown code '{unknown}' (see 'vaultkit rules')") from None
    if not codes and option == "--select":
        raise ValueError(f"{option} {','.join(values)!r}: {NOTHING_SELECTED}")
    return codes


def _severity(source: Path, value: dict[str, Any]) -> dict[str, str]:
    result: dict[str, str] = {}
    for selector, level in value.items():
        try:
            codes = codes_of([str(selector)])
        except UnknownCode:
            raise ConfigError(f"{source}: key 'severity.{selector}': unknown code '{selector}'") from None
        for code in codes:
            result[code] = "off" if level is False else level  # YAML 1.1 reads a bare `off` as false
    return result


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g|kib|mib|gib)?\s*", re.I)
_UNITS = {"b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2}
_UNITS |= {"g": 1024**3, "gb": 1024**3, "gib": 1024**3}


def _size(value: int | str) -> int:
    if isinstance(value, int):
        return value
    match = _SIZE.fullmatch(value)
    assert match is not None, "the schema lets only sizes through"
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "b").lower()])


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(value: float | str) -> float:
    if not isinstance(value, str):
        return float(value)
    match = _DURATION.fullmatch(value)
    assert match is not None, "the schema lets only durations through"
    return float(match.group(1)) * _SECONDS[match.group(2) or "s"]


def _sync(source: Path, value: dict[str, Any]) -> SyncSettings:
    values = dict(value)
    for name in ("debounce", "max_delay", "pull_interval"):
        if name in values:
            values[name] = _duration(values[name])
    if "max_file_size" in values:
        values["max_file_size"] = _size(values["max_file_size"])
    template = values.get("commit_message")
    if template is not None:
        try:
            template.format(date="2026-01-01 00:00:00", count=1)
        except (KeyError, IndexError, ValueError) as problem:
            raise ConfigError(
                f"{source}: key 'sync.commit_message': only {{date}} and {{count}} may be used: {problem!r}"
            ) from None
    return SyncSettings(**values)


# --- check definitions -------------------------------------------------------------------------------


def load_checks(entries: Sequence[Path]) -> tuple[tuple[CheckDef, ...], tuple[Path, ...]]:
    """The check definitions in these folders and files (missing ones hold none)."""
    return checks_of(Path("checks.yaml"), [str(entry) for entry in entries], required=False)


def checks_of(
    source: Path, entries: str | list[Any] | None, *, required: bool, memo: schema.Memo | None = None
) -> tuple[tuple[CheckDef, ...], tuple[Path, ...]]:
    """The check definitions a configuration names: folders and files (relative to it) and definitions
    written inline. `required`: the configuration names them, so each folder or file must exist (without
    the key, a missing `checks/` folder means the built-in checks only)."""
    base = source.parent
    listed: list[Any] = ["checks"] if entries is None else [entries] if isinstance(entries, str) else list(entries)
    definitions: list[tuple[Any, Path, tuple[str | int, ...]]] = []  # (definition, file, where in the file)
    files: list[Path] = []
    for number, entry in enumerate(listed):
        if not isinstance(entry, str):
            definitions.append((entry, source, ("checks", number) if isinstance(entries, list) else ("checks",)))
            continue
        path = base / entry
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            found = [path]
        elif required:
            raise ConfigError(f"{source}: key 'checks': {path} not found (a folder or file of check definitions)")
        else:
            found = []
        for file in found:
            files.append(file.resolve())
            data = read_yaml(file)
            items = data if isinstance(data, list) else [data]
            definitions.extend((item, file, ()) for item in items)
    checks: list[CheckDef] = []
    names: dict[str, Path] = {}
    for item, file, where in definitions:
        check = _check(file, item, where, memo)
        if check.name in names:
            raise ConfigError(f"{file}: check name '{check.name}' is already used in {names[check.name]}")
        names[check.name] = file
        checks.append(check)
    return tuple(checks), tuple(files)


def _check(path: Path, item: Any, where: tuple[str | int, ...], memo: schema.Memo | None) -> CheckDef:
    from vaultkit.kinds import kind  # only a vault with check definitions needs the kinds
    from vaultkit.kinds.base import CheckDef

    if not isinstance(item, dict):
        raise ConfigError(f"{path}: a check definition must be a mapping, got {schema.shown(item)}")
    schema.validate(item, schema.CHECK_DEFINITION, path, where, memo)
    kind_name = item["kind"]
    key = ".".join(str(part) for part in (*where, "paths"))
    paths = tuple(_globs(path, key, item.get("paths", ["**/*.md"])))
    specific = {key: value for key, value in item.items() if key not in ("kind", "name", "paths", "description")}
    params = kind(kind_name).parse(specific, str(path))
    name = str(item.get("name", kind_name))
    return CheckDef(kind_name, name, paths, item.get("description", ""), params, str(path), compile_globs(paths))
