"""SQL strings that reach an execute-like sink, classified with a real parser.

Only a string passed to a sink is SQL: ``cursor.execute(...)``, ``op.execute``,
SQLAlchemy ``text(...)``, Django ``RunSQL`` (the migration walker hands its
argument here). English prose that mentions "delete from" in a log message is
never looked at.

A string expression becomes a *template*: literal text with holes where the
value is only known at run time (f-string fields, ``.format`` / ``%`` fields,
concatenated variables). Holes become placeholder identifiers, so the literal
part decides the verb (``f"TRUNCATE {table}"`` is a TRUNCATE), and a statement
whose verdict depends on a hole (``f"DELETE FROM t {where}"``) is left alone.

Parsing uses sqlglot (pure Python, several dialects, already a dependency): it
is imported on the first SQL string, and statements it cannot parse are
skipped silently (no finding, no crash).
"""

from __future__ import annotations

import logging
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import libcst as cst

from resilint.checks.common.arguments import keyword_arg, positional_arg
from resilint.engine.literals import string_literal
from resilint.engine.names import NameResolver

# The analysis, not policy: which calls hand their first argument to a database.
SINK_FUNCTIONS = frozenset(
    {
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
        "sqlmodel.text",
        "alembic.op.execute",
        "psycopg2.sql.SQL",
        "psycopg.sql.SQL",
    }
)
# Sinks whose string is a str.format-style template (``sql.SQL("TRUNCATE {}")``).
FORMAT_SINKS = frozenset({"psycopg2.sql.SQL", "psycopg.sql.SQL"})
# Methods that execute SQL on DB-API cursors/connections, SQLAlchemy connections and
# sessions, Alembic's op; the receiver is usually a parameter, so the method decides.
SINK_METHODS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql"})
# Prefilter (see prefilter.py): an execute-like method, or an import of a library
# whose text()/SQL() wraps a query.
SINK_TRIGGERS = ("execute", "exec_driver_sql", "RunSQL", *(f"import:{f}" for f in sorted(SINK_FUNCTIONS)))
# Every statement class below needs one of these keywords in the literal text of the
# SQL (holes never decide a verb): somewhere in the file, not necessarily where the
# sink is (``WIPE = "DELETE FROM t"`` ... ``cursor.execute(WIPE)``).
VERB_TRIGGER = r"file:re:(?i:\b(?:drop|truncate|rename|delete|update)\b)"
# A sink, and a verb for it to run.
DESTRUCTIVE_TRIGGERS = tuple((sink, VERB_TRIGGER) for sink in SINK_TRIGGERS)

DIALECTS = ("postgres", "mysql")  # PostgreSQL is the default target; MySQL for backticks & co.
_MAX_SQL = 100_000  # characters; longer literals are not parsed
_MAX_DEPTH = 6  # name -> value hops when following a variable to its string
_MAX_OPERANDS = 500  # pieces of a concatenation; longer ones are not classified
_HOLE = "__rlhole{}__"

# Statement classes (the vocabulary of the TOML parameters).
CLASSES = (
    "drop-table",
    "drop-column",
    "rename",
    "truncate",
    "drop-database",
    "drop-schema",
    "delete-without-where",
    "update-without-where",
)


@dataclass(frozen=True)
class Template:
    """Literal SQL text with numbered holes for run-time values."""

    text: str
    holes: int

    @property
    def known(self) -> bool:
        """Whether any literal SQL is left once the holes are taken out."""
        text = self.text
        for n in range(self.holes):
            text = text.replace(_HOLE.format(n), "")
        return bool(text.strip())


@dataclass(frozen=True)
class Statement:
    kind: str  # one of CLASSES
    sql: str  # the statement, normalised and shortened for messages
    tables: tuple[str, ...] = ()  # drop-table: the dropped tables, lower-cased, when the parser named them


# -- where SQL comes from -----------------------------------------------------------


