"""Names with a meaning in a vault: notes, hidden entries, editors' temp files, sync's conflict copies."""

from __future__ import annotations

import re
import unicodedata

NOTE_SUFFIX = ".md"  # notes are .md files (model.is_note); every other file is an attachment

# The names of configuration files, in the order they are looked for in a folder (SPEC §2). The scan
# notes where they are: one inside the vault is a nested configuration.
CONFIG_NAMES = (".vaultkit.yaml", "vaultkit.yaml", "pyproject.toml")

# `<name>.conflict-<YYYYmmdd-HHMMSS>.<ext>`: the other side's version kept beside a file by sync.
# Removing the match from a conflict copy's path gives the path of the file it belongs to.
CONFLICT_COPY_PATTERN = re.compile(r"\.conflict-\d{8}-\d{6}(?:-\d+)?(?=\.[^./]*$|$)")

# Names editors write beside a note while saving it: vim (swap, backup, the 4913 probe), emacs
# (lock and autosave), Kate, JetBrains' safe write, LibreOffice locks, browsers' partial downloads,
# generic temp files. watch never checks them and sync never commits them.
TEMP_FILE = re.compile(
    r"(?:.*\.sw[a-p]|.*\.swx|4913|.*~|\.#.*|#.*#|.*\.tmp|.*\.temp|\.~lock\..*|.*\.crdownload|.*\.part|"
    r".*\.kate-swp|.*___jb_(?:tmp|old)___|~\$.*|.*\.vaultkit-tmp)",
    re.IGNORECASE,
)


def is_hidden(path: str) -> bool:
    """A path with a part starting with '.': not part of the vault (Obsidian does not show it)."""
    return path.startswith(".") or "/." in path


def nfc(path: str) -> str:
    return path if path.isascii() else unicodedata.normalize("NFC", path)


def left_out(path: str) -> bool:
    """A vault-relative path no walk looks at: hidden (`.git/`, `.obsidian/`, dot files). Excluded paths
    are walked: Obsidian opens them, so they are link targets (never read)."""
    return is_hidden(path)
