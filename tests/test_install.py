"""The README's commands as a new user types them: install from a fresh copy of the repository, run, CI.

Two ways to a fresh environment:
- by default, a venv made without pip whose one `.pth` line lends it the packages of the environment
  running the tests (pip and vaultkit's dependencies), as `--system-site-packages` lends a system's:
  the README's command then really builds vaultkit from the copy and installs it, its console script
  and its package data, into the new venv, in a few seconds and without downloading anything;
- `pytest -m slow`: a venv with nothing in it but pip, where the same command also resolves and
  installs every dependency, as on a new machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO
from terminal import Done, clean_env, fenced_block, run

README = (REPO / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """The two commands the README opens with."""
    return fenced_block(README, "python -m pip install", "sh").splitlines()


def copy_of_checkout(destination: Path) -> Path:
    """The files a fresh clone of this checkout holds (tracked, and new files not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def venv_bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def make_lending_venv(venv: Path) -> Path:
    """A new venv without pip that sees this environment's packages through one `.pth` line."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    lent = sysconfig.get_paths()["purelib"]
    site_packages = Path(
        subprocess.run(
            [str(venv_bin(venv) / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
    )
    (site_packages / "lent-by-the-tests.pth").write_text(lent + "\n", encoding="utf-8")
    return venv


def shell(command: str, cwd: Path, venv: Path, **variables: str) -> Done:
    """`command` in bash with the venv first on PATH, as after `source venv/bin/activate`."""
    path = {"PATH": f"{venv_bin(venv)}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    env = clean_env({**path, **variables}, drop=("PYTHONPATH", "VAULTKIT_NO_EXTENSIONS"))  # a new user's shell
    return run(["bash", "-c", command], cwd=cwd, env=env, timeout=600)


def seed_output() -> Done:
    """The oracle: what the development install prints for `vaultkit check vault` in this checkout."""
    return run([sys.executable, "-m", "vaultkit", "check", "vault"], cwd=REPO)


def installed_files(venv: Path, cwd: Path) -> dict[str, Any]:
    """Where the venv's python finds vaultkit, its schema and its distribution."""
    probe = (
        "import importlib.metadata as m, importlib.resources as r, json, vaultkit, vaultkit.parse.scanner as s; "
        "print(json.dumps({'module': vaultkit.__file__, 'scanner': s.KIND, "
        "'schema': str(r.files('vaultkit.config') / 'schema.json'), "
        "'distributions': {name: str(m.distribution(name).locate_file('')) "
        "for name in m.packages_distributions().get('vaultkit', [])}}))"
    )
    done = run([venv_bin(venv) / "python", "-c", probe], cwd=cwd, env=clean_env(drop=("VAULTKIT_NO_EXTENSIONS",)))
    assert done.code == 0, done.err
    result: dict[str, Any] = json.loads(done.out)
    return result


def test_readme_opens_with_install_and_run_then_tests() -> None:
    first, second = readme_commands()
    assert first.startswith("python -m pip install ") and first.endswith(" && vaultkit check vault")
    assert second.startswith('python -m pip install -e ".[test]"') and second.endswith("&& python -m pytest")


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Done]:
    """A copy of the checkout, a new venv, and what the README's first command printed there, on a machine
    without a C compiler (`CC` names none): the pure-Python scanner (the compiled build is the slow test's)."""
    checkout = copy_of_checkout(tmp_path_factory.mktemp("clone"))
    venv = make_lending_venv(tmp_path_factory.mktemp("venv") / "env")
    return checkout, venv, shell(readme_commands()[0], checkout, venv, CC=str(checkout / "no-such-compiler"))


def test_first_command_installs_and_checks_the_vault(fresh_install: tuple[Path, Path, Done], tmp_path: Path) -> None:
    _, venv, done = fresh_install
    expected = seed_output()
    assert expected.code == 1 and expected.out.endswith("9 errors, 0 warnings in 1 note\n")
    assert done.code == 1, done.err
    assert done.out.endswith(expected.out), done.out  # pip's own lines come first
    found = installed_files(venv, tmp_path)
    assert Path(found["module"]).is_relative_to(venv), found  # the new install ran, not this checkout
    assert Path(found["schema"]).is_file()  # package data is shipped, not only present in the checkout
    installed_here = [name for name, where in found["distributions"].items() if Path(where).is_relative_to(venv)]
    assert installed_here == ["vaultkit-lint"]  # not the package index's other "vaultkit"
    assert (venv_bin(venv) / "vaultkit").is_file()
    assert found["scanner"] == "pure Python (the compiled scanner is not installed)"
    alarming = [line for line in done.err.splitlines() if re.search(r"error|compil|traceback|vaultkit", line, re.I)]
    assert alarming == []  # a missing compiler is not the user's problem


def test_ci_workflow_of_the_readme_runs_as_written(fresh_install: tuple[Path, Path, Done]) -> None:
    """Every `run:` step of the README's GitHub Actions workflow, in order, in the fresh copy."""
    checkout, venv, _ = fresh_install
    workflow = yaml.safe_load(fenced_block(README, "# .github/workflows/vault.yml"))
    steps = workflow["jobs"]["vaultkit"]["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "github/codeql-action/upload-sarif"]
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload.get("if") == "always()"
    sarif_name = upload["with"]["sarif_file"]
    (checkout / sarif_name).unlink(missing_ok=True)
    install, *runs = [step["run"] for step in steps if "run" in step]
    # the install step is the README's own install command, already run in this venv by the fixture
    assert install == "python -m pip install ." and readme_commands()[0].startswith(install + " && ")
    annotate, sarif = [(command, shell(command, checkout, venv)) for command in runs]
    assert annotate[1].code == 1  # the seed note's nine errors fail the job ...
    annotations = annotate[1].out.splitlines()
    assert len(annotations) == 9 and all(line.startswith("::error file=vault/") for line in annotations)
    assert sarif[1].code == 0 and sarif[1].out == "", sarif  # ... and the SARIF is still written and uploaded
    from sarif_pydantic import Sarif

    log = Sarif.model_validate_json((checkout / sarif_name).read_text(encoding="utf-8"))
    assert len(log.runs[0].results or []) == 9


@pytest.mark.slow
def test_first_command_in_an_empty_environment(tmp_path: Path) -> None:
    """The README's first command exactly, in a venv holding only pip: dependencies come from the index."""
    checkout = copy_of_checkout(tmp_path / "clone")
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    done = shell(readme_commands()[0], checkout, venv)
    assert done.code == 1, done.err
    assert done.out.endswith(seed_output().out)
    found = installed_files(venv, tmp_path)
    assert Path(found["module"]).is_relative_to(venv) and Path(found["schema"]).is_file()
    if shutil.which("cc"):  # built with the machine's C compiler
        assert found["scanner"] == "compiled"