def sink_argument(call: cst.Call, names: NameResolver) -> cst.BaseExpression | None:
    """The SQL argument of an execute-like call, or None if ``call`` is not a sink."""
    qualname = names.call_name(call)
    is_function = qualname in SINK_FUNCTIONS
    is_method = isinstance(call.func, cst.Attribute) and call.func.attr.value in SINK_METHODS
    if not (is_function or is_method):
        return None
    arg = positional_arg(call, 0) or keyword_arg(call, ("text", "sql", "statement", "operation", "sqltext", "query"))
    return arg.value if arg is not None else None


def unwrapped_sink(
    call: cst.Call, names: NameResolver
) -> tuple[cst.BaseExpression | None, cst.Call, cst.Call | None] | None:
    """An execute-like call's SQL, looked for through a wrapping ``text(...)`` or
    ``sql.SQL(...).format(...)``: ``(argument, the call that holds it, the wrapped
    inner call or None)``; None when ``call`` is no sink. The argument is None when
    the inner call passes none."""
    argument = sink_argument(call, names)
    if argument is None:
        return None
    inner = wrapped_sink(argument, names)
    if inner is None:
        return argument, call, None
    return sink_argument(inner, names), inner, inner


def wrapped_sink(argument: cst.BaseExpression, names: NameResolver) -> cst.Call | None:
    """``session.execute(text("..."))``: the inner ``text(...)`` call, reported as part of
    the outer execute call (where a reader looks for it)."""
    if isinstance(argument, cst.Call) and names.call_name(argument) in SINK_FUNCTIONS:
        return argument
    if (  # sql.SQL("DELETE FROM {}").format(sql.Identifier(table))
        isinstance(argument, cst.Call)
        and isinstance(argument.func, cst.Attribute)
        and argument.func.attr.value == "format"
        and isinstance(argument.func.value, cst.Call)
        and names.call_name(argument.func.value) in FORMAT_SINKS
    ):
        return argument.func.value
    return None


def is_format_sink(call: cst.Call, names: NameResolver) -> bool:
    return names.call_name(call) in FORMAT_SINKS


def templates(
    node: cst.BaseExpression, names: NameResolver, *, sequence: bool = False, formatted: bool = False
) -> list[Template]:
    """The SQL templates an argument carries. With ``sequence`` (Django ``RunSQL``), a
    list/tuple holds several statements, each a string or a ``(sql, params)`` pair; with
    ``formatted`` (psycopg's ``sql.SQL``) ``{}`` fields in the literal are holes."""
    if sequence and isinstance(node, cst.Name):  # RunSQL(STATEMENTS) with a module-level list
        binding = names.lookup(node.value)
        if binding is not None and isinstance(binding.value, (cst.List, cst.Tuple)):
            node = binding.value
    if sequence and isinstance(node, (cst.List, cst.Tuple)):
        found: list[Template] = []
        for element in node.elements:
            value = element.value
            if isinstance(value, (cst.List, cst.Tuple)) and value.elements:
                value = value.elements[0].value  # (sql, params)
            found.extend(templates(value, names, formatted=formatted))
        return found
    template = _template(node, names, formatted)
    return [template] if template is not None and template.known else []


def _template(node: cst.BaseExpression, names: NameResolver, formatted: bool = False) -> Template | None:
    builder = _Builder(names, formatted)
    if not builder.add(node, 0, allow_hole=False):
        return None
    return Template("".join(builder.parts), builder.holes)


