"""The vault on disk: scan (never leaving it), read (never blocking), names, atomic writes, git's view."""

from __future__ import annotations

from vaultkit.vault.read import read_note
from vaultkit.vault.scan import NoteFile, VaultFiles, rescan_paths, scan_vault
from vaultkit.vault.write import write_atomically

__all__ = ["NoteFile", "VaultFiles", "read_note", "rescan_paths", "scan_vault", "write_atomically"]
