"""The command line as a user meets it: the seed vault, exit codes, options, configuration errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CLI, REPO, SEED_NOTE, write_vault

SEED_FINDINGS = [
    f"{SEED_NOTE}:7:139: LK001 unresolved link: no note named '强化绿色低碳发展规划引领'",
    f"{SEED_NOTE}:7:169: LK001 unresolved link: no note named '第十四个五年规划和2035年远景目标纲要'",
    f"{SEED_NOTE}:9:141: LK001 unresolved link: no note named "
    "'新发展阶段优化重大生产力布局的内涵特征、重点任务和对策举措'",
    f"{SEED_NOTE}:9:205: LK001 unresolved link: no note named '长江三角洲区域公共资源交易一体化发展'",
    f"{SEED_NOTE}:9:247: LK001 unresolved link: no note named '《粤港澳大湾区发展规划纲要》'",
    f"{SEED_NOTE}:12:1: LK001 unresolved link: no note named '《国家碳达峰试点建设方案》答记者问'",
    f"{SEED_NOTE}:12:42: LK004 link to the note itself",
    f"{SEED_NOTE}:12:84: LK001 unresolved link: no note named '全民践行绿色低碳行动 助力实现碳达峰碳中和目标'",
    f"{SEED_NOTE}:12:136: LK001 unresolved link: no note named '探索绿色低碳高质量发展路径'",
    "9 errors, 0 warnings in 1 note",
]


def test_seed_vault_as_the_readme_runs_it() -> None:
    """`vaultkit check vault` from the repository root: the console script, the repo's config."""
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "check", "vault"], cwd=REPO, capture_output=True, check=False
    )
    assert done.stdout.decode("utf-8").splitlines() == SEED_FINDINGS
    assert done.returncode == 1
    assert done.stderr == b""


def test_seed_json_fields(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    records = cli("check", "vault", "--format", "json", "--select", "self-link").json()
    assert records == [
        {
            "path": SEED_NOTE,
            "line": 12,
            "column": 42,
            "end_line": 12,
            "end_column": 84,
            "code": "LK004",
            "name": "self-link",
            "severity": "error",
            "message": "link to the note itself",
            "fix": {
                "description": "replace the self-link by its text '绿色低碳生活'",
                "edits": [{"line": 12, "column": 42, "end_line": 12, "end_column": 84, "replacement": "绿色低碳生活"}],
            },
        }
    ]


def test_select_ignore_by_code_prefix_and_name(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    codes = lambda *args: [f["code"] for f in cli("check", "vault", "--format", "json", *args).json()]  # noqa: E731
    assert codes("--select", "LK004") == ["LK004"]
    assert codes("--select", "LK", "--ignore", "unresolved-link") == ["LK004"]
    assert codes("--ignore", "LK001,self-link") == []
    assert len(codes("--select", "lk")) == 9


def test_exit_codes_and_quiet(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert cli("check", "vault", "--exit-zero").code == 0
    quiet = cli("check", "vault", "-q")
    assert quiet.code == 1 and quiet.out.splitlines() == SEED_FINDINGS[:-1]
    clean = cli("check", "vault", "--ignore", "LK")
    assert clean.code == 0 and clean.out == "0 errors, 0 warnings in 1 note\n"


def test_warnings_alone_exit_zero(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path, {"a/x.md": "", "b/x.md": "", "n.md": "[[x]]\n"})
    result = cli("check", "--vault", root)
    assert result.code == 0
    assert result.out.splitlines()[-1] == "0 errors, 1 warning in 3 notes"


def test_paths_limit_the_report_not_the_index(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path, {".obsidian/app.json": "{}", "a/one.md": "[[two]] [[nope]]", "b/two.md": "[[nope]]"})
    result = cli("check", root / "a", "-q")
    assert result.out == "a/one.md:1:9: LK001 unresolved link: no note named 'nope'\n"


def test_missing_path_and_usage_errors(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path, {"n.md": ""})
    for args, message in [
        (("check", "--vault", root, root / "nope.md"), f"vaultkit: error: {root / 'nope.md'}: no such file or folder"),
        (("check", "--select", "XX9"), "vaultkit: error: --select: unknown code 'XX9' (see 'vaultkit rules')"),
        (("check", "--format", "yaml"), "vaultkit: error: invalid value for '--format': 'yaml' is not one of"),
        (("explain", "NOPE"), "vaultkit: error: unknown code 'NOPE' (see 'vaultkit rules')"),
    ]:
        run = cli(*args)
        assert (run.code, run.out) == (2, "")
        assert len(run.err.splitlines()) == 1 and run.err.startswith(message), run.err


def test_version(cli: CLI) -> None:
    assert cli("--version").out.startswith("vaultkit, version ")


def test_internal_error_is_one_line_without_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CLI) -> None:
    import vaultkit.engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(vaultkit.engine, "check_vault", broken)
    root = write_vault(tmp_path, {"n.md": ""})
    result = cli("check", root)
    assert result.code == 2
    assert result.err == "vaultkit: internal error: RuntimeError: boom (run with --debug)\n"
    assert "Traceback" in cli("check", root, "--debug").err


def test_non_utf8_note_does_not_stop_the_run(tmp_path: Path, cli: CLI) -> None:
    root = write_vault(tmp_path, {"bad.md": b"\xff\xfe", "n.md": "[[missing]]"})
    result = cli("check", "--vault", root, "--format", "json")
    assert [(f["path"], f["code"]) for f in result.json()] == [("bad.md", "VK001"), ("n.md", "LK001")]


def test_output_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    root = write_vault(tmp_path, {"笔记.md": "[[缺失]]"})
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "check", "--vault", str(root)], capture_output=True, env=env, check=False
    )
    assert done.stdout.decode("utf-8").startswith("笔记.md:1:1: LK001 unresolved link: no note named '缺失'")
