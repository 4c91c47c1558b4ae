"""The ``resilint`` command (its options and exit statuses are a contract). Thin: parse arguments, load the
configuration, call the engine API, render a report, choose the exit status.

Exit status: 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration or environment error (including files that could not
be checked), with a message naming the cause.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from resilint import __version__
from resilint.api import config_for, linter_for
from resilint.config.settings import Config
from resilint.errors import ResilintError
from resilint.model import FileError, Report, Severity

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep our prefix
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"resilint: error: {message}\n")


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="resilint", description="Reliability standards for Python, stricter on AI-assisted code.")
    parser.add_argument("--version", action="version", version=f"resilint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check files and folders (default '.'; '-' reads stdin)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; '-' reads stdin")
    check.add_argument("--stdin-filename", metavar="PATH", help="the path stdin stands for")
    check.add_argument("--diff", nargs="?", const="", default=None, metavar="REF", help="only lines changed vs REF")
    check.add_argument("--staged", action="store_true", help="only lines changed in the index")
    check.add_argument("--ai-assisted", action="store_true", help="treat every checked line as AI-assisted")
    check.add_argument("--ai-path", action="append", default=[], metavar="GLOB", help="treat matching files as AI-assisted")
    check.add_argument("--no-git-provenance", action="store_true", help="do not read git history for provenance")
    check.add_argument("--select", type=_codes, metavar="CODES", help="only these codes or prefixes (comma-separated)")
    check.add_argument("--ignore", type=_codes, default=[], metavar="CODES", help="skip these codes or prefixes")
    check.add_argument("--format", default="text", metavar="FORMAT", help="text, json, sarif, github, gitlab")
    check.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE")
    check.add_argument("--fix", action="store_true", help="apply autofixes")
    check.add_argument("--fix-diff", action="store_true", help="print autofixes as a diff")
    check.add_argument("--fail-on", type=_severity, default=Severity.ERROR, metavar="LEVEL", help="note, warning or error (default)")
    check.add_argument("--jobs", "-j", type=_positive, metavar="N", help="processes (default: all cores)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    check.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="the date for flag expiry (reproducible runs)")
    check.add_argument("--config", type=Path, metavar="FILE", help="use this configuration file")
    check.add_argument(
        "--force-exclude", action="store_true", help="apply exclude to files named explicitly too (pre-commit passes staged files by name)"
    )
    check.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")

    rules = sub.add_parser("rules", help="list the rules: code, name, severities, enabled")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--config", type=Path, metavar="FILE")

    explain = sub.add_parser("explain", help="rationale, references, examples and fix of a rule")
    explain.add_argument("code", help="a code (REL101) or name (http-call-without-timeout)")
    explain.add_argument("--config", type=Path, metavar="FILE")

    provenance = sub.add_parser("provenance", help="which lines are AI-assisted, and the evidence")
    provenance.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default '.')")
    provenance.add_argument("--lines", action="store_true", help="list the AI-assisted line ranges with their evidence")
    provenance.add_argument("--format", choices=("text", "json"), default="text")
    provenance.add_argument("--ai-assisted", action="store_true", help="treat every line as AI-assisted")
    provenance.add_argument("--ai-path", action="append", default=[], metavar="GLOB", help="treat matching files as AI-assisted")
    provenance.add_argument("--no-git-provenance", action="store_true", help="do not read git history")
    provenance.add_argument("--config", type=Path, metavar="FILE", help="use this configuration file")

    flags = sub.add_parser("flags", help="flag keys in code vs the manifest (owners, expiry, stale flags)")
    flags.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default '.'); stale flags are relative to them")
    flags.add_argument("--format", choices=("text", "json"), default="text")
    flags.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="the date for flag expiry (reproducible runs)")
    flags.add_argument("--config", type=Path, metavar="FILE", help="use this configuration file")

    clean = sub.add_parser("clean", help="remove the result cache")
    clean.add_argument("--config", type=Path, metavar="FILE")

    sub.add_parser("lsp", help="run the language server on stdio")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        handler = _COMMANDS[args.command]
        return handler(args)
    except ResilintError as exc:
        print(f"resilint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # never let a crash look like exit 1 ("findings")
        import traceback

        traceback.print_exc(file=sys.stderr)
        print(f"resilint: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


# -- check -------------------------------------------------------------------------


def _config_for(args: argparse.Namespace, paths: Sequence[Path]) -> Config:
    start = _common_parent(paths) if paths else Path.cwd()
    config = config_for(start, args.config)
    changes: dict[str, object] = {}
    if getattr(args, "select", None) is not None:
        changes["select"] = tuple(args.select)
        changes["extend_select"] = ()
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
    return dataclasses.replace(config, **changes) if changes else config


def _common_parent(paths: Sequence[Path]) -> Path:
    resolved = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    return Path(os.path.commonpath([str(p) for p in resolved])) if resolved else Path.cwd()


def cmd_check(args: argparse.Namespace) -> int:
    diff_mode = args.diff is not None or args.staged
    if args.diff is not None and args.staged:
        raise ResilintError("--diff and --staged cannot be combined: --staged already compares the index with HEAD")
    if args.fix or args.fix_diff:
        raise ResilintError("--fix and --fix-diff are not available yet: no standard has an autofix")
    if args.diff and not args.staged and _path_not_revision(args.diff):
        # "--diff src/": argparse took the path for REF; like git, a path that is no revision is a path
        args.paths, args.diff = [args.diff, *args.paths], ""
    raw_paths = args.paths or ["."]
    use_stdin = raw_paths == ["-"]
    if "-" in raw_paths and not use_stdin:
        raise ResilintError("'-' (stdin) cannot be combined with other paths")
    if use_stdin and diff_mode:
        raise ResilintError("--diff and --staged read files from git, not stdin ('-')")
    stdin_path = Path(args.stdin_filename) if args.stdin_filename else None
    paths = [stdin_path] if use_stdin and stdin_path else ([] if use_stdin else [Path(p) for p in raw_paths])
    config = _config_for(args, paths)
    linter = linter_for(config, cache=not args.no_cache and not use_stdin and not diff_mode)
    linter.prepare()  # configuration errors end the run before any work
    ruleset = linter.ruleset
    if args.select:
        ruleset.check_codes(args.select, "--select")
    if args.ignore:
        ruleset.check_codes(args.ignore, "--ignore")
    reporter_class = ruleset.reporters.get(args.format)
    if reporter_class is None:
        raise ResilintError(f"--format: unknown format {args.format!r} (available: {', '.join(sorted(ruleset.reporters))})")
    if use_stdin:
        shown = args.stdin_filename or "-"
        file = stdin_path if stdin_path is not None and stdin_path.is_file() else None
        result = linter.check_source(sys.stdin.buffer.read(), shown, file=file)
        report = linter.report([result])
    elif diff_mode:
        from resilint.engine.diff import collect

        changes = collect(_common_parent(paths), args.diff, staged=args.staged)
        report = linter.check_changes(paths, changes, jobs=args.jobs, force_exclude=args.force_exclude)
    else:
        report = linter.check_paths(paths, jobs=args.jobs, force_exclude=args.force_exclude)
    _emit(report, args, reporter_class, ruleset)
    if report.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if report.at_or_above(args.fail_on) else EXIT_OK


def _path_not_revision(ref: str) -> bool:
    if not os.path.lexists(ref):
        return False
    from resilint.engine.diff import is_revision

    return not is_revision(_common_parent([Path(ref)]), ref)


def _emit(report: Report, args: argparse.Namespace, reporter_class: type, ruleset: object) -> None:
    if args.quiet and args.format == "text":
        report = dataclasses.replace(report, notes=())
    if args.output is not None:
        try:
            with args.output.open("w", encoding="utf-8") as out:
                reporter_class(color=False, ruleset=ruleset).render(report, out)
        except OSError as exc:
            raise ResilintError(f"--output: cannot write {args.output}: {exc.strerror}") from exc
    else:
        out = sys.stdout
        reporter = reporter_class(color=_use_color(out), ruleset=ruleset)
        if args.quiet and args.format == "text":
            _render_quiet(report, reporter, out)
        else:
            reporter.render(report, out)
    for error in report.errors:
        _print_error(error)


def _render_quiet(report: Report, reporter: object, out: IO[str]) -> None:
    import io

    buffer = io.StringIO()
    reporter.render(report, buffer)  # type: ignore[attr-defined]
    lines = buffer.getvalue().splitlines(keepends=True)
    out.writelines(lines[: len(report.findings)])


def _print_error(error: FileError) -> None:
    print(f"resilint: error: {error.path}: {error.message}", file=sys.stderr)


def _use_color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


# -- rules, explain, clean, lsp ---------------------------------------------------------


def cmd_rules(args: argparse.Namespace) -> int:
    import json

    ruleset = linter_for(config_for(Path.cwd(), args.config)).ruleset
    rows = []
    for code in sorted(ruleset.standards):
        s = ruleset.standards[code]
        rows.append(
            {
                "code": s.code,
                "name": s.name,
                "category": s.category,
                "human": s.severity_human.label if s.severity_human else "-",
                "ai": s.severity_ai.label,
                "enabled": s in ruleset.active,
                "summary": s.summary,
            }
        )
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    width = max(len(r["name"]) for r in rows)
    print(f"{'code':<7} {'name':<{width}} {'human':<7} {'ai':<7} enabled")
    for r in rows:
        print(f"{r['code']:<7} {r['name']:<{width}} {r['human']:<7} {r['ai']:<7} {'yes' if r['enabled'] else 'no'}")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from resilint.explain.text import explain_text

    ruleset = linter_for(config_for(Path.cwd(), args.config)).ruleset
    wanted = args.code.strip()
    for standard in ruleset.standards.values():
        if wanted.upper() == standard.code or wanted.lower() == standard.name:
            sys.stdout.write(explain_text(standard, ruleset.kind_of(standard)))
            return EXIT_OK
    raise ResilintError(f"unknown rule {wanted!r}; 'resilint rules' lists them")


def cmd_provenance(args: argparse.Namespace) -> int:
    from resilint.provenance.report import run

    paths = [Path(p) for p in args.paths or ["."]]
    data = run(paths, _config_for(args, paths), fmt=args.format, with_lines=args.lines, out=sys.stdout)
    for error in data["errors"]:
        _print_error(FileError(error["path"], error["message"]))
    return EXIT_ERROR if data["errors"] else EXIT_OK

def cmd_flags(args: argparse.Namespace) -> int:
    from resilint.checks.flags.inventory import collect, render_json, render_text

    paths = [Path(p) for p in args.paths or ["."]]
    inventory = collect(paths, _config_for(args, paths))
    (render_json if args.format == "json" else render_text)(inventory, sys.stdout)
    for error in inventory.errors:
        _print_error(error)
    return EXIT_ERROR if inventory.errors else EXIT_OK  # an incomplete listing would misreport stale flags


def cmd_clean(args: argparse.Namespace) -> int:
    import shutil

    from resilint.engine.cache import cache_dir

    config = config_for(Path.cwd(), args.config)
    cache = cache_dir(config.root)
    if cache.is_dir():
        shutil.rmtree(cache)
        print(f"removed {cache}")
    else:
        print(f"no cache at {cache}")
    return EXIT_OK


def cmd_lsp(args: argparse.Namespace) -> int:
    try:
        from resilint.lsp.server import serve
    except ImportError as exc:
        raise ResilintError(f"the language server needs pygls: pip install 'resilint[lsp]' ({exc})") from exc
    serve()
    return EXIT_OK


_COMMANDS = {
    "check": cmd_check,
    "rules": cmd_rules,
    "explain": cmd_explain,
    "provenance": cmd_provenance,
    "flags": cmd_flags,
    "clean": cmd_clean,
    "lsp": cmd_lsp,
}
