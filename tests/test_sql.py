"""SQL classification (sqlglot) and the templates built from Python string expressions."""

from __future__ import annotations

import libcst as cst
import pytest

from resilint.checks.migrations import sql
from resilint.engine.names import NameResolver


def kinds(text: str) -> list[str]:
    return [s.kind for s in sql.classify(sql.Template(text, 0))]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("DELETE FROM users", ["delete-without-where"]),
        ("delete from users where id = 1", []),
        ("UPDATE t SET a = 1", ["update-without-where"]),
        ("UPDATE t SET a = 1 WHERE id = %s", []),
        ("UPDATE t SET a = 1 WHERE id = :id", []),
        ("DELETE FROM t WHERE id = $1", []),
        ("TRUNCATE users", ["truncate"]),
        ("TRUNCATE TABLE a, b RESTART IDENTITY CASCADE", ["truncate"]),
        ("DROP DATABASE staging", ["drop-database"]),
        ("DROP SCHEMA analytics CASCADE", ["drop-schema"]),
        ("DROP TABLE IF EXISTS t", ["drop-table"]),
        ("DROP TEMPORARY TABLE t", []),
        ("CREATE TEMP TABLE s AS SELECT 1; DROP TABLE s", []),
        ("ALTER TABLE t DROP COLUMN c", ["drop-column"]),
        ("ALTER TABLE ONLY t DROP COLUMN IF EXISTS c CASCADE", ["drop-column"]),
        ("ALTER TABLE `t` DROP COLUMN `c`", ["drop-column"]),  # MySQL backticks: second dialect
        ("ALTER TABLE t RENAME COLUMN a TO b", ["rename"]),
        ("ALTER TABLE t RENAME TO u", ["rename"]),
        ("RENAME TABLE a TO b", ["rename"]),  # MySQL, kept as a Command by sqlglot
        ("ALTER TABLE t RENAME CONSTRAINT a TO b", []),
        ("ALTER INDEX i RENAME TO j", []),
        ("ALTER TABLE t DROP CONSTRAINT c", []),
        ("ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0", []),
        ("DROP INDEX i", []),
        ("DROP VIEW v", []),
        ("SELECT 1", []),
        ("-- just a comment", []),
        ("-- purge\nDELETE FROM x; /* then */ SELECT 1;", ["delete-without-where"]),
        ("BEGIN; TRUNCATE a; COMMIT;", ["truncate"]),
        ("WITH moved AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM moved", ["delete-without-where"]),
        ("DELETE t FROM t JOIN u ON t.id = u.id", []),  # the join restricts the rows
        ("CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM x $$ LANGUAGE sql", []),  # body not run now
        ("this is english prose: delete from the cache", []),
        ("DELETE FROM", []),  # unparseable: skipped
        ("", []),
    ],
)
def test_classify(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


def templates_of(source: str) -> list[str]:
    """Templates of the last expression statement in ``source`` (names resolved as in a file)."""
    module = cst.parse_module(source)
    names = NameResolver(module)
    for statement in module.body[:-1]:  # bind module-level assignments, as the traversal would
        small = statement.body[0]  # type: ignore[attr-defined]
        names.leave(small)
    expr = module.body[-1].body[0].value  # type: ignore[attr-defined]
    return [t.text for t in sql.templates(expr, names, sequence=True)]


def test_template_forms() -> None:
    hole0 = "__rlhole0__"
    assert templates_of('f"TRUNCATE {table}"') == [f"TRUNCATE {hole0}"]
    assert templates_of('"DELETE FROM {} WHERE id = %s".format(t)') == [f"DELETE FROM {hole0} WHERE id = %s"]
    assert templates_of('"DELETE FROM %s" % table') == [f"DELETE FROM {hole0}"]
    assert templates_of('"UPDATE t SET pct = 100%% WHERE a = %(a)s" % params') == [f"UPDATE t SET pct = 100% WHERE a = {hole0}"]
    assert templates_of('"DELETE " "FROM t"') == ["DELETE FROM t"]
    assert templates_of('"DELETE FROM " + table') == [f"DELETE FROM {hole0}"]
    assert templates_of('SQL = "TRUNCATE t"\nSQL') == ["TRUNCATE t"]
    assert templates_of('[("DROP TABLE a", None), "TRUNCATE b"]') == ["DROP TABLE a", "TRUNCATE b"]
    assert templates_of("name") == []  # unknown: nothing to classify
    assert templates_of('f"{statement}"') == []  # only a hole
    assert templates_of('b"DELETE FROM t"') == []  # bytes are not classified


@pytest.mark.parametrize(
    "source,expected",
    [
        ('f"TRUNCATE {table}"', ["truncate"]),
        ('f"DELETE FROM {schema}.{table}"', ["delete-without-where"]),
        ('f"DELETE FROM t {where}"', []),  # the hole may hold the WHERE clause
        ('"UPDATE t SET " + assignments', []),
        ('f"UPDATE t SET a = {value}"', ["update-without-where"]),
        ('f"UPDATE t SET a = 1 WHERE id = {i}"', []),
        ('f"{verb} FROM t"', []),  # the literal part does not decide the verb
        ('f"DROP TABLE {name}"', ["drop-table"]),
    ],
)
def test_holes_decide_only_when_they_cannot_add_a_condition(source: str, expected: list[str]) -> None:
    module = cst.parse_module(source)
    names = NameResolver(module)
    expr = module.body[0].body[0].value  # type: ignore[attr-defined]
    found = [s.kind for t in sql.templates(expr, names) for s in sql.classify(t)]
    assert found == expected


def test_statement_is_shown_without_comments_and_with_holes_marked() -> None:
    (statement,) = sql.classify(sql.Template("/* nightly */ TRUNCATE __rlhole0__", 1))
    assert statement.sql == "TRUNCATE TABLE {…}"


def test_very_long_concatenation_is_skipped_without_recursion(tmp_path) -> None:
    from resilint.config.settings import Config
    from resilint.engine.core import Engine

    # deeper than the recursion limit, within the parse guard's 800-operand chain limit (past it: REL003)
    terms = " + ".join(['"x"'] * 790)
    source = f'def f(cur):\n    cur.execute("TRUNCATE u")\n    cur.execute("TRUNCATE t" + {terms})\n'
    result = Engine(Config(root=tmp_path, select=("REL408",))).check_source(source, "deep.py")
    assert result.errors == ()
    assert [(f.span.line, f.code) for f in result.findings] == [(2, "REL408")]
