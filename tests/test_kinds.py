"""Every check kind is a pure function of (notes, an index built in memory, parameters): run here with
the file system shut, it still gives every finding."""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from vaultkit import kinds
from vaultkit.config import load_checks
from vaultkit.kinds.base import CheckDef
from vaultkit.model import Note
from vaultkit.parse import parse_text
from vaultkit.resolve import VaultIndex

NOTES = {
    "a.md": "---\ndg-publish: true\npermalink: /a/\n---\n# A\n[[b#Two]] [[b#One]] [[c]] [[a]] ![[pic.png]]\n",
    "b.md": "---\ndg-publish: false\npermalink: /a/\n---\n# One\n",
    "p/outline.md": "==#一是 first\n1. one\n3. three\n==#三是 third\n4. four\n",
}
CHECKS = {
    "fm.yaml": (
        "kind: frontmatter\nname: garden\nschema: {type: object, required: [dg-publish],"
        " properties: {dg-publish: {type: boolean}}}\npermalink: {key: permalink, template: '/{path}/'}\n"
    ),
    "outline.yaml": (
        "kind: outline\nname: o\npaths: ['p/**']\nsections: {pattern: '^==#(?P<ordinal>[一二三四五六七八九十]+)是',"
        " numerals: chinese}\nitems: {pattern: '^(?P<number>\\d+)\\.'}\n"
    ),
}


@pytest.fixture
def checks(tmp_path: Path) -> tuple[CheckDef, ...]:
    for name, text in CHECKS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    loaded, _ = load_checks([tmp_path])
    links = kinds.kind("links").default
    assert links is not None
    return (*loaded, links)


@contextmanager
def file_system_shut() -> Iterator[None]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a check kind touched the file system: {args!r}")

    with pytest.MonkeyPatch.context() as patch:
        for module, name in [(builtins, "open"), (io, "open"), (os, "open"), (os, "stat"), (os, "scandir")]:
            patch.setattr(module, name, refused)
        yield


def test_every_kind_runs_on_an_index_in_memory(checks: tuple[CheckDef, ...]) -> None:
    notes = [parse_text(path, text, keep_text=True) for path, text in NOTES.items()]
    index = VaultIndex(sorted([*NOTES, "pic.png"]), {note.path: note for note in notes})
    assert {check.kind for check in checks} == set(kinds.NAMES)
    found = []
    for check in checks:
        kind = kinds.kind(check.kind)
        covered: list[Note] = [note for note in notes if check.covers(note.path)]
        with file_system_shut():
            assert set(kind.needs(check, index, covered)) <= set(index.notes)
            found.extend((f.path, f.span.line, f.span.column, f.code) for f in kind.run(check, index, covered))
    assert sorted(found) == [
        ("a.md", 3, 1, "FM006"),
        ("a.md", 6, 1, "LK002"),
        ("a.md", 6, 1, "LK007"),
        ("a.md", 6, 11, "LK007"),
        ("a.md", 6, 21, "LK001"),
        ("a.md", 6, 27, "LK004"),
        ("b.md", 3, 1, "FM005"),
        ("b.md", 3, 1, "FM006"),
        ("p/outline.md", 1, 1, "FM004"),
        ("p/outline.md", 3, 1, "OL002"),
        ("p/outline.md", 4, 4, "OL001"),
    ]


def test_the_table_of_kinds_with_a_default_is_true() -> None:
    """assign_checks skips kinds without a definition unless WITH_DEFAULT names them: the table must
    name exactly the kinds that have a default, or a default check would silently never run."""
    assert {name for name in kinds.NAMES if kinds.kind(name).default is not None} == set(kinds.WITH_DEFAULT)
    for name in kinds.NAMES:
        assert kinds.kind(name).name == name
