"""One `vaultkit check`: the configuration (nested ones from the scan), the answer (from the cache while
the vault is as it was), fixes, and the report in the format asked for. The command line only parses
options into a CheckRequest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from vaultkit.model import ConfigError
from vaultkit.report.output import Output, warn, write
from vaultkit.report.progress import Progress

if TYPE_CHECKING:
    from vaultkit.engine import CheckRun

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130  # SPEC §1, for every command


class CheckRequest(NamedTuple):
    paths: tuple[Path, ...] = ()
    config_file: Path | None = None
    vault: Path | None = None
    select: set[str] | None = None  # None: the configuration's
    ignore: frozenset[str] = frozenset()  # added to the configuration's
    output_format: str = "text"
    fix: bool = False
    diff: bool = False
    statistics: bool = False
    output: Output = Output()
    exit_zero: bool = False
    quiet: bool = False
    use_cache: bool = True
    staged: bool | None = None  # None: when pre-commit runs vaultkit
    staged_removals: bool = False


def run_check(request: CheckRequest) -> int:
    """Check, print (or write) the report, return the exit code."""
    from vaultkit.config import Selection, load_config, with_nested
    from vaultkit.store.valid import ValidConfigurations
    from vaultkit.vault import scan_vault
    from vaultkit.vault.git import in_pre_commit, work_tree
    from vaultkit.vault.given import unchecked_paths

    memo = ValidConfigurations()
    config = load_config(config_file=request.config_file, vault=request.vault, paths=request.paths, memo=memo)
    for option, wanted in (("--staged", request.staged), ("--staged-removals", request.staged_removals)):
        if wanted and work_tree(config.vault) is None:
            raise ConfigError(f"{option}: {config.vault} is not in a git repository")
    if request.staged or (request.staged is None and in_pre_commit() and work_tree(config.vault) is not None):
        config = config._replace(staged=True)
    progress = Progress(lambda text: write(text, err=True), enabled=False if request.quiet else None)
    files = scan_vault(config.vault, config.exclude_regex, staged=config.staged, progress=progress)
    config = with_nested(config, files.config_files, memo)
    memo.save()
    selection = Selection.of(config, request.select, request.ignore)
    report = _Report(request, config.vault, progress)
    progress.clear()
    warn([*files.warnings, *unchecked_paths(config.vault, request.paths, files)])
    if request.use_cache and not (request.fix or request.diff or request.staged_removals):
        from vaultkit.store.answers import ask  # a question the cache may have answered before

        asked = ask(config, request.paths, report.question(), selection, files)
        if asked.known is None:
            from vaultkit.engine import check_vault  # not needed for an answer already known

            run = check_vault(config, request.paths, selection=selection, progress=progress, files=files)
            text, code = report.render(run)
            asked.keep(text.encode("utf-8", errors="replace"), code)
        answer, answered_code = asked.answer
        request.output.emit(answer)
        return answered_code
    from vaultkit.engine import check_vault

    removed = None
    if request.staged_removals:
        from vaultkit.vault.git import staged_removals

        removed = staged_removals(config.vault)
    run = check_vault(
        config,
        request.paths,
        selection=selection,
        use_cache=request.use_cache,
        progress=progress,
        removed=removed,
        files=files,
    )
    if not (request.fix or request.diff):
        output, code = report.render(run)
        request.output.emit(output)
        return code
    from vaultkit.fix import apply_fixes

    fixed = apply_fixes(config.vault, run.findings, write=request.fix)
    progress.clear()
    if request.diff:
        from vaultkit.report.fixes import diff_json

        request.output.emit(diff_json(fixed) if request.output_format == "json" else "".join(f.diff for f in fixed))
        return EXIT_OK if request.exit_zero or not fixed else EXIT_FINDINGS
    if fixed:
        files = scan_vault(config.vault, config.exclude_regex, staged=config.staged)
        run = check_vault(
            config, request.paths, selection=selection, use_cache=request.use_cache, progress=progress, files=files
        )
    output, code = report.render(run, fixed)
    request.output.emit(output)
    return code


class _Report:
    """The report of a run, in the request's format."""

    def __init__(self, request: CheckRequest, root: Path, progress: Progress) -> None:
        self.request = request
        self.prefix = _prefix(root)
        self.painted = request.output.painted and request.output_format == "text"
        self.progress = progress

    def question(self) -> str:
        """How the output is rendered: an answer kept for one rendering is not given for another."""
        request = self.request
        return repr(
            (request.output_format, request.quiet, request.exit_zero, request.statistics, self.painted, self.prefix)
        )

    def render(self, run: CheckRun, fixed: Sequence[tuple[str, int, str]] | None = None) -> tuple[str, int]:
        from vaultkit.report import REPORTERS, ReportContext, summary, summary_line, text_line
        from vaultkit.report.fixes import fix_summary
        from vaultkit.report.statistics import statistics_json, statistics_text

        request, painted = self.request, self.painted
        self.progress.clear()
        text = request.output_format == "text"
        if request.statistics:
            output = statistics_text(run.findings, painted) if text else statistics_json(run.findings)
            if text and not request.quiet:
                output += summary_line(summary(run.findings, run.notes_checked), painted)
        elif text and request.quiet:
            output = "".join(text_line(finding, painted) + "\n" for finding in run.findings)
        else:
            output = REPORTERS[request.output_format](
                run.findings, ReportContext(run.notes_checked, self.prefix, painted)
            )
        if fixed is not None and text and not request.quiet:  # JSON, SARIF: what a program reads, only
            output += summary_line(fix_summary(fixed, len(run.findings)), painted)
        has_errors = any(finding.severity == "error" for finding in run.findings)
        return output, EXIT_FINDINGS if has_errors and not request.exit_zero else EXIT_OK


def _prefix(root: Path) -> str:
    """The vault root as CI tools expect paths: relative to the working directory when inside it."""
    try:
        relative = root.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return ""
    text = relative.as_posix()
    return "" if text == "." else text + "/"
