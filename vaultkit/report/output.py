"""Where output goes: stdout and stderr as UTF-8 whatever the locale (findings name Chinese files), or the
`--output-file`, and whether text there is painted."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

from vaultkit.model import ConfigError
from vaultkit.report.colour import use_colour


def write(text: str | bytes, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text if isinstance(text, str) else text.decode("utf-8"))
    else:
        stream.flush()
        buffer.write(text.encode("utf-8", errors="replace") if isinstance(text, str) else text)
    stream.flush()


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        write(f"vaultkit: warning: {warning}\n", err=True)


class Output(NamedTuple):
    """The report's destination (stdout, or `--output-file`) and `--color`."""

    file: Path | None = None
    colour_choice: str = "auto"

    @property
    def painted(self) -> bool:
        """Colour where it will be read: on a terminal (a file never is one), unless NO_COLOR and so on."""
        return use_colour(self.colour_choice, self.file is None and sys.stdout.isatty())

    def emit(self, text: str | bytes) -> None:
        if self.file is None:
            write(text)
            return
        data = text.encode("utf-8", errors="replace") if isinstance(text, str) else text
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            self.file.write_bytes(data)
        except OSError as problem:
            raise ConfigError(f"{self.file}: cannot write the report: {problem.strerror or problem}") from None
