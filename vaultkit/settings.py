"""Plain settings records shared by config, watch and sync (no heavy imports here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OnConflict = Literal["keep-both", "hold"]

DEFAULT_COMMIT_MESSAGE = "vault backup: {date} ({count} files)"


@dataclass(frozen=True)
class SyncSettings:
    """The `sync:` keys of the configuration (SPEC §9)."""

    remote: str | None = None  # None: the current branch's upstream
    debounce: float = 2.0  # seconds of quiet before a commit (watch)
    max_delay: float = 30.0  # a commit happens at most this long after the first change (watch)
    pull_interval: float = 60.0  # seconds between fetches (watch)
    on_conflict: OnConflict = "keep-both"
    commit_message: str = DEFAULT_COMMIT_MESSAGE
    verify: bool = False  # run the repository's commit hooks
    max_file_size: int = 100 * 1024 * 1024  # bytes; larger files are never committed
