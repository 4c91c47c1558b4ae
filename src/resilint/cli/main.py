"""The ``resilint`` command (its options and exit statuses are a contract): parse
the arguments, run the sub-command, turn errors into exit status 2.

Exit status: 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration or environment error (including files that could not
be checked), with a message naming the cause.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from resilint.cli.check import cmd_check
from resilint.cli.commands import (
    cmd_clean,
    cmd_explain,
    cmd_flags,
    cmd_lsp,
    cmd_provenance,
    cmd_rules,
)
from resilint.cli.options import EXIT_ERROR, EXIT_OK, build_parser
from resilint.errors import ResilintError

_COMMANDS = {
    "check": cmd_check,
    "rules": cmd_rules,
    "explain": cmd_explain,
    "provenance": cmd_provenance,
    "flags": cmd_flags,
    "clean": cmd_clean,
    "lsp": cmd_lsp,
}


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
