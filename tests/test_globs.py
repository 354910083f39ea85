"""globs.py: gitignore-style patterns over vault-relative paths (pathspec), joined into one expression."""

from __future__ import annotations

import random
import unicodedata

import pathspec
import pytest

from vaultkit.globs import GlobError, compile_globs

CASES = [
    ("*.md", "a.md", True),
    ("*.md", "x/y/a.md", True),  # no '/': a name in any folder
    ("*.md", "a.png", False),
    ("templates/**", "templates/x.md", True),
    ("templates/**", "a/templates/x.md", False),  # a '/' anchors at the vault root
    ("templates", "a/templates/x.md", True),  # a folder's match covers what is below it
    ("templates/", "templates/sub/x.md", True),
    ("/top.md", "top.md", True),
    ("/top.md", "a/top.md", False),
    ("政策/**", "政策/全国范围政策/10方面31项.md", True),
    ("政策/*", "政策/a/b.md", True),
    ("**/*.excalidraw.md", "a/b/c.excalidraw.md", True),
    ("a/**/b.md", "a/b.md", True),
    ("a/**/b.md", "a/x/y/b.md", True),
    ("a?c.md", "abc.md", True),
    ("a?c.md", "a/c.md", False),
    ("[!x]y.md", "zy.md", True),
    ("[!x]y.md", "xy.md", False),
    ("**", "anything/at/all.md", True),
    ("#notes/*.md", "#notes/a.md", True),  # a leading '#' is a name here, not a comment
    ("  spaced.md  ", "spaced.md", True),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), CASES)
def test_pattern_matches_as_gitignore_does(pattern: str, path: str, expected: bool) -> None:
    globs = compile_globs([pattern])
    assert globs is not None
    assert globs.matches(path) is expected


def test_no_patterns_is_none_and_blank_patterns_are_left_out() -> None:
    assert compile_globs([]) is None
    assert compile_globs(["", "  "]) is None


def test_patterns_are_nfc_normalized() -> None:
    globs = compile_globs([unicodedata.normalize("NFD", "Café/**")])
    assert globs is not None and globs.matches("Café/menu.md")


def test_negation_takes_paths_back_out() -> None:
    globs = compile_globs(["drafts/**", "!drafts/keep.md"])
    assert globs is not None
    assert globs.matches("drafts/a.md")
    assert not globs.matches("drafts/keep.md")


def test_a_pattern_that_is_no_glob_is_an_error_naming_it() -> None:
    with pytest.raises(GlobError, match="not a valid glob: '!'"):
        compile_globs(["a/**", "!"])


def test_regexes_are_matched_from_the_start() -> None:
    globs = compile_globs([], [r"(?i:archive/)", r"(?is:.*?(?:\.excalidraw\.md$))"])
    assert globs is not None
    assert globs.matches("Archive/2019.md")
    assert globs.matches("a/Drawing.excalidraw.md")
    assert not globs.matches("a/archive/x.md")


PIECES = ["a", "b", "政策", "*", "**", "?", "/", ".md", "[ab]", "[!a]", "!", "x y"]
NAMES = ["a", "b", "ab", "政策", "a.md", "b.md", "x y.md", "政策.md", "c"]


@pytest.mark.parametrize("seed", range(20))
def test_joined_expression_agrees_with_pathspec(seed: int) -> None:
    """The one joined expression answers as pathspec's own matching of the same patterns."""
    rng = random.Random(seed)
    patterns = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 4))]
    patterns = [pattern for pattern in patterns if pattern.strip() and not pattern.startswith("#")]
    try:
        globs = compile_globs(patterns)
    except GlobError:
        with pytest.raises(ValueError):
            pathspec.GitIgnoreSpec.from_lines([pattern.strip() for pattern in patterns])
        return
    spec = pathspec.GitIgnoreSpec.from_lines([pattern.strip() for pattern in patterns])
    for _ in range(200):
        path = "/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 4)))
        expected = spec.match_file(path)
        assert (globs.matches(path) if globs is not None else False) == expected, (patterns, path)
