"""Lock-taking SQL statements in a migration, classified with sqlglot.

:mod:`sql` finds where SQL comes from (``RunSQL``, ``op.execute``, ``cursor.execute``)
and turns Python string expressions into templates; this module says what each
statement of a template does to a PostgreSQL table's locks:

- the statement list comes from sqlglot's tokenizer (split at ``;`` tokens, so a
  semicolon inside a string or a comment never splits), and each statement's
  *kind* from sqlglot's parser (``exp.Create`` of an index or table, ``exp.Drop``,
  ``exp.Transaction``/``exp.Commit``/``exp.Rollback``, ``exp.Set``, DML);
- sqlglot keeps many PostgreSQL statements as an opaque ``exp.Command`` or
  misparses them (``VACUUM``, ``REINDEX``, ``LOCK``, ``CLUSTER``, ``ALTER TYPE ... ADD
  VALUE``, ``ALTER TABLE ... VALIDATE CONSTRAINT``, ``ADD CONSTRAINT ... USING INDEX``,
  several ALTER TABLE actions with ``NOT VALID``): their leading keywords are read
  from the tokens. ``ALTER TABLE`` actions are always read from the tokens, split at
  top-level commas, so the parsed and the Command forms are judged the same way.

A statement neither the parser nor the tokenizer accepts is an ``unparsable``
statement (a note for the caller, never silence).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from resilint.checks.migrations.sql import _HOLE, _MAX_SQL, _sqlglot

# Functions PostgreSQL evaluates once per statement (STABLE) or that are IMMUTABLE: a column
# default built from them is stored once in the catalog (PostgreSQL 11+), no rewrite. Anything
# else, including an unknown (user-defined) function, is treated as volatile, as squawk does.
NON_VOLATILE_FUNCTIONS = frozenset({
    "now", "transaction_timestamp", "statement_timestamp", "current_timestamp", "current_date",
    "current_time", "localtime", "localtimestamp", "current_user", "session_user", "current_schema",
    "current_role", "user", "lower", "upper", "coalesce", "nullif", "greatest", "least", "concat",
    "length", "to_char", "to_date", "to_timestamp", "make_interval", "make_date", "make_timestamp",
    "make_timestamptz", "date_trunc", "abs", "round", "trunc", "md5", "array", "jsonb_build_object",
    "json_build_object", "jsonb_build_array", "json_build_array", "to_jsonb", "to_json", "interval",
    "timezone", "replace", "substring", "trim", "btrim", "left", "right", "cast",
})
# Functions known to be volatile (named in messages; unknown ones are volatile too).
VOLATILE_FUNCTIONS = frozenset({
    "clock_timestamp", "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
    "uuid_generate_v4", "uuidv4", "uuidv7", "nextval", "timeofday", "setseed", "txid_current",
})
SERIAL_TYPES = frozenset({"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8"})
# LOCK TABLE modes that block the application's writes (ROW EXCLUSIVE is what an INSERT takes).
WRITE_BLOCKING_LOCKS = frozenset({"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"})
_FALSE = frozenset({"FALSE", "OFF", "0", "'FALSE'", "'OFF'"})

# Statement classes (the vocabulary of the TOML parameters).
LOCK_CLASSES = (
    "create-index", "drop-index", "reindex", "concurrent-index", "create-table",
    "alter-type", "set-not-null", "drop-not-null", "add-not-null-column",
    "add-foreign-key", "add-check", "add-unique", "add-primary-key", "add-exclusion", "validate-constraint",
    "not-valid-foreign-key", "not-valid-check", "volatile-default", "constant-default", "serial-column", "identity-column", "generated-stored",
    "json-column", "add-column", "alter-table",
    "vacuum-full", "cluster", "lock-table", "begin", "commit", "enum-add-value",
    "set-lock-timeout", "set-statement-timeout", "dml", "drop-table", "truncate", "unparsable",
)
# What takes an ACCESS EXCLUSIVE lock (or SHARE for a plain CREATE INDEX: writes queue behind it
# and everything queues behind the waiting migration), for the lock_timeout rule.
BLOCKING = frozenset({
    "create-index", "drop-index", "reindex", "alter-type", "set-not-null", "drop-not-null",
    "add-not-null-column", "add-foreign-key", "add-check", "add-unique", "add-primary-key", "add-exclusion",
    "not-valid-foreign-key", "not-valid-check", "volatile-default", "constant-default", "serial-column", "identity-column", "generated-stored",
    "json-column", "add-column", "alter-table", "vacuum-full", "cluster", "lock-table", "drop-table", "truncate",
})


@dataclass(frozen=True)
class LockStatement:
    kind: str  # one of LOCK_CLASSES
    sql: str  # the statement, shortened for messages
    table: str | None = None  # lower-cased, unquoted
    column: str | None = None
    detail: str = ""  # the volatile function, the JSON type, the LOCK mode...


@dataclass(frozen=True)
class _Tok:
    kind: str  # sqlglot TokenType name
    text: str  # as written
    up: str  # upper-cased text (for keywords)


def lock_statements(text: str) -> tuple[LockStatement, ...]:
    """Every classified statement of ``text``, in order (empty when none, or too long)."""
    if len(text) > _MAX_SQL:
        return ()
    return _lock_statements(text)


@lru_cache(maxsize=2048)
def _lock_statements(text: str) -> tuple[LockStatement, ...]:
    sqlglot = _sqlglot()
    try:
        tokens = sqlglot.tokenize(text, read="postgres")
    except Exception:  # noqa: REL601 -- a TokenError: the whole text is one unparsable statement
        return (LockStatement("unparsable", _shown(text)),)
    found: list[LockStatement] = []
    for chunk in _split(tokens, text):
        found.extend(_classify_chunk(chunk))
    return tuple(found)


def _split(tokens: Sequence[Any], text: str) -> Iterator[tuple[str, list[_Tok]]]:
    current: list[Any] = []
    for token in [*tokens, None]:
        if token is None or token.token_type.name == "SEMICOLON":
            if current:
                source = text[current[0].start : current[-1].end + 1]
                yield source, _toks(current)
            current = []
        else:
            current.append(token)


def _toks(tokens: Sequence[Any]) -> list[_Tok]:
    """sqlglot's tokens as words: multi-word keywords (``PRIMARY KEY``, ``FOREIGN KEY``) become one
    word each, so a keyword is found whichever way the tokenizer grouped it."""
    out: list[_Tok] = []
    for t in tokens:
        kind = t.token_type.name
        if kind in ("STRING", "IDENTIFIER", "NATIONAL_STRING") or " " not in t.text:
            out.append(_Tok(kind, t.text, t.text.upper()))
        else:
            out.extend(_Tok(kind, w, w.upper()) for w in t.text.split())
    return out


def _classify_chunk(chunk: tuple[str, list[_Tok]]) -> Iterator[LockStatement]:
    source, toks = chunk
    shown = _shown(source)
    words = [t.up for t in toks]
    head = words[0]
    parsed = _parse(source)
    if len(toks) == 2 and toks[1].kind == "STRING" and toks[0].kind != "STRING":
        toks = _expand_command(toks)
        words = [t.up for t in toks]
        head = words[0]
    if head in ("BEGIN", "START") and (len(words) == 1 or words[1] in ("TRANSACTION", "WORK", "ISOLATION")):
        yield LockStatement("begin", shown)
    elif head in ("COMMIT", "END", "ROLLBACK", "ABORT") and "TO" not in words and "PREPARED" not in words:
        yield LockStatement("commit", shown)
    elif head == "SET" or (head == "RESET" and len(words) > 1):
        yield from _set(toks, shown)
    elif head == "VACUUM":
        if _vacuum_full(words[1:]):
            yield LockStatement("vacuum-full", shown, _name_after(toks, 1))
    elif head == "CLUSTER":
        yield LockStatement("cluster", shown)
    elif head == "REINDEX":
        concurrent = _option_on(words[1:], "CONCURRENTLY")
        yield LockStatement("concurrent-index" if concurrent else "reindex", shown, detail="REINDEX")
    elif head == "LOCK":
        lock = _lock(toks, shown)
        if lock is not None:
            yield lock
    elif head == "ALTER" and len(words) > 1 and words[1] == "TYPE":
        if "ADD" in words and "VALUE" in words:
            yield LockStatement("enum-add-value", shown, _ident(toks[2]) if len(toks) > 2 else None,
                                detail=_first_string(toks))
    elif head == "ALTER" and len(words) > 1 and words[1] == "TABLE":
        yield from _alter_table(toks, shown)
    elif head == "CREATE" and "INDEX" in words[:4]:
        yield _create_index(toks, shown)
    elif head == "CREATE" and "TABLE" in words[:5]:
        at = words.index("TABLE") + 1
        while at < len(words) and words[at] in ("IF", "NOT", "EXISTS"):
            at += 1
        yield LockStatement("create-table", shown, _ident(toks[at]) if at < len(toks) else None)
    elif head == "DROP" and len(words) > 1 and words[1] == "INDEX":
        concurrent = len(words) > 2 and words[2] == "CONCURRENTLY"
        yield LockStatement("concurrent-index" if concurrent else "drop-index", shown, detail="DROP INDEX")
    elif head == "DROP" and len(words) > 1 and words[1] == "TABLE":
        yield LockStatement("drop-table", shown)
    elif head == "TRUNCATE":
        yield LockStatement("truncate", shown)
    elif head in ("UPDATE", "INSERT", "DELETE", "MERGE") and parsed is None:
        yield LockStatement("unparsable", shown)
    elif head in ("UPDATE", "INSERT", "DELETE", "MERGE", "COPY") or (head == "WITH" and parsed is not None
                                                                      and _is_dml(parsed)):
        yield LockStatement("dml", shown)
    elif parsed is None and head not in _KNOWN_HEADS:
        yield LockStatement("unparsable", shown)


# Statements sqlglot cannot parse but whose meaning needs no lock rule (no note for them).
_KNOWN_HEADS = frozenset({
    "DO", "COMMENT", "GRANT", "REVOKE", "CREATE", "DROP", "ALTER", "SELECT", "ANALYZE", "REFRESH",
    "NOTIFY", "LISTEN", "SAVEPOINT", "RELEASE", "DISCARD", "CALL", "SHOW", "EXPLAIN", "PREPARE",
    "EXECUTE", "DEALLOCATE", "DECLARE", "FETCH", "CLOSE", "CHECKPOINT", "SECURITY", "IMPORT",
    "PRAGMA",  # SQLite
})


def _parse(source: str) -> Any:
    """The statement's tree: PostgreSQL first, then MySQL (backticks) and SQLite (``UPDATE OR IGNORE``)."""
    sqlglot = _sqlglot()
    for dialect in ("postgres", "mysql", "sqlite"):
        try:
            return sqlglot.parse_one(source, read=dialect)
        except Exception:  # noqa: REL601 -- not valid for this dialect's grammar: try the next one
            continue
    return None


