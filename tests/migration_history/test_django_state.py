from __future__ import annotations

from resilint.checks.migrations.history import diagnostics as d
from resilint.checks.migrations.history.django_graph import load_project
from resilint.checks.migrations.history.django_state import FieldDef, ProjectHistory
from resilint.checks.migrations.history.pysource import Opaque

from .helpers import migration

CREATE_ITEM = '''[
    migrations.CreateModel(
        name="Item",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ("title", models.CharField(max_length=50, help_text="t")),
            ("price", models.DecimalField(max_digits=10, decimal_places=2)),
            ("owner", models.ForeignKey(settings.AUTH_USER_MODEL, django.db.models.deletion.CASCADE)),
        ],
        options={"ordering": ["title"], "verbose_name": "item", "db_table": "shop_items"},
    ),
]'''


def history(tree, migrations: dict[str, str], app: str = "shop") -> ProjectHistory:
    tree.app(app, migrations)
    return ProjectHistory(load_project(tree.root))


def chain(*ops: str) -> dict[str, str]:
    """0001 creates Item, then one migration per op, chained."""
    out = {"0001_initial": migration("[]", CREATE_ITEM)}
    prev = "0001_initial"
    for i, op in enumerate(ops, start=2):
        name = f"{i:04d}_step"
        out[name] = migration(f'[("shop", "{prev}")]', op)
        prev = name
    return out


def test_create_model_fields_options_and_resolved_classes(tree):
    h = history(tree, chain())
    item = h.final_state.model("shop", "item")
    assert list(item.fields) == ["id", "title", "price", "owner"]
    title = item.fields["title"]
    assert title.cls == "models.CharField" and title.path == "django.db.models.CharField"
    assert title.get("max_length") == 50
    owner = item.fields["owner"]
    assert owner.path == "django.db.models.ForeignKey"
    assert owner.get("to") == Opaque("settings.AUTH_USER_MODEL")  # positional args named by signature
    assert owner.get("on_delete") == Opaque("django.db.models.deletion.CASCADE")
    assert item.options["ordering"] == ["title"] and item.db_table == "shop_items"
    assert item.managed and not item.proxy and item.has_table
    [rec] = h.operations("shop", "0001_initial")
    assert rec.kind == "CreateModel" and rec.affects_database and rec.affects_state


def test_proxy_and_unmanaged_models(tree):
    h = history(tree, chain(
        '[migrations.CreateModel(name="Cheap", fields=[], options={"proxy": True}, bases=("shop.item",))]',
        '[migrations.CreateModel(name="View", fields=[("id", models.AutoField(primary_key=True))], '
        'options={"managed": False, "db_table": "v"})]',
    ))
    s = h.final_state
    assert s.model("shop", "cheap").proxy and not s.model("shop", "cheap").has_table
    assert s.model("shop", "cheap").bases == ("shop.item",)
    assert not s.model("shop", "view").managed and not s.model("shop", "view").has_table


def test_state_before_is_a_snapshot(tree):
    h = history(tree, chain('[migrations.AddField("item", "sku", models.CharField(max_length=8, null=True))]'))
    assert "sku" not in h.state_before("shop", "0002_step").model("shop", "item").fields
    assert "sku" in h.state_after("shop", "0002_step").model("shop", "item").fields
    assert h.state_before("shop", "0001_initial").models == {}


def test_add_alter_remove_field_carry_previous_definition(tree):
    h = history(tree, chain(
        '[migrations.AlterField(model_name="item", name="title", field=models.CharField(max_length=100))]',
        '[migrations.RemoveField(model_name="item", name="title")]',
    ))
    [alter] = h.operations("shop", "0002_step")
    assert alter.kind == "AlterField" and alter.previous.get("max_length") == 50 and alter.field.get("max_length") == 100
    [remove] = h.operations("shop", "0003_step")
    assert remove.kind == "RemoveField" and remove.previous.get("max_length") == 100 and remove.field is None
    assert "title" not in h.final_state.model("shop", "item").fields


def test_rename_field(tree):
    h = history(tree, chain('[migrations.RenameField("item", "title", "name")]'))
    [rec] = h.operations("shop", "0002_step")
    assert rec.previous.get("max_length") == 50 and rec.extra == {"old_name": "title", "new_name": "name"}
    assert list(h.final_state.model("shop", "item").fields) == ["id", "name", "price", "owner"]


def test_rename_model_repoints_foreign_keys(tree):
    h = history(tree, chain(
        '[migrations.CreateModel("Line", [("id", models.AutoField(primary_key=True)), '
        '("item", models.ForeignKey(on_delete=models.CASCADE, to="shop.item"))])]',
        '[migrations.RenameModel(old_name="Item", new_name="Product")]',
    ))
    s = h.final_state
    assert s.model("shop", "item") is None and s.model("shop", "product").name == "Product"
    assert s.model("shop", "line").fields["item"].get("to") == "shop.Product"
    [rec] = h.operations("shop", "0003_step")
    assert rec.model_before.name == "Item" and rec.model == "product"


def test_delete_model_records_the_model(tree):
    h = history(tree, chain('[migrations.DeleteModel(name="Item")]'))
    [rec] = h.operations("shop", "0002_step")
    assert rec.kind == "DeleteModel" and rec.model_before.db_table == "shop_items"
    assert h.final_state.models == {}


def test_alter_model_options_replaces_only_its_keys(tree):
    h = history(tree, chain('[migrations.AlterModelOptions(name="item", options={"managed": False})]'))
    opts = h.final_state.model("shop", "item").options
    # ordering/verbose_name are ALTER_OPTION_KEYS not given -> removed; db_table is not one -> kept
    assert dict(opts) == {"db_table": "shop_items", "managed": False}
    assert not h.final_state.model("shop", "item").has_table


