"""Colour for text output, decided as ruff and CPython decide it.

`--color always|never` wins; with `auto` (the default) `NO_COLOR` (set and not empty) turns colour off,
then `FORCE_COLOR` (set and not empty) turns it on, then colour is on when the output is a terminal
whose TERM is not `dumb`. Only text output is ever painted: JSON, SARIF and GitHub annotations are for
programs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

CHOICES = ("auto", "always", "never")
BOLD, RED, YELLOW, RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[1;33m", "\x1b[0m"


def use_colour(choice: str, is_terminal: bool, env: Mapping[str, str] | None = None) -> bool:
    if choice != "auto":
        return choice == "always"
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return is_terminal and env.get("TERM") != "dumb"


def bold(text: str) -> str:
    return f"{BOLD}{text}{RESET}"


def code(text: str, severity: str) -> str:
    return f"{RED if severity == 'error' else YELLOW}{text}{RESET}"