def _is_dml(parsed: Any) -> bool:
    from sqlglot import exp

    return isinstance(parsed, (exp.Update, exp.Insert, exp.Delete, exp.Merge))


def _expand_command(toks: list[_Tok]) -> list[_Tok]:
    """sqlglot's tokenizer keeps a command's tail as one string token: tokenize it again."""
    if len(toks) < 2 or toks[1].kind != "STRING":
        return toks
    try:
        rest = _sqlglot().tokenize(toks[1].text, read="postgres")
    except Exception:  # noqa: REL601 -- the tail does not tokenize: keep the command word alone
        return toks[:1]
    return [toks[0], *_toks(rest)]


def _ident(tok: _Tok) -> str:
    return tok.text.strip('"`').lower()


def _name_after(toks: list[_Tok], start: int) -> str | None:
    for tok in toks[start:]:
        if tok.kind in ("VAR", "IDENTIFIER") and tok.up not in ("FULL", "VERBOSE", "ANALYZE", "FREEZE", "TABLE"):
            return _ident(tok)
    return None


def _first_string(toks: list[_Tok]) -> str:
    return next((t.text for t in toks if t.kind in ("STRING", "NATIONAL_STRING")), "")


def _option_on(words: list[str], option: str) -> bool:
    """``REINDEX CONCURRENTLY``, ``(CONCURRENTLY)``, ``(CONCURRENTLY true)``; not ``(CONCURRENTLY false)``."""
    for i, word in enumerate(words):
        if word == option:
            after = words[i + 1] if i + 1 < len(words) else ""
            return after not in _FALSE
    return False