class _Builder:
    def __init__(self, names: NameResolver, formatted: bool = False) -> None:
        self.names = names
        self.formatted = formatted
        self.parts: list[str] = []
        self.holes = 0

    def hole(self) -> None:
        self.parts.append(_HOLE.format(self.holes))
        self.holes += 1

    def add(self, node: cst.BaseExpression, depth: int, *, allow_hole: bool = True) -> bool:
        """Append ``node``'s text; False when it is not a string expression at all."""
        if isinstance(node, cst.SimpleString):
            value = string_literal(node)
            if value is None:
                return False
            if self.formatted:
                return self._format(value)
            self.parts.append(value)
            return True
        if isinstance(node, cst.ConcatenatedString) or _is_add(node):
            # long "a" "b" / a + b + c chains nest deeply: flatten them without recursion
            operands = _operands(node)
            return len(operands) <= _MAX_OPERANDS and all(self.add(o, depth) for o in operands)
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    self.parts.append(part.value.replace("{{", "{").replace("}}", "}"))
                else:
                    self.hole()
            return True
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
            fmt = string_literal(node.left) if isinstance(node.left, cst.SimpleString) else None
            if fmt is None:
                return False
            self._percent(fmt)
            return True
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "format"
            and isinstance(node.func.value, cst.SimpleString)
        ):
            fmt = string_literal(node.func.value)
            return fmt is not None and self._format(fmt)
        if isinstance(node, cst.Name) and depth < _MAX_DEPTH:
            binding = self.names.lookup(node.value)
            bound = binding.value if binding is not None else None
            if bound is not None and _mentions(bound, node.value):
                bound = None  # sql = sql + "...": the earlier value is not known here
            if bound is not None and self.add(bound, depth + 1, allow_hole=False):
                return True
        if not allow_hole:
            return False
        self.hole()
        return True

    def _format(self, fmt: str) -> bool:
        try:
            pieces = list(string.Formatter().parse(fmt))
        except ValueError:
            return False
        for literal, field, _spec, _conv in pieces:
            self.parts.append(literal)
            if field is not None:
                self.hole()
        return True

    def _percent(self, fmt: str) -> None:
        """``"... %s" % value``: printf fields are holes, ``%%`` is a percent sign."""
        i, text = 0, []
        while i < len(fmt):
            if fmt[i] != "%" or i + 1 >= len(fmt):
                text.append(fmt[i])
                i += 1
                continue
            if fmt[i + 1] == "%":
                text.append("%")
                i += 2
                continue
            j = i + 1
            if fmt[j] == "(":
                j = fmt.find(")", j) + 1 or len(fmt)
            while j < len(fmt) and fmt[j] in "#0- +123456789.*hlL":
                j += 1
            self.parts.append("".join(text))
            text = []
            self.hole()
            i = j + 1
        self.parts.append("".join(text))


def _is_add(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)


