"""The PATHs a user names on the command line, as the file system sees them (SPEC §2: a PATH that is not a
note is an error or a warning, never a silent success).

Before anything is looked for: a PATH that does not exist, or a file that is not a note (`x.base`,
`.obsidian/app.json`, `/etc/passwd`), is an error; no vault is guessed around it. After the scan: a
folder holding no notes, or a note that is not checked because it is hidden or not in the commit, is a
warning (an excluded one is not: excluding it said so)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from vaultkit.model import ConfigError
from vaultkit.vault.names import NOTE_SUFFIX, is_hidden
from vaultkit.vault.scan import VaultFiles


def check_given(paths: Sequence[Path]) -> None:
    for given in paths:
        if not os.path.exists(given):
            raise ConfigError(f"{given}: no such file or folder")
        if not os.path.isdir(given) and not str(given).lower().endswith(NOTE_SUFFIX):
            raise ConfigError(f"{given}: not a note; vaultkit checks Markdown notes (.md files)")


def unchecked_paths(root: Path, paths: Sequence[Path], files: VaultFiles) -> list[str]:
    """One warning for each PATH that ends up checking nothing (for the vault itself when none is given)."""
    if not paths:
        return [] if files.notes or files.skipped else [f"{root}: no notes in the vault"]
    real_root = os.path.realpath(root)
    warnings = []
    for given in paths:
        real = os.path.realpath(given)
        if real != real_root and not real.startswith(real_root + os.sep):
            continue  # the engine says it is outside the vault
        relative = "" if real == real_root else os.path.relpath(real, real_root).replace(os.sep, "/")
        if os.path.isdir(real):
            prefix = relative + "/" if relative else ""
            if not any(path.startswith(prefix) for path in (*files.notes, *files.skipped)):
                warnings.append(f"{given}: no notes in this folder")
        elif relative in files.absent:
            warnings.append(f"{given}: not checked: it is not in the commit")
        elif is_hidden(relative):
            warnings.append(f"{given}: not checked: hidden files are not part of the vault")
        # an excluded or git-ignored note given is left out without a word, as its folder is: pre-commit
        # passes them, and the configuration that excludes them says so already
    return warnings