def _vacuum_full(words: list[str]) -> bool:
    if words and words[0] == "(":
        options = words[1 : words.index(")")] if ")" in words else words[1:]
        return _option_on(options, "FULL")
    return "FULL" in words[:4]


def _set(toks: list[_Tok], shown: str) -> Iterator[LockStatement]:
    words = [t.up for t in toks]
    at = 1
    while at < len(words) and words[at] in ("SESSION", "LOCAL"):
        at += 1
    if at >= len(words):
        return
    name = words[at].strip('"')
    value = words[at + 2] if at + 2 < len(words) and words[at + 1] in ("=", "TO") else ""
    if name in ("LOCK_TIMEOUT", "STATEMENT_TIMEOUT") and words[0] == "SET" and value.strip("'") not in ("0", "DEFAULT", ""):
        yield LockStatement("set-lock-timeout" if name == "LOCK_TIMEOUT" else "set-statement-timeout", shown,
                            detail=toks[at + 2].text if at + 2 < len(toks) else "")


def _lock(toks: list[_Tok], shown: str) -> LockStatement | None:
    words = [t.up for t in toks]
    mode = "ACCESS EXCLUSIVE"
    if "IN" in words and "MODE" in words:
        start, end = words.index("IN") + 1, words.index("MODE")
        mode = " ".join(words[start:end])
    start = 2 if len(words) > 1 and words[1] == "TABLE" else 1
    table = _name_after(toks, start)
    return LockStatement("lock-table", shown, table, detail=mode) if mode in WRITE_BLOCKING_LOCKS else None


