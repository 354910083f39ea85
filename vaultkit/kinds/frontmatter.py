"""`kind: frontmatter` — FM004 (JSON Schema), FM005 (permalink template), FM006 (duplicate permalinks)."""

from __future__ import annotations

import string
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from vaultkit.kinds.base import CheckDef
from vaultkit.model import ConfigError, Finding, Note, is_note, shorten, strip_md
from vaultkit.parse.simple_yaml import yaml11_reading
from vaultkit.resolve import VaultIndex

TEMPLATE_FIELDS = ("path", "name", "folder")
MAX_MESSAGE = 200


class PermalinkRule(NamedTuple):
    key: str = "permalink"
    template: str = "/{path}/"

    def expected(self, note_path: str) -> str:
        stem = strip_md(note_path)
        folder, _, name = stem.rpartition("/")
        return self.template.format(path=stem, name=name, folder=folder)


@dataclass(frozen=True)
class FrontmatterParams:
    schema: dict[str, Any] | None
    permalink: PermalinkRule | None
    validator: Any = field(default=None, compare=False, repr=False)


class FrontmatterKind:
    name: str = "frontmatter"
    codes: tuple[str, ...] = ("FM004", "FM005", "FM006")
    keys: tuple[str, ...] = ("schema", "permalink")
    exclusive = False
    needs_text = False
    checks_templates = False
    default: CheckDef | None = None

    def parse(self, raw: dict[str, Any], source: str) -> FrontmatterParams:
        """The parameters, checked against the configuration schema (`$defs/frontmatterKind`); what it
        cannot say (the frontmatter schema is a valid JSON Schema, the template's fields) here."""
        schema = raw.get("schema")
        validator = None
        if schema is not None:
            from jsonschema import Draft202012Validator
            from jsonschema.exceptions import SchemaError

            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as error:
                where = "/".join(str(part) for part in error.path) or "(top)"
                raise ConfigError(f"{source}: key 'schema' at {where}: invalid JSON Schema: {error.message}") from None
            validator = Draft202012Validator(schema)
        return FrontmatterParams(schema, _permalink(raw.get("permalink"), source), validator)

    def needs(self, check: CheckDef, vault: VaultIndex, notes: Sequence[Note]) -> Iterator[str]:
        """A permalink must be unique among every note the check covers."""
        params: FrontmatterParams = check.params
        if params.permalink is not None:
            yield from (path for path in vault.files if is_note(path) and check.covers(path))

    def run(self, check: CheckDef, vault: VaultIndex, notes: Sequence[Note]) -> Iterator[Finding]:
        params: FrontmatterParams = check.params
        for note in notes:
            if any(problem.code in ("FM001", "FM002", "VK001", "VK003") for problem in note.problems):
                continue
            data = note.frontmatter or {}
            if params.validator is not None:
                yield from _schema_findings(note, data, params.validator)
            if params.permalink is not None:
                yield from _permalink_findings(note, data, params.permalink)
        if params.permalink is not None:
            yield from _duplicate_permalinks(check, vault, notes, params.permalink)


def _permalink(raw: dict[str, str] | None, source: str) -> PermalinkRule | None:
    if raw is None:
        return None
    rule = PermalinkRule(**raw)
    for _, name, _, _ in string.Formatter().parse(rule.template):
        if name is not None and name not in TEMPLATE_FIELDS:
            fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            raise ConfigError(f"{source}: key 'permalink.template': unknown field {{{name}}} (known: {fields})")
    return rule


def _schema_findings(note: Note, data: dict[str, Any], validator: Any) -> Iterator[Finding]:
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        key = str(error.absolute_path[0]) if error.absolute_path else None
        if error.validator == "required" and not error.absolute_path:
            missing = str(error.message).split("'")[1] if "'" in str(error.message) else None
            message = f"required key '{missing}' is missing" if missing else str(error.message)
        else:
            where = "/".join(str(part) for part in error.absolute_path) or "frontmatter"
            message = f"{where}: {_yaml11_hint(error, validator) or error.message}"
        yield Finding(note.path, note.key_span(key), "FM004", shorten(message, MAX_MESSAGE))


def _yaml11_hint(error: Any, validator: Any) -> str | None:
    """`'yes' is text in Obsidian: write true` when the text would pass as YAML 1.1 reads it: the user wrote
    what older YAML tools, and many guides, call a boolean or a number, and Obsidian shows text."""
    if not isinstance(error.instance, str):
        return None
    reading = yaml11_reading(error.instance)
    if reading is None or not validator.evolve(schema=error.schema).is_valid(reading):
        return None
    written = str(reading).lower() if isinstance(reading, bool) else str(reading)
    return f"'{shorten(error.instance, 80)}' is text in Obsidian: write {written}"


def _permalink_findings(note: Note, data: dict[str, Any], rule: PermalinkRule) -> Iterator[Finding]:
    value = data.get(rule.key)
    if not isinstance(value, str):
        return
    expected = rule.expected(note.path)
    if unicodedata.normalize("NFC", value) != unicodedata.normalize("NFC", expected):
        yield Finding(
            note.path,
            note.key_span(rule.key),
            "FM005",
            f"{rule.key} '{shorten(value, 80)}' does not match the note's path; expected '{expected}'",
        )


def _duplicate_permalinks(
    check: CheckDef, vault: VaultIndex, notes: Sequence[Note], rule: PermalinkRule
) -> Iterator[Finding]:
    owners: dict[str, list[str]] = defaultdict(list)
    for path, note in vault.notes.items():
        value = note.frontmatter.get(rule.key) if note.frontmatter else None
        if isinstance(value, str) and check.covers(path):
            owners[unicodedata.normalize("NFC", value)].append(path)
    for note in notes:
        value = note.frontmatter.get(rule.key) if note.frontmatter else None
        if not isinstance(value, str):
            continue
        others = [path for path in owners.get(unicodedata.normalize("NFC", value), ()) if path != note.path]
        if others:
            yield Finding(
                note.path,
                note.key_span(rule.key),
                "FM006",
                f"{rule.key} '{shorten(value, 80)}' is also used by {', '.join(sorted(others))}",
            )