def _operands(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The operands of a ``+`` / implicit-concatenation chain, left to right."""
    operands: list[cst.BaseExpression] = []
    stack: list[cst.BaseExpression] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.ConcatenatedString):
            stack += [current.right, current.left]  # type: ignore[list-item]
        elif isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.Add):
            stack += [current.right, current.left]
        else:
            operands.append(current)
        if len(operands) + len(stack) > _MAX_OPERANDS:
            return operands + stack
    return operands


def _mentions(node: cst.CSTNode, name: str) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            return True
        stack.extend(current.children)
    return False


# -- what the SQL does --------------------------------------------------------------


def classify(template: Template) -> tuple[Statement, ...]:
    """The destructive statements in a template (empty when none or unparseable)."""
    if len(template.text) > _MAX_SQL:
        return ()
    return _classify(template.text)


@lru_cache(maxsize=2048)
def _classify(text: str) -> tuple[Statement, ...]:
    parsed = _parse(text)
    if parsed is None:
        return ()
    dialect, statements = parsed
    found: list[Statement] = []
    created: set[str] = set()  # tables created earlier in the same string (scratch tables)
    for statement in statements:
        if statement is None:
            continue
        try:
            if _scratch_drop(statement, created):
                continue
            kinds = list(_kinds(statement, dialect))
        except Exception:  # noqa: REL601 -- an unexpected tree shape: no finding, no crash, by design
            continue
        found.extend(Statement(kind, _shown(statement, dialect), _dropped(statement) if kind == "drop-table" else ())
                     for kind in kinds)
    return tuple(found)


@lru_cache(maxsize=256)
def ends_transaction(text: str) -> bool:
    """``op.execute("COMMIT")``: the old Alembic way out of the migration's transaction."""
    from sqlglot import exp

    parsed = _parse(text) if len(text) <= _MAX_SQL else None
    return parsed is not None and any(isinstance(s, exp.Commit) for s in parsed[1])


def _parse(text: str) -> tuple[str, Sequence[Any]] | None:
    sqlglot = _sqlglot()
    for dialect in DIALECTS:
        try:
            return dialect, sqlglot.parse(text, read=dialect)
        except Exception:  # noqa: REL601 -- ParseError, TokenError or a parser bug: try the next dialect
            continue
    return None


@lru_cache(maxsize=1)
def _sqlglot() -> Any:
    import sqlglot

    # sqlglot logs a warning when it falls back to a generic Command: noise for a linter.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return sqlglot


def _scratch_drop(statement: Any, created: set[str]) -> bool:
    """Record CREATE TABLE names; True for a DROP of a temporary table or of a table
    this same SQL created (a scratch table, not data anyone else has)."""
    from sqlglot import exp

    if isinstance(statement, exp.Create) and str(statement.args.get("kind") or "").upper() == "TABLE":
        table = statement.find(exp.Table)
        if table is not None:
            created.add(table.sql().lower())
        return False
    if isinstance(statement, exp.Drop) and str(statement.args.get("kind") or "").upper() == "TABLE":
        if statement.args.get("temporary"):
            return True
        tables = [t.sql().lower() for t in statement.find_all(exp.Table)]
        return bool(tables) and all(t in created for t in tables)
    return False


def _dropped(statement: Any) -> tuple[str, ...]:
    """The tables a parsed ``DROP TABLE`` names (unqualified, lower-cased); () for a name built
    at run time."""
    from sqlglot import exp

    if not isinstance(statement, exp.Drop):
        return ()
    names = tuple(t.name.lower() for t in statement.find_all(exp.Table))
    return () if not names or any(not n or "__rlhole" in n for n in names) else names


def _kinds(statement: Any, dialect: str) -> Iterator[str]:
    from sqlglot import exp

    if isinstance(statement, exp.TruncateTable):
        yield "truncate"
    elif isinstance(statement, exp.Drop):
        kind = str(statement.args.get("kind") or "").upper()
        yield from {"TABLE": ("drop-table",), "DATABASE": ("drop-database",), "SCHEMA": ("drop-schema",)}.get(kind, ())
    elif isinstance(statement, exp.Alter):
        if str(statement.args.get("kind") or "").upper() == "TABLE":
            for action in statement.args.get("actions") or ():
                if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "COLUMN":
                    yield "drop-column"
                elif isinstance(action, exp.RenameColumn):
                    yield "rename"
                elif isinstance(action, exp.AlterRename) and not _sequence_rename(statement, action):
                    yield "rename"
    elif isinstance(statement, exp.Command):
        yield from _command_kinds(statement, dialect)
    for node in statement.find_all(exp.Delete, exp.Update):
        if node.args.get("where") is None and _target_unrestricted(node) and _holes_decided(node):
            yield "delete-without-where" if isinstance(node, exp.Delete) else "update-without-where"


def _sequence_rename(statement: Any, action: Any) -> bool:
    """``ALTER TABLE t_id_seq RENAME TO u_id_seq``: PostgreSQL accepts ALTER TABLE on a sequence;
    both names following its ``<table>_<column>_seq`` convention make it a sequence rename, which no
    running code names (column defaults hold the sequence's OID, not its name)."""
    from sqlglot import exp

    old = statement.find(exp.Table)
    new = action.find(exp.Table)
    return (old is not None and new is not None and old.name.lower().endswith("_seq")
            and new.name.lower().endswith("_seq"))


@lru_cache(maxsize=1024)
def column_defaults(text: str) -> frozenset[tuple[str, str]]:
    """``(table, column)`` pairs given a database default by ``ALTER TABLE t ALTER [COLUMN] c
    SET DEFAULT ...`` statements in ``text`` (names lower-cased, unquoted)."""
    from sqlglot import exp

    parsed = _parse(text) if len(text) <= _MAX_SQL else None
    if parsed is None:
        return frozenset()
    out: set[tuple[str, str]] = set()
    for statement in parsed[1]:
        if not isinstance(statement, exp.Alter) or str(statement.args.get("kind") or "").upper() != "TABLE":
            continue
        table = statement.find(exp.Table)
        if table is None:
            continue
        for action in statement.args.get("actions") or ():
            if isinstance(action, exp.AlterColumn) and action.args.get("default") is not None:
                out.add((table.name.lower(), action.this.name.lower()))
    return frozenset(out)


def _target_unrestricted(statement: Any) -> bool:
    """MySQL's ``DELETE t FROM t JOIN u ON ...`` restricts rows through the join."""
    from sqlglot import exp

    target = statement.args.get("this")
    return target is None or target.find(exp.Join) is None


def _holes_decided(statement: Any) -> bool:
    """A statement without WHERE is only known to touch every row if no hole could
    add a condition: holes may name the table or give a SET value, nothing else."""
    from sqlglot import exp

    for identifier in statement.find_all(exp.Identifier):
        if not str(identifier.this).startswith("__rlhole"):
            continue
        node, parent = identifier, identifier.parent
        ok = False
        while parent is not None and parent is not statement:
            if isinstance(parent, exp.TableAlias):
                break
            if isinstance(parent, exp.Table) and node.arg_key in ("this", "db", "catalog"):
                ok = True
                break
            if isinstance(parent, exp.EQ) and node.arg_key == "expression" and parent.parent is statement:
                ok = True
                break
            node, parent = parent, parent.parent
        if not ok:
            return False
    return True


def _command_kinds(statement: Any, dialect: str) -> Iterator[str]:
    """Statements sqlglot keeps as a generic Command (``RENAME TABLE``, ``ALTER TABLE
    ... RENAME CONSTRAINT``): read their tokens with sqlglot's own tokenizer."""
    from sqlglot import exp

    verb = str(statement.this or "").upper()
    rest = statement.expression
    text = str(rest.this) if isinstance(rest, exp.Literal) else str(rest or "")
    try:
        tokens = [t.text.upper() for t in _sqlglot().tokenize(text, read=dialect)]
    except Exception:
        return
    if not tokens:
        return
    if verb == "TRUNCATE":
        yield "truncate"
    elif verb == "RENAME" and tokens[0] in ("TABLE", "TABLES"):
        yield "rename"
    elif verb == "DROP" and tokens[0] in ("DATABASE", "SCHEMA"):
        yield "drop-database" if tokens[0] == "DATABASE" else "drop-schema"
    elif verb == "DROP" and tokens[0] == "TABLE":
        yield "drop-table"
    elif verb == "ALTER" and tokens[0] in ("TYPE", "SCHEMA") and "RENAME" in tokens:
        yield "rename"  # an enum value (strong_migrations) or a schema renamed under the running code
    elif verb == "ALTER" and tokens[0] == "TABLE":
        for word, after in zip(tokens, [*tokens[1:], ""], strict=True):
            if word == "DROP" and after == "COLUMN":
                yield "drop-column"
            elif word == "RENAME" and after not in ("CONSTRAINT", "INDEX", "KEY"):
                yield "rename"


def _shown(statement: Any, dialect: str, limit: int = 60) -> str:
    try:
        text = statement.sql(dialect=dialect, comments=False)
    except Exception:
        text = str(statement)
    for n in range(text.count("__rlhole") + 1):
        text = text.replace(_HOLE.format(n), "{…}")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
