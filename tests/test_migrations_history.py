"""The migration checks with the app's history: cross-file inputs of the cache, the
installed apps read from the project's environment, the [tool.resilint.migrations]
settings (database, declared Django version, applied migrations) and bad input."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from conftest import git, run_resilint

from resilint.checks.migrations.history.lookup import PROJECTS
from resilint.config.project import project_info
from resilint.config.settings import Config, parse_config
from resilint.engine.core import Engine
from resilint.errors import ConfigError

HEADER = "from django.db import migrations, models\nfrom django.conf import settings\n\n\n"


def migration(deps: str, ops: str, extra: str = "") -> str:
    return HEADER + (
        "class Migration(migrations.Migration):\n"
        + textwrap.indent(textwrap.dedent(extra), "    ")
        + f"    dependencies = {deps}\n"
        + "    operations = [\n"
        + textwrap.indent(textwrap.dedent(ops).strip(), "        ")
        + "\n    ]\n"
    )


INITIAL = migration("[]", """
    migrations.CreateModel(name="Order", fields=[
        ("id", models.AutoField(primary_key=True)),
        ("note", models.CharField(max_length=50)),
        ("code", models.CharField(max_length=10, db_index=True)),
    ]),
""")
WIDEN = migration('[("shop", "0001_initial")]', """
    migrations.AlterField(model_name="order", name="note", field=models.CharField(max_length=100)),
