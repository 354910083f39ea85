"""Configuration: found from the paths given upward, validated strictly (unknown is an error), as records."""

from __future__ import annotations

from vaultkit.config.load import find_config, load_checks, load_config
from vaultkit.config.records import Config, Selection, SyncSettings

__all__ = ["Config", "Selection", "SyncSettings", "find_config", "load_checks", "load_config"]
