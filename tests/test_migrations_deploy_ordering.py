"""REL426 drop-with-code-removal, through the installed CLI on real git repositories: a
migration that drops or renames a column or table in the same change that removes the model
field (or model) using it. Diff mode only (--diff, --staged, a pre-commit range)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, git, run_resilint
from expectations import expectations

REL426_FIXTURES = FIXTURES / "diff" / "rel426"

MODELS = """\
from django.db import models


class Order(models.Model):
    total = models.IntegerField()
    coupon = models.CharField(max_length=20, null=True)


class Legacy(models.Model):
    note = models.TextField()
"""

MODELS_WITHOUT_COUPON = MODELS.replace("    coupon = models.CharField(max_length=20, null=True)\n", "")

INITIAL = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel("Order", fields=[
            ("id", models.AutoField(primary_key=True)),
            ("total", models.IntegerField()),
            ("coupon", models.CharField(max_length=20, null=True)),
        ]),
        migrations.CreateModel("Legacy", fields=[
            ("id", models.AutoField(primary_key=True)),
            ("note", models.TextField()),
        ]),
    ]
"""

REMOVE_COUPON = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RemoveField(model_name="order", name="coupon"),
    ]
"""


def _found(repo: Path, *args: str, code: str = "REL426") -> list[tuple[str, int, str]]:
    run = run_resilint("check", "--format", "json", "--no-cache", "--select", code, *args, cwd=repo)
    assert run.returncode in (0, 1), run.stderr
    assert run.json()["errors"] == []
    return sorted((f["path"], f["line"], f["message"]) for f in run.json()["findings"])


def _write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def django_repo(git_repo: Path) -> Path:
    _write(git_repo, {
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": INITIAL,
    })
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "initial")
    return git_repo


MIGRATION = "shop/migrations/0002_remove_order_coupon.py"


def test_field_removed_with_its_drop_is_reported(django_repo: Path) -> None:
    _write(django_repo, {"shop/models.py": MODELS_WITHOUT_COUPON, MIGRATION: REMOVE_COUPON})
    found = _found(django_repo, "--diff")
    assert [(p, line) for p, line, _ in found] == [(MIGRATION, 7)]
    message = found[0][2]
    assert message.startswith(
        "migrations.RemoveField() drops the column in the same change that removes the field Order.coupon from "
        "shop/models.py: while the deploy runs, the old code still uses it and fails; deploy the code change first"
    )
    assert "SeparateDatabaseAndState" in message and "Safe.after_deploy()" in message
    # checked whole (no diff mode) the same files say nothing: the change is not known
    assert _found(django_repo) == []


def test_staged_and_committed_range(django_repo: Path) -> None:
    _write(django_repo, {"shop/models.py": MODELS_WITHOUT_COUPON, MIGRATION: REMOVE_COUPON})
    git(django_repo, "add", "shop/models.py", MIGRATION)
    assert [(p, line) for p, line, _ in _found(django_repo, "--staged")] == [(MIGRATION, 7)]
    # the staged content counts, not the work tree: the field back on disk, still removed in the index
    (django_repo / "shop/models.py").write_text(MODELS)
    assert [(p, line) for p, line, _ in _found(django_repo, "--staged")] == [(MIGRATION, 7)]
    assert _found(django_repo, "--diff") == []  # ... while the work tree keeps the field
    (django_repo / "shop/models.py").write_text(MODELS_WITHOUT_COUPON)
    git(django_repo, "commit", "-q", "-m", "remove coupon")
    assert [(p, line) for p, line, _ in _found(django_repo, "--diff", "HEAD~1")] == [(MIGRATION, 7)]


def test_field_only_removed_in_the_index_is_not_reported_from_the_work_tree(django_repo: Path) -> None:
    """--staged compares the index with HEAD: a models.py change left unstaged is not part of it."""
    _write(django_repo, {"shop/models.py": MODELS_WITHOUT_COUPON, MIGRATION: REMOVE_COUPON})
    git(django_repo, "add", MIGRATION)
    assert _found(django_repo, "--staged") == []


def test_drop_after_the_field_left_in_an_earlier_change(django_repo: Path) -> None:
    """Expand/contract done right: the field left the code in a deployed commit; the drop comes later."""
    (django_repo / "shop/models.py").write_text(MODELS_WITHOUT_COUPON)
    git(django_repo, "commit", "-q", "-am", "stop using coupon")
    _write(django_repo, {MIGRATION: REMOVE_COUPON})
    assert _found(django_repo, "--diff") == []
    # the same two commits compared together are one deploy: reported
    git(django_repo, "add", MIGRATION)
    git(django_repo, "commit", "-q", "-m", "drop coupon")
    assert [(p, line) for p, line, _ in _found(django_repo, "--diff", "HEAD~2")] == [(MIGRATION, 7)]


def test_field_added_with_its_migration_is_not_reported(django_repo: Path) -> None:
    add = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
    ]
"""
    _write(django_repo, {
        "shop/models.py": MODELS.replace("    total = models.IntegerField()\n",
                                         "    total = models.IntegerField()\n    note = models.TextField(null=True)\n"),
        "shop/migrations/0002_order_note.py": add,
    })
    assert _found(django_repo, "--diff") == []