""")


def app(root: Path, files: dict[str, str], label: str = "shop") -> Path:
    folder = root / label / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("")
    for name, text in files.items():
        (folder / f"{name}.py").write_text(text)
    return folder


def check(root: Path, file: Path, config_text: str = "[tool.resilint]\n") -> list[tuple[int, str]]:
    (root / "pyproject.toml").write_text(config_text)
    PROJECTS.clear()
    project_info.cache_clear()
    config = dataclasses.replace(parse_config(_table(config_text), root / "pyproject.toml"), today=None)
    result = Engine(config, cache=False).check_source(file.read_text(), file.name, file=file)
    return sorted((f.span.line, f.code) for f in result.findings)


def _table(text: str) -> dict:
    from resilint.config import _toml

    return _toml.loads(text)["tool"]["resilint"]


def test_a_widening_is_silent_with_history_and_reported_without(tmp_path: Path) -> None:
    folder = app(tmp_path, {"0001_initial": INITIAL, "0002_widen": WIDEN})
    assert check(tmp_path, folder / "0002_widen.py") == []
    (folder / "0001_initial.py").unlink()  # no history: judged as before, and said so
    assert check(tmp_path, folder / "0002_widen.py") == [(5, "REL410"), (8, "REL405"), (8, "REL411")]


def test_editing_a_sibling_migration_changes_the_cached_result(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    folder = app(tmp_path, {"0001_initial": INITIAL, "0002_widen": WIDEN})

    def codes() -> list[tuple[int, str]]:
        run = run_resilint("check", "--format", "json", "--select", "REL405", "shop/migrations/0002_widen.py",
                           cwd=tmp_path)
        return [(f["line"], f["code"]) for f in run.json()["findings"]]

    assert codes() == []
    assert (tmp_path / ".resilint_cache").is_dir()
    # the previous definition becomes varchar(200): 200 -> 100 is a shortening, a rewrite
    (folder / "0001_initial.py").write_text(INITIAL.replace("max_length=50", "max_length=200"))
    assert codes() == [(8, "REL405")]
    (folder / "0001_initial.py").write_text(INITIAL)
    assert codes() == []


def test_installed_apps_are_read_from_the_projects_virtualenv(tmp_path: Path) -> None:
    """auth's migrations come from .venv/lib/pythonX/site-packages/django/contrib/auth, read as text."""
    site = tmp_path / ".venv" / "lib" / "python3.12" / "site-packages"
    (tmp_path / ".venv" / "pyvenv.cfg").parent.mkdir(parents=True)
    (tmp_path / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    auth = site / "django" / "contrib" / "auth" / "migrations"
    auth.mkdir(parents=True)
    (auth / "0001_initial.py").write_text(migration("[]", """
        migrations.CreateModel(name="User", fields=[("id", models.AutoField(primary_key=True))]),
    """))
    folder = app(tmp_path, {
        "0001_initial": migration('[migrations.swappable_dependency(settings.AUTH_USER_MODEL)]', """
            migrations.CreateModel(name="Order", fields=[
                ("id", models.AutoField(primary_key=True)),
                ("owner", models.ForeignKey(null=True, on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL)),
            ]),
        """),
        # integer -> integer (the user's key): only the Python on_delete changes, no SQL
        "0002_owner": migration('[("shop", "0001_initial")]', """
            migrations.AlterField(model_name="order", name="owner",
                                  field=models.ForeignKey(null=True, on_delete=models.PROTECT, to=settings.AUTH_USER_MODEL)),
        """),
    })
    assert check(tmp_path, folder / "0002_owner.py") == []
    from resilint.checks.migrations.history.lookup import _load

    loaded = _load(tmp_path)
    assert ("auth", "0001_initial") in loaded.project.by_key
    assert loaded.project.by_key[("auth", "0001_initial")].external
    assert loaded.missing_apps == frozenset()


def test_a_missing_installed_app_is_a_note_only_where_it_matters(tmp_path: Path) -> None:
    folder = app(tmp_path, {
        "0001_initial": migration('[("taggit", "0001_initial")]', """
            migrations.AlterField(model_name="tag", name="name", field=models.CharField(max_length=20)),
        """),
    })
    found = check(tmp_path, folder / "0001_initial.py")
    assert found == [(8, "REL405"), (8, "REL411")]
    run = run_resilint("check", "--format", "json", "--select", "REL411", ".", cwd=tmp_path)
    assert run.returncode == 0  # a note: the exit status stays as documented
    [finding] = run.json()["findings"]
    assert "taggit" in finding["message"] and finding["severity"] == "note"


def test_version_aware_advice(tmp_path: Path) -> None:
    folder = app(tmp_path, {"0001_initial": INITIAL, "0002_flag": migration('[("shop", "0001_initial")]', """
        migrations.AddField(model_name="order", name="flag", field=models.BooleanField(default=False)),
    """)})
    file = folder / "0002_flag.py"

    def message(config: str) -> str:
        (tmp_path / "pyproject.toml").write_text(config)
        PROJECTS.clear()
        project_info.cache_clear()
        engine = Engine(dataclasses.replace(parse_config(_table(config), tmp_path / "pyproject.toml"), today=None),
                        cache=False)
        [finding] = [f for f in engine.check_source(file.read_text(), file.name, file=file).findings
                     if f.code == "REL404"]
        return finding.message

    old = message('[project]\nname = "x"\ndependencies = ["django>=4.2,<5"]\n[tool.resilint]\n')
    assert "db_default= needs Django 5.0" in old and "set db_default=" not in old
    assert message('[project]\nname = "x"\ndependencies = ["django>=5.1"]\n[tool.resilint]\n').endswith(
        "or set db_default=")
    assert message("[tool.resilint]\n").endswith("or set db_default= (Django 5.0+)")


def test_database_setting_switches_postgresql_advice(tmp_path: Path) -> None:
    folder = app(tmp_path, {"0001_initial": INITIAL, "0002_index": migration('[("shop", "0001_initial")]', """
        migrations.AddIndex(model_name="order", index=models.Index(fields=["note"], name="order_note_idx")),
        migrations.AlterField(model_name="order", name="note", field=models.IntegerField()),
    """)})
    file = folder / "0002_index.py"
    assert check(tmp_path, file) == [(8, "REL406"), (9, "REL405")]
    assert check(tmp_path, file, '[tool.resilint.migrations]\ndatabase = "mysql"\n') == [(9, "REL405")]
    assert check(tmp_path, file, '[tool.resilint.migrations]\ndatabase = "sqlite"\n') == []


def test_applied_migrations_are_not_news(tmp_path: Path) -> None:
    folder = app(tmp_path, {
        "0001_initial": INITIAL,
        "0002_drop": migration('[("shop", "0001_initial")]', 'migrations.RemoveField(model_name="order", name="code"),'),
        "0003_drop": migration('[("shop", "0002_drop")]', 'migrations.RemoveField(model_name="order", name="note"),'),
    })
    applied = '[tool.resilint.migrations]\napplied = { shop = "0002_drop" }\n'
    assert check(tmp_path, folder / "0002_drop.py", applied) == []
    assert check(tmp_path, folder / "0003_drop.py", applied) == [(8, "REL402")]
    assert check(tmp_path, folder / "0002_drop.py") == [(8, "REL402")]


def test_applied_ref_counts_what_the_branch_already_has(tmp_path: Path) -> None:
    folder = app(tmp_path, {
        "0001_initial": INITIAL,
        "0002_drop": migration('[("shop", "0001_initial")]', 'migrations.RemoveField(model_name="order", name="code"),'),
    })
    (tmp_path / "pyproject.toml").write_text('[tool.resilint.migrations]\napplied-ref = "main"\n')
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "deployed")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    (folder / "0003_drop.py").write_text(
        migration('[("shop", "0002_drop")]', 'migrations.RemoveField(model_name="order", name="note"),'))
    run = run_resilint("check", "--format", "json", "--select", "REL402", ".", cwd=tmp_path)
    assert [(f["path"], f["line"]) for f in run.json()["findings"]] == [("shop/migrations/0003_drop.py", 8)]


