"""``resilint check``: choose the configuration, check, then report, record a
baseline, or write suppressions; the exit status follows ``--fail-on``."""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from resilint.api import Linter, config_for, linter_for
from resilint.cli.options import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from resilint.cli.settings import render_settings
from resilint.config.settings import Config
from resilint.errors import ResilintError
from resilint.model import FileError, Report
from resilint.report import Reporter
from resilint.suggest import did_you_mean

if TYPE_CHECKING:
    from resilint.engine.baseline import Entry


def cmd_check(args: argparse.Namespace) -> int:
    diff_mode = args.diff is not None or args.staged
    if args.diff is not None and args.staged:
        raise ResilintError("--diff and --staged cannot be combined: --staged already compares the index with HEAD")
    if getattr(args, "commit_msg_file", None) is not None and not args.staged:
        raise ResilintError("--commit-msg-file needs --staged: it judges the change being committed")
    fixing = args.fix or args.fix_diff
    if fixing:
        _check_fix_options(args)
    if args.diff and not args.staged and _path_not_revision(args.diff):
        # "--diff src/": argparse took the path for REF; like git, a path that is no revision is a path
        args.paths, args.diff = [args.diff, *args.paths], ""
    raw_paths = args.paths or ["."]
    use_stdin = raw_paths == ["-"]
    if "-" in raw_paths and not use_stdin:
        raise ResilintError("'-' (stdin) cannot be combined with other paths")
    if use_stdin and diff_mode:
        raise ResilintError("--diff and --staged read files from git, not stdin ('-')")
    if args.prune_baseline and args.write_baseline:
        raise ResilintError("--prune-baseline and --write-baseline cannot be combined: writing replaces the file")
    if diff_mode and (args.prune_baseline or args.write_baseline is not None):
        # A diff run sees only the changed lines: it would record a partial baseline,
        # or prune the entries of every finding on an unchanged line as stale.
        option = "--prune-baseline" if args.prune_baseline else "--write-baseline"
        raise ResilintError(f"{option} needs a full run: it cannot be combined with --diff or --staged")
    stdin_path = Path(args.stdin_filename) if args.stdin_filename else None
    paths = [stdin_path] if use_stdin and stdin_path else ([] if use_stdin else [Path(p) for p in raw_paths])
    if getattr(args, "commit_msg_file", None) is not None:
        from resilint.provenance.commit import take_message_file

        paths, args.commit_msg_file = take_message_file(args, paths)
    config = run_config(args, paths)
    if args.prune_baseline and config.baseline is None:
        raise ResilintError("--prune-baseline needs a baseline (--baseline FILE or baseline in [tool.resilint])")
    linter = linter_for(config, cache=not args.no_cache and not use_stdin and not diff_mode)
    linter.prepare()  # configuration errors end the run before any work
    ruleset = linter.ruleset
    reporter_class = ruleset.reporters.get(args.format)
    if reporter_class is None:
        hint = did_you_mean(args.format, ruleset.reporters)
        known = ", ".join(sorted(ruleset.reporters))
        raise ResilintError(f"--format: unknown format {args.format!r}{'; ' + hint if hint else ''} (available: {known})")
    if args.show_settings:
        sys.stdout.write(render_settings(linter))
        return EXIT_OK
    if args.show_files:
        return _show_files(linter, paths, args)
    if use_stdin:
        shown = args.stdin_filename or "-"
        file = stdin_path if stdin_path is not None and stdin_path.is_file() else None
        from resilint.engine.reading import decode_source

        data = sys.stdin.buffer.read()
        result = linter.engine.check_source(data, shown, file=file)
        report = linter.report([result], baseline=False)
        try:  # the baseline reads what was checked, not a file of that name on disk
            report = dataclasses.replace(report, sources={shown: decode_source(data)})
        except (SyntaxError, UnicodeDecodeError, LookupError):
            pass
    elif diff_mode:
        from resilint.engine.diff import collect, pre_commit_range

        commits = pre_commit_range() if args.staged else None
        if args.commit_msg_file:
            from resilint.provenance.commit import declare_pending_commit

            declare_pending_commit(Path(args.commit_msg_file), config)
        changes = collect(_common_parent(paths), args.diff, staged=args.staged, commits=commits)
        report = linter.check_changes(paths, changes, jobs=args.jobs, force_exclude=args.force_exclude, baseline=False)
        if args.format == "markdown":
            from resilint.report.markdown import summarize_changes

            report = summarize_changes(linter, report, paths, changes, force_exclude=args.force_exclude)
    else:
        report = linter.check_paths(paths, jobs=args.jobs, force_exclude=args.force_exclude, baseline=False)
    if not use_stdin and config.git_provenance and config.ai.git and not config.force_ai:
        from resilint.provenance.repo import warnings_for

        report = dataclasses.replace(report, warnings=(*report.warnings, *warnings_for(paths or [Path.cwd()])))
    if args.write_baseline is not None:
        return _write_baseline(args.write_baseline, report)
    report, matched = linter.baseline_result(report, scoped=diff_mode)
    if args.prune_baseline and matched is not None:
        _prune_baseline(linter, matched.stale)
    if args.add_noqa is not None:
        return _add_noqa(report, args.add_noqa or None)
    if fixing:
        from resilint.fix.cli import print_diffs, run_fixes
        from resilint.fix.runner import FixOptions

        options = FixOptions(unsafe=args.unsafe_fixes, ai=args.fix_ai or config.fix.ai_lines)
        run = run_fixes(linter, report, options, write=args.fix, staged=args.staged, diff_mode=diff_mode, jobs=args.jobs)
        if args.fix_diff:
            print_diffs(run)
            print(run.report.notes[-1], file=sys.stderr)
            for error in run.report.errors:
                print_error(error)
            return EXIT_ERROR if run.report.errors else (EXIT_FINDINGS if run.changed else EXIT_OK)
        report = dataclasses.replace(run.report, fixed=run.fixed)
        if args.exit_non_zero_on_fix and run.changed:
            _emit(report, args, reporter_class, linter)
            return EXIT_ERROR if report.errors else EXIT_FINDINGS
    _emit(report, args, reporter_class, linter)
    if report.errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if report.at_or_above(args.fail_on) else EXIT_OK