def _create_index(toks: list[_Tok], shown: str) -> LockStatement:
    words = [t.up for t in toks]
    table = None
    if "ON" in words:
        at = words.index("ON") + 1
        if at < len(words) and words[at] == "ONLY":
            at += 1
        if at < len(toks):
            table = _ident(toks[at])
            if at + 2 < len(toks) and toks[at + 1].text == ".":
                table = _ident(toks[at + 2])
    header = words[: words.index("ON")] if "ON" in words else words
    if "CONCURRENTLY" in header:
        return LockStatement("concurrent-index", shown, table, detail="CREATE INDEX")
    return LockStatement("create-index", shown, table, detail="UNIQUE" if "UNIQUE" in header else "")


# -- ALTER TABLE ------------------------------------------------------------------------


def _alter_table(toks: list[_Tok], shown: str) -> Iterator[LockStatement]:
    words = [t.up for t in toks]
    at = 2
    while at < len(words) and words[at] in ("IF", "EXISTS", "ONLY"):
        at += 1
    if at >= len(toks):
        return
    table = _ident(toks[at])
    at += 1
    if at + 1 < len(toks) and toks[at].text == ".":  # schema.table
        table = _ident(toks[at + 1])
        at += 2
    if at < len(words) and words[at] == "*":
        at += 1
    found = False
    for action in _actions(toks[at:]):
        for statement in _action(action, shown, table):
            found = True
            yield statement
    if not found:
        yield LockStatement("alter-table", shown, table)


def _actions(toks: list[_Tok]) -> Iterator[list[_Tok]]:
    depth, current = 0, []
    for tok in toks:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        if tok.text == "," and depth == 0:
            if current:
                yield current
            current = []
        else:
            current.append(tok)
    if current:
        yield current


def _action(toks: list[_Tok], shown: str, table: str) -> Iterator[LockStatement]:
    words = [t.up for t in toks]
    not_valid = any(w == "NOT" and nxt == "VALID" for w, nxt in zip(words, words[1:], strict=False))
    if words[:2] == ["VALIDATE", "CONSTRAINT"]:
        yield LockStatement("validate-constraint", shown, table, detail=_ident(toks[2]) if len(toks) > 2 else "")
        return
    if words[0] == "ADD" and (len(words) < 2 or words[1] not in ("COLUMN",)) and _is_constraint(words[1:]):
        yield from _add_constraint(toks[1:], words[1:], shown, table, not_valid)
        return
    if words[0] == "ADD":
        yield from _add_column(toks, words, shown, table)
        return
    if words[0] == "ALTER":
        at = 2 if len(words) > 1 and words[1] == "COLUMN" else 1
        column = _ident(toks[at]) if at < len(toks) else None
        rest = words[at + 1 :]
        if rest[:1] == ["TYPE"] or rest[:3] == ["SET", "DATA", "TYPE"]:
            yield LockStatement("alter-type", shown, table, column)
        elif rest[:3] == ["SET", "NOT", "NULL"]:
            yield LockStatement("set-not-null", shown, table, column)
        elif rest[:3] == ["DROP", "NOT", "NULL"]:
            yield LockStatement("drop-not-null", shown, table, column)
        elif rest[:2] in (["SET", "DEFAULT"], ["DROP", "DEFAULT"]):
            return  # catalog only
        else:
            yield LockStatement("alter-table", shown, table, column)
        return
    if words[0] in ("ENABLE", "DISABLE") or words[:2] in (["SET", "STATISTICS"],):
        return
    if words[0] == "DROP" and len(words) > 1 and words[1] == "CONSTRAINT":
        yield LockStatement("alter-table", shown, table)
        return
    yield LockStatement("alter-table", shown, table)


def _is_constraint(words: list[str]) -> bool:
    return bool(words) and words[0] in ("CONSTRAINT", "FOREIGN", "CHECK", "UNIQUE", "PRIMARY", "EXCLUDE")