def test_migrations_config_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    assert parse_config({"migrations": {"postgresql": 15}}, path).migrations.postgresql_major == 15
    with pytest.raises(ConfigError, match="database"):
        parse_config({"migrations": {"database": "oracle"}}, path)
    with pytest.raises(ConfigError, match="applied.shop"):
        parse_config({"migrations": {"applied": {"shop": 42}}}, path)
    with pytest.raises(ConfigError, match="unknown key"):
        parse_config({"migrations": {"applied_ref": "main"}}, path)
    assert Config(root=tmp_path).migrations.database == "postgresql"


def test_cycle_and_two_leaves_are_named_and_the_rest_is_judged(tmp_path: Path) -> None:
    folder = app(tmp_path, {
        "0001_initial": INITIAL,
        "0002_a": migration('[("shop", "0001_initial")]', 'migrations.RemoveField(model_name="order", name="code"),'),
        "0002_b": migration('[("shop", "0001_initial")]', 'migrations.RunSQL("SELECT 1", migrations.RunSQL.noop),'),
    })
    assert check(tmp_path, folder / "0002_b.py") == [(5, "REL410")]
    assert check(tmp_path, folder / "0002_a.py") == [(8, "REL402")]
    broken = app(tmp_path, {
        "0001_initial": migration('[("loop", "0002_back")]', ""),
        "0002_back": migration('[("loop", "0001_initial")]', ""),
    }, label="loop")
    found = check(tmp_path, broken / "0002_back.py") + check(tmp_path, broken / "0001_initial.py")
    assert (5, "REL410") in found


def test_hyphenated_migration_names_are_migrations(tmp_path: Path) -> None:
    """Django imports ``0005_remove-version-alias.py`` too (readthedocs has dozens)."""
    folder = app(tmp_path, {
        "0001_initial": INITIAL,
        "0002_add-flag": migration('[("shop", "0001_initial")]', 'migrations.RemoveField(model_name="order", name="code"),'),
        "0003_widen": migration('[("shop", "0002_add-flag")]', """
            migrations.AlterField(model_name="order", name="note", field=models.CharField(max_length=100)),
        """),
    })
    assert check(tmp_path, folder / "0003_widen.py") == []  # no missing dependency, no unknown history