def _check_fix_options(args: argparse.Namespace) -> None:
    if args.fix and args.fix_diff:
        raise ResilintError("--fix and --fix-diff cannot be combined: --fix-diff previews what --fix writes")
    for option, given in (
        ("-", (args.paths or []) == ["-"]),
        ("--write-baseline", args.write_baseline is not None),
        ("--prune-baseline", args.prune_baseline),
        ("--add-noqa", args.add_noqa is not None),
    ):
        if given:
            shown = "stdin ('-')" if option == "-" else option
            raise ResilintError(f"--fix and --fix-diff cannot be combined with {shown}")


# -- the configuration of this run ------------------------------------------------------


def run_config(args: argparse.Namespace, paths: Sequence[Path]) -> Config:
    """The configuration file's settings with this run's options on top. Codes given
    on the command line are checked against the known standards here, so a typo is
    blamed on the option, with a suggestion, not on the configuration file."""
    start = _common_parent(paths) if paths else Path.cwd()
    config = config_for(start, args.config)
    changes: dict[str, object] = {}
    if getattr(args, "select", None) is not None or getattr(args, "extend_select", None) or getattr(args, "ignore", None):
        known = linter_for(config).ruleset.standards
        for option in ("select", "extend_select", "ignore"):
            _check_codes(getattr(args, option, None) or (), known, "--" + option.replace("_", "-"))
    if getattr(args, "select", None) is not None:
        changes["select"] = tuple(args.select)
        changes["extend_select"] = ()
    if getattr(args, "extend_select", None):
        changes["extend_select"] = (*changes.get("extend_select", config.extend_select), *args.extend_select)  # type: ignore[misc]
    if getattr(args, "ignore", None):
        changes["ignore"] = (*config.ignore, *args.ignore)
    if getattr(args, "today", None) is not None:
        changes["today"] = args.today
    if getattr(args, "ai_assisted", False):
        changes["force_ai"] = True
    if getattr(args, "ai_path", None):
        changes["ai_cli_paths"] = tuple(args.ai_path)
    if getattr(args, "no_git_provenance", False):
        changes["git_provenance"] = False
    if getattr(args, "file_timeout", None) is not None:
        changes["file_timeout"] = args.file_timeout or None
    if getattr(args, "memory_limit", None) is not None:
        if 0 < args.memory_limit < 256:
            raise ResilintError(f"--memory-limit: expected at least 256 (MiB) or 0 for no limit, got {args.memory_limit:g}")
        changes["memory_limit"] = int(args.memory_limit) or None
    if getattr(args, "baseline", None) is not None:
        changes["baseline"] = args.baseline.resolve()
    if getattr(args, "write_baseline", None) is not None or getattr(args, "add_noqa", None) is not None:
        changes["baseline"] = None  # record / suppress every current finding
    return dataclasses.replace(config, **changes) if changes else config


def _check_codes(codes: Iterable[str], known: Iterable[str], option: str) -> None:
    known = list(known)
    for code in codes:
        if not any(standard.startswith(code) for standard in known):
            hint = did_you_mean(code, known)
            raise ResilintError(f"{option}: unknown rule code or prefix {code!r}{'; ' + hint if hint else ''}")


def _common_parent(paths: Sequence[Path]) -> Path:
    resolved = [_resolved(p) if p.is_dir() else _resolved(p).parent for p in paths]
    return Path(os.path.commonpath([str(p) for p in resolved])) if resolved else Path.cwd()


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: discovery reports it; place it where it is
        return Path(os.path.abspath(path))


