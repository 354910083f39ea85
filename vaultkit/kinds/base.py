"""What a check kind is: a pure function of (notes, vault index, parameters) to findings, which says
beforehand which other notes it reads."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Protocol

from vaultkit.globs import Globs
from vaultkit.model import Finding, Note
from vaultkit.resolve import VaultIndex


class CheckDef(NamedTuple):
    """One check instance from `checks/*.yaml`: a kind with its parameters."""

    kind: str
    name: str
    paths: tuple[str, ...]
    description: str
    params: Any
    source: str  # the file that defined it ("built-in" for defaults)
    matcher: Globs | None = None
    within: str = ""  # a nested configuration's folder ('/' at the end): the definition covers only it
    outside: tuple[str, ...] = ()  # folders below whose own configuration replaces `checks`

    def covers(self, path: str) -> bool:
        if (self.within and not path.startswith(self.within)) or (self.outside and path.startswith(self.outside)):
            return False
        if self.matcher is None:
            return True
        if not path.isascii():
            path = unicodedata.normalize("NFC", path)
        return self.matcher.matches(path)


class Kind(Protocol):
    name: str
    codes: tuple[str, ...]
    keys: tuple[str, ...]  # parameters this kind accepts besides kind, name, paths, description
    exclusive: bool  # True: a note is checked only by the first definition covering it
    default: CheckDef | None  # the built-in instance that runs when no definition covers a note
    needs_text: bool  # the kind reads Note.text (kept only for the notes it covers)
    checks_templates: bool  # False: template notes only when a definition's `paths` name them (SPEC §3)

    def parse(self, raw: dict[str, Any], source: str) -> Any:
        """Validate this kind's parameters; raise ConfigError naming `source` and the key."""
        ...

    def needs(self, check: CheckDef, vault: VaultIndex, notes: Sequence[Note]) -> Iterable[str]:
        """The paths of the other notes `run` reads from `vault.notes` for these notes: the engine loads
        them first, so that a kind never touches the file system."""
        ...

    def run(self, check: CheckDef, vault: VaultIndex, notes: Sequence[Note]) -> Iterable[Finding]:
        """Findings for `notes`, all covered by `check`; `vault` is the whole vault, in memory."""
        ...