def _findings(tmp_path: Path, *args: str) -> list[tuple[str, int, str]]:
    run = run_resilint("check", "--format", "json", "--no-git-provenance", *args, ".", cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr
    return sorted((f["path"], f["line"], f["code"]) for f in run.json()["findings"])


def test_staged_mode_reads_the_apps_other_migrations_from_the_index(tmp_path: Path) -> None:
    """``--staged`` judges the staged 0002 with the *staged* 0001, never with an unstaged edit of
    it; ``--diff`` judges the work tree with the work tree."""
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    folder = app(tmp_path, {"0001_initial": INITIAL})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "initial")
    (folder / "0002_widen.py").write_text(WIDEN)
    shorter = INITIAL.replace("max_length=50", "max_length=200")  # then 200 -> 100 shortens: a rewrite
    rewrite = [("shop/migrations/0002_widen.py", 8, "REL405")]

    # staged 0001: varchar(200); work tree 0001: varchar(50)
    (folder / "0001_initial.py").write_text(shorter)
    git(tmp_path, "add", ".")
    (folder / "0001_initial.py").write_text(INITIAL)
    assert _findings(tmp_path, "--staged", "--select", "REL405") == rewrite
    assert _findings(tmp_path, "--diff", "--select", "REL405") == []

    # and the other way round: staged varchar(50), work tree varchar(200)
    git(tmp_path, "add", ".")
    (folder / "0001_initial.py").write_text(shorter)
    assert _findings(tmp_path, "--staged", "--select", "REL405") == []
    assert _findings(tmp_path, "--diff", "--select", "REL405") == rewrite


def test_staged_mode_lists_the_apps_migrations_from_the_index(tmp_path: Path) -> None:
    """A second leaf that exists only in the work tree (untracked, not to be committed) is no
    missing merge for ``--staged``; ``--diff`` sees it."""
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    folder = app(tmp_path, {"0001_initial": INITIAL})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "initial")
    (folder / "0002_widen.py").write_text(WIDEN)
    git(tmp_path, "add", ".")
    (folder / "0002_other.py").write_text(
        migration('[("shop", "0001_initial")]', 'migrations.RunSQL("SELECT 1", migrations.RunSQL.noop),'))
    assert _findings(tmp_path, "--staged", "--select", "REL410") == []
    assert _findings(tmp_path, "--diff", "--select", "REL410") == [("shop/migrations/0002_widen.py", 5, "REL410")]


def test_a_pre_commit_range_reads_the_apps_migrations_from_its_last_commit(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    folder = app(tmp_path, {"0001_initial": INITIAL})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "initial")
    first = git(tmp_path, "rev-parse", "HEAD").strip()
    (folder / "0001_initial.py").write_text(INITIAL.replace("max_length=50", "max_length=200"))
    (folder / "0002_widen.py").write_text(WIDEN)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "pushed")
    (folder / "0001_initial.py").write_text(INITIAL)  # not committed: not what is pushed
    env = {"PRE_COMMIT_FROM_REF": first, "PRE_COMMIT_TO_REF": "HEAD"}
    run = run_resilint("check", "--format", "json", "--no-git-provenance", "--staged", "--select", "REL405", ".",
                       cwd=tmp_path, env=env)
    assert [(f["path"], f["line"]) for f in run.json()["findings"]] == [("shop/migrations/0002_widen.py", 8)]


def test_a_snapshot_lists_and_reads_in_batches(tmp_path: Path) -> None:
    from resilint.engine.snapshot import Snapshot

    folder = app(tmp_path, {"0001_initial": INITIAL, "0002_widen": WIDEN})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    (folder / "0003_untracked.py").write_text(WIDEN)
    (folder / "0002_widen.py").write_text("# edited, not staged\n")
    snapshot = Snapshot(tmp_path)
    batches: list[int] = []
    cat = snapshot._cat

    def counting(ids: list[str]) -> dict[str, bytes]:
        batches.append(len(list(ids)))
        return cat(ids)

    snapshot._cat = counting  # type: ignore[method-assign]
    walked = [(Path(d).relative_to(tmp_path).as_posix(), sorted(subs), sorted(names))
              for d, subs, names in snapshot.walk(tmp_path)]
    assert walked == [(".", ["shop"], []), ("shop", ["migrations"], []),
                      ("shop/migrations", [], ["0001_initial.py", "0002_widen.py", "__init__.py"])]
    snapshot.prefetch(lambda path: path.endswith(".py"))
    assert snapshot.read_text(folder / "0002_widen.py") == WIDEN
    assert snapshot.read_text(folder / "0001_initial.py") == INITIAL
    assert snapshot.read_bytes(folder / "0003_untracked.py") is None
    assert batches == [3]  # the three staged files, in one git cat-file --batch
    token = snapshot.token
    git(tmp_path, "add", ".")
    assert Snapshot(tmp_path).token != token


