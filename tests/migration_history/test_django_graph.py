from __future__ import annotations

from resilint.checks.migrations.history import diagnostics as d
from resilint.checks.migrations.history.django_graph import load_project

from .helpers import migration


def codes(diags):
    return sorted(x.code for x in diags)


def test_linear_order_roots_and_leaves(tree):
    tree.app("shop", {
        "0001_initial": migration(extra="initial = True"),
        "0002_more": migration('[("shop", "0001_initial")]'),
        "0003_last": migration('[("shop", "0002_more")]'),
    })
    p = load_project(tree.root)
    g = p.graph
    assert g.order == (("shop", "0001_initial"), ("shop", "0002_more"), ("shop", "0003_last"))
    assert g.roots["shop"] == (("shop", "0001_initial"),)
    assert g.leaves["shop"] == (("shop", "0003_last"),)
    assert p.by_key[("shop", "0001_initial")].initial is True
    assert p.by_key[("shop", "0002_more")].initial is None
    assert g.diagnostics == ()


def test_first_and_latest_resolve_to_root_and_leaf(tree):
    tree.app("a", {"0001_initial": migration(), "0002_x": migration('[("a", "0001_initial")]')})
    tree.app("b", {"0001_initial": migration('[("a", "__first__")]')})
    tree.app("c", {"0001_initial": migration('[("a", "__latest__"), ("c", "__first__")]')})
    g = load_project(tree.root).graph
    assert g.parents[("b", "0001_initial")] == (("a", "0001_initial"),)
    # __first__ on the migration's own app is ignored (Django #22325)
    assert g.parents[("c", "0001_initial")] == (("a", "0002_x"),)
    assert g.order.index(("a", "0002_x")) < g.order.index(("c", "0001_initial"))
    assert g.diagnostics == ()


def test_swappable_user_model_from_settings_module(tree):
    tree.file("project/settings.py", 'AUTH_USER_MODEL = "accounts.Customer"\n')
    tree.app("accounts", {"0001_initial": migration()})
    tree.app("orders", {"0001_initial": migration("[migrations.swappable_dependency(settings.AUTH_USER_MODEL)]")})
    p = load_project(tree.root)
    assert p.auth_user_model == "accounts.Customer"
    dep = p.by_key[("orders", "0001_initial")].dependencies[0]
    assert (dep.app, dep.name, dep.swappable) == ("accounts", "__first__", "AUTH_USER_MODEL")
    assert p.graph.parents[("orders", "0001_initial")] == (("accounts", "0001_initial"),)


def test_swappable_user_model_in_settings_package(tree):
    tree.file("conf/settings/base.py", 'import os\nif True:\n    AUTH_USER_MODEL = "users.User"\n')
    tree.app("users", {"0001_initial": migration()})
    tree.app("blog", {"0001_initial": migration("[migrations.swappable_dependency(settings.AUTH_USER_MODEL)]")})
    p = load_project(tree.root)
    assert p.auth_user_model == "users.User"
    assert p.graph.parents[("blog", "0001_initial")] == (("users", "0001_initial"),)


def test_swappable_default_is_auth_user_and_external_app_is_a_note(tree):
    tree.app("blog", {"0001_initial": migration("[migrations.swappable_dependency(settings.AUTH_USER_MODEL)]")})
    p = load_project(tree.root)
    assert p.auth_user_model == "auth.User"
    [diag] = p.graph.diagnostics
    assert diag.code == d.EXTERNAL_DEPENDENCY and diag.severity == "note" and "'auth'" in diag.message