def _add_constraint(toks: list[_Tok], words: list[str], shown: str, table: str, not_valid: bool) -> Iterator[LockStatement]:
    at = 2 if words[0] == "CONSTRAINT" else 0
    name = _ident(toks[1]) if words[0] == "CONSTRAINT" and len(toks) > 1 else ""
    kind = words[at] if at < len(words) else ""
    using_index = "USING" in words and "INDEX" in words[words.index("USING") :]
    if kind == "FOREIGN":
        yield LockStatement("not-valid-foreign-key" if not_valid else "add-foreign-key", shown, table,
                            _first_paren_ident(toks), detail=name)
    elif kind == "CHECK":
        yield LockStatement("not-valid-check" if not_valid else "add-check", shown, table, detail=name)
    elif kind == "UNIQUE":
        if not using_index:
            yield LockStatement("add-unique", shown, table, _first_paren_ident(toks), detail=name)
    elif kind == "PRIMARY":
        if not using_index:
            yield LockStatement("add-primary-key", shown, table, _first_paren_ident(toks), detail=name)
    elif kind == "EXCLUDE":
        yield LockStatement("add-exclusion", shown, table, detail=name)


def _first_paren_ident(toks: list[_Tok]) -> str | None:
    for i, tok in enumerate(toks):
        if tok.text == "(" and i + 1 < len(toks):
            return _ident(toks[i + 1])
    return None


def _add_column(toks: list[_Tok], words: list[str], shown: str, table: str) -> Iterator[LockStatement]:
    at = 1
    if at < len(words) and words[at] == "COLUMN":
        at += 1
    while at < len(words) and words[at] in ("IF", "NOT", "EXISTS"):
        at += 1
    if at >= len(toks):
        return
    column = _ident(toks[at])
    rest, rest_toks = words[at + 1 :], toks[at + 1 :]
    type_words = []
    for word in rest:
        if word in ("DEFAULT", "NOT", "NULL", "CONSTRAINT", "REFERENCES", "CHECK", "UNIQUE", "PRIMARY",
                    "GENERATED", "COLLATE"):
            break
        type_words.append(word)
    base_type = type_words[0].strip('"') if type_words else ""
    found = False

    def out(kind: str, detail: str = "") -> LockStatement:
        nonlocal found
        found = True
        return LockStatement(kind, shown, table, column, detail)

    if base_type in SERIAL_TYPES:
        yield out("serial-column", base_type.lower())
    if base_type == "JSON":
        yield out("json-column", "json")
    at_default = next((i for i, w in enumerate(rest) if w == "DEFAULT" and (i == 0 or rest[i - 1] != "BY")), None)
    has_default = at_default is not None  # not GENERATED BY DEFAULT AS IDENTITY
    if at_default is not None:
        volatile = _volatile_default(rest_toks[at_default + 1 :])
        yield out("volatile-default", volatile) if volatile else out("constant-default")
    if "GENERATED" in rest:
        g = rest.index("GENERATED")
        tail = rest[g:]
        if "IDENTITY" in tail:
            yield out("identity-column")
        elif "STORED" in tail or ("AS" in tail and "VIRTUAL" not in tail):
            yield out("generated-stored")
    if "REFERENCES" in rest:
        yield out("add-foreign-key")
    if "UNIQUE" in rest:
        yield out("add-unique")
    if "PRIMARY" in rest:
        yield out("add-primary-key")
    if any(w == "NOT" and nxt == "NULL" for w, nxt in zip(rest, rest[1:], strict=False)) and not has_default \
            and base_type not in SERIAL_TYPES and "GENERATED" not in rest:
        yield out("add-not-null-column")
    if not found:
        yield LockStatement("add-column", shown, table, column)


def _volatile_default(toks: list[_Tok]) -> str:
    """The first function of a DEFAULT expression that is not known to be STABLE/IMMUTABLE."""
    depth = 0
    for i, tok in enumerate(toks):
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        if depth == 0 and tok.up in ("NOT", "NULL", "CONSTRAINT", "REFERENCES", "CHECK", "UNIQUE", "PRIMARY",
                                     "GENERATED", "COLLATE") and i > 0:
            break
        following = toks[i + 1].text if i + 1 < len(toks) else ""
        if following == "(" and tok.kind not in ("STRING", "NUMBER", "L_PAREN", "R_PAREN"):
            name = tok.text.strip('"').lower()
            if i > 0 and toks[i - 1].text == "::":
                continue  # a cast to a type with a modifier, '...'::varchar(20)
            if name not in NON_VOLATILE_FUNCTIONS:
                return name
    return ""


def _shown(text: str, limit: int = 80) -> str:
    for n in range(text.count("__rlhole") + 1):
        text = text.replace(_HOLE.format(n), "{…}")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
