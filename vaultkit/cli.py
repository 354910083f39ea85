"""The command line: parse options, call the core, print, return an exit code. Nothing else lives here."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from vaultkit import __version__
from vaultkit.check import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from vaultkit.model import ConfigError
from vaultkit.report.colour import CHOICES as COLOUR_CHOICES
from vaultkit.report.output import write
from vaultkit.rules import RULES, expand_codes

FORMATS = ("text", "json", "sarif", "github")


def _codes(values: Sequence[str], option: str) -> set[str] | None:
    """A `--select`/`--ignore` option, repeated or comma-separated: the codes add up (as ruff's)."""
    if not values:
        return None
    from vaultkit.config import selection_option

    try:
        return selection_option(values, option)
    except ValueError as problem:
        raise click.UsageError(str(problem)) from None


vault_option = click.option(
    "--vault", type=click.Path(file_okay=False, path_type=Path), help="Vault root (default: from config or PATH)."
)
config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The whole configuration (nested configuration files are not read).",
)
debug_option = click.option(  # read by main() before click runs, so that it covers click itself
    "--debug", is_flag=True, expose_value=False, help="Show tracebacks of internal errors."
)
select_option = click.option(
    "--select", multiple=True, help="Only these codes, prefixes or names (comma-separated; repeat to add)."
)
ignore_option = click.option(
    "--ignore", multiple=True, help="Leave out these codes, prefixes or names (comma-separated; repeat to add)."
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
@select_option
@ignore_option
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--fix", is_flag=True, help="Apply safe fixes; the exit code reflects what is left.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff (or JSON); write nothing.")
@click.option("--statistics", is_flag=True, help="Count the findings of each code instead of listing them.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--color", type=click.Choice(COLOUR_CHOICES), default="auto", show_default=True, help="Colour text.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--no-cache", is_flag=True, help="Read and parse every note; do not use or update the cache.")
@click.option(
    "--staged/--no-staged",
    default=None,
    help="The vault is what git's index holds (the commit being made); on by itself under pre-commit.",
)
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
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    fix: bool,
    diff: bool,
    statistics: bool,
    output_file: Path | None,
    color: str,
    exit_zero: bool,
    quiet: bool,
    no_cache: bool,
    staged: bool | None,
    staged_removals: bool,
) -> int:
    """Index the whole vault and report findings for PATHS (default: the whole vault)."""
    from vaultkit.check import CheckRequest, run_check
    from vaultkit.report.output import Output
    from vaultkit.vault.given import check_given

    if fix and diff:
        raise click.UsageError("--fix and --diff cannot be combined: --diff shows what --fix would write")
    for option, wanted in (("--diff", diff), ("--statistics", statistics)):
        if wanted and output_format not in ("text", "json"):
            what = "a unified diff (text) or JSON" if option == "--diff" else "text or JSON"
            raise click.UsageError(f"{option} prints {what}, not --format {output_format}")
    if diff and statistics:
        raise click.UsageError("--diff and --statistics cannot be combined")
    check_given(paths)
    request = CheckRequest(
        paths=paths,
        config_file=config_file,
        vault=vault,
        select=_codes(select, "--select"),
        ignore=frozenset(_codes(ignore, "--ignore") or ()),
        output_format=output_format,
        fix=fix,
        diff=diff,
        statistics=statistics,
        output=Output(output_file, color),
        exit_zero=exit_zero,
        quiet=quiet,
        use_cache=not no_cache,
        staged=staged,
        staged_removals=staged_removals,
    )
    return run_check(request)


@cli.command()
@vault_option
@config_option
@select_option
@ignore_option
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
    select: tuple[str, ...],
    ignore: tuple[str, ...],
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
@vault_option
@debug_option
def init(vault: Path | None) -> int:
    """Write a starter .vaultkit.yaml for the vault around the current folder (never over an existing one)."""
    from vaultkit.config.init import write_starter

    written = write_starter(vault)
    write(f"wrote {written}\n")
    return EXIT_OK


@cli.command()
@click.argument("code")
def explain(code: str) -> int:
    """The long help of one code (or its name): what it finds, why it matters, an example, the fix."""
    codes, unknown = expand_codes([code])
    if unknown or len(codes) != 1:
        raise click.UsageError(f"unknown code '{code}' (see 'vaultkit rules')")
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
        write(f"vaultkit: error: {_one_line(problem)}\n", err=True)
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


def _one_line(problem: click.ClickException) -> str:
    """A usage error as one line (click's own take four): what is wrong, and where to read more."""
    no_such_command = getattr(click.exceptions, "NoSuchCommand", ())  # click 8.4 and later
    if isinstance(problem, click.exceptions.NoSuchOption | no_such_command):
        name = str(getattr(problem, "option_name", None) or getattr(problem, "command_name", ""))
        near = [choice for choice in problem.possibilities or [] if choice != "--help"]
        quoted = name if name.startswith("-") else f"'{name}'"
        what = "option" if name.startswith("-") else "command"
        message = f"no such {what}: {quoted}"
        if near:
            message += f" (did you mean {near[0] if name.startswith('-') else repr(near[0])}?)"
    else:
        message = problem.format_message().replace("\n", " ").rstrip(".")
        message = message[:1].lower() + message[1:]
    context = getattr(problem, "ctx", None)
    if context is not None and isinstance(problem, click.UsageError) and type(problem) is not click.UsageError:
        message += f"; see '{context.command_path} --help'"  # click's own: vaultkit's say where to look
    return message


if __name__ == "__main__":
    raise SystemExit(main())