def test_extra_roots_provide_installed_apps(tree, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    from .helpers import Tree
    Tree(site).app("auth", {"0001_initial": migration()}, package="django/contrib")
    tree.app("blog", {"0001_initial": migration("[migrations.swappable_dependency(settings.AUTH_USER_MODEL)]")})
    p = load_project(tree.root, extra_roots=[site])
    assert p.graph.parents[("blog", "0001_initial")] == (("auth", "0001_initial"),)
    assert p.by_key[("auth", "0001_initial")].external
    assert p.graph.diagnostics == ()


SQUASH = migration(
    "[]",
    '[migrations.CreateModel(name="Item", fields=[("id", models.AutoField(primary_key=True)), '
    '("title", models.CharField(max_length=10))])]',
    extra='replaces = [("shop", "0001_initial"), ("shop", "0002_title")]',
)


def test_squash_replaces_its_originals_in_djangos_view(tree):
    tree.app("shop", {
        "0001_initial": migration("[]", '[migrations.CreateModel(name="Item", fields=[("id", models.AutoField(primary_key=True))])]'),
        "0002_title": migration('[("shop", "0001_initial")]', '[migrations.AddField("item", "title", models.CharField(max_length=10))]'),
        "0001_squashed_0002": SQUASH,
        "0003_after": migration('[("shop", "0002_title")]'),
    })
    tree.app("other", {"0001_initial": migration('[("shop", "0001_initial")]')})
    p = load_project(tree.root)
    g = p.graph
    assert set(g.nodes) == {("shop", "0001_squashed_0002"), ("shop", "0003_after"), ("other", "0001_initial")}
    assert g.parents[("shop", "0003_after")] == (("shop", "0001_squashed_0002"),)
    assert g.parents[("other", "0001_initial")] == (("shop", "0001_squashed_0002"),)
    assert g.resolve(("shop", "0002_title")) == ("shop", "0001_squashed_0002")
    assert g.leaves["shop"] == (("shop", "0003_after"),)
    assert g.diagnostics == ()
    # The expanded view: originals stand, the squash is gone, references to it land on the last original.
    e = p.expanded_graph
    assert set(e.nodes) == {("shop", "0001_initial"), ("shop", "0002_title"), ("shop", "0003_after"),
                            ("other", "0001_initial")}
    assert e.parents[("shop", "0003_after")] == (("shop", "0002_title"),)
    assert e.diagnostics == ()


def test_squash_without_originals_stands_alone_and_takes_their_references(tree):
    tree.app("shop", {
        "0001_squashed_0002": SQUASH,
        "0003_after": migration('[("shop", "0002_title")]'),  # still names a deleted original
    })
    p = load_project(tree.root)
    assert p.graph.parents[("shop", "0003_after")] == (("shop", "0001_squashed_0002"),)
    assert p.expanded_graph.nodes.keys() == p.graph.nodes.keys()
    assert p.graph.diagnostics == ()


def test_run_before_adds_an_edge(tree):
    tree.app("a", {"0001_initial": migration()})
    tree.app("b", {"0001_initial": migration(extra='run_before = [("a", "0001_initial")]')})
    g = load_project(tree.root).graph
    assert g.parents[("a", "0001_initial")] == (("b", "0001_initial"),)
    assert g.order == (("b", "0001_initial"), ("a", "0001_initial"))


def test_app_label_from_apps_py(tree):
    folder = tree.app("customers", {"0001_initial": migration()})
    (folder.parent / "apps.py").write_text(
        "from django.apps import AppConfig\nclass C(AppConfig):\n    name = 'project.customers'\n    label = 'crm'\n")
    assert list(load_project(tree.root).graph.nodes) == [("crm", "0001_initial")]


def test_non_numeric_migration_names_are_found(tree):
    tree.app("shop", {"0001_initial": migration(), "fix_data": migration('[("shop", "0001_initial")]'),
                      "0002_next": migration('[("shop", "fix_data")]')})
    (tree.root / "project/shop/migrations/helpers.py").write_text("def f():\n    return 1\n")
    g = load_project(tree.root).graph
    assert g.order == (("shop", "0001_initial"), ("shop", "fix_data"), ("shop", "0002_next"))
    assert g.diagnostics == ()


def test_module_level_dependency_list(tree):
    tree.app("a", {"0001_initial": migration(), "0002_x": migration(
        "BASE + [('a', '0001_initial')]", body="BASE = []\n")})
    g = load_project(tree.root).graph
    assert g.parents[("a", "0002_x")] == (("a", "0001_initial"),)


# -- bad input ---------------------------------------------------------------------


def test_unparsable_migration_is_a_diagnostic_and_the_app_goes_on(tree):
    tree.app("shop", {
        "0001_initial": migration("[]", '[migrations.CreateModel("Item", [("id", models.AutoField(primary_key=True))])]'),
        "0002_broken": "class Migration(migrations.Migration:\n",
        "0003_after": migration('[("shop", "0002_broken")]', '[migrations.AddField("item", "x", models.IntegerField())]'),
    })
    p = load_project(tree.root)
    [diag] = p.diagnostics
    assert diag.code == d.UNPARSABLE and diag.line == 1 and diag.name == "0002_broken"
    g = p.graph
    assert g.order == (("shop", "0001_initial"), ("shop", "0002_broken"), ("shop", "0003_after"))
    assert g.leaves["shop"] == (("shop", "0003_after"),)
    assert g.diagnostics == ()


def test_missing_dependency(tree):
    tree.app("shop", {"0001_initial": migration(), "0002_x": migration('[("shop", "0001_initial"), ("shop", "0000_gone")]')})
    g = load_project(tree.root).graph
    assert codes(g.diagnostics) == [d.MISSING_DEPENDENCY]
    assert "shop.0000_gone" in g.diagnostics[0].message
    assert g.order == (("shop", "0001_initial"), ("shop", "0002_x"))


def test_missing_dependency_in_another_known_app(tree):
    tree.app("a", {"0001_initial": migration()})
    tree.app("b", {"0001_initial": migration('[("a", "0009_nope")]')})
    assert codes(load_project(tree.root).graph.diagnostics) == [d.MISSING_DEPENDENCY]


def test_cycle_is_reported_and_an_order_still_exists(tree):
    tree.app("shop", {
        "0001_initial": migration('[("shop", "0002_x")]'),
        "0002_x": migration('[("shop", "0001_initial")]'),
    })
    g = load_project(tree.root).graph
    assert d.CYCLE in codes(g.diagnostics)
    cycle = next(x for x in g.diagnostics if x.code == d.CYCLE)
    assert "shop.0001_initial" in cycle.message and "shop.0002_x" in cycle.message
    assert sorted(g.order) == [("shop", "0001_initial"), ("shop", "0002_x")]


def test_two_leaves_need_a_merge_migration(tree):
    tree.app("shop", {
        "0001_initial": migration(),
        "0002_a": migration('[("shop", "0001_initial")]'),
        "0002_b": migration('[("shop", "0001_initial")]'),
    })
    g = load_project(tree.root).graph
    assert codes(g.diagnostics) == [d.MULTIPLE_LEAVES]
    assert "0002_a, 0002_b" in g.diagnostics[0].message


def test_merge_migration_clears_the_leaves(tree):
    tree.app("shop", {
        "0001_initial": migration(),
        "0002_a": migration('[("shop", "0001_initial")]'),
        "0002_b": migration('[("shop", "0001_initial")]'),
        "0003_merge": migration('[("shop", "0002_a"), ("shop", "0002_b")]'),
    })
    g = load_project(tree.root).graph
    assert g.diagnostics == () and g.leaves["shop"] == (("shop", "0003_merge"),)


def test_dynamic_dependency_is_a_warning(tree):
    tree.app("shop", {"0001_initial": migration("[get_deps()]")})
    p = load_project(tree.root)
    assert codes(p.diagnostics) == [d.DYNAMIC]


def test_no_migration_class(tree):
    tree.app("shop", {"0001_initial": "X = 1\n"})
    p = load_project(tree.root)
    assert codes(p.diagnostics) == [d.UNPARSABLE]
