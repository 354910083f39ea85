"""The check kinds, listed by name. A kind is code; its instances are data in `checks/*.yaml`.

Each kind is imported when first asked for: a vault without outline checks never loads the outline code.
"""

from __future__ import annotations

from importlib import import_module

from vaultkit.kinds.base import CheckDef, Kind

_WHERE = {  # name: (module, class)
    "frontmatter": ("vaultkit.kinds.frontmatter", "FrontmatterKind"),
    "links": ("vaultkit.kinds.links", "LinksKind"),
    "outline": ("vaultkit.kinds.outline", "OutlineKind"),
}
NAMES = tuple(_WHERE)
WITH_DEFAULT = ("links",)  # the kinds that run where no definition covers a note (they have a `default`)
_loaded: dict[str, Kind] = {}


def kind(name: str) -> Kind:
    """The kind called `name` (one of NAMES)."""
    found = _loaded.get(name)
    if found is None:
        module, attribute = _WHERE[name]
        found = _loaded[name] = getattr(import_module(module), attribute)()
    return found


__all__ = ["NAMES", "WITH_DEFAULT", "CheckDef", "Kind", "kind"]
