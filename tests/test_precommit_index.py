"""pre-commit checks the commit, not the working tree (SPEC §9): the README's own configuration, installed
with the real pre-commit into a real vault repository, on real `git commit`s.

The README's configuration is copied from the README itself, so what users are told is what runs. Its
hooks are `repo: local` hooks running the vaultkit on PATH: nothing is cloned or built, nothing leaves
the machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_vault
from terminal import GIT_ENV, Done, clean_env, fenced_block, git, init_repository, run, vaultkit


def hook_config() -> str:
    """The `.pre-commit-config.yaml` the README tells users to write."""
    return fenced_block((REPO / "README.md").read_text(encoding="utf-8"), "# .pre-commit-config.yaml")


VAULT_HOOK = "vaultkit (links broken by deletions and renames)"


def commit(root: Path, message: str) -> Done:
    """`git commit` with the hooks installed and this environment's vaultkit on PATH."""
    env = clean_env({**GIT_ENV, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]})
    return run(["git", "commit", "-q", "-m", message], cwd=root, env=env)


def subjects(root: Path) -> list[str]:
    return git(root, "log", "--format=%s").splitlines()


@pytest.fixture
def garden(tmp_path: Path) -> Path:
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
    env = clean_env({**GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")})
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


def test_link_to_an_untracked_note_fails_until_it_is_staged(garden: Path) -> None:
    (garden / "Draft.md").write_text("# Draft\n", encoding="utf-8")  # on disk, never added
    (garden / "Plan.md").write_text("# Plan\nSee [[Draft]].\n", encoding="utf-8")
    git(garden, "add", "Plan.md")
    refused = commit(garden, "plan links the draft")
    assert refused.code == 1
    assert "Plan.md:2:5: LK001 unresolved link: 'Draft' is not in the commit (Draft.md is not staged)" in refused.out
    assert subjects(garden) == ["start"]
    git(garden, "add", "Draft.md")
    accepted = commit(garden, "plan and its draft")
    assert accepted.code == 0, accepted.out + accepted.err
    assert subjects(garden) == ["plan and its draft", "start"]
    assert {"Draft.md", "Plan.md"} <= set(git(garden, "ls-files").splitlines())


def test_an_untracked_attachment_is_not_in_the_commit_either(garden: Path) -> None:
    (garden / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (garden / "Plan.md").write_text("# Plan\n![[photo.png]]\n", encoding="utf-8")
    git(garden, "add", "Plan.md")
    refused = commit(garden, "plan shows a photo")
    assert refused.code == 1
    assert "Plan.md:2:1: LK001 unresolved link: 'photo.png' is not in the commit (photo.png is not staged)" in (
        refused.out
    )
    git(garden, "add", "photo.png")
    assert commit(garden, "plan and photo").code == 0


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
