"""pre-commit checks the commit, not the working tree (SPEC §9): the README's own configuration, installed
with the real pre-commit into a real vault repository, on real `git commit`s.

The README's configuration is copied from the README itself, so what users are told is what runs. Its
hooks are `repo: local` hooks running the vaultkit on PATH: nothing is cloned or built, nothing leaves
the machine."""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, Run, write_vault
from terminal import GIT_ENV, Done, clean_env, fenced_block, git, init_repository, run, vaultkit


def hook_config() -> str:
    """The `.pre-commit-config.yaml` the README tells users to write."""
    return fenced_block((REPO / "README.md").read_text(encoding="utf-8"), "# .pre-commit-config.yaml")


VAULT_HOOK = "vaultkit (links broken by deletions and renames)"


def commit(root: Path, message: str) -> Done:
    """`git commit` with the hooks installed and this environment's vaultkit on PATH; what the hooks print
    (git sends it to stderr) in `out`, in the order it was printed."""
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]
    env = clean_env({**GIT_ENV, "PATH": path})  # PRE_COMMIT_HOME: the session's store (the garden fixture)
    return run(["bash", "-c", 'git commit -q -m "$1" 2>&1', "commit", message], cwd=root, env=env)


def subjects(root: Path) -> list[str]:
    return git(root, "log", "--format=%s").splitlines()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit store for the session (local hooks need no environment, only its database)."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def garden(tmp_path: Path, pre_commit_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A vault in git with the README's pre-commit configuration installed."""
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}\n",
            ".pre-commit-config.yaml": hook_config(),
            "index.md": "# Garden\n[[Steph Ango]] wrote about [[Plan|plans]].\n",
            "Plan.md": "# Plan\n",
            "References/Steph Ango.md": "# Steph Ango\n",
        },
    )
    init_repository(root)
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    env = clean_env(GIT_ENV)
    installed = run([sys.executable, "-m", "pre_commit", "install"], cwd=root, env=env)
    assert installed.code == 0, installed.out + installed.err
    return root


def test_readme_configuration_uses_both_hooks_locally() -> None:
    import yaml

    config = yaml.safe_load(hook_config())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert set(hooks) == {"vaultkit", "vaultkit-vault"}
    assert hooks["vaultkit"]["entry"] == "vaultkit check"
    assert hooks["vaultkit-vault"]["entry"] == "vaultkit check --staged-removals"
    assert hooks["vaultkit-vault"]["pass_filenames"] is False and hooks["vaultkit-vault"]["always_run"] is True


def test_unstaging_a_linked_note_fails_naming_the_linking_note(garden: Path) -> None:
    """`git rm --cached` keeps the file on disk; every clone of that commit would have a broken link."""
    git(garden, "rm", "-q", "--cached", "References/Steph Ango.md")
    refused = commit(garden, "stop tracking a reference")
    assert refused.code == 1
    assert (
        "index.md:2:1: LK001 unresolved link: 'Steph Ango' is not in the commit "
        "(References/Steph Ango.md is not staged)"
    ) in refused.out
    assert f"{VAULT_HOOK}" in refused.out and "Failed" in refused.out
    assert subjects(garden) == ["start"]
    (garden / "index.md").write_text("# Garden\nSteph Ango wrote about [[Plan|plans]].\n", encoding="utf-8")
    git(garden, "add", "index.md")
    accepted = commit(garden, "the reference is private now")
    assert accepted.code == 0, accepted.out + accepted.err
    assert subjects(garden) == ["the reference is private now", "start"]
    assert "References/Steph Ango.md" not in git(garden, "ls-files").splitlines()


