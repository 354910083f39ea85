"""Configurations already found valid: checked against the schema once, not on every run.

Validating with jsonschema costs its import (about 50 ms) on every `vaultkit check` of a vault with a
configuration file, which is most of a warm run. A file whose settings have passed is remembered by a
digest of those settings, the schema and vaultkit's version, in the cache folder; while nothing of that
changes, it is known valid. A memo that cannot be read or written only costs the check again.
"""

from __future__ import annotations

import marshal

from vaultkit.store.cache import cache_root, read_cache_file, version_tag
from vaultkit.vault import write_atomically

KEPT = 64  # digests remembered (configuration files and check definitions of the last vaults checked)
_TAG = version_tag("valid configurations")


class ValidConfigurations:
    """The memo `config.schema.validate` asks before it validates, and tells after."""

    def __init__(self) -> None:
        self.path = cache_root() / "valid-configurations.bin"
        self._known: list[bytes] | None = None
        self._added = False

    def _digests(self) -> list[bytes]:
        if self._known is None:
            data = read_cache_file(self.path, _TAG)
            self._known = [item for item in data if isinstance(item, bytes)] if isinstance(data, list) else []
        return self._known

    def known(self, digest: bytes) -> bool:
        return digest in self._digests()

    def remember(self, digest: bytes) -> None:
        known = self._digests()
        if digest not in known:
            known.append(digest)
            del known[:-KEPT]
            self._added = True

    def save(self) -> None:
        if not self._added:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, marshal.dumps((_TAG, self._digests())))
        except (OSError, ValueError):
            pass
        self._added = False