def _path_not_revision(ref: str) -> bool:
    if not os.path.lexists(ref):
        return False
    from resilint.engine.diff import is_revision

    return not is_revision(_common_parent([Path(ref)]), ref)


# -- what the run does with its findings ------------------------------------------------


def _show_files(linter: Linter, paths: Sequence[Path], args: argparse.Namespace) -> int:
    from resilint.engine.discovery import discover
    from resilint.paths import display_path

    found = discover(list(paths), linter.config, force_exclude=args.force_exclude)
    for file in found.files:
        print(display_path(file))
    for path, message in found.errors:
        print_error(FileError(path, message))
    return EXIT_ERROR if found.errors else EXIT_OK


def _write_baseline(path: Path, report: Report) -> int:
    from resilint.api import read_text
    from resilint.engine.baseline import write_baseline
    from resilint.git import git_output

    head = git_output(["rev-parse", "HEAD"], path.resolve().parent)
    baseline = write_baseline(path, report.findings, read_text, commit=head.decode().strip() if head else None)
    count = len(baseline.entries)
    print(f"wrote {count} finding{'' if count == 1 else 's'} to baseline {path}")
    for error in report.errors:
        print_error(error)
    return EXIT_ERROR if report.errors else EXIT_OK


def _prune_baseline(linter: Linter, stale: Sequence[Entry]) -> None:
    baseline = linter.baseline()
    assert baseline is not None
    if stale:
        baseline.pruned(stale).save()
    print(f"pruned {len(stale)} stale entr{'y' if len(stale) == 1 else 'ies'} from baseline {baseline.path}", file=sys.stderr)


def _add_noqa(report: Report, reason: str | None) -> int:
    from resilint.engine.noqa_writer import add_noqa
    from resilint.fix.apply import ChangedOnDisk, Source, write_atomically

    by_path: dict[str, list] = {}
    for finding in report.findings:
        by_path.setdefault(finding.path, []).append(finding)
    changed = 0
    errors = list(report.errors)
    for shown, findings in sorted(by_path.items()):
        file = Path(shown)
        try:
            data = file.read_bytes()
            source = Source.decode(data)  # as the interpreter reads it: BOM, encoding cookie
        except OSError as exc:
            errors.append(FileError(shown, f"cannot read: {exc.strerror}; not suppressed"))
            continue
        except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
            errors.append(FileError(shown, f"cannot decode: {exc}; not suppressed"))
            continue
        result = add_noqa(source.text, findings, reason)
        if result.changed:
            try:
                # the same atomic write as --fix: mode kept, never over a file edited meanwhile
                write_atomically(file, source.encode(result.text), data)
            except (ChangedOnDisk, OSError, UnicodeEncodeError) as exc:
                errors.append(FileError(shown, f"not written: {exc}"))
                continue
            changed += result.changed
        for line in result.skipped:
            print(f"{shown}:{line}: cannot take a comment (inside a string or after a backslash); not suppressed", file=sys.stderr)
    print(f"Added {changed} noqa directive{'s' if changed != 1 else ''}.")
    for error in errors:
        print_error(error)
    return EXIT_ERROR if errors else EXIT_OK


def _emit(report: Report, args: argparse.Namespace, reporter_class: Callable[..., Reporter], linter: Linter) -> None:
    ruleset = linter.ruleset
    if args.quiet and args.format == "text":
        report = dataclasses.replace(report, notes=())
    if args.statistics:
        from resilint.report.statistics import render_statistics

        text = render_statistics(report)
        out_text = text + ("" if args.quiet else _summary(report))
        _write(out_text, args.output)
    elif args.output is not None:
        buffer = io.StringIO()
        reporter_class(color=False, ruleset=ruleset).render(report, buffer)
        _write(buffer.getvalue(), args.output)
    else:
        out = sys.stdout
        reporter = reporter_class(color=_use_color(out), ruleset=ruleset)
        if args.quiet and args.format == "text":
            _render_quiet(report, reporter, out)
            for warning in report.warnings:
                print(f"resilint: warning: {warning}", file=sys.stderr)
        else:
            reporter.render(report, out)
    for error in report.errors:
        print_error(error)


def _summary(report: Report) -> str:
    from resilint.report.text import summary_line, warning_lines

    return "".join(f"{note}\n" for note in report.notes) + warning_lines(report) + summary_line(report) + "\n"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ResilintError(f"--output: cannot write {output}: {exc.strerror}") from exc


def _render_quiet(report: Report, reporter: Reporter, out: IO[str]) -> None:
    buffer = io.StringIO()
    reporter.render(report, buffer)
    lines = buffer.getvalue().splitlines(keepends=True)
    out.writelines(lines[: len(report.findings)])


def print_error(error: FileError) -> None:
    print(f"resilint: error: {error.path}: {error.message}", file=sys.stderr)


def _use_color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()
