"""The hooks as users meet them: the real pre-commit, installed in a real repository, on real commits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_vault
from terminal import GIT_ENV


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout's files as they are now, committed in a repository pre-commit can clone."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    env = {**os.environ, **GIT_ENV}
    git(repo, "init", "-q", env=env)
    git(repo, "add", "-A", env=env)
    assert git(repo, "commit", "-q", "-m", "vaultkit under test", env=env).returncode == 0
    return repo, git(repo, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment for the whole session: building it installs vaultkit with pip."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def vault_repo(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    repo, rev = hook_repo
    root = write_vault(
        tmp_path / "garden",
        {
            ".obsidian/app.json": "{}\n",
            ".pre-commit-config.yaml": (
                f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n"
                "      - id: vaultkit\n      - id: vaultkit-vault\n"
            ),
            "index.md": "# Garden\n[[Plan]] [[Ideas]]\n",
            "Plan.md": "# Plan\n",
            "Ideas.md": "# Ideas\n",
        },
    )
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home)}
    git(root, "init", "-q", env=env)
    git(root, "add", "-A", env=env)
    git(root, "commit", "-q", "--no-verify", "-m", "start", env=env)
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=root, capture_output=True, text=True, env=env, check=False
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    return root


def commit(root: Path, message: str) -> subprocess.CompletedProcess[str]:
    """`git commit` with the hooks installed; what the hooks print (git sends it to stderr) in stdout. The
    hook's environment is built without the compiled scanner (its C build would double the test's time;
    the findings are the same, and CI's install builds and uses it)."""
    env = {
        **os.environ,
        **GIT_ENV,
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
        "VAULTKIT_NO_EXTENSIONS": "1",
    }
    return subprocess.run(
        ["git", "commit", "-m", message], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )


def test_broken_link_blocks_the_commit_until_fixed(vault_repo: Path) -> None:
    (vault_repo / "Plan.md").write_text("# Plan\nSee [[Budgte]].\n", encoding="utf-8")
    git(vault_repo, "add", "Plan.md")
    refused = commit(vault_repo, "plan")
    assert refused.returncode == 1
    assert "Plan.md:2:5: LK001 unresolved link: no note named 'Budgte'" in refused.stdout
    (vault_repo / "Budget.md").write_text("# Budget\n", encoding="utf-8")
    (vault_repo / "Plan.md").write_text("# Plan\nSee [[Budget]].\n", encoding="utf-8")
    git(vault_repo, "add", "-A")
    accepted = commit(vault_repo, "plan and budget")
    assert accepted.returncode == 0, accepted.stdout
    assert git(vault_repo, "log", "--format=%s").stdout.splitlines()[0] == "plan and budget"


def test_deleting_a_linked_note_fails_through_the_vault_hook(vault_repo: Path) -> None:
    git(vault_repo, "rm", "-q", "Ideas.md")
    refused = commit(vault_repo, "drop ideas")
    assert refused.returncode == 1
    assert "index.md:2:10: LK001 unresolved link: no note named 'Ideas'" in refused.stdout
    assert "vaultkit (links broken by deletions and renames)" in refused.stdout
    git(vault_repo, "mv", "Plan.md", "Roadmap.md")
    (vault_repo / "index.md").write_text("# Garden\n[[Roadmap]]\n", encoding="utf-8")
    git(vault_repo, "add", "-A")
    assert commit(vault_repo, "rename, links updated").returncode == 0


def test_commit_of_non_markdown_files_passes(vault_repo: Path) -> None:
    (vault_repo / "old.md").write_text("[[broken from before]]\n", encoding="utf-8")
    git(vault_repo, "add", "old.md")
    assert commit(vault_repo, "an old broken link").returncode == 1  # the note hook catches it ...
    git(vault_repo, "commit", "-q", "--no-verify", "-m", "... and it was committed anyway")
    (vault_repo / "photo.png").write_bytes(b"\x89PNG\r\n")
    git(vault_repo, "add", "photo.png")
    result = commit(vault_repo, "a picture")
    assert result.returncode == 0, result.stdout  # an old broken link does not block it
