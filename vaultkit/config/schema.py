"""The one JSON Schema of the configuration and of every check definition (schema.json beside this file).

The schema is the declaration of what may be written: every key, its type, its allowed values. It ships
in the package so that editors can complete and check `.vaultkit.yaml` (README: "Editor support"), and
vaultkit validates with it, through jsonschema, before it reads a value. What a schema cannot say (a
code that does not exist, a regular expression that does not compile, a folder that is missing) is
checked where the value is read. An error is one line naming the file and the key; the words of what
was expected come from the schema's own `x-expected` (and `x-message`) annotations.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from vaultkit import __version__
from vaultkit.model import ConfigError, shorten

SCHEMA_FILE = Path(__file__).with_name("schema.json")
ROOT = "configuration"
CHECK_DEFINITION = "checkDefinition"
_OPEN_ENDED = ("additionalProperties", "unevaluatedProperties")


@cache
def schema() -> dict[str, Any]:
    """The shipped schema, as a document."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator(definition: str) -> Any:
    from jsonschema import Draft202012Validator  # only a configuration file needs it

    document = schema()
    return Draft202012Validator({"$defs": document["$defs"], "$ref": f"#/$defs/{definition}"})


class Memo(Protocol):
    """Settings already found valid (store/valid.py keeps them between runs)."""

    def known(self, digest: bytes) -> bool: ...

    def remember(self, digest: bytes) -> None: ...


def validate(
    instance: Any, definition: str, source: Path | str, prefix: Sequence[str | int] = (), memo: Memo | None = None
) -> None:
    """Raise ConfigError for the first thing in `instance` that breaks `$defs/<definition>`, as one line
    `source: key 'a.b': …` (`prefix`: where the instance sits in its file, e.g. `checks[0]`). With a
    `memo`, settings that passed before are not validated again (jsonschema is not even imported)."""
    digest = _digest(instance, definition) if memo is not None else b""
    if memo is not None and memo.known(digest):
        return
    errors = list(_validator(definition).iter_errors(instance))
    if errors:
        raise ConfigError(f"{source}: {describe(min(errors, key=_rank), prefix)}")
    if memo is not None:
        memo.remember(digest)


def _digest(instance: Any, definition: str) -> bytes:
    """Names a verdict: these settings, against this definition of this schema, by this vaultkit."""
    key = hashlib.blake2b(digest_size=16)
    key.update(f"{__version__}\0{definition}\0".encode())
    key.update(_schema_bytes())
    key.update(json.dumps(instance, sort_keys=True, default=repr, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return key.digest()


@cache
def _schema_bytes() -> bytes:
    return SCHEMA_FILE.read_bytes()


def _rank(error: Any) -> tuple[int, int, list[str]]:
    """The error to report first: a wrong value before an unknown key (an unknown kind makes every key of
    the definition unknown), shallow before deep, then in the order of the file's keys."""
    return int(error.validator in _OPEN_ENDED), len(error.absolute_path), [str(part) for part in error.absolute_path]


def describe(error: Any, prefix: Sequence[str | int] = ()) -> str:
    """One error as the user reads it: `key 'sync.debounce': expected …, got 'soon'`."""
    error = _innermost(error)
    where = [*prefix, *error.absolute_path]
    annotated = _annotation(error)
    instance = error.instance
    if error.validator in _OPEN_ENDED:
        unknown = sorted(str(key) for key in instance if key not in _known(error))
        known = ", ".join(_known(error))
        name = unknown[0] if unknown else "?"
        if error.validator == "unevaluatedProperties":
            kind = instance.get("kind")
            return f"key {_key([*where, name])}: unknown for kind {kind} (known: {known})"
        if not where:
            return f"unknown key '{name}' (known: {known})"
        return f"key {_key([*where, name])}: unknown key (known: {known})"
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in instance)
        kind = instance.get("kind") if isinstance(instance, Mapping) else None
        suffix = f" for kind {kind}" if kind and missing != "kind" else ""
        return f"key {_key([*where, missing])}: required{suffix}"
    if "x-message" in annotated:
        return f"key {_key(where)}: {annotated['x-message'].format(got=shown(instance))}"
    expected = annotated.get("x-expected") or _expected_from(error.schema)
    return f"key {_key(where)}: expected {expected}, got {shown(instance)}"


def _innermost(error: Any) -> Any:
    """Through anyOf/oneOf that say nothing themselves, to the branch that came closest."""
    from jsonschema.exceptions import best_match

    while error.validator in ("anyOf", "oneOf") and "x-expected" not in error.schema and error.context:
        error = best_match(error.context)
    return error


def _annotation(error: Any) -> Mapping[str, Any]:
    """The failing schema's own words, else those of the schema around it (a list's items, a branch)."""
    for candidate in (error.schema, getattr(error.parent, "schema", None)):
        if isinstance(candidate, Mapping) and ("x-expected" in candidate or "x-message" in candidate):
            return candidate
    return {}


def _expected_from(subschema: Mapping[str, Any]) -> str:
    words = {"boolean": "true or false", "string": "a string", "object": "a mapping", "array": "a list"}
    words |= {"integer": "a whole number", "number": "a number"}
    kind = subschema.get("type")
    if "enum" in subschema:
        return "one of " + ", ".join(str(value) for value in subschema["enum"])
    if isinstance(kind, str):
        return words.get(kind, kind)
    return "another value"


def _known(error: Any) -> list[str]:
    """The keys a mapping may hold: its properties, and for a check definition those of its kind."""
    found = list(_properties(error.schema))
    if error.validator == "unevaluatedProperties":
        kind = error.instance.get("kind")
        found.extend(_properties(schema()["$defs"].get(f"{kind}Kind", {})))
    return found


def _properties(subschema: Mapping[str, Any]) -> list[str]:
    return list(subschema.get("properties", {}))


def _key(where: Sequence[str | int]) -> str:
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f"'{text}'"


def shown(value: Any) -> str:
    """A value as the user wrote it, cut to one short line."""
    return shorten(repr(value), 60)
