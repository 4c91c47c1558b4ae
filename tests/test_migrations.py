"""Migration checks (REL401-REL408) through the real engine: recognition, context,
messages, and robustness of the SQL path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
from conftest import run_resilint

from resilint.checks.migrations.alembic import inert_body
from resilint.checks.migrations.django import read_migration
from resilint.config.settings import Config
from resilint.engine.core import Engine
from resilint.engine.names import NameResolver

ENGINE = Engine(Config(root=Path(__file__).parent, select=("REL4",)))


def findings(source: str) -> list[tuple[int, str, str]]:
    result = ENGINE.check_source(textwrap.dedent(source), "0002_example.py")
    return [(f.span.line, f.code, f.message) for f in result.findings]


def codes(source: str) -> list[tuple[int, str]]:
    return [(line, code) for line, code, _ in findings(source)]


def test_read_migration_opens_separate_database_and_state_and_knows_atomic() -> None:
    module = cst.parse_module(
        textwrap.dedent(
            """
            from django.db import migrations as m

            class Migration(m.Migration):
                atomic = False
                operations = [
                    m.CreateModel(name="Refund", fields=[]),
                    m.SeparateDatabaseAndState(
                        state_operations=[m.RemoveField("order", "a")],
                        database_operations=[m.RunSQL("SELECT 1", m.RunSQL.noop)],
                    ),
                ] + [m.DeleteModel("Old")]
            """
        )
    )
    names = NameResolver(module)
    cls = next(s for s in module.body if isinstance(s, cst.ClassDef))
    migration = read_migration(cls, names)
    assert not migration.atomic
    assert [op.name for op in migration.operations] == ["CreateModel", "RunSQL", "DeleteModel"]
    assert migration.created_models == {"refund"}


def test_base_alias_assigned_in_module_is_followed() -> None:
    source = """
        from django.db import migrations

        Base = migrations.Migration

        class Migration(Base):
            operations = [migrations.RemoveField(model_name="order", name="coupon")]
    """
    assert codes(source) == [(7, "REL402")]


def test_messages_give_the_safe_pattern() -> None:
    source = """
        from django.db import migrations, models

        class Migration(migrations.Migration):
            operations = [
                migrations.RemoveField(model_name="order", name="coupon"),
                migrations.AddField(model_name="order", name="paid", field=models.BooleanField(default=False)),
                migrations.AddIndex(model_name="order", index=models.Index(fields=["paid"], name="paid_idx")),
            ]
    """
    messages = {code: message for _, code, message in findings(source)}
    assert "SeparateDatabaseAndState" in messages["REL402"]
    assert "migrations.RemoveField()" in messages["REL402"]
    assert "null=True, backfill" in messages["REL404"] and "Python-side default=" in messages["REL404"]
    assert "atomic = False" in messages["REL406"]


def test_explain_gives_the_safe_patterns() -> None:
    assert "SeparateDatabaseAndState" in run_resilint("explain", "REL402").stdout
    assert "Python-side default=" in run_resilint("explain", "REL404").stdout
    assert "atomic = False" in run_resilint("explain", "REL406").stdout
    assert "Expand/contract" in run_resilint("explain", "REL403").stdout


def test_downgrade_undoes_and_destructive_sql_there_is_only_the_rollback_note() -> None:
    source = """
        from alembic import op

        def upgrade():
            op.create_table("audit")

        def downgrade():
            op.drop_table("audit")
            op.execute("DROP TABLE audit_archive")
            op.execute("TRUNCATE audit_log")
    """
    assert codes(source) == [(10, "REL412")]


def test_drop_table_sql_is_rel408_outside_migrations_and_rel401_inside() -> None:
    outside = """
        def rebuild(cursor):
            cursor.execute("DROP TABLE report_cache")
    """
    inside = """
        from alembic import op

        def upgrade():
            op.execute("DROP TABLE report_cache")

        def downgrade():
            op.create_table("report_cache")
    """
    assert codes(outside) == [(3, "REL408")]
    assert codes(inside) == [(5, "REL401")]


def test_execute_of_text_is_reported_once_at_the_execute_call() -> None:
    source = """
        from sqlalchemy import text

        def wipe(session):
            session.execute(
                text("DELETE FROM sessions")
            )
    """
    assert codes(source) == [(5, "REL408")]


def test_downgrade_reported_at_def_line_when_inert() -> None:
    source = '''
        from alembic import op

        def upgrade():
            op.add_column("t", sa.Column("c", sa.Text()))

        def downgrade():
            """Irreversible: the data is gone."""
            raise NotImplementedError
    '''
    assert codes(source) == [(7, "REL407")]
    body = cst.parse_module("def downgrade():\n    op.drop_column('t', 'c')\n").body[0]
    assert isinstance(body, cst.FunctionDef) and not inert_body(body)


def test_sqlglot_fallbacks_and_parse_errors_are_silent(tmp_path: Path) -> None:
    file = tmp_path / "0003_plpgsql.py"
    file.write_text(
        textwrap.dedent(
            """
            from django.db import migrations

            class Migration(migrations.Migration):
                operations = [
                    migrations.RunSQL("DO $$ BEGIN DELETE FROM t; END $$", migrations.RunSQL.noop),
                    migrations.RunSQL("DELETE FROM WHERE AND", migrations.RunSQL.noop),
                    migrations.RunSQL("\\x00\\xff garbage ((((", migrations.RunSQL.noop),
                ]
            """
        )
    )
    run = run_resilint("check", "--no-cache", "--format", "json", str(file), cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert run.stderr == ""  # sqlglot's "falling back to Command" warning is not shown
    # issue 22: SQL that cannot be parsed is a note (REL427), never a crash or a lock finding;
    # the PL/pgSQL block is read (a DO statement) and stays silent
    assert [(f["line"], f["code"], f["severity"]) for f in run.json()["findings"]] == [
        (7, "REL427", "note"), (8, "REL427", "note")]


def test_multiple_statements_each_reported_once() -> None:
    source = """
        def reset(cursor):
            cursor.execute("TRUNCATE a; TRUNCATE a; TRUNCATE b")
    """
    messages = [m for _, _, m in findings(source)]
    assert len(messages) == 2
    assert "'TRUNCATE TABLE a'" in messages[0] and "'TRUNCATE TABLE b'" in messages[1]
