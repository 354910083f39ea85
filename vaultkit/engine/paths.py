"""Which notes a run reports on: the files and folders given on the command line, inside the vault."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from vaultkit.kinds.clashes import name_clashes
from vaultkit.model import ConfigError
from vaultkit.vault import VaultFiles
from vaultkit.vault.names import CONFLICT_COPY_PATTERN


def report_set(root: Path, paths: Sequence[Path], files: VaultFiles) -> set[str]:
    """The vault-relative paths to report on: files given, everything under folders given, or all (the
    notes, and the attachments a finding is about: conflict copies, name twins)."""
    copies = [path for path in files.attachments if CONFLICT_COPY_PATTERN.search(path)]
    if files.attachments:
        twins = name_clashes([*files.notes, *files.attachments])
        copies += [path for path in twins if path in files.attachments and path not in copies]
    every = [*files.notes, *files.skipped, *copies]
    if not paths:
        return set(every)
    real_root = os.path.realpath(root)
    wanted: set[str] = set()
    for given in paths:
        real = os.path.realpath(given)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise ConfigError(f"{given}: not inside the vault {root}")
        if not os.path.exists(given):
            raise ConfigError(f"{given}: no such file or folder")
        relative = "" if real == real_root else os.path.relpath(real, real_root).replace(os.sep, "/")
        if os.path.isdir(real):
            prefix = relative + "/" if relative else ""
            wanted.update(path for path in every if path.startswith(prefix))
        else:
            wanted.add(relative)
    return wanted