def test_links_to_untracked_files_fail_until_they_are_staged(garden: Path) -> None:
    (garden / "Draft.md").write_text("# Draft\n", encoding="utf-8")  # on disk, never added
    (garden / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (garden / "Plan.md").write_text("# Plan\nSee [[Draft]].\n![[photo.png]]\n", encoding="utf-8")
    git(garden, "add", "Plan.md")
    refused = commit(garden, "plan links the draft")
    assert refused.code == 1
    assert "Plan.md:2:5: LK001 unresolved link: 'Draft' is not in the commit (Draft.md is not staged)" in refused.out
    assert "Plan.md:3:1: LK001 unresolved link: 'photo.png' is not in the commit (photo.png is not staged)" in (
        refused.out
    )
    assert subjects(garden) == ["start"]
    git(garden, "add", "Draft.md", "photo.png")
    accepted = commit(garden, "plan, its draft and a photo")
    assert accepted.code == 0, accepted.out + accepted.err
    assert subjects(garden) == ["plan, its draft and a photo", "start"]
    assert {"Draft.md", "Plan.md", "photo.png"} <= set(git(garden, "ls-files").splitlines())


def test_staged_option_by_hand_and_pre_commit_variable(garden: Path) -> None:
    """The same view outside pre-commit: `--staged`, or PRE_COMMIT=1 as pre-commit sets it for its hooks."""
    (garden / "Draft.md").write_text("# Draft\n", encoding="utf-8")
    (garden / "Plan.md").write_text("# Plan\nSee [[Draft]].\n", encoding="utf-8")
    expected = "Plan.md:2:5: LK001 unresolved link: 'Draft' is not in the commit (Draft.md is not staged)\n"
    working_tree = vaultkit("check", "-q", cwd=garden)
    assert working_tree.code == 0 and working_tree.out == "", working_tree  # on disk, the draft exists
    by_option = vaultkit("check", "-q", "--staged", cwd=garden)
    assert by_option.code == 1 and by_option.out == expected, by_option
    by_variable = vaultkit("check", "-q", cwd=garden, env=clean_env({"PRE_COMMIT": "1"}))
    assert by_variable.code == 1 and by_variable.out == expected, by_variable
    forced_off = vaultkit("check", "-q", "--no-staged", cwd=garden, env=clean_env({"PRE_COMMIT": "1"}))
    assert forced_off.code == 0 and forced_off.out == "", forced_off
    git(garden, "add", "Draft.md")
    assert vaultkit("check", "-q", "--staged", cwd=garden).code == 0


def test_staged_views_need_git(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "loose", {".obsidian/app.json": "{}", "n.md": "# N\n"})
    for option in ("--staged", "--staged-removals"):
        done = vaultkit("check", option, cwd=root)
        assert done.code == 2 and done.out == ""
        assert done.err == f"vaultkit: error: {option}: {root} is not in a git repository\n"


def test_staged_view_on_random_repositories(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Each file tracked, untracked, unstaged with `git rm --cached` or newly staged; the oracle: a link
    resolves when its target is in git's index, and otherwise says why."""
    names = [f"note{number}" for number in range(6)]
    for seed in range(12):
        chance = random.Random(seed)
        root = tmp_path / f"repo{seed}"
        links = {name: chance.sample([n for n in names if n != name], 3) for name in names}
        files = {f"{name}.md": "".join(f"[[{target}]]\n" for target in links[name]) for name in names}
        write_vault(root, {".obsidian/app.json": "{}", **files})
        states = {name: chance.choice(["tracked", "untracked", "unstaged", "new"]) for name in names}
        committed = [f"{name}.md" for name in names if states[name] in ("tracked", "unstaged")]
        git(root, "init", "-q", "-b", "main")
        if committed:
            git(root, "add", *committed)
            git(root, "commit", "-q", "--no-verify", "-m", "start")
        unstaged = [f"{name}.md" for name in names if states[name] == "unstaged"]
        if unstaged:
            git(root, "rm", "-q", "--cached", *unstaged)
        new = [f"{name}.md" for name in names if states[name] == "new"]
        if new:
            git(root, "add", *new)
        in_commit = {name for name in names if states[name] in ("tracked", "new")}
        expected = sorted(
            (f"{name}.md", line, f"unresolved link: '{target}' is not in the commit ({target}.md is not staged)")
            for name in sorted(in_commit)
            for line, target in enumerate(links[name], 1)
            if target not in in_commit
        )
        if seed % 2:  # the cache is shared with the working tree's view: fill it from there first
            assert cli("check", "--vault", root, "-q", "--format", "json").out == "[]\n"
        for cache in ("--no-cache", "--exit-zero", "--exit-zero"):
            done = cli("check", "--vault", root, "--staged", "--format", "json", cache)
            found = sorted((f["path"], f["line"], f["message"]) for f in done.json())
            assert found == expected, (seed, states)
        assert cli("check", "--vault", root, "-q", "--format", "json").out == "[]\n"  # the working tree is whole