def test_alter_model_table(tree):
    h = history(tree, chain('[migrations.AlterModelTable("item", "items_v2")]',
                            '[migrations.AlterModelTable("item", None)]'))
    assert h.state_after("shop", "0002_step").model("shop", "item").db_table == "items_v2"
    assert h.final_state.model("shop", "item").db_table == "shop_item"


def test_separate_database_and_state(tree):
    h = history(tree, chain('''[
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField("item", "title", models.TextField()),
                migrations.RunSQL("ALTER TABLE shop_items ALTER COLUMN title TYPE text"),
            ],
            state_operations=[migrations.RemoveField("item", "price")],
        )
    ]'''))
    recs = h.operations("shop", "0002_step")
    assert [(r.kind, r.scope, r.affects_state, r.affects_database) for r in recs] == [
        ("SeparateDatabaseAndState", "operations", True, True),
        ("AlterField", "database_operations", False, True),
        ("RunSQL", "database_operations", False, True),
        ("RemoveField", "state_operations", True, False),
    ]
    assert recs[1].previous.get("max_length") == 50 and recs[1].position == (0, "database_operations", 0)
    fields = h.final_state.model("shop", "item").fields
    assert fields["title"].cls == "models.CharField"  # database-only change: state untouched
    assert "price" not in fields


def test_run_sql_state_operations_and_run_python(tree):
    h = history(tree, chain('''[
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RunSQL("SELECT 1", state_operations=[migrations.AddField("item", "n", models.IntegerField(default=0))]),
    ]'''.replace("forwards", "lambda a, s: None")))
    recs = h.operations("shop", "0002_step")
    assert [(r.kind, r.affects_state, r.affects_database) for r in recs] == [
        ("RunPython", True, True), ("RunSQL", True, True), ("AddField", True, False)]
    assert "n" in h.final_state.model("shop", "item").fields


def test_indexes_constraints_are_recorded_and_unknown_operations_do_not_crash(tree):
    h = history(tree, chain('''[
        migrations.AddIndex("item", models.Index(fields=["title"], name="i1")),
        migrations.AddConstraint("item", models.UniqueConstraint(fields=["title"], name="u1")),
        migrations.RemoveIndex("item", "i1"),
        AddDefaultValue(model_name="item", name="title", value="x"),
        Custom(),
    ]'''))
    recs = h.operations("shop", "0002_step")
    assert [r.kind for r in recs] == ["AddIndex", "AddConstraint", "RemoveIndex", "AddDefaultValue", "Custom"]
    assert [r.known for r in recs] == [True, True, True, False, False]
    assert recs[3].model == "item"
    assert sum(x.code == d.UNKNOWN_OPERATION for x in h.view().diagnostics) == 2


def test_operations_by_qualified_import(tree):
    src = migration('[("shop", "0001_initial")]', '[AddField("item", "tags", TaggableManager(to="taggit.Tag"))]',
                    header="from django.db import migrations, models\nfrom django.db.migrations import AddField\n"
                           "from taggit.managers import TaggableManager\n")
    h = history(tree, {"0001_initial": migration("[]", CREATE_ITEM), "0002_tags": src})
    [rec] = h.operations("shop", "0002_tags")
    assert rec.kind == "AddField" and rec.field.path == "taggit.managers.TaggableManager"


def test_class_level_operation_lists(tree):
    src = migration('[("shop", "0001_initial")]', "[migrations.SeparateDatabaseAndState(state_operations=state_ops)]",
                    extra='state_ops = [migrations.AddField("item", "z", models.IntegerField(null=True))]')
    h = history(tree, {"0001_initial": migration("[]", CREATE_ITEM), "0002_z": src})
    assert "z" in h.final_state.model("shop", "item").fields


def test_unknown_model_is_a_note_and_replay_continues(tree):
    h = history(tree, {"0001_initial": migration("[]", '[migrations.AddField("ghost", "x", models.IntegerField())]')})
    assert [x.code for x in h.view().diagnostics] == [d.UNKNOWN_MODEL]
    assert not h.final_state.model("shop", "ghost").known


def test_original_files_of_a_squash_are_answered_from_the_expanded_view(tree):
    tree.app("shop", {
        "0001_initial": migration("[]", CREATE_ITEM),
        "0002_alter": migration('[("shop", "0001_initial")]',
                                '[migrations.AlterField("item", "title", models.CharField(max_length=80))]'),
        "0001_squashed_0002": migration("[]", CREATE_ITEM.replace("max_length=50", "max_length=80"),
                                        extra='replaces = [("shop", "0001_initial"), ("shop", "0002_alter")]'),
        "0003_after": migration('[("shop", "0002_alter")]',
                                '[migrations.AlterField("item", "title", models.CharField(max_length=90))]'),
    })
    h = ProjectHistory(load_project(tree.root))
    assert h.operations("shop", "0002_alter")[0].previous.get("max_length") == 50
    assert h.operations("shop", "0003_after")[0].previous.get("max_length") == 80
    assert h.operations("shop", "0001_squashed_0002")[0].kind == "CreateModel"
    assert sorted({r.migration for r in h.all_records()}) == [
        ("shop", "0001_initial"), ("shop", "0001_squashed_0002"), ("shop", "0002_alter"), ("shop", "0003_after")]


def test_field_def_describe_and_opaque_kwargs(tree):
    h = history(tree, chain('[migrations.AddField("item", "x", models.CharField(**opts))]'))
    f = h.final_state.model("shop", "item").fields["x"]
    assert f.opaque
    assert FieldDef("models.CharField", None, (("max_length", 5), ("null", True))).describe() == \
        "models.CharField(max_length=5, null=True)"
