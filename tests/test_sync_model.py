"""Model-based sync test: two clones driven through seeded random sequences of what users do — edit, create,
delete, rename, case-only rename, folder move, a file against a folder of the same name, the same new name
on both sides — interleaved with syncs and SIGKILLs of vaultkit (at its fault points and at random moments)
and of its git children (before, while and after they run). After each sequence both clones settle and the
invariant of gitrepos holds (every live version a file in both trees, every committed version reachable,
nothing committed that no one saved, fsck clean, no journal, lock or merge state).

A failing run names its seed and the operations; every seed that ever failed is kept in FAILED_SEEDS.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import slow_except
from gitrepos import CONFLICT_COPY, Clone, GitShim, World

# Every seed that ever failed, kept as a fixed case (seed, steps per sequence, sequences), with what it found.
FAILED_SEEDS: list[tuple[int, int, int]] = [
    (1, 12, 2),  # a file against a folder of the same name: the file vanished from both clones
    (6, 12, 2),  # case-only renames, then a rename back with an edit against an edit: the edit was lost
    (7, 12, 2),  # a file against a folder of the same name (Projects/b.md): the file was lost
    (8, 12, 2),  # after a kill, `git add` of a path that had vanished blocked every later commit
    (12, 12, 2),  # a file against a folder again, from the folder's side
    (2, 12, 2),  # criss-cross merges: merge-tree's virtual base brought conflict markers into a merged note
]
SHORT_RUN: list[tuple[int, int, int]] = []
# Seeds the long run found: each a fixed case of the long run (they take too long for every run), and each
# bug they found also has a scenario test of its own in test_sync_scenarios.py.
FAILED_LONG_SEEDS: list[tuple[int, int, int]] = [
    (1018, 20, 3),  # `git commit` killed after it committed: the index was left behind HEAD, "staged changes"
    (2005, 20, 3),  # a killed `rev-parse` in recovery read as "no such branch": the finished commit was dropped
    (2008, 20, 3),  # an `update-ref` of a backup ref killed while writing it left its .lock in refs/vaultkit/
]
LONG_RUN_SECONDS = 600.0

FAULT_STEPS = [
    "after-commit",
    "after-fetch",
    "during-checkout",
    "after-read-tree",
    "after-update-ref",
    "before-push",
    "after-push",
]
FOLDERS = ["", "Projects/", "Projects/sub/", "Archive/", "Notes/"]
NAMES = ["a.md", "b.md", "B.md", "idea.md", unicodedata.normalize("NFC", "café.md"), "Plan", "assets"]
NAMES.append(unicodedata.normalize("NFD", "café.md"))


class Sequence:
    """One seeded run over a World, with a log of every operation for the failure message."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.log: list[str] = []
        self.shim = GitShim(world.tmp / "shim")

    # what exists in a clone

    def notes(self, clone: Clone) -> list[str]:
        return sorted(clone.files())

    def folders(self, clone: Clone) -> list[str]:
        found = set()
        for path in clone.files():
            parts = path.split("/")[:-1]
            found.update("/".join(parts[: n + 1]) for n in range(len(parts)))
        return sorted(found)

    def free_path(self, clone: Clone) -> str | None:
        """A path where a new file can be created in `clone` (no file or folder in the way)."""
        for _ in range(20):
            path = self.rng.choice(FOLDERS) + self.rng.choice(NAMES)
            if self.fits(clone, path):
                return path
        return None

    def fits(self, clone: Clone, path: str) -> bool:
        target = clone.path / path
        if os.path.lexists(target):
            return False
        parent = target.parent
        while parent != clone.path:
            if os.path.lexists(parent) and not parent.is_dir():
                return False
            parent = parent.parent
        return True

    # operations

    def step(self) -> None:
        clone = self.rng.choice((self.world.a, self.world.b))
        other = self.world.b if clone is self.world.a else self.world.a
        operation = self.rng.choices(
            ["edit", "create", "delete", "rename", "case", "move", "clash", "same", "sync", "kill"],
            weights=[14, 12, 6, 8, 4, 4, 4, 4, 22, 10],
        )[0]
        getattr(self, operation)(clone, other)

    def note(self, text: str) -> None:
        self.log.append(text)

    def edit(self, clone: Clone, other: Clone) -> None:
        files = self.notes(clone)
        if files:
            path = self.rng.choice(files)
            clone.write(path)
            self.note(f"{clone.name}: edit {path}")

    def create(self, clone: Clone, other: Clone) -> None:
        path = self.free_path(clone)
        if path is not None:
            clone.write(path)
            self.note(f"{clone.name}: create {path}")

    def delete(self, clone: Clone, other: Clone) -> None:
        files = self.notes(clone)
        if files:
            path = self.rng.choice(files)
            clone.delete(path)
            self.note(f"{clone.name}: delete {path}")

    def rename(self, clone: Clone, other: Clone) -> None:
        files = self.notes(clone)
        target = self.free_path(clone)
        if files and target is not None:
            path = self.rng.choice(files)
            clone.rename(path, target)
            self.note(f"{clone.name}: rename {path} -> {target}")

    def case(self, clone: Clone, other: Clone) -> None:
        files = [path for path in self.notes(clone) if path.rpartition("/")[2].swapcase() != path.rpartition("/")[2]]
        if files:
            path = self.rng.choice(files)
            folder, _, name = path.rpartition("/")
            stem, dot, suffix = name.partition(".")
            target = (folder + "/" if folder else "") + stem.swapcase() + dot + suffix
            if target != path and self.fits(clone, target):
                clone.rename(path, target)
                self.note(f"{clone.name}: case-only rename {path} -> {target}")

    def move(self, clone: Clone, other: Clone) -> None:
        folders = self.folders(clone)
        if folders:
            folder = self.rng.choice(folders)
            target = self.rng.choice(["Archive/", "Old/", "Projects/", ""]) + self.rng.choice(["Projects", "Moved"])
            if not target.startswith(folder) and self.fits(clone, target):
                clone.rename(folder, target)
                self.note(f"{clone.name}: move folder {folder} -> {target}")

    def clash(self, clone: Clone, other: Clone) -> None:
        """A file here where the other clone has a folder of that name, or the other way round."""
        theirs = self.folders(other)
        files = [path for path in self.notes(other) if "/" not in path or self.rng.random() < 0.5]
        if theirs and self.rng.random() < 0.5:
            path = self.rng.choice(theirs)
            if self.fits(clone, path):
                clone.write(path)
                self.note(f"{clone.name}: file {path} (a folder in {other.name})")
        elif files:
            path = self.rng.choice(files) + "/inside.md"
            if self.fits(clone, path):
                clone.write(path)
                self.note(f"{clone.name}: folder note {path} (a file in {other.name})")

    def same(self, clone: Clone, other: Clone) -> None:
        path = self.free_path(clone)
        if path is not None and self.fits(other, path):
            clone.write(path)
            other.write(path)
            self.note(f"both: create {path}")

    def sync(self, clone: Clone, other: Clone) -> None:
        result = clone.sync()
        self.note(f"{clone.name}: sync -> {result.state}")
        assert result.killed is False and "Traceback" not in result.stderr, result

    def kill(self, clone: Clone, other: Clone) -> None:
        how = self.rng.choice(["fault", "git-child", "timer"])
        if how == "fault":
            step = self.rng.choice(FAULT_STEPS)
            result = clone.sync(fault=step)
            self.note(f"{clone.name}: sync killed at {step} -> {result.state or result.code}")
        elif how == "git-child":
            when = self.rng.choice(["before", "during", "after"])
            at = self.rng.randint(1, 24)
            delay = f"{self.rng.choice([0, 0.005, 0.02, 0.05]):g}"
            env = self.shim.env(VK_KILL_AT=str(at), VK_KILL_WHEN=when, VK_KILL_DELAY=delay)
            result = clone.sync(env=env)
            killed = next((line for line in self.shim.log().splitlines() if line.split(" ", 1)[0] == str(at)), "-")
            self.note(
                f"{clone.name}: sync, git call {at} killed {when} ({delay} s) -> {result.state or result.code}"
                f" [{killed[:80]}]"
            )
        else:
            delay = self.rng.uniform(0.05, 0.6)
            process = clone.start_sync()
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            result = clone.finish_sync(process)
            self.note(f"{clone.name}: sync killed after {delay:.2f} s -> {result.state or result.code}")
        assert "Traceback" not in result.stderr, result

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()
        self.note("settle")
        self.world.settle()
        self.world.assert_nothing_lost(only_saved_committed=True)


