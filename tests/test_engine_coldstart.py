"""engine/coldstart.py: the two-process cold check gives exactly the findings of one process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vaultkit.config import load_config
from vaultkit.engine import check_vault, coldstart, workspace

from conftest import write_vault


def test_two_cores_give_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked cold path equals the single-process one, cache and all."""
    files: dict[str, str] = {}
    for i in range(120):
        folder = ("a", "b/c", "d")[i % 3]
        files[f"{folder}/note {i}.md"] = (
            f"---\ntitle: n{i}\naliases: [alias {i}]\n---\n# Head {i}\npara ^b{i}\n"
            f"[[note {i + 1}]] [[note {i + 2}#Head {i + 2}]] [[note {i + 3}#Nope]] [[note {i}]] "
            f"[[missing {i}]] [[alias {i + 5}]] [[note {i + 4}#^b{i + 4}]] ![[pic {i % 7}.png]]\n"
        )
    files.update({f"img/pic {i}.png": "" for i in range(5)})
    root = write_vault(tmp_path / "v", files)
    monkeypatch.setattr(workspace, "PARALLEL_MIN_NOTES", 10)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # the fork is what is tested, on any machine
    assert coldstart.available()
    forked = check_vault(load_config(vault=root), use_cache=True).findings
    monkeypatch.setenv("VAULTKIT_WORKERS", "1")
    single = check_vault(load_config(vault=root), use_cache=False).findings
    assert forked == single and len(single) > 300
    assert check_vault(load_config(vault=root), use_cache=True).findings == single  # from the cache
