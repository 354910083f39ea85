"""Configuration: the vault's root and its configuration files (discovery), checked against the one JSON
Schema shipped beside this file (schema.json), as records."""

from __future__ import annotations

from vaultkit.config.discovery import find_root
from vaultkit.config.load import load_checks, load_config, selection_option, with_nested
from vaultkit.config.records import Config, Layer, Selection, SyncSettings
from vaultkit.vault.names import CONFIG_NAMES

__all__ = [
    "CONFIG_NAMES",
    "Config",
    "Layer",
    "Selection",
    "SyncSettings",
    "find_root",
    "load_checks",
    "load_config",
    "selection_option",
    "with_nested",
]
