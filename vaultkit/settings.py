"""Plain settings records shared by config, watch and sync (no heavy imports here)."""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

OnConflict = Literal["keep-both", "hold"]

DEFAULT_COMMIT_MESSAGE = "vault backup: {date} ({count} files)"

# `<name>.conflict-<YYYYmmdd-HHMMSS>.<ext>`: the other side's version kept beside a file by sync.
# Removing the match from a conflict copy's path gives the path of the file it belongs to.
CONFLICT_COPY_PATTERN = re.compile(r"\.conflict-\d{8}-\d{6}(?:-\d+)?(?=\.[^./]*$|$)")

# Names editors write beside a note while saving it: vim (swap, backup, the 4913 probe), emacs
# (lock and autosave), Kate, LibreOffice locks, browsers' partial downloads, generic temp files.
# watch never checks them and sync never commits them.
TEMP_FILE = re.compile(
    r"(?:.*\.sw[a-p]|.*\.swx|4913|.*~|\.#.*|#.*#|.*\.tmp|.*\.temp|\.~lock\..*|.*\.crdownload|.*\.part|"
    r".*\.kate-swp|~\$.*|.*\.vaultkit-tmp)",
    re.IGNORECASE,
)


class SyncSettings(NamedTuple):
    """The `sync:` keys of the configuration (SPEC §9)."""

    remote: str | None = None  # None: the current branch's upstream
    debounce: float = 2.0  # seconds of quiet before a commit (watch)
    max_delay: float = 30.0  # a commit happens at most this long after the first change (watch)
    pull_interval: float = 60.0  # seconds between fetches (watch)
    on_conflict: OnConflict = "keep-both"
    commit_message: str = DEFAULT_COMMIT_MESSAGE
    verify: bool = False  # run the repository's commit hooks
    max_file_size: int = 100 * 1024 * 1024  # bytes; larger files are never committed