ALEMBIC_REVISION = '''from alembic import op

revision = "{rev}"
down_revision = {down!r}


def upgrade():
    op.execute("SELECT 1")


def downgrade():
    pass
'''


def test_alembic_graph_problems_are_reported_and_follow_the_other_revisions(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    versions = tmp_path / "db" / "versions"
    versions.mkdir(parents=True)
    (versions / "a_base.py").write_text(ALEMBIC_REVISION.format(rev="a1", down=None))
    (versions / "b_next.py").write_text(ALEMBIC_REVISION.format(rev="b2", down="a1"))
    (versions / "c_other.py").write_text(ALEMBIC_REVISION.format(rev="c3", down="a1"))

    def found() -> list[tuple[str, int, str]]:
        return _findings(tmp_path, "--select", "REL410")

    assert found() == [("db/versions/c_other.py", 3, "REL410")]  # two heads (b2, c3): on the last one
    (versions / "d_merge.py").write_text(ALEMBIC_REVISION.format(rev="d4", down=("b2", "c3")))
    assert found() == []  # merged: the cached results of b_next/c_other follow their siblings
    (versions / "a_base.py").unlink()
    assert found() == [("db/versions/b_next.py", 4, "REL410"), ("db/versions/c_other.py", 4, "REL410")]
    run = run_resilint("check", "--format", "json", "--select", "REL410", ".", cwd=tmp_path)
    assert [f["message"] for f in run.json()["findings"]][0] == (
        "missing-down-revision: revision b2 has down_revision 'a1', which no revision file defines; "
        "the rest of the revisions are still judged")


def test_safemigrate_booleans_and_the_default_need_the_declared_dependency(tmp_path: Path) -> None:
    """A bare ``safe = False`` is django-safemigrate 1.x's after-deploy only in a project that
    declares it; the default for unmarked migrations flipped twice, so it counts only with a
    known version."""
    drop = 'migrations.RemoveField(model_name="order", name="code"),'
    folder = app(tmp_path, {
        "0001_initial": INITIAL,
        "0002_false": migration('[("shop", "0001_initial")]', drop, extra="safe = False\n"),
        "0003_unmarked": migration('[("shop", "0002_false")]', 'migrations.RemoveField(model_name="order", name="note"),'),
    })
    unversioned = '[project]\nname = "x"\nversion = "0"\ndependencies = ["django-safemigrate"]\n\n[tool.resilint]\n'
    assert check(tmp_path, folder / "0002_false.py", unversioned) == []
    assert check(tmp_path, folder / "0003_unmarked.py", unversioned) == [(8, "REL402")]
    undeclared = '[project]\nname = "x"\nversion = "0"\ndependencies = []\n\n[tool.resilint]\n'
    assert check(tmp_path, folder / "0002_false.py", undeclared) == [(9, "REL402")]
    pinned = unversioned.replace('"django-safemigrate"', '"django-safemigrate==3.1"')
    assert check(tmp_path, folder / "0003_unmarked.py", pinned) == []  # 2.0-4.x: unmarked is after_deploy
    assert check(tmp_path, folder / "0002_false.py", pinned) == [(9, "REL402")]  # 2.0 rejects booleans


def test_staged_mode_reads_the_alembic_graph_from_the_index(tmp_path: Path) -> None:
    """A second head that is only in the work tree (untracked) is not in the commit: no REL410 in
    ``--staged``; ``--diff`` sees two heads."""
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    versions = tmp_path / "db" / "versions"
    versions.mkdir(parents=True)
    (versions / "a_base.py").write_text(ALEMBIC_REVISION.format(rev="a1", down=None))
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    (versions / "b_next.py").write_text(ALEMBIC_REVISION.format(rev="z9", down="a1"))  # the last head by id
    git(tmp_path, "add", ".")
    (versions / "c_other.py").write_text(ALEMBIC_REVISION.format(rev="c3", down="a1"))
    assert _findings(tmp_path, "--staged", "--select", "REL410") == []
    assert _findings(tmp_path, "--diff", "--select", "REL410") == [("db/versions/b_next.py", 3, "REL410")]