def test_state_only_removal_and_after_deploy_are_not_reported(django_repo: Path) -> None:
    state_only = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="order", name="coupon")],
            database_operations=[],
        ),
    ]
"""
    after_deploy = """\
from django.db import migrations
from django_safemigrate import Safe


class Migration(migrations.Migration):
    safe = Safe.after_deploy()
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RemoveField(model_name="order", name="coupon"),
    ]
"""
    _write(django_repo, {"shop/models.py": MODELS_WITHOUT_COUPON, MIGRATION: state_only})
    assert _found(django_repo, "--diff") == []
    _write(django_repo, {MIGRATION: after_deploy})
    assert _found(django_repo, "--diff") == []


def test_drop_without_the_field_removed_is_left_to_rel402(django_repo: Path) -> None:
    """The change does not touch the model (a hand-written drop): not this check's case."""
    _write(django_repo, {MIGRATION: REMOVE_COUPON})
    assert _found(django_repo, "--diff") == []
    assert [line for _p, line, _m in _found(django_repo, "--diff", code="REL402")] == [7]


def test_delete_rename_model_and_rename_field(django_repo: Path) -> None:
    operations = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.DeleteModel(name="Legacy"),
        migrations.RenameField(model_name="order", old_name="total", new_name="amount"),
    ]
"""
    models = MODELS.split("\n\nclass Legacy")[0].replace("total = models", "amount = models")
    _write(django_repo, {"shop/models.py": models, "shop/migrations/0002_changes.py": operations})
    found = _found(django_repo, "--diff")
    assert [(line, message.split(":")[0]) for _p, line, message in found] == [
        (7, "migrations.DeleteModel() drops the table in the same change that removes the model Legacy from shop/models.py"),
        (8, ("migrations.RenameField() renames the column in the same change that removes the field Order.total from "
             "shop/models.py")),
    ]


def test_rename_keeping_the_column_is_not_reported(django_repo: Path) -> None:
    """RenameField of a field with db_column: the column keeps its name (state only)."""
    with_column = MODELS.replace("total = models.IntegerField()", 'total = models.IntegerField(db_column="total")')
    (django_repo / "shop/models.py").write_text(with_column)
    git(django_repo, "commit", "-q", "-am", "pin the column")
    rename = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RenameField(model_name="order", old_name="total", new_name="amount")]
"""
    _write(django_repo, {"shop/models.py": with_column.replace("total = models", "amount = models"),
                         "shop/migrations/0002_rename.py": rename})
    assert _found(django_repo, "--diff") == []


def test_models_package(git_repo: Path) -> None:
    _write(git_repo, {
        "shop/__init__.py": "",
        "shop/models/__init__.py": "from .orders import Order\n",
        "shop/models/orders.py": MODELS,
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": INITIAL,
    })
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "initial")
    _write(git_repo, {"shop/models/orders.py": MODELS_WITHOUT_COUPON, MIGRATION: REMOVE_COUPON})
    found = _found(git_repo, "--diff")
    assert [(p, line) for p, line, _ in found] == [(MIGRATION, 7)]
    assert "from shop/models/orders.py" in found[0][2]


# -- Alembic -------------------------------------------------------------------------------

SA_MODELS = """\
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_code = sa.Column("coupon", sa.String(20))
    note: Mapped[str]


class Audit(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
"""

REVISION = """\
from alembic import op

revision = "b2"
down_revision = "a1"


def upgrade():
    {op}


def downgrade():
    pass
"""


