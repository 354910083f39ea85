"""Run the checks over a vault: index everything, report on the notes asked for.

The engine imports neither watchdog nor git: watch and sync drive it, the vault package reads the disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vaultkit.config import Config, Selection
from vaultkit.engine.paths import report_set
from vaultkit.engine.workspace import Progress, Workspace
from vaultkit.model import Finding
from vaultkit.resolve import VaultIndex
from vaultkit.vault import VaultFiles

__all__ = ["CheckRun", "Progress", "Workspace", "check_vault"]


@dataclass(eq=False, repr=False)
class CheckRun:
    findings: list[Finding]
    notes_checked: int
    vault: VaultIndex
    files: VaultFiles


def check_vault(
    config: Config,
    paths: Sequence[Path] = (),
    *,
    selection: Selection | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    removed: Sequence[str] | None = None,
    files: VaultFiles | None = None,
) -> CheckRun:
    """Index the whole vault, run every enabled check, report findings for `paths` (default: all).

    `removed`: vault-relative paths that are going away (a commit's deletions and renames): report
    only the link findings they cause, in the notes that link to them by name. `files`: the vault
    as just scanned, when the caller already did."""
    selection = selection or Selection.of(config)
    workspace = Workspace(config, use_cache=use_cache, tracking=removed is not None, progress=progress)
    workspace.refresh(files=files)
    wanted = report_set(config.vault, paths, workspace.files)
    if removed is None:
        findings = workspace.report(wanted, selection)
    else:
        findings = workspace.broken_by(removed, selection)
        wanted = {finding.path for finding in findings}
    workspace.save()
    checked = sum(1 for path in wanted if path in workspace.entries)
    return CheckRun(findings, checked, workspace.vault, workspace.files)
