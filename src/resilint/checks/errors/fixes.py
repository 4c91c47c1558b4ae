"""The fix of ``swallowed-exception`` (REL601, unsafe): log the exception in the
handler, with the module's logger (a top-level ``NAME = logging.getLogger(...)``) or
a new ``logger = logging.getLogger(__name__)`` (``import logging`` added when
missing). The handler still swallows the error; now it leaves a trace. Unsafe: it
changes what the program writes, and the author may prefer to narrow the ``except``
or re-raise, which only a person can decide."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from resilint.fix.edits import Piece, newline_of
from resilint.fix.imports import _imports, module_for, new_import
from resilint.fix.plan import FixPlan, Locator, plan

if TYPE_CHECKING:
    from resilint.rule import Rule

MESSAGE = '"error ignored"'


def module_logger(rule: Rule) -> str | None:
    """The name of a top-level ``logging.getLogger(...)`` logger, if the module has one."""
    for statement in rule.context.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.Call)
                and rule.names.qualified_name(small.value.func) == "logging.getLogger"
            ):
                return small.targets[0].target.value
    return None


def _new_logger(rule: Rule) -> tuple[str, Piece] | None:
    module, text = rule.context.module, rule.context.source
    if re.search(r"(?<![\w.])logger\b", text):
        return None  # "logger" means something else here
    logging = module_for(module, text, "logging")
    if logging is None:
        return None
    definition = f"logger = {logging.written}.getLogger(__name__)"
    imports = _imports(module)
    if logging.piece is None:
        if not imports:
            return None
        last = imports[-1][0].body[-1]
        return "logger", ((last,), lambda loc: [_after_line(loc, last, f"{{nl}}{{nl}}{definition}")])
    if imports:
        last = imports[-1][0].body[-1]
        return "logger", ((last,), lambda loc: [_after_line(loc, last, f"{{nl}}import logging{{nl}}{{nl}}{definition}")])
    first = new_import(module, "import logging")
    if first is None:
        return None
    nodes, _part = first
    anchor = nodes[0]
    return "logger", (
        (anchor,),
        lambda loc: [loc.edit(loc.start(anchor), loc.start(anchor), f"import logging{newline_of(loc.text)}{newline_of(loc.text)}{definition}{newline_of(loc.text) * 3}")],
    )


def _after_line(loc: Locator, node: cst.CSTNode, text: str):  # type: ignore[no-untyped-def]
    from resilint.fix.edits import _line_end

    at = _line_end(loc.text, loc.end(node))
    return loc.edit(at, at, text.replace("{nl}", newline_of(loc.text)))


def log_exception(rule: Rule, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> FixPlan | None:
    name = module_logger(rule)
    pieces: list[Piece] = []
    if name is None:
        created = _new_logger(rule)
        if created is None:
            return None
        name, piece = created
        pieces.append(piece)
    call = f"{name}.exception({MESSAGE})"
    body = handler.body
    if isinstance(body, cst.SimpleStatementSuite):
        first_small = body.body[0]
        if isinstance(first_small, cst.Pass) and len(body.body) == 1:
            pieces.append(((first_small,), lambda loc: [loc.edit(loc.start(first_small), loc.end(first_small), call)]))
        else:
            pieces.append(((first_small,), lambda loc: [loc.edit(loc.start(first_small), loc.start(first_small), f"{call}; ")]))
    elif isinstance(body, cst.IndentedBlock) and body.body:
        first = body.body[0]
        if isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1 and isinstance(first.body[0], cst.Pass):
            only = first.body[0]
            pieces.append(((only,), lambda loc: [loc.edit(loc.start(only), loc.end(only), call)]))
        else:
            anchor = first.body[0] if isinstance(first, cst.SimpleStatementLine) else first

            def before(loc: Locator) -> list:
                at = loc.start(anchor)
                indent = loc.indent_at(at)
                if indent is None:
                    from resilint.fix.plan import Unlocatable

                    raise Unlocatable("indent")
                return [loc.edit(at, at, f"{call}{newline_of(loc.text)}{indent}")]

            pieces.append(((anchor,), before))
    else:
        return None
    return plan(f"log it: {call} (unsafe: narrowing the except or re-raising may be right instead)", False, *pieces)
