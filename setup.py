"""Build vaultkit's compiled scanner, vaultkit/parse/_scanner.pyx, with Cython and the machine's C compiler.

Everything else about the package is in pyproject.toml. As msgpack and aiohttp ship their extensions, a
failed build of the extension is not a failed install: without a C compiler vaultkit runs its pure-Python
scanner, which gives the same findings, more slowly. VAULTKIT_NO_EXTENSIONS=1 skips the build.

The extension carries digests of the sources it was built from (its own and the pure-Python scanner it
twins); vaultkit.parse.scanner uses it only while they still match, so a tree edited since the last
build never runs a compiled scanner out of step with the reference.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
PARSE = HERE / "vaultkit" / "parse"
REFERENCE = ("blocks.py", "inline.py", "scanner.py", "types.py")  # what the compiled scanner must equal


def digest(names: tuple[str, ...]) -> str:
    """The same digest vaultkit.parse.scanner computes of the installed files."""
    summed = hashlib.blake2b(digest_size=12)
    for name in names:
        summed.update((PARSE / name).read_bytes().replace(b"\r\n", b"\n"))
    return summed.hexdigest()


class OptionalBuildExt(build_ext):
    """Builds the extension when it can; when it cannot, says so in one line and lets the install go on."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # no compiler at all, or a platform setuptools cannot compile on
            self._skipped(error)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:  # the compiler failed or could not be run
            self._skipped(error)

    def _skipped(self, error: Exception) -> None:
        detail = str(error).strip().splitlines()[-1:] or [type(error).__name__]
        sys.stderr.write(
            f"note: vaultkit's compiled scanner was not built ({detail[0]}); "
            "the pure-Python scanner gives the same results\n"
        )


def extensions() -> list[Extension]:
    if os.environ.get("VAULTKIT_NO_EXTENSIONS", "") not in ("", "0") or sys.implementation.name != "cpython":
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:  # a build without its declared requirements (no isolation): pure Python
        return []
    macros = [
        ("VAULTKIT_REFERENCE_DIGEST", f'"{digest(REFERENCE)}"'),
        ("VAULTKIT_SOURCE_DIGEST", f'"{digest(("_scanner.pyx",))}"'),
    ]
    extension = Extension("vaultkit.parse._scanner", ["vaultkit/parse/_scanner.pyx"], define_macros=macros)
    return list(cythonize([extension], build_dir="build/cython", language_level=3, quiet=True))


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
