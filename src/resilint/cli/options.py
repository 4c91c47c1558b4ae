"""The command line: every sub-command's options (a contract: README "Using it").

Unknown options and misspelled codes get a "did you mean" (:mod:`resilint.suggest`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import NoReturn

from resilint import __version__
from resilint.model import Severity
from resilint.suggest import OPTION_ALIASES, did_you_mean

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

_UNRECOGNIZED = re.compile(r"unrecognized arguments?: (?P<words>.+)$")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep our prefix, add a suggestion
        match = _UNRECOGNIZED.search(message)
        if match:
            options = sorted(_long_options(self))
            for word in match["words"].split():
                if word.startswith("--"):
                    hint = did_you_mean(word.split("=", 1)[0], options, aliases=OPTION_ALIASES)
                    if hint:
                        message += f"; {hint}"
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"resilint: error: {message}\n")


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    """Every ``--option`` of ``parser`` and its sub-commands (argparse reports an
    unknown sub-command option from the top-level parser)."""
    found: set[str] = set()
    for action in parser._actions:
        found.update(o for o in action.option_strings if o.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _long_options(sub)
    return found


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


def _limit(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < 1e9:
        raise argparse.ArgumentTypeError(f"expected a non-negative number (0: no limit), got {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="resilint", description="Reliability standards for Python, stricter on AI-assisted code.")
    parser.add_argument("--version", action="version", version=f"resilint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _check_options(sub.add_parser("check", help="check files and folders (default '.'; '-' reads stdin)"))

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


def _check_options(check: argparse.ArgumentParser) -> None:
    add = check.add_argument
    add("paths", nargs="*", metavar="PATH", help="files or folders; '-' reads stdin")
    add("--stdin-filename", metavar="PATH", help="the path stdin stands for")
    add("--diff", nargs="?", const="", default=None, metavar="REF", help="only lines changed vs REF")
    add("--staged", action="store_true", help="only lines changed in the index")
    add(
        "--commit-msg-file",
        nargs="?",
        const="",
        default=None,
        metavar="FILE",
        help="with --staged: judge the staged change at AI severity when this commit message names an agent (no FILE: the last PATH is the message, as pre-commit's commit-msg stage passes it)",
    )
    add("--ai-assisted", action="store_true", help="treat every checked line as AI-assisted")
    add("--ai-path", action="append", default=[], metavar="GLOB", help="treat matching files as AI-assisted")
    add("--no-git-provenance", action="store_true", help="do not read git history for provenance")
    add("--select", type=_codes, metavar="CODES", help="only these codes or prefixes (comma-separated; replaces the configured selection)")
    add("--extend-select", type=_codes, default=[], metavar="CODES", help="these codes or prefixes too")
    add("--ignore", type=_codes, default=[], metavar="CODES", help="skip these codes or prefixes (adds to the configured ones)")
    add("--format", default="text", metavar="FORMAT", help="text, full (with code frames), json, sarif, github, gitlab, markdown")
    add("--output", type=Path, metavar="FILE", help="write the report to FILE")
    add("--statistics", action="store_true", help="print a count per code instead of the findings")
    add("--exit-zero", action="store_true", help="exit 0 even with findings (errors still exit 2)")
    add("--baseline", type=Path, metavar="FILE", help="report only findings not recorded in FILE (also: baseline in [tool.resilint])")
    add("--write-baseline", type=Path, metavar="FILE", help="record every current finding in FILE and exit 0")
    add("--prune-baseline", action="store_true", help="with a baseline: remove the entries that no longer match")
    add("--add-noqa", nargs="?", const="", default=None, metavar="REASON", help="append '# noqa: CODE -- REASON' to every reported line")
    add("--show-settings", action="store_true", help="print the effective configuration and exit")
    add("--show-files", action="store_true", help="print the files that would be checked and exit")
    add("--fix", action="store_true", help="apply the safe fixes of the reported findings (writes the files)")
    add("--unsafe-fixes", action="store_true", help="with --fix/--fix-diff: apply unsafe fixes too (values the project has not chosen)")
    add("--fix-diff", action="store_true", help="print the fixes --fix would apply as a unified diff; write nothing")
    add("--exit-non-zero-on-fix", action="store_true", help="with --fix: exit 1 when a file was changed (the pre-commit hook resilint-fix)")
    add("--fix-ai", action="store_true", help="with --fix/--fix-diff: fix AI-assisted lines too (also: ai-lines in [tool.resilint.fix])")
    add("--fail-on", type=_severity, default=Severity.ERROR, metavar="LEVEL", help="note, warning or error (default)")
    add("--jobs", "-j", type=_positive, metavar="N", help="processes (default: all cores)")
    add("--no-cache", action="store_true", help="do not read or write the result cache")
    add("--file-timeout", type=_limit, metavar="SECONDS", help="per-file time budget; past it the file is REL003 (0: none; default 10)")
    add("--memory-limit", type=_limit, metavar="MIB", help="memory per checker worker; past it the file is REL003 (0: none; default 4096)")
    add("--today", type=_date, metavar="YYYY-MM-DD", help="the date for flag expiry (reproducible runs)")
    add("--config", type=Path, metavar="FILE", help="use this configuration file")
    add("--force-exclude", action="store_true", help="apply exclude to files named explicitly too (pre-commit passes staged files by name)")
    add("--quiet", "-q", action="store_true", help="print findings only, no summary")
