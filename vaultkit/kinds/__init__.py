"""The check kinds, listed by name. A kind is code; its instances are data in `checks/*.yaml`."""

from __future__ import annotations

from vaultkit.kinds.base import CheckDef, Kind
from vaultkit.kinds.frontmatter import FrontmatterKind
from vaultkit.kinds.links import LinksKind
from vaultkit.kinds.outline import OutlineKind

KINDS: dict[str, Kind] = {
    "frontmatter": FrontmatterKind(),
    "links": LinksKind(),
    "outline": OutlineKind(),
}

__all__ = ["KINDS", "CheckDef", "Kind"]
