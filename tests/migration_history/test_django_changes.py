from __future__ import annotations

import ast

import pytest

from resilint.checks.migrations.history.django_changes import ChangeKind as K
from resilint.checks.migrations.history.django_changes import (
    FieldContext,
    classify_alter_field,
    is_column_free,
    pg_type,
)
from resilint.checks.migrations.history.django_fields import FieldClassResolver
from resilint.checks.migrations.history.django_graph import load_project
from resilint.checks.migrations.history.django_state import (
    ModelState,
    ProjectHistory,
    parse_field,
)
from resilint.checks.migrations.history.pysource import ImportMap

from .helpers import migration

IMPORTS = ImportMap(ast.parse(
    "from django.db import models\nimport django.db.models.deletion\nfrom taggit.managers import TaggableManager\n"
    "from django.contrib.contenttypes.fields import GenericRelation\n"
    "from django.contrib.postgres.fields import ArrayField\nimport utilities.fields\n"))


def f(src: str):
    return parse_field(ast.parse(src, mode="eval").body, IMPORTS)


def kind(old: str | None, new: str, **kw) -> K:
    return classify_alter_field(f(old) if old else None, f(new), **kw).kind


@pytest.mark.parametrize("old,new", [
    ('models.CharField(max_length=10, choices=[("a", "A")])', 'models.CharField(max_length=10, choices=[("b", "B")])'),
    ('models.CharField(max_length=10)', 'models.CharField(max_length=10, help_text="x", verbose_name="y")'),
    ('models.IntegerField(default=1)', 'models.IntegerField(default=2)'),
    ('models.IntegerField()', 'models.IntegerField(validators=[django.core.validators.MinValueValidator(0)])'),
    ('models.CharField(max_length=10)', 'models.CharField(max_length=10, blank=True, editable=False)'),
    ('models.ForeignKey("a.B", models.CASCADE)', 'models.ForeignKey("a.B", models.PROTECT, related_name="+")'),
    ('models.DateTimeField()', 'models.DateTimeField(auto_now=True)'),
    ('models.TextField()', 'models.TextField(max_length=500)'),  # TextField max_length is Python-only
    ('models.FileField(upload_to="a")', 'models.FileField(upload_to="b")'),
    ('models.CharField(max_length=10, error_messages={"x": "y"})', 'models.CharField(max_length=10)'),
])
def test_state_only(old, new):
    assert kind(old, new) is K.STATE_ONLY


@pytest.mark.parametrize("old,new", [
    ("models.CharField(max_length=10)", "models.CharField(max_length=10, db_index=True)"),
    ("models.CharField(max_length=10, db_index=True)", "models.CharField(max_length=10)"),
    ("models.CharField(max_length=10)", "models.CharField(max_length=10, unique=True)"),
    ('models.ForeignKey("a.B", models.CASCADE)', 'models.ForeignKey("a.B", models.CASCADE, db_index=False)'),
    ('models.ForeignKey("a.B", models.CASCADE)', 'models.OneToOneField("a.B", models.CASCADE)'),
])
def test_index_change(old, new):
    assert kind(old, new, context=_ctx_with_b()) is K.INDEX_CHANGE


def test_db_index_true_when_unique_already_is_no_change():
    # Django indexes a field only when db_index and not unique: unique already has its index
    assert kind("models.CharField(max_length=9, unique=True)",
                "models.CharField(max_length=9, unique=True, db_index=True)") is K.STATE_ONLY


@pytest.mark.parametrize("old,new,why", [
    ("models.CharField(max_length=50)", "models.CharField(max_length=100)", "lengthening"),
    ("models.CharField(max_length=50)", "models.TextField()", "binary-coercible"),
    ("models.CharField(max_length=50)", "models.CharField(max_length=None)", "binary-coercible"),
    ("models.SlugField()", "models.SlugField(max_length=80)", "lengthening"),  # default 50
    ("models.DecimalField(max_digits=10, decimal_places=2)", "models.DecimalField(max_digits=12, decimal_places=2)",
     "precision increase"),
    ("models.EmailField(max_length=100)", "models.CharField(max_length=254)", "lengthening"),
])
def test_metadata_only(old, new, why):
    change = classify_alter_field(f(old), f(new))
    assert change.kind is K.METADATA_ONLY
    assert why in change.reasons[0]


@pytest.mark.parametrize("old,new", [
    ("models.CharField(max_length=100)", "models.CharField(max_length=50)"),  # the near miss
    ("models.TextField()", "models.CharField(max_length=50)"),
    ("models.IntegerField(null=True)", "models.CharField(max_length=20, null=True)"),  # nullable int -> varchar
    ("models.IntegerField()", "models.BigIntegerField()"),
    ("models.DecimalField(max_digits=10, decimal_places=2)", "models.DecimalField(max_digits=10, decimal_places=3)"),
    ("models.DecimalField(max_digits=10, decimal_places=2)", "models.DecimalField(max_digits=8, decimal_places=2)"),
    ("models.CharField(max_length=10)", 'models.CharField(max_length=10, db_collation="case_insensitive")'),
    ("models.DateTimeField()", "models.DateField()"),
    ("ArrayField(models.CharField(max_length=10))", "ArrayField(models.CharField(max_length=20))"),
])
def test_rewrite(old, new):
    assert kind(old, new) is K.REWRITE