def run_seed(tmp_path: Path, seed: int, steps: int, sequences: int) -> None:
    world = World(tmp_path)
    sequence = Sequence(world, random.Random(seed))
    try:
        for _ in range(sequences):
            sequence.run(steps)
    except AssertionError as failure:
        raise AssertionError(
            f"seed {seed} failed after:\n" + "\n".join(sequence.log) + f"\n\n{failure}\n\nlast syncs:\n"
            f"{world.history()}"
        ) from None
    copies = [path for path in world.a.files() if CONFLICT_COPY.search(path)]
    assert sorted(copies) == sorted(path for path in world.b.files() if CONFLICT_COPY.search(path))


@pytest.mark.parametrize(("seed", "steps", "sequences"), slow_except(FAILED_SEEDS + SHORT_RUN, FAILED_SEEDS[:2]))
def test_random_sequences_keep_every_version(tmp_path: Path, seed: int, steps: int, sequences: int) -> None:
    run_seed(tmp_path, seed, steps, sequences)


@pytest.mark.slow
def test_random_sequences_keep_every_version_long(tmp_path: Path) -> None:
    for seed, steps, sequences in FAILED_LONG_SEEDS:
        run_seed(tmp_path / f"fixed-{seed}", seed, steps, sequences)
    deadline = time.monotonic() + LONG_RUN_SECONDS
    seed = 2000
    while time.monotonic() < deadline:
        seed += 1
        run_seed(tmp_path / str(seed), seed, steps=20, sequences=3)
