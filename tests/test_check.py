"""The output habits of ruff: colour on a terminal, --output-file, --statistics, a --fix summary, --diff as
JSON, one-line usage errors and progress for every phase of a long run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write_vault
from terminal import VAULTKIT, clean_env, run, run_on_terminal, vaultkit

CLI = Callable[..., Run]
BOLD, RED, YELLOW, RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[1;33m", "\x1b[0m"

PLAIN = (
    "a.md:1:1: LK004 link to the note itself\n"
    "a.md:1:7: LK001 unresolved link: no note named 'gone'\n"
    "b.md:1:1: LK005 ambiguous link 'twin': Obsidian opens 'x/twin.md'; it also matches 'y/twin.md' "
    "(paths of equal length: vaultkit guesses the first by code point)\n"
    "2 errors, 1 warning in 4 notes\n"
)


@pytest.fixture
def garden(tmp_path: Path) -> Path:
    return write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}",
            "a.md": "[[a]] [[gone]]\n",
            "b.md": "[[twin]]\n",
            "x/twin.md": "",
            "y/twin.md": "",
        },
    )


def coloured(text: str) -> str:
    """PLAIN as the colour output paints it: path bold, code by severity, summary bold."""
    lines = []
    for line in text.splitlines():
        if ": " not in line:
            lines.append(f"{BOLD}{line}{RESET}")
            continue
        location, _, rest = line.partition(": ")
        path, _, position = location.partition(":")
        code, _, message = rest.partition(" ")
        colour = YELLOW if code == "LK005" else RED
        lines.append(f"{BOLD}{path}{RESET}:{position}: {colour}{code}{RESET} {message}")
    return "\n".join(lines) + "\n"


def test_plain_output_is_the_oracle(garden: Path) -> None:
    done = vaultkit("check", "--no-cache", cwd=garden)
    assert (done.code, done.out, done.err) == (1, PLAIN, "")


# --- colour -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_terminal", "args", "env", "expect_colour"),
    [
        (True, (), {}, True),  # auto: stdout is a terminal
        (False, (), {}, False),  # auto: a pipe
        (True, (), {"NO_COLOR": "1"}, False),
        (True, (), {"NO_COLOR": ""}, True),  # an empty NO_COLOR does not count (no-color.org)
        (True, (), {"TERM": "dumb"}, False),
        (False, (), {"FORCE_COLOR": "1"}, True),
        (False, (), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins, as in CPython
        (False, ("--color", "always"), {}, True),
        (False, ("--color", "always"), {"NO_COLOR": "1"}, True),  # the option wins over the environment
        (True, ("--color", "never"), {"FORCE_COLOR": "1"}, False),
        (True, ("--color", "auto"), {}, True),
    ],
)
def test_colour_on_and_off(
    garden: Path, on_terminal: bool, args: tuple[str, ...], env: dict[str, str], expect_colour: bool
) -> None:
    command = [*VAULTKIT, "check", "--no-cache", *args]
    environment = clean_env(env, drop=("TERM",) if "TERM" not in env else ())
    if on_terminal:
        done = run_on_terminal(command, cwd=garden, env=environment, stderr_tty=False)
    else:
        done = run(command, cwd=garden, env=environment)
    assert done.code == 1
    assert done.out == (coloured(PLAIN) if expect_colour else PLAIN)


def test_colour_never_reaches_machine_formats(garden: Path) -> None:
    for output_format in ("json", "sarif", "github"):
        done = run_on_terminal([*VAULTKIT, "check", "--format", output_format, "--color", "always"], cwd=garden)
        assert "\x1b" not in done.out, output_format
    records = json.loads(run_on_terminal([*VAULTKIT, "check", "--format", "json"], cwd=garden).out)
    assert [record["code"] for record in records] == ["LK004", "LK001", "LK005"]


def test_cached_answers_follow_the_terminal(garden: Path) -> None:
    """An unchanged vault is answered from the cache: the answer must still fit where it is printed."""
    on_terminal = run_on_terminal([*VAULTKIT, "check"], cwd=garden, stderr_tty=False)
    assert on_terminal.out == coloured(PLAIN)
    assert vaultkit("check", cwd=garden).out == PLAIN
    assert run_on_terminal([*VAULTKIT, "check"], cwd=garden, stderr_tty=False).out == coloured(PLAIN)


def test_bad_colour_value_is_a_one_line_usage_error(garden: Path, cli: CLI) -> None:
    result = cli("check", "--vault", garden, "--color", "sometimes")
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and "'--color'" in result.err and "'sometimes'" in result.err


# --- --output-file ------------------------------------------------------------------------------


def test_output_file_holds_what_stdout_would(garden: Path, cli: CLI) -> None:
    target = garden.parent / "reports" / "vault.txt"  # the folder is made, as ruff makes it
    result = cli("check", "--vault", garden, "--output-file", target)
    assert (result.code, result.out, result.err) == (1, "", "")
    assert target.read_text(encoding="utf-8") == PLAIN


def test_output_file_in_json_and_without_colour(garden: Path) -> None:
    target = garden.parent / "vault.json"
    done = run_on_terminal([*VAULTKIT, "check", "--format", "json", "--output-file", target], cwd=garden)
    assert done.code == 1 and done.out == ""
    assert [record["code"] for record in json.loads(target.read_text(encoding="utf-8"))] == ["LK004", "LK001", "LK005"]
    text = garden.parent / "vault.txt"
    done = run_on_terminal([*VAULTKIT, "check", "--output-file", text], cwd=garden)  # auto: a file is no terminal
    assert text.read_text(encoding="utf-8") == PLAIN


def test_output_file_that_cannot_be_written(garden: Path, cli: CLI) -> None:
    blocked = garden.parent / "folder"
    blocked.mkdir()
    result = cli("check", "--vault", garden, "--output-file", blocked)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and f"'{blocked}' is a directory" in result.err
    under_a_file = garden / "a.md" / "report.txt"
    result = cli("check", "--vault", garden, "--output-file", under_a_file)
    assert result.code == 2 and result.out == ""
    assert result.err == f"vaultkit: error: {under_a_file}: cannot write the report: File exists\n"


# --- --statistics --------------------------------------------------------------------------------


def test_statistics_count_per_code_as_ruff_prints_them(tmp_path: Path, cli: CLI) -> None:
    links = " ".join(f"[[gone {number}]]" for number in range(12))
    root = write_vault(
        tmp_path / "many",
        {"a.md": f"[[a]] {links}\n", "b.md": "[[twin]]\n", "x/twin.md": "", "y/twin.md": ""},
    )
    result = cli("check", "--vault", root, "--statistics")
    assert result.code == 1
    assert result.out == (
        "12\tLK001\t[ ] unresolved-link\n"
        " 1\tLK004\t[*] self-link\n"
        " 1\tLK005\t[ ] ambiguous-link\n"
        "13 errors, 1 warning in 4 notes\n"
    )
    quiet = cli("check", "--vault", root, "--statistics", "-q")
    assert quiet.out == result.out.rsplit("13 errors", 1)[0]
    records = cli("check", "--vault", root, "--statistics", "--format", "json").json()
    assert records == [
        {"code": "LK001", "name": "unresolved-link", "count": 12, "fixable": False},
        {"code": "LK004", "name": "self-link", "count": 1, "fixable": True},
        {"code": "LK005", "name": "ambiguous-link", "count": 1, "fixable": False},
    ]


def test_statistics_of_a_clean_vault(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path / "clean", {"a.md": "# A\n"})
    result = cli("check", "--vault", root, "--statistics")
    assert (result.code, result.out) == (0, "0 errors, 0 warnings in 1 note\n")


def test_statistics_with_sarif_is_a_usage_error(garden: Path, cli: CLI) -> None:
    result = cli("check", "--vault", garden, "--statistics", "--format", "sarif")
    assert result.code == 2 and result.out == ""
    assert result.err == "vaultkit: error: --statistics prints text or JSON, not --format sarif\n"


# --- --fix and --diff ----------------------------------------------------------------------------


@pytest.fixture
def fixable(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "fixable", {"a.md": "[[a]] [[gone]]\n", "b.md": "[[b|Bee]] and more\n"})


def test_fix_ends_with_a_summary(fixable: Path, cli: CLI) -> None:
    result = cli("check", "--vault", fixable, "--fix")
    assert result.code == 1
    assert result.out == (
        "a.md:1:3: LK001 unresolved link: no note named 'gone'\n"
        "1 error, 0 warnings in 2 notes\n"
        "fixed 2 findings in 2 notes, 1 left\n"
    )
    assert (fixable / "a.md").read_bytes() == b"a [[gone]]\n"
    assert (fixable / "b.md").read_bytes() == b"Bee and more\n"
    again = cli("check", "--vault", fixable, "--fix")
    assert again.out.splitlines()[-1] == "fixed 0 findings in 0 notes, 1 left"


def test_fix_summary_singular_and_all_fixed(fixable: Path, cli: CLI) -> None:
    result = cli("check", "--vault", fixable, "--fix", "--select", "LK004", fixable / "b.md")
    assert (result.code, result.out) == (0, "0 errors, 0 warnings in 1 note\nfixed 1 finding in 1 note, 0 left\n")


def test_fix_summary_is_text_only(fixable: Path, cli: CLI) -> None:
    """A machine format is what a program reads: the findings left, and no summary on either stream."""
    result = cli("check", "--vault", fixable, "--fix", "--format", "json")
    assert [record["code"] for record in result.json()] == ["LK001"]
    assert result.err == ""
    quiet = cli("check", "--vault", fixable, "--fix", "-q")
    assert quiet.out == "a.md:1:3: LK001 unresolved link: no note named 'gone'\n" and quiet.err == ""


def test_diff_as_json(fixable: Path, cli: CLI) -> None:
    before = {name: (fixable / name).read_bytes() for name in ("a.md", "b.md")}
    result = cli("check", "--vault", fixable, "--diff", "--format", "json")
    assert result.code == 1
    assert result.json() == [
        {"path": "a.md", "fixes": 1, "diff": "--- a/a.md\n+++ b/a.md\n@@ -1 +1 @@\n-[[a]] [[gone]]\n+a [[gone]]\n"},
        {
            "path": "b.md",
            "fixes": 1,
            "diff": "--- a/b.md\n+++ b/b.md\n@@ -1 +1 @@\n-[[b|Bee]] and more\n+Bee and more\n",
        },
    ]
    assert {name: (fixable / name).read_bytes() for name in before} == before
    text = cli("check", "--vault", fixable, "--diff")
    assert text.out == "".join(record["diff"] for record in result.json())
    nothing = cli("check", "--vault", fixable, "--diff", "--format", "json", "--select", "LK001")
    assert (nothing.code, nothing.json()) == (0, [])


@pytest.mark.parametrize("output_format", ["sarif", "github"])
def test_diff_in_other_formats_is_a_usage_error(fixable: Path, cli: CLI, output_format: str) -> None:
    result = cli("check", "--vault", fixable, "--diff", "--format", output_format)
    assert result.code == 2 and result.out == ""
    assert result.err == f"vaultkit: error: --diff prints a unified diff (text) or JSON, not --format {output_format}\n"


# --- usage errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("check", "--format", "yaml"), ("'--format'", "'yaml'")),
        (("chek",), ("no such command: 'chek'", "did you mean 'check'?")),
        (("check", "--selct", "LK"), ("no such option: --selct", "--select")),
        (("check", "--fix", "--diff"), ("--fix and --diff cannot be combined",)),
        (("check", "--select", "XX9"), ("--select: unknown code 'XX9'",)),
        (("explain", "NOPE"), ("unknown code 'NOPE'",)),
        (("explain",), ("missing argument 'CODE'",)),
        (("watch", "--debounce", "soon"), ("'--debounce'", "'soon'")),
    ],
)
def test_usage_errors_are_one_line(tmp_path: Path, cli: CLI, args: tuple[str, ...], fragments: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.code == 2 and result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vaultkit: error: "), result.err
    for fragment in fragments:
        assert fragment in lines[0]


# --- progress ------------------------------------------------------------------------------------


def test_progress_names_every_phase_on_a_terminal(tmp_path: Path) -> None:
    """VAULTKIT_PROGRESS_DELAY=0 shows progress at once (the default waits a second, for long runs only)."""
    root = write_vault(tmp_path / "garden", {f"n{number}.md": f"[[n{number + 1}]]\n" for number in range(300)})
    env = clean_env({"VAULTKIT_PROGRESS_DELAY": "0"})
    done = run_on_terminal([*VAULTKIT, "check", "--no-cache", "--fix"], cwd=root, env=env, stdout_tty=False)
    assert done.out.splitlines()[-2:] == ["1 error, 0 warnings in 300 notes", "fixed 0 findings in 0 notes, 1 left"]
    updates = [piece for piece in done.err.split("\r") if piece]
    assert updates[-1] == "\x1b[K"  # the last update is cleared before the findings are printed
    phases = [update.split()[1] for update in updates[:-1] if update != "\x1b[K"]
    assert all(update.startswith("vaultkit: ") for update in updates[:-1] if update != "\x1b[K")
    seen = list(dict.fromkeys(phases))
    assert seen[:3] == ["scanning", "indexing", "checking"], done.err
    assert "indexing 300/300 notes" in done.err and "checking 300/300 notes" in done.err
    on_a_pipe = run([*VAULTKIT, "check", "--no-cache"], cwd=root, env=env)
    assert on_a_pipe.err == ""
