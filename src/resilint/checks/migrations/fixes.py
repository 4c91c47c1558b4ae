"""Fixes of two migration kinds, both unsafe (they change how the migration runs):

- ``irreversible-migration`` (REL407): ``RunPython(forward)`` -> ``RunPython(forward,
  migrations.RunPython.noop)`` (a rollback then does nothing for this step: right for
  a backfill of new columns, wrong for a data change that must be undone, which only
  a person can tell);
- ``non-concurrent-index`` (REL406), Django >= 3.0 on PostgreSQL, only when every
  database operation of the migration is an index operation (``atomic = False`` would
  make any other operation non-atomic: the message then says to split the
  migration): ``AddIndex``/``RemoveIndex`` -> ``AddIndexConcurrently``/
  ``RemoveIndexConcurrently`` (imported from ``django.contrib.postgres.operations``)
  and ``atomic = False`` on the class; Alembic: ``postgresql_concurrently=True`` with
  the statement moved into ``with op.get_context().autocommit_block():``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.common.arguments import keyword_arg
from resilint.engine.literals import is_none
from resilint.fix.edits import Piece, add_arguments, add_keyword, newline_of, replace
from resilint.fix.imports import name_for
from resilint.fix.plan import FixPlan, Locator, Unlocatable, plan

if TYPE_CHECKING:
    from resilint.checks.migrations.django import DjangoMigration, DjangoOp
    from resilint.rule import Rule

CONCURRENT = {"AddIndex": "AddIndexConcurrently", "RemoveIndex": "RemoveIndexConcurrently"}
POSTGRES_OPERATIONS = "django.contrib.postgres.operations"


def reverse_noop(rule: Rule, op: DjangoOp, written: str) -> FixPlan | None:
    """REL407 for RunPython: pass ``<RunPython as written>.noop`` as its reverse_code."""
    if op.name != "RunPython" or any(a.star for a in op.call.args):
        return None
    noop = f"{written}.noop"
    given = keyword_arg(op.call, ("reverse_code",))
    positional = [a for a in op.call.args if a.keyword is None]
    if given is not None:
        if not is_none(given.value):
            return None
        piece: Piece | None = replace(given.value, noop)
    elif len(positional) >= 2:
        if not is_none(positional[1].value):
            return None
        piece = replace(positional[1].value, noop)
    elif len(positional) == 1 and len(op.call.args) == 1:
        piece = add_arguments(op.call, noop)
    else:
        piece = add_keyword(op.call, "reverse_code", noop)
    return plan(f"make it reversible: rollback does nothing for this step ({noop}); unsafe: undoing the data may be needed", False, piece)


def index_only(rule: Rule, migration: DjangoMigration) -> bool:
    blocking = set(rule.param("django-blocking")) | set(rule.param("django-concurrent"))
    return bool(migration.operations) and all(op.name in blocking for op in migration.operations)


def _atomic_false(migration: DjangoMigration) -> Piece | None:
    body = migration.node.body
    if migration.atomic is False:
        return ([], lambda loc: [])
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    for statement in body.body:  # an explicit `atomic = True` is replaced
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if (
                    isinstance(small, cst.Assign)
                    and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)
                    and small.targets[0].target.value == "atomic"
                ):
                    return replace(small.value, "False")
    first = body.body[0]
    anchor = first.body[0] if isinstance(first, cst.SimpleStatementLine) else first

    def before(loc: Locator) -> list:
        at = loc.start(anchor)
        indent = loc.indent_at(at)
        if indent is None:
            raise Unlocatable("indent")
        return [loc.edit(at, at, f"atomic = False{newline_of(loc.text)}{newline_of(loc.text)}{indent}")]

    return (anchor,), before


def concurrent_index(rule: Rule, migration: DjangoMigration, op: DjangoOp) -> FixPlan | None:
    """REL406, Django: the concurrent operation in a non-atomic migration."""
    version = rule.django_version  # type: ignore[attr-defined]
    if (version is not None and version < (3, 0)) or not index_only(rule, migration):
        return None
    pieces: list[Piece | None] = [_atomic_false(migration)]
    new = CONCURRENT.get(op.name)
    if new is not None:
        needed = name_for(rule.context.module, rule.context.source, f"{POSTGRES_OPERATIONS}.{new}")
        if needed is None:
            return None
        pieces.append(replace(op.call.func, needed.written))
        if needed.piece is not None:
            pieces.append(needed.piece)
        description = f"build it concurrently: {new} with atomic = False (unsafe: a failed build leaves an INVALID index to drop by hand)"
    else:
        description = "set atomic = False on the migration (CONCURRENTLY cannot run in a transaction)"
    return plan(description, False, *pieces)


def alembic_concurrently(rule: Rule, call: cst.Call, statement: cst.SimpleStatementLine | None, keyword: str) -> FixPlan | None:
    """REL406, Alembic: ``keyword=True`` and the statement inside autocommit_block()."""
    if statement is None or len(statement.body) != 1 or any(a.star for a in call.args):
        return None
    small = statement.body[0]
    if not isinstance(small, cst.Expr) or small.value is not call or not isinstance(call.func, cst.Attribute):
        return None
    receiver = call.func.value
    if not isinstance(receiver, cst.Name):
        return None
    op_name = receiver.value
    given = keyword_arg(call, (keyword,))
    argument = replace(given.value, "True") if given is not None else add_keyword(call, keyword, "True")
    if argument is None:
        return None

    def wrap(loc: Locator) -> list:
        start, end = loc.start(small), loc.end(small)
        indent = loc.indent_at(start)
        inside = loc.text[start:end]
        if indent is None or '"""' in inside or "'''" in inside:
            raise Unlocatable("layout")
        nl = newline_of(loc.text)
        edits = [loc.edit(start, start, f"with {op_name}.get_context().autocommit_block():{nl}{indent}    ")]
        for edit in argument[1](loc):  # the keyword, its new lines indented one level more too
            edits.append(dataclasses.replace(edit, text=edit.text.replace(nl, nl + "    ")))
        at = start
        while True:  # indent the statement's continuation lines too
            found = min((i for i in (loc.text.find("\n", at, end), loc.text.find("\r", at, end)) if i != -1), default=-1)
            if found == -1:
                break
            after = found + 2 if loc.text.startswith("\r\n", found) else found + 1
            edits.append(loc.edit(after, after, "    "))
            at = after
        return edits

    return plan(
        f"build it concurrently: {keyword}=True inside {op_name}.get_context().autocommit_block() (unsafe: it runs outside the migration's transaction)",
        False,
        ((*argument[0], small), wrap),
    )
