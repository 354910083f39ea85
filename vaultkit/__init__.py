"""vaultkit: keep an Obsidian-style Markdown vault healthy."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
