"""A configuration found valid is remembered, so a warm run does not validate (nor import jsonschema) again;
anything that could change the verdict makes it validate again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import write_vault
from terminal import clean_env

PROBE = (
    "import sys; from vaultkit.cli import main; code = main(['check', '-q', sys.argv[1]]); "
    "print(code, 'jsonschema' in sys.modules)"
)


def probe(root: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, env=clean_env(), timeout=60
    )
    return done.stdout.splitlines()[-1]


def test_a_valid_configuration_is_validated_once(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "garden", {".obsidian/app.json": "{}", ".vaultkit.yaml": "ignore: [LK005]\n", "n.md": "# N\n"}
    )
    assert probe(root) == "0 True"  # validated, and found valid
    assert probe(root) == "0 False"  # known valid: jsonschema not imported
    (root / ".vaultkit.yaml").write_text("ignore: [LK005]\nexclude: [x/**]\n", encoding="utf-8")
    assert probe(root) == "0 True"  # other settings: validated again
    (root / ".vaultkit.yaml").write_text("ignore: [LK005]\nexclude: 3\n", encoding="utf-8")
    broken = subprocess.run(
        [sys.executable, "-m", "vaultkit", "check", str(root)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    assert broken.returncode == 2 and "key 'exclude': expected a list of globs, got 3" in broken.stderr
