"""An unchanged vault asked the same question gets the same answer.

The output of the last few `vaultkit check` runs is kept in the cache folder with the stamp (size,
mtime, inode) of every file of the vault it was computed from, and given again while they all match:
an unchanged vault is answered without importing the checks, loading the index or formatting a finding.
A note changed within the two seconds before an answer was computed may change again without changing
its stamp (a second save within the same clock tick): its content is part of the answer's key too.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vaultkit.config import Config, Selection
from vaultkit.store.cache import RACY_NS, cache_dir, read_cache_file, version_tag, write_cache_file
from vaultkit.vault import VaultFiles, read_note, scan_vault

ANSWERS_KEPT = 8  # the last few questions (the whole vault, a pre-commit run, an editor's file...)
RACY_READ_LIMIT = 64  # notes read again to prove an answer still holds; more: not worth it


@dataclass(eq=False, repr=False)
class Question:
    """One `vaultkit check` question about the vault as just scanned, and its answer when it is known."""

    vault: Path
    files: VaultFiles  # the scan the question was asked over: a check that follows reuses it
    query: str
    state: bytes | None  # None: the vault changes too fast for an answer to be kept
    known: tuple[bytes, int] | None  # the output (UTF-8) and exit code given last time, still true

    @property
    def answer(self) -> tuple[bytes, int]:
        assert self.known is not None, "asked for an answer neither known nor kept"
        return self.known

    def keep(self, output: bytes, code: int) -> None:
        """Keep the answer computed for this question (for the next run, when the vault holds still)."""
        self.known = (output, code)
        if self.state is not None:
            save_answer(self.vault, self.query, self.state, output, code)


def ask(
    config: Config, paths: Sequence[Path], question: str, selection: Selection, files: VaultFiles | None = None
) -> Question:
    """The question (`question`: how the output is rendered) over the vault as it is now (`files`: as just
    scanned), with the answer last given while every file of the vault was as it is now, if any."""
    files = files or scan_vault(config.vault, config.exclude_regex, staged=config.staged)
    state = vault_state(config, files)
    query = repr((config.fingerprint(), question, selection.key(), [os.path.realpath(path) for path in paths]))
    known = load_answer(config.vault, query, state) if state is not None else None
    return Question(config.vault, files, query, state, known)


def vault_state(config: Config, files: VaultFiles) -> bytes | None:
    """Everything about the vault's files an answer depends on: every file's stamp, and the content of
    the notes changed too recently for their stamp to be trusted (a second save within the same clock
    tick keeps it), as a digest. None when there are too many of those to be worth reading twice."""
    columns = tuple(zip(*files.notes.values(), strict=True)) or ((), (), (), ())  # paths, sizes, mtimes, inodes
    recent = files.started_ns - RACY_NS
    racy = []
    if max(columns[2], default=0) >= recent:
        racy = [note for note in files.notes.values() if note.mtime_ns >= recent]
    if len(racy) > RACY_READ_LIMIT:
        return None
    contents = tuple((note.path, _digest(read_note(config.vault, note, config.max_note_size))) for note in racy)
    skipped = tuple(sorted((path, finding.message) for path, finding in files.skipped.items()))
    excluded = tuple(sorted(files.excluded))
    everything = (columns, tuple(sorted(files.attachments)), excluded, skipped, contents, tuple(sorted(files.absent)))
    return _digest(marshal.dumps(everything, 2))  # version 2: no back-references, the same bytes every run


def _digest(data: bytes | str) -> bytes:
    content = data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape")
    return hashlib.blake2b(content, digest_size=16).digest()


def load_answer(vault: Path, query: str, state: bytes) -> tuple[bytes, int] | None:
    """The output and exit code last given for `query`, if every file is as it was then."""
    data = read_cache_file(_answer_path(vault, query), version_tag(query))
    if isinstance(data, tuple) and len(data) == 3 and data[0] == state:
        output, code = data[1:]
        if isinstance(output, bytes) and isinstance(code, int):
            return output, code
    return None


def save_answer(vault: Path, query: str, state: bytes, output: bytes, code: int) -> None:
    path = _answer_path(vault, query)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_cache_file(path, marshal.dumps((version_tag(query), (state, output, code))))
        kept = sorted(path.parent.glob("answer-*.bin"), key=lambda each: each.stat().st_mtime_ns, reverse=True)
        for old in kept[ANSWERS_KEPT:]:
            old.unlink()
    except (OSError, ValueError):
        pass


def _answer_path(vault: Path, query: str) -> Path:
    name = hashlib.blake2b(query.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return cache_dir(vault) / f"answer-{name}.bin"
