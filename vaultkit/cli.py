"""The command line: parse options, call the core, print, return an exit code. Nothing else lives here."""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vaultkit import __version__
from vaultkit.model import ConfigError
from vaultkit.rules import RULES, UnknownCode, codes_of, expand_codes

if TYPE_CHECKING:
    from vaultkit.engine import CheckRun

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
FORMATS = ("text", "json", "sarif", "github")


def write(text: str | bytes, err: bool = False) -> None:
    """UTF-8 output whatever the locale: findings name Chinese files."""
    stream = sys.stderr if err else sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text if isinstance(text, str) else text.decode("utf-8"))
    else:
        stream.flush()
        buffer.write(text.encode("utf-8", errors="replace") if isinstance(text, str) else text)
    stream.flush()


class Progress:
    """`indexed 4,096/10,000 notes` on stderr, for runs over a second, when stderr is a terminal."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and time.monotonic() - self.started > 1.0:
            write(f"\rvaultkit: indexed {done:,}/{total:,} notes", err=True)
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            write("\r\033[K", err=True)
            self.shown = False


def _codes(value: str | None, option: str) -> set[str] | None:
    if value is None:
        return None
    try:
        return codes_of(value)
    except UnknownCode as unknown:
        raise click.UsageError(f"{option}: unknown code '{unknown}' (see `vaultkit rules`)") from None


vault_option = click.option(
    "--vault", type=click.Path(file_okay=False, path_type=Path), help="Vault root (default: from config or PATH)."
)
config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Configuration file."
)
debug_option = click.option(  # read by main() before click runs, so that it covers click itself
    "--debug", is_flag=True, expose_value=False, help="Show tracebacks of internal errors."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="vaultkit")
@debug_option
def cli() -> None:
    """Keep an Obsidian-style Markdown vault healthy: lint it, watch it, sync it through git."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@vault_option
@config_option
@click.option("--select", help="Only these codes, prefixes or names (comma-separated).")
@click.option("--ignore", help="Leave out these codes, prefixes or names (comma-separated).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--fix", is_flag=True, help="Apply safe fixes; the exit code reflects what is left.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--no-cache", is_flag=True, help="Read and parse every note; do not use or update the cache.")
@click.option(
    "--staged-removals",
    is_flag=True,
    help="Only link findings caused by the deletions and renames staged in git (the vaultkit-vault hook).",
)
@debug_option
def check(
    paths: tuple[Path, ...],
    vault: Path | None,
    config_file: Path | None,
    select: str | None,
    ignore: str | None,
    output_format: str,
    fix: bool,
    diff: bool,
    exit_zero: bool,
    quiet: bool,
    no_cache: bool,
    staged_removals: bool,
) -> int:
    """Index the whole vault and report findings for PATHS (default: the whole vault)."""
    from vaultkit.config import Selection, load_config

    if fix and diff:
        raise click.UsageError("--fix and --diff cannot be combined: --diff shows what --fix would write")
    config = load_config(config_file=config_file, vault=vault, paths=paths)
    selection = Selection.of(config, _codes(select, "--select"), _codes(ignore, "--ignore") or ())
    progress = Progress()

    def render(run: CheckRun) -> tuple[str, int]:
        from vaultkit.report import REPORTERS, ReportContext

        progress.clear()
        context = ReportContext(run.notes_checked, _prefix(config.vault))
        output = REPORTERS[output_format](run.findings, context)
        if quiet and output_format == "text":
            output = "".join(line for line in output.splitlines(keepends=True) if ": " in line[:-1])
        has_errors = any(finding.severity == "error" for finding in run.findings)
        return output, EXIT_FINDINGS if has_errors and not exit_zero else EXIT_OK

    if not (no_cache or fix or diff or staged_removals):  # a question the cache may have answered before
        from vaultkit.store.answers import ask

        asked = ask(config, paths, repr((output_format, quiet, exit_zero, _prefix(config.vault))), selection)
        _warn(asked.files.warnings)
        if asked.known is None:
            from vaultkit.engine import check_vault  # not needed for an answer already known

            text, code = render(check_vault(config, paths, selection=selection, progress=progress, files=asked.files))
            asked.keep(text.encode("utf-8", errors="replace"), code)
        answer, answered_code = asked.answer
        write(answer)
        return answered_code
    from vaultkit.engine import check_vault

    removed = None
    if staged_removals:
        from vaultkit.vault.git import staged_removals as removals_in_git

        removed = removals_in_git(config.vault)
    run = check_vault(config, paths, selection=selection, use_cache=not no_cache, progress=progress, removed=removed)
    _warn(run.files.warnings)
    if fix or diff:
        from vaultkit.fix import apply_fixes

        changed, patch = apply_fixes(config.vault, run.findings, write=fix)
        if diff:
            write(patch)
            return EXIT_OK if exit_zero or not patch else EXIT_FINDINGS
        if changed:
            run = check_vault(config, paths, selection=selection, use_cache=not no_cache)
    output, code = render(run)
    write(output)
    return code


