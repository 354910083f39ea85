"""parse/frontmatter.py: FM001–FM003 at the exact position of the YAML problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Findings


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("---\ntitle: Foo: bar\n---\n", [("n.md", 2, 11, "FM001")]),
        ("---\ntags: [a, b\n---\n", [("n.md", 3, 1, "FM001")]),
        ("---\ntitle: x\n\n# never closed\n", [("n.md", 1, 1, "FM001")]),
        ("---\n- a\n- b\n---\n", [("n.md", 2, 1, "FM002")]),
        ("---\njust text\n---\n", [("n.md", 2, 1, "FM002")]),
        ("---\ntags: [a]\ntitle: t\ntags: [b]\n---\n", [("n.md", 4, 1, "FM003")]),
        ("---\ntitle: 'Foo: bar'\ntags: [a, b]\n---\nbody\n", []),
        ("---\n---\n", []),
        ("no frontmatter\n---\n", []),
    ],
)
def test_frontmatter_syntax(vault: Callable[..., Path], findings: Findings, note: str, expected: list[object]) -> None:
    assert findings(vault({"n.md": note})) == expected