@pytest.fixture
def alembic_repo(git_repo: Path) -> Path:
    _write(git_repo, {"app/__init__.py": "", "app/models.py": SA_MODELS, "alembic/versions/a1_initial.py": REVISION.format(
        op="pass").replace('"b2"', '"a1"').replace('"a1"\n\n', 'None\n\n')})
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "initial")
    return git_repo


@pytest.mark.parametrize(
    "models,op,expected",
    [
        (SA_MODELS.replace('    coupon_code = sa.Column("coupon", sa.String(20))\n', ""), 'op.drop_column("orders", "coupon")',
         "op.drop_column() drops the column in the same change that removes the column 'coupon' from the model Order"),
        (SA_MODELS.replace("    note: Mapped[str]\n", ""), 'op.alter_column("orders", "note", new_column_name="remark")',
         "op.alter_column() renames the column in the same change that removes the column 'note' from the model Order"),
        (SA_MODELS.split("\n\nclass Audit")[0] + "\n", 'op.drop_table("audit")',
         "op.drop_table() drops the table in the same change that removes the model Audit (table 'audit')"),
    ],
)
def test_alembic_column_or_table_removed_with_the_model(alembic_repo: Path, models: str, op: str, expected: str) -> None:
    _write(alembic_repo, {"app/models.py": models, "alembic/versions/b2_drop.py": REVISION.format(op=op)})
    found = _found(alembic_repo, "--diff")
    assert [(p, line) for p, line, _ in found] == [("alembic/versions/b2_drop.py", 8)]
    assert found[0][2].startswith(expected + " in app/models.py: while the deploy runs")


@pytest.mark.parametrize(
    "models,op",
    [
        # the model keeps the column: a hand-written drop (REL402's case, not a deploy-ordering one)
        (SA_MODELS, 'op.drop_column("orders", "coupon")'),
        # the attribute renamed, the column name kept: the drop is of another column
        (SA_MODELS.replace("coupon_code = ", "code = "), 'op.drop_column("orders", "coupon")'),
        # a table no model declares
        (SA_MODELS.replace("    note: Mapped[str]\n", ""), 'op.drop_table("sessions")'),
        # an alter_column that does not rename
        (SA_MODELS.replace("    note: Mapped[str]\n", ""), 'op.alter_column("orders", "note", nullable=True)'),
        # the column added together with its revision
        (SA_MODELS.replace("    note: Mapped[str]\n", "    note: Mapped[str]\n    extra: Mapped[int]\n"),
         'op.add_column("orders", sa.Column("extra", sa.Integer()))'),
    ],
)
def test_alembic_near_misses(alembic_repo: Path, models: str, op: str) -> None:
    _write(alembic_repo, {"app/models.py": models, "alembic/versions/b2_drop.py": "import sqlalchemy as sa\n"
                          + REVISION.format(op=op)})
    assert _found(alembic_repo, "--diff") == []


def test_worker_pool_gets_the_change(django_repo: Path) -> None:
    """More files than one process checks (runner.SERIAL_THRESHOLD): the workers read the change too."""
    extra = {f"shop/util_{i}.py": f"VALUE = {i}\n" for i in range(12)}
    _write(django_repo, {"shop/models.py": MODELS_WITHOUT_COUPON, MIGRATION: REMOVE_COUPON, **extra})
    assert [(p, line) for p, line, _ in _found(django_repo, "--diff", "--jobs", "2")] == [(MIGRATION, 7)]


def test_fixture_change(git_repo: Path) -> None:
    """fixtures/diff/rel426: base/ committed, change/ laid over it; findings equal the expectations."""
    shutil.copytree(REL426_FIXTURES / "base", git_repo, dirs_exist_ok=True)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "base")
    shutil.copytree(REL426_FIXTURES / "change", git_repo, dirs_exist_ok=True)
    wanted: set[tuple[str, int, str]] = set()
    for file in sorted((REL426_FIXTURES / "change").rglob("*.py")):
        shown = file.relative_to(REL426_FIXTURES / "change").as_posix()
        wanted |= expectations(file, shown)
    run = run_resilint("check", "--format", "json", "--no-cache", "--select", "REL426", "--diff", cwd=git_repo)
    assert run.returncode == 1, run.stderr
    got = {(f["path"], f["line"], f["code"]) for f in run.json()["findings"]}
    assert got == wanted == {("deployshop/migrations/0002_remove_order_coupon.py", 8, "REL426")}