def test_set_and_drop_not_null():
    assert kind("models.CharField(max_length=10, null=True)", "models.CharField(max_length=10)") is K.SET_NOT_NULL
    assert kind("models.CharField(max_length=10, null=True)",
                'models.CharField(max_length=10, default="")') is K.SET_NOT_NULL
    assert kind("models.CharField(max_length=10)", "models.CharField(max_length=10, null=True)") is K.DROP_NOT_NULL
    # a widening plus a dropped NOT NULL: both facets, metadata-only is the worse
    change = classify_alter_field(f("models.CharField(max_length=10)"), f("models.CharField(max_length=20, null=True)"))
    assert change.facets == (K.DROP_NOT_NULL, K.METADATA_ONLY) and change.kind is K.METADATA_ONLY


def test_rewrite_wins_over_other_facets():
    change = classify_alter_field(f("models.IntegerField(null=True)"), f("models.CharField(max_length=5, db_index=True)"))
    assert change.kind is K.REWRITE and change.facets == (K.INDEX_CHANGE, K.SET_NOT_NULL, K.REWRITE)
    assert change.old_type == "integer" and change.new_type == "varchar(5)"
    assert "integer -> varchar(5)" in change.message and "was models.IntegerField(null=True)" in change.message


def test_unknown():
    assert kind(None, "models.CharField(max_length=10)") is K.UNKNOWN
    assert kind("thirdparty.FancyField(size=1)", "thirdparty.FancyField(size=2)") is K.UNKNOWN
    assert kind("thirdparty.FancyField(size=1)", "thirdparty.FancyField(size=1, help_text='x')") is K.STATE_ONLY
    assert kind("thirdparty.FancyField(size=1, null=True)", "thirdparty.FancyField(size=1)") is K.SET_NOT_NULL
    assert kind("models.CharField(**kw)", "models.CharField(max_length=3)") is K.UNKNOWN


def test_other_ddl():
    assert classify_alter_field(f("models.IntegerField()"), f('models.IntegerField(db_column="legacy")'),
                                context=FieldContext(_empty_state(), "a", None, "n")).kind is K.OTHER_DDL
    assert kind("models.IntegerField()", "models.IntegerField(db_comment='x')") is K.OTHER_DDL
    # db_column equal to the field's own name: no rename
    assert classify_alter_field(f("models.IntegerField()"), f('models.IntegerField(db_column="n")'),
                                context=FieldContext(_empty_state(), "a", None, "n")).kind is K.STATE_ONLY


def test_other_databases_have_no_metadata_only_path():
    assert kind("models.CharField(max_length=50)", "models.CharField(max_length=100)", database="mysql") is K.REWRITE
    assert kind("models.CharField(max_length=50, help_text='a')", "models.CharField(max_length=50)",
                database="sqlite") is K.STATE_ONLY


# -- foreign keys, through the replayed state ------------------------------------


def _empty_state():
    from resilint.checks.migrations.history.django_state import ProjectState
    return ProjectState({})


def _ctx_with_b():
    from resilint.checks.migrations.history.django_state import ProjectState
    b = ModelState("a", "B", {"id": f("models.AutoField(primary_key=True)")})
    return FieldContext(ProjectState({("a", "b"): b}), "x")


def test_foreign_key_types_follow_the_target_primary_key(tree):
    tree.app("shop", {
        "0001_initial": migration("[]", '''[
            migrations.CreateModel("Small", [("id", models.AutoField(primary_key=True))]),
            migrations.CreateModel("Big", [("id", models.BigAutoField(primary_key=True))]),
            migrations.CreateModel("Other", [("id", models.AutoField(primary_key=True))]),
            migrations.CreateModel("Line", [("id", models.AutoField(primary_key=True)),
                                            ("ref", models.ForeignKey("shop.Small", models.CASCADE))]),
        ]'''),
        "0002_other": migration('[("shop", "0001_initial")]',
                                '[migrations.AlterField("line", "ref", models.ForeignKey("shop.Other", models.CASCADE))]'),
        "0003_big": migration('[("shop", "0002_other")]',
                              '[migrations.AlterField("line", "ref", models.ForeignKey(to="shop.big", on_delete=models.CASCADE))]'),
    })
    h = ProjectHistory(load_project(tree.root))
    state = h.final_state
    line = state.model("shop", "line")
    assert pg_type(line.fields["ref"], FieldContext(state, "shop", line)) == "bigint"
    results = []
    for name in ("0002_other", "0003_big"):
        [rec] = h.operations("shop", name)
        ctx = FieldContext(h.state_before("shop", name), "shop", rec.model_before, rec.name)
        results.append(classify_alter_field(rec.previous, rec.field, context=ctx))
    assert [r.kind for r in results] == [K.OTHER_DDL, K.REWRITE]
    assert (results[1].old_type, results[1].new_type) == ("integer", "bigint")


