"""The outline check on copies of the seed note: exact findings, and --fix that changes only the numbers."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import CLI, REPO, SEED_NOTE, SEED_TEXT, write_vault

NAME = SEED_NOTE.rsplit("/", 1)[1]
SEED = SEED_TEXT
LINES = SEED.split("\n")  # no final newline: the last line is task 31


def line_of(prefix: str) -> int:
    """1-based line of the first line starting with `prefix`."""
    return next(index for index, line in enumerate(LINES, 1) if line.startswith(prefix))


def make(tmp_path: Path, text: str, name: str = NAME, check: str | None = None) -> Path:
    root = tmp_path / "vault"
    write_vault(root, {".vaultkit.yaml": "checks: checks\n", f"政策/全国范围政策/{name}": text})
    (root / "checks").mkdir(exist_ok=True)
    policy = (REPO / "checks" / "policy-outline.yaml").read_text(encoding="utf-8")
    (root / "checks" / "policy-outline.yaml").write_text(check or policy, encoding="utf-8")
    return root


def outline(cli: CLI, root: Path, *args: str) -> list[str]:
    result = cli("check", "--vault", root, "--select", "OL", "-q", "--no-cache", *args)
    assert result.code in (0, 1), result.err
    return [line.split(": ", 1)[0].split(":", 1)[1] + " " + line.split(": ", 1)[1] for line in result.out.splitlines()]


def without(*numbers: int) -> str:
    return "\n".join(line for index, line in enumerate(LINES, 1) if index not in numbers)


def test_seed_has_no_outline_finding(tmp_path: Path, cli: CLI) -> None:
    assert outline(cli, make(tmp_path, SEED)) == []


def test_task_deleted(tmp_path: Path, cli: CLI) -> None:
    seven = line_of("7.")
    assert outline(cli, make(tmp_path, without(seven))) == [
        "1:1 OL004 title '10方面31项重点任务明确路线图、施工图' promises 31 items; the note has 30",
        f"{seven}:1 OL002 item 8 skips 7; 7 expected",
    ]


def test_task_renumbered_to_repeat_the_previous(tmp_path: Path, cli: CLI) -> None:
    seven = line_of("7.")
    text = SEED.replace("\n7.", "\n6.", 1)
    assert outline(cli, make(tmp_path, text)) == [
        f"{seven}:1 OL002 item 6 repeats the previous number; 7 expected",
        f"{seven + 1}:1 OL002 item 8 skips 7; 7 expected",
    ]


def test_heading_five_written_six(tmp_path: Path, cli: CLI) -> None:
    five, six = line_of("==#五是"), line_of("==#六是")
    text = SEED.replace("==#五是", "==#六是", 1)
    assert outline(cli, make(tmp_path, text)) == [
        f"{five}:4 OL001 section ordinal 六 skips 五; 五 expected",
        f"{six}:4 OL001 section ordinal 六 repeats the previous number; 七 expected",
    ]


def test_task_before_the_first_heading(tmp_path: Path, cli: CLI) -> None:
    first, one = line_of("==#一是"), line_of("1.")
    lines = list(LINES)
    lines[first - 1], lines[one - 1] = lines[one - 1], lines[first - 1]
    assert outline(cli, make(tmp_path, "\n".join(lines))) == [f"{first}:1 OL005 item 1 comes before the first section"]


def test_heading_left_without_tasks(tmp_path: Path, cli: CLI) -> None:
    five, seventeen = line_of("==#五是"), line_of("17.")
    lines = list(LINES)
    marker = lines.pop(five - 1)
    lines.insert(seventeen - 1, marker)  # tasks 15-17 now sit under 四; 五 holds nothing
    assert outline(cli, make(tmp_path, "\n".join(lines))) == [f"{seventeen}:4 OL003 section 五 has no items"]


def test_file_renamed_to_promise_32_tasks(tmp_path: Path, cli: CLI) -> None:
    root = make(tmp_path, SEED, name=NAME.replace("31项", "32项"))
    assert outline(cli, root) == [
        "1:1 OL004 title '10方面32项重点任务明确路线图、施工图' promises 32 items; the note has 31"
    ]


def test_fenced_block_of_numbered_lines_is_not_tasks(tmp_path: Path, cli: CLI) -> None:
    seven = line_of("7.")
    lines = list(LINES)
    lines[seven - 1 : seven - 1] = ["```", "7.假任务", "8.假任务", "==#三是假标题==", "```"]
    assert outline(cli, make(tmp_path, "\n".join(lines))) == []


def test_per_section_numbering(tmp_path: Path, cli: CLI) -> None:
    lines, number = [], 0
    for line in LINES:
        if line.startswith("==#"):
            number = 0
        elif match := re.match(r"\d+\.", line):
            number += 1
            line = f"{number}." + line[match.end() :]
        lines.append(line)
    check = (REPO / "checks" / "policy-outline.yaml").read_text(encoding="utf-8")
    check = check.replace("numbering: continuous", "numbering: per-section")
    check = check.replace("(?P<items>[\\d一二三四五六七八九十百]+)项", "项")
    root = make(tmp_path, "\n".join(lines), check=check)
    assert outline(cli, root) == []
    second = next(i for i, line in enumerate(lines, 1) if line.startswith("2.") and i > line_of("==#二是"))
    lines[second - 1] = "3." + lines[second - 1][2:]
    (root / "政策/全国范围政策" / NAME).write_text("\n".join(lines), encoding="utf-8")
    assert outline(cli, root) == [  # a replaced number: the gap and the repeat, nothing after
        f"{second}:1 OL002 item 3 skips 2; 2 expected",
        f"{second + 1}:1 OL002 item 3 repeats the previous number; 4 expected",
    ]


def renumbered_without_seven() -> bytes:
    """The seed with task 7 deleted and 8…31 renumbered 7…30, computed without vaultkit."""

    def shift(match: re.Match[str]) -> str:
        return str(int(match.group(1)) - 1) + "."

    text = without(line_of("7."))
    head, body = text.split("\n", 3)[:3], text.split("\n", 3)[3]
    body = re.sub(r"(?m)^(\d+)\.", lambda m: shift(m) if int(m.group(1)) >= 8 else m.group(0), body)
    return ("\n".join([*head, body])).encode("utf-8")


def test_fix_renumbers_after_a_deleted_task(tmp_path: Path, cli: CLI) -> None:
    root = make(tmp_path, without(line_of("7.")))
    note = root / "政策/全国范围政策" / NAME
    before = note.read_bytes()
    diff = cli("check", "--vault", root, "--select", "OL002", "--diff")
    assert note.read_bytes() == before  # --diff writes nothing
    assert diff.code == 1
    changed = [line for line in diff.out.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert [line[0] for line in changed].count("-") == [line[0] for line in changed].count("+") == 24  # 8…31
    assert diff.out.rstrip("\n").endswith("\\ No newline at end of file")
    fixed = cli("check", "--vault", root, "--select", "OL002", "--fix")
    assert fixed.code == 0 and fixed.out == "0 errors, 0 warnings in 1 note\nfixed 1 finding in 1 note, 0 left\n"
    assert note.read_bytes() == renumbered_without_seven()
    assert not note.read_bytes().endswith(b"\n")  # the seed's missing final newline is kept
    assert cli("check", "--vault", root, "--select", "OL002", "--fix").out.startswith("0 errors")
