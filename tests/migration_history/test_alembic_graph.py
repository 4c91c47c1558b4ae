from __future__ import annotations

import textwrap

from resilint.checks.migrations.history import diagnostics as d
from resilint.checks.migrations.history.alembic_graph import load_alembic


def rev(tree, name: str, revision: str, down, extra: str = "", folder: str = "migrations/versions") -> None:
    tree.file(f"{folder}/{name}.py", textwrap.dedent(f'''\
        """{name}"""
        from alembic import op
        import sqlalchemy as sa

        revision = {revision!r}
        down_revision = {down!r}
        {extra}

        def upgrade():
            op.add_column("t", sa.Column("c", sa.Integer()))


        def downgrade():
            pass
        '''))


def test_linear_chain(tree):
    rev(tree, "a", "aaa", None)
    rev(tree, "b", "bbb", "aaa")
    rev(tree, "c", "ccc", "bbb")
    [h] = load_alembic(tree.root)
    assert h.order == ("aaa", "bbb", "ccc")
    assert h.heads == ("ccc",) and h.bases == ("aaa",) and h.merges == () and h.diagnostics == ()
    assert h.parents("bbb") == ("aaa",)


def test_branch_and_merge(tree):
    rev(tree, "a", "aaa", None)
    rev(tree, "b", "bbb", "aaa")
    rev(tree, "c", "ccc", "aaa")
    rev(tree, "m", "mmm", ("bbb", "ccc"))
    [h] = load_alembic(tree.root)
    assert h.heads == ("mmm",) and h.merges == ("mmm",) and h.branch_points == ("aaa",)
    assert h.order.index("mmm") == 3 and h.diagnostics == ()


def test_annotated_assignments_and_depends_on(tree):
    tree.file("db/versions/x.py", '''\
        from typing import Sequence, Union
        from alembic import op
        revision: str = "x1"
        down_revision: Union[str, None] = None
        branch_labels: Union[str, Sequence[str], None] = ("feature",)
        depends_on: Union[str, Sequence[str], None] = None
        def upgrade() -> None:
            pass
        ''')
    tree.file("db/versions/y.py", '''\
        revision = "y1"
        down_revision = "x1"
        depends_on = ("x1",)
        def upgrade():
            pass
        ''')
    [h] = load_alembic(tree.root)
    assert h.revisions["x1"].branch_labels == ("feature",)
    assert h.revisions["y1"].depends_on == ("x1",)
    assert h.order == ("x1", "y1") and h.diagnostics == ()


def test_missing_down_revision(tree):
    rev(tree, "a", "aaa", None)
    rev(tree, "b", "bbb", "zzz")
    [h] = load_alembic(tree.root)
    codes = sorted(x.code for x in h.diagnostics)
    assert d.MISSING_REVISION in codes
    miss = next(x for x in h.diagnostics if x.code == d.MISSING_REVISION)
    assert "'zzz'" in miss.message and miss.name == "bbb"


def test_multiple_heads_is_an_error(tree):
    rev(tree, "a", "aaa", None)
    rev(tree, "b", "bbb", "aaa")
    rev(tree, "c", "ccc", "aaa")
    [h] = load_alembic(tree.root)
    [diag] = h.diagnostics
    assert diag.code == d.MULTIPLE_HEADS and diag.severity == "error" and h.heads == ("bbb", "ccc")


def test_heads_on_distinct_branch_labels_are_a_note(tree):
    rev(tree, "a", "aaa", None, "branch_labels = ('core',)")
    rev(tree, "b", "bbb", None, "branch_labels = ('plugin',)")
    [h] = load_alembic(tree.root)
    assert sorted((x.code, x.severity) for x in h.diagnostics) == [
        (d.MULTIPLE_BASES, "note"), (d.MULTIPLE_HEADS, "note")]


def test_cycle(tree):
    rev(tree, "a", "aaa", "bbb")
    rev(tree, "b", "bbb", "aaa")
    [h] = load_alembic(tree.root)
    assert d.CYCLE in [x.code for x in h.diagnostics]
    assert sorted(h.order) == ["aaa", "bbb"]


def test_unparsable_and_missing_revision(tree):
    rev(tree, "a", "aaa", None)
    tree.file("migrations/versions/broken.py", "revision = 'b'\ndef upgrade(:\n")
    tree.file("migrations/versions/norev.py", "from alembic import op\ndef upgrade():\n    pass\n")
    tree.file("migrations/versions/helper.py", "X = 1\n")
    [h] = load_alembic(tree.root)
    assert sorted(x.code for x in h.diagnostics) == [d.NO_REVISION, d.UNPARSABLE]
    assert h.order == ("aaa",)


def test_separate_version_folders_are_separate_chains_unless_linked(tree):
    rev(tree, "a", "aaa", None, folder="app/migrations/versions")
    rev(tree, "p", "ppp", None, folder="plugins/x/migrations/versions")
    rev(tree, "q", "qqq", "aaa", folder="plugins/y/migrations/versions")
    histories = load_alembic(tree.root)
    assert sorted(tuple(sorted(h.revisions)) for h in histories) == [("aaa", "qqq"), ("ppp",)]
    assert all(h.diagnostics == () for h in histories)