def _warn(warnings: Sequence[str]) -> None:
    for warning in warnings:
        write(f"vaultkit: warning: {warning}\n", err=True)


def _prefix(root: Path) -> str:
    """The vault root as CI tools expect paths: relative to the working directory when inside it."""
    try:
        relative = root.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return ""
    text = relative.as_posix()
    return "" if text == "." else text + "/"


@cli.command()
@vault_option
@config_option
@click.option("--select", help="Only these codes, prefixes or names (comma-separated).")
@click.option("--ignore", help="Leave out these codes, prefixes or names (comma-separated).")
@click.option("--format", "output_format", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.option("--debounce", type=click.FloatRange(min=0), default=0.2, show_default=True, help="Seconds of quiet.")
@click.option("--rescan", type=click.FloatRange(min=1), default=300.0, show_default=True, help="Full rescan period.")
@click.option("--polling", is_flag=True, help="Poll the file system instead of using native events.")
@click.option("--no-cache", is_flag=True, help="Do not use or update the cache.")
@click.option("--no-sync", is_flag=True, help="Only lint; do not commit, pull or push.")
@debug_option
def watch(
    vault: Path | None,
    config_file: Path | None,
    select: str | None,
    ignore: str | None,
    output_format: str,
    debounce: float,
    rescan: float,
    polling: bool,
    no_cache: bool,
    no_sync: bool,
) -> int:
    """Stay running: re-check on every change, print what appeared and disappeared, sync through git."""
    from vaultkit.watch import WatchOptions
    from vaultkit.watch import watch as run_watch

    options = WatchOptions(
        output_format=output_format,
        debounce=debounce,
        rescan=rescan,
        polling=polling,
        use_cache=not no_cache,
        select=_codes(select, "--select"),
        ignore=_codes(ignore, "--ignore") or set(),
        sync=not no_sync,
    )
    return run_watch(config_file=config_file, vault=vault, options=options, write=write)


@cli.command()
@vault_option
@config_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@debug_option
def sync(vault: Path | None, config_file: Path | None, output_format: str) -> int:
    """One sync cycle: commit, fetch, integrate, push. Exit 0 when done, 1 when it could not finish."""
    from vaultkit.config import load_config
    from vaultkit.sync import run_sync_command

    config = load_config(config_file=config_file, vault=vault)
    return run_sync_command(config.vault, config.sync, output_format, write)


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(output_format: str) -> int:
    """List every check code with its name, default severity and one line of help."""
    if output_format == "json":
        import json

        records = [
            {"code": r.code, "name": r.name, "severity": r.severity, "fixable": r.fixable, "summary": r.summary}
            for r in RULES.values()
        ]
        write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    width = max(len(rule.name) for rule in RULES.values())
    lines = [
        f"{rule.code}  {rule.name:<{width}}  {rule.severity:<7}  {'fix ' if rule.fixable else '    '} {rule.summary}"
        for rule in RULES.values()
    ]
    write("\n".join(lines) + "\n")
    return EXIT_OK


@cli.command()
@click.argument("code")
def explain(code: str) -> int:
    """The long help of one code (or its name): what it finds, why it matters, an example, the fix."""
    codes, unknown = expand_codes([code])
    if unknown or len(codes) != 1:
        raise click.UsageError(f"unknown code '{code}' (see `vaultkit rules`)")
    write(RULES[codes.pop()].explain() + "\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("VAULTKIT_DEBUG") == "1"
    try:
        result: Any = cli.main(args=args, prog_name="vaultkit", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as problem:
        problem.show()
        return EXIT_ERROR
    except (KeyboardInterrupt, click.exceptions.Abort):
        write("vaultkit: interrupted\n", err=True)
        return EXIT_INTERRUPTED
    except ConfigError as problem:
        write(f"vaultkit: error: {problem}\n", err=True)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception as problem:  # a bug: one line, the traceback only when asked
        if debug:
            traceback.print_exc()
        else:
            write(f"vaultkit: internal error: {type(problem).__name__}: {problem} (run with --debug)\n", err=True)
        return EXIT_ERROR
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