def test_foreign_key_to_builtin_user_and_unknown_target():
    from resilint.checks.migrations.history.django_state import ProjectState
    ctx = FieldContext(ProjectState({}, "auth.User"), "shop")
    assert pg_type(f("models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)"), ctx) == "integer"
    assert pg_type(f('models.ForeignKey("elsewhere.Thing", models.CASCADE)'), ctx) is None
    assert kind('models.ForeignKey("elsewhere.Thing", models.CASCADE)',
                'models.ForeignKey("elsewhere.Thing", models.CASCADE, null=True)', context=ctx) is K.DROP_NOT_NULL


# -- column-free fields and models ---------------------------------------------------


def test_is_column_free():
    table = ModelState("a", "M", {})
    assert is_column_free(table, f('models.ManyToManyField(to="a.B")'))
    assert is_column_free(table, f('TaggableManager(through="taggit.TaggedItem", to="taggit.Tag")'))
    assert is_column_free(table, f('GenericRelation("a.Comment")'))
    assert not is_column_free(table, f("models.IntegerField()"))
    assert not is_column_free(table, f("thirdparty.Unknown()"))
    assert is_column_free(ModelState("a", "P", {}, {"proxy": True}), f("models.IntegerField()"))
    assert is_column_free(ModelState("a", "U", {}, {"managed": False}), f("models.IntegerField()"))


def test_project_local_field_classes_are_resolved_from_source(tmp_path):
    (tmp_path / "utilities").mkdir()
    (tmp_path / "utilities" / "__init__.py").write_text("")
    (tmp_path / "utilities" / "fields.py").write_text(
        "from django.db import models\nfrom .base import Naturally\n"
        "class ColorField(models.CharField):\n    pass\n"
        "class Weird(models.Field):\n    def db_type(self, connection):\n        return 'point'\n"
        "class Counter(Naturally):\n    pass\n")
    (tmp_path / "utilities" / "base.py").write_text(
        "from django.db.models import PositiveIntegerField as P\nclass Naturally(P):\n    pass\n")
    r = FieldClassResolver(tmp_path)
    assert r.info("utilities.fields.ColorField").base == "CharField"
    assert r.info("utilities.fields.Counter").base == "PositiveIntegerField"
    assert r.info("utilities.fields.Weird").custom_db_type
    assert classify_alter_field(f("utilities.fields.ColorField(max_length=6)"),
                                f("utilities.fields.ColorField(max_length=8)"), resolver=r).kind is K.METADATA_ONLY
    assert classify_alter_field(f("utilities.fields.ColorField(max_length=6)"),
                                f("utilities.fields.ColorField(max_length=8)")).kind is K.UNKNOWN


def test_many_to_many_alterations():
    from resilint.checks.migrations.history.django_state import ProjectState
    models_ = {
        ("a", "b"): ModelState("a", "B", {"id": f("models.AutoField(primary_key=True)")}),
        ("a", "c"): ModelState("a", "C", {"id": f("models.AutoField(primary_key=True)")}),
        ("a", "d"): ModelState("a", "D", {"id": f("models.BigAutoField(primary_key=True)")}),
    }
    ctx = FieldContext(ProjectState(models_), "a")
    m2m = 'models.ManyToManyField(to="{}"{})'.format
    assert kind(m2m("a.B", ""), m2m("a.b", ", related_name='x'"), context=ctx) is K.STATE_ONLY  # case only
    assert kind(m2m("a.B", ", through='a.T'"), m2m("a.C", ", through='a.U'"), context=ctx) is K.STATE_ONLY
    assert kind(m2m("a.B", ""), m2m("a.C", ""), context=ctx) is K.OTHER_DDL
    assert kind(m2m("a.B", ""), m2m("a.D", ""), context=ctx) is K.REWRITE
    assert kind(m2m("a.B", ""), m2m("z.Q", ""), context=ctx) is K.UNKNOWN
    assert kind(m2m("a.B", ""), m2m("a.B", ", through='a.T'"), context=ctx) is K.UNKNOWN


def test_foreign_key_to_a_proxy_uses_the_concrete_primary_key():
    from resilint.checks.migrations.history.django_state import ProjectState
    models_ = {
        ("contenttypes", "contenttype"): ModelState("contenttypes", "ContentType",
                                                    {"id": f("models.AutoField(primary_key=True)")}),
        ("core", "objecttype"): ModelState("core", "ObjectType", {}, {"proxy": True}, ("contenttypes.contenttype",)),
    }
    ctx = FieldContext(ProjectState(models_), "extras")
    assert pg_type(f('models.ForeignKey("core.ObjectType", models.CASCADE)'), ctx) == "integer"
    assert kind('models.ManyToManyField(to="contenttypes.ContentType")', 'models.ManyToManyField(to="core.objecttype")',
                context=ctx) is K.OTHER_DDL
