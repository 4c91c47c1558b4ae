"""Slicing (slicing.py): which definitions are left out, and that leaving them out
never changes a finding. Each case names a way a rule can depend on code outside
the definition it reports in; the slice must keep that code."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from conftest import record_slicing

from resilint.config.settings import Config
from resilint.engine.core import Engine
from resilint.engine.prefilter import Prefilter
from resilint.engine.slicing import relevant_slice

FILLER = "".join(f"\ndef helper_{i}(x):\n    return [y * 2 for y in x if y]\n" for i in range(40))


def kept(source: str, triggers: list[str]) -> set[str]:
    """Names of the definitions (functions, methods, classes) the slice keeps."""
    sliced = relevant_slice(source, ast.parse(source), Prefilter.compile(triggers))
    assert sliced is not None, "nothing was left out"
    assert sliced.count("\n") == source.count("\n")  # lines stay where they were
    cst.parse_module(sliced)  # and it still parses
    return {
        node.name
        for node in ast.walk(ast.parse(sliced))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def test_definitions_without_triggers_are_blanked_lines_and_columns_kept() -> None:
    source = "import requests\n\ndef fetch(u):\n    return requests.get(u)\n" + FILLER
    sliced = relevant_slice(source, ast.parse(source), Prefilter.compile(["import:requests.get"]))
    assert sliced is not None
    assert sliced.splitlines()[:4] == source.splitlines()[:4]
    assert set(sliced.splitlines()[4:]) == {""}


def test_an_alias_and_what_it_builds_are_followed() -> None:
    source = textwrap.dedent(
        """
        import requests as rq
        session = rq.Session()

        def uses_session(u):
            return session.get(u)

        def unrelated(u):
            return u.get(1)
        """
    )
    assert kept(source, ["import:requests.Session"]) == {"uses_session"}


def test_only_the_imported_names_that_lead_to_a_target_count() -> None:
    source = textwrap.dedent(
        """
        from sqlalchemy import testing, text
        import sqlalchemy as sa

        def uses_text():
            return text("DROP TABLE t")

        def uses_module():
            return sa.sql.text("TRUNCATE t")

        def uses_testing():
            return testing.db
        """
    )
    assert kept(source, ["import:sqlalchemy.text", "import:sqlalchemy.sql.text"]) == {"uses_text", "uses_module"}


def test_an_attribute_set_to_a_relevant_value_keeps_every_method_that_mentions_it() -> None:
    source = textwrap.dedent(
        """
        import requests

        class Client:
            def __init__(self):
                self.session = requests.Session()
                self.name = "client"

            def fetch(self, u):
                return self.session.get(u)

            def reset(self):
                self.session = None

            def label(self):
                return self.name
        """
    )
    assert kept(source, ["import:requests.Session"]) == {"Client", "__init__", "fetch", "reset"}


def test_a_class_with_a_relevant_header_stays_whole() -> None:
    # Whether a subclass overrides anything decides what its instances are.
    source = textwrap.dedent(
        """
        from requests import Session

        class Patient(Session):
            def request(self, *args, **kwargs):
                return super().request(*args, timeout=5, **kwargs)

        class Other:
            def request(self):
                return 1
        """
    )
    source += FILLER
    assert kept(source, ["import:requests.Session"]) == {"Patient", "request", "Other"}  # Other keeps a member


def test_a_class_body_always_keeps_a_statement() -> None:
    source = "import requests\n\nclass Empty:\n    def a(self):\n        return 1\n\n    def b(self):\n        return 2\n" + FILLER
    assert kept(source, ["import:requests.get"]) == {"Empty", "a"}


def test_a_factory_a_relevant_function_calls_is_kept() -> None:
    source = textwrap.dedent(
        """
        import ldclient

        def client():
            return make()

        def make():
            return object()

        def flag(user):
            return client().variation("key", user, False)

        def unrelated():
            return 2
        """
    )
    # `flag` mentions no trigger; `client` and `make` are what a rule would follow.
    assert kept(source, ["ldclient", "variation"]) == {"flag", "client", "make"}


def test_a_function_that_mutates_a_module_level_name_a_relevant_part_uses_is_kept() -> None:
    source = textwrap.dedent(
        """
        import requests

        OPTIONS = {}

        def configure():
            OPTIONS["timeout"] = 5

        def fetch(u):
            return requests.get(u, **OPTIONS)

        def unrelated():
            local = {}
            local["x"] = 1
        """
    )
    assert kept(source, ["import:requests.get"]) == {"fetch", "configure"}


def test_nothing_to_leave_out_and_unsafe_line_ends() -> None:
    relevant = "import requests\n\ndef f(u):\n    return requests.get(u)\n"
    assert relevant_slice(relevant, ast.parse(relevant), Prefilter.compile(["import:requests"])) is None
    crlf = relevant.replace("\n", "\r\n") + FILLER.replace("\n", "\r\n")
    sliced = relevant_slice(crlf, ast.parse(crlf), Prefilter.compile(["import:requests"]))
    assert sliced is not None and sliced.count("\r\n") == crlf.count("\r\n") and "\n" not in sliced.replace("\r\n", "")
    lone_cr = "x = 1\rdef f():\n    pass\n"  # CPython ends a line at a lone CR; str.split("\n") does not
    assert relevant_slice(lone_cr, ast.parse(lone_cr), Prefilter.compile(["nothing"])) is None


CASES = {
    "session-in-module": """
        import requests as rq
        session = rq.Session()
        def fetch(u):
            return session.get(u)
        """,
    "attribute": """
        import requests
        class Client:
            def __init__(self):
                self.session = requests.Session()
            def fetch(self, u):
                return self.session.get(u)
            def other(self, u):
                return self.session.post(u, timeout=3)
        """,
    "plain-subclass": """
        import requests
        class Mine(requests.Session):
            def __init__(self):
                super().__init__()
        class Overrides(requests.Session):
            def request(self, *a, **k):
                return super().request(*a, timeout=5, **k)
        def fetch(u):
            Mine().get(u)
            Overrides().get(u)
        """,
    "mutated-options": """
        import requests
        OPTIONS = {}
        def configure():
            OPTIONS["timeout"] = 5
        def fetch(u):
            return requests.get(u, **OPTIONS)
        def local_only(u):
            opts = {}
            return requests.get(u, **opts)
        def mutates_its_own():
            opts = {}
            opts["timeout"] = 1
        """,
    "retry-nesting": """
        from tenacity import retry, stop_after_attempt
        @retry(stop=stop_after_attempt(3))
        def inner():
            pass
        @retry(stop=stop_after_attempt(3))
        def outer():
            inner()
        """,
    "private-helper-that-forwards-nothing": """
        import requests
        def _square(x, *args):
            return x ** 2
        def fetch(u, **options):
            return requests.get(u, **{"stream": True})
        def plain(u):
            return requests.get(u)
        """,
    "sql-constant": """
        import sqlite3
        WIPE = "DELETE FROM users"
        def run(db):
            db.execute(WIPE)
        """,
    "boto-class-attribute": """
        import boto3
        class Ops:
            s3 = boto3.client("s3")
            def wipe(self, name):
                self.s3.delete_bucket(Bucket=name)
        """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings_are_the_same_with_and_without_slicing(name: str, tmp_path: Path) -> None:
    source = textwrap.dedent(CASES[name]) + FILLER
    config = Config(root=tmp_path)
    sliced = Engine(config, prefilter=True)
    whole = Engine(config, prefilter=False)
    used = record_slicing(sliced)
    a = sliced.check_source(source, "case.py")
    b = whole.check_source(source, "case.py")
    assert used == [True]  # the filler was left out
    assert a == b
    assert a.findings  # each case is a real finding (or several), not an empty agreement


def test_destructive_sql_slices_only_files_that_cannot_be_migrations() -> None:
    # In a migration, whether the file *is* one (an upgrade() that may be empty)
    # decides which SQL is reported: such a file is judged whole.
    from resilint.checks.migrations.destructive_sql import DestructiveSql

    alembic = "from alembic import op\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    op.execute('DROP TABLE t')\n"
    django = "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = []\n"
    plain = "import sqlite3\n\ndef wipe(db):\n    db.execute('DELETE FROM t')\n"
    assert not DestructiveSql.sliceable_in(alembic)
    assert not DestructiveSql.sliceable_in(django)
    assert DestructiveSql.sliceable_in(plain)


def test_call_requires_keyword_reads_a_module_whole_only_for_a_private_forwarder() -> None:
    """A module is read whole when a private function has a ``**`` parameter (its
    ``**kwargs`` is judged from every call of it); ``**`` elsewhere and private
    functions without one leave it sliceable. Unparsable text: whole (the full
    parse reports it)."""
    from resilint.checks.timeouts.call_requires_keyword import CallRequiresKeyword

    forwarder = "import requests\n\ndef _get(u, **kw):\n    return requests.get(u, **kw)\n"
    async_forwarder = "async def _get(u, *a, **kw):\n    pass\n"
    dunder = "class C:\n    def __call__(self, **kw):\n        pass\n"  # not private: never judged so
    power = "def _square(x):\n    return x ** 2\n"
    public = "def get(u, **kw):\n    pass\ndef _helper(x):\n    pass\n"
    broken = "def _get(u, **kw):\n    return (\n"
    assert not CallRequiresKeyword.sliceable_in(forwarder)
    assert not CallRequiresKeyword.sliceable_in(async_forwarder)
    assert CallRequiresKeyword.sliceable_in(dunder)
    assert not CallRequiresKeyword.sliceable_in(broken)
    assert CallRequiresKeyword.sliceable_in(power)
    assert CallRequiresKeyword.sliceable_in(public)
    assert CallRequiresKeyword.sliceable_in(public)
    assert CallRequiresKeyword.sliceable_in("import requests\n")


def test_the_tree_parsed_for_sliceable_in_is_the_one_slicing_uses_then_dropped() -> None:
    from resilint.engine import ast_cache

    text = "def _square(x):\n    return x ** 2\n"
    tree = ast_cache.parse(text)
    assert ast_cache.parse(text) is tree  # the same string: parsed once
    assert ast_cache.parse(text + "") is tree  # (the very same object)
    other = "".join(["def _square(x):\n", "    return x ** 2\n"])  # equal text, another object
    assert ast_cache.parse(other) is not tree
    ast_cache.forget()
    assert ast_cache.parse(text) is not tree
    ast_cache.forget()


def test_every_def_at_any_depth_is_seen_by_the_forwarder_search() -> None:
    """_statements walks statement lists only: it must still meet every def
    (nested in if/else, loops and their else, with, try/except/else/finally,
    except*, match cases, classes, functions)."""
    from resilint.checks.timeouts.call_requires_keyword import _statements

    source = textwrap.dedent(
        """
        if a:
            def _a(**k): pass
        else:
            def _b(**k): pass
        for x in y:
            def _c(**k): pass
        else:
            def _d(**k): pass
        while w:
            async def _e(**k): pass
        else:
            def _f(**k): pass
        with m:
            def _g(**k): pass
        try:
            def _h(**k): pass
        except E:
            def _i(**k): pass
        else:
            def _j(**k): pass
        finally:
            def _k(**k): pass
        try:
            pass
        except* E:
            def _l(**k): pass
        match v:
            case 1:
                def _m(**k): pass
        class C:
            def _n(self, **k):
                def _o(**k): pass
        """
    )
    tree = ast.parse(source)
    every = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    seen = {n.name for n in _statements(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    assert seen == every == {f"_{c}" for c in "abcdefghijklmno"}
