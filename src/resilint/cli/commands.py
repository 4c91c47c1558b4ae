"""The sub-commands besides ``check``: rules, explain, provenance, flags, clean, lsp."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from resilint.api import config_for, linter_for
from resilint.cli.check import print_error, run_config
from resilint.cli.options import EXIT_ERROR, EXIT_OK
from resilint.errors import ResilintError
from resilint.model import FileError


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
    data = run(paths, run_config(args, paths), fmt=args.format, with_lines=args.lines, out=sys.stdout)
    for error in data["errors"]:
        print_error(FileError(error["path"], error["message"]))
    return EXIT_ERROR if data["errors"] else EXIT_OK

def cmd_flags(args: argparse.Namespace) -> int:
    from resilint.checks.flags.inventory import collect, render_json, render_text

    paths = [Path(p) for p in args.paths or ["."]]
    inventory = collect(paths, run_config(args, paths))
    (render_json if args.format == "json" else render_text)(inventory, sys.stdout)
    for error in inventory.errors:
        print_error(error)
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
    from resilint.lsp.worker import start_fork_server

    start_fork_server()  # imports the engine and libcst in parallel with pygls below
    try:
        from resilint.lsp.server import serve
    except ImportError as exc:
        raise ResilintError(f"the language server needs pygls: pip install 'resilint[lsp]' ({exc})") from exc
    serve()
    return EXIT_OK
