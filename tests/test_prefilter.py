"""The text prefilter: words, imports (in every import form), and all-of groups."""

from __future__ import annotations

from pathlib import Path

from resilint.engine.prefilter import Prefilter


def test_import_triggers_match_import_statements_only() -> None:
    pre = Prefilter.compile(["import:requests", "import:http"])
    imported = [
        "import requests\n",
        "import requests as rq\n",
        "import os, sys as system, requests.adapters\n",
        "import os, \\\n    requests\n",
        "from requests import get\n",
        "from requests.adapters import (\n    HTTPAdapter,\n)\n",
        "if TYPE_CHECKING:\n    import requests\n",
        "x = 1; import requests\n",
        "from http import client\n",
        "import http.client\n",
    ]
    for text in imported:
        assert pre.matches(text), text
    not_imported = [
        '"""See http://example.com and the requests library."""\n',
        "import requests_mock\n",
        "from .requests import get\n",
        "import httpx\n",
        "# import requests\n",
        "requests = []\nrequests.get(u)\n",
    ]
    for text in not_imported:
        assert not pre.matches(text), text


def test_words_and_all_of_groups() -> None:
    pre = Prefilter.compile(["while True", ("except", "range")])
    assert pre.matches("while True:\n    pass\n")
    assert pre.matches("for i in range(3):\n    try: f()\n    except E: pass\n")
    assert not pre.matches("try: f()\nexcept E: pass\n")
    assert not pre.matches("for i in range(3): f()\n")


def test_regex_triggers() -> None:
    pre = Prefilter.compile([r"re:except\s*:", r"re:(?i:\bdrop\b)"])
    assert pre.matches("try: f()\nexcept  :\n    pass\n")  # two spaces: a word could not say it
    assert pre.matches('sql = "Drop table t"\n')
    assert not pre.matches("try: f()\nexcept E:\n    pass\n")
    assert not pre.matches("raindrop = 1\n")


def test_file_members_of_a_group_match_anywhere_in_the_file_but_not_per_definition() -> None:
    triggers = [("execute", "file:re:(?i:\\bdelete\\b)")]
    whole_file = Prefilter.compile(triggers)
    assert whole_file.matches('WIPE = "DELETE FROM t"\ndef run(db):\n    db.execute(WIPE)\n')
    assert not whole_file.matches("def run(db, sql):\n    db.execute(sql)\n")  # no verb: nothing to find
    per_definition = Prefilter.compile(triggers, per_definition=True)
    assert per_definition.matches("def run(db):\n    db.execute(WIPE)\n")  # the verb is elsewhere
    assert not per_definition.matches("def other():\n    return 1\n")


def test_selection_names_the_keys_whose_triggers_match() -> None:
    from resilint.engine.prefilter import Selection

    selection = Selection.compile([("A", ["sleep"]), ("B", ["import:requests.get"]), ("C", ["sleep"]), ("D", ())])
    assert selection.matching("import requests\nrequests.get(u)\n") == {"B"}
    assert selection.matching("time.sleep(1)\n") == {"A", "C"}
    assert selection.matching("x = 1\n") == set()  # D declares no trigger: it never runs from text
    always = Selection.compile([("A", ["sleep"]), ("E", None)])
    assert always.matching("x = 1\n") == {"E"}


# Texts on the edges of the import pattern: item lists, aliases, continuation lines,
# statements after ';', words that only start with a module's name, text in strings.
_IMPORT_EDGES = [
    "import requests\n",
    "import os, sys as system, requests.adapters\n",
    "import os, \\\n    requests\n",
    "import os,\n\n  requests\n",  # not Python, but the pattern reads it
    "import a as b, requests\n",
    "import a as, requests\n",  # a broken alias ends the list
    "import a b, requests\n",
    "import .x, requests\n",
    "from\trequests import x\n",
    "x = 1; import  requests.y as z\n",
    "a = 1;from http import client\n",
    "fromrequests import x\n",
    "importrequests\n",
    "import requests_mock\n",
    "from requests2 import x\n",
    "from .requests import get\n",
    '"""\nimport requests\n"""\n',
    "# import requests\n",
    "    import http.client, socket\n",
    "import\n",
    "",
]


def test_imported_words_are_the_names_the_import_pattern_finds() -> None:
    from resilint.engine.prefilter import imported_words

    assert imported_words("import os, sys as system, requests.adapters\nfrom http.client import x\n") == {
        "os", "sys", "requests", "http",
    }
    assert imported_words("import a as, requests\nx; import b\n") == {"a", "b"}
    assert imported_words("import .x, requests\nfromrequests import y\n") == {"requests"}
    assert imported_words("# import requests\nrequests.get(u)\n") == set()
    for text in _IMPORT_EDGES:
        words = imported_words(text)
        for name in ("requests", "http", "os", "a", "b", "socket", "x", "requests_mock", "requests2", "y"):
            expected = Prefilter.compile([f"import:{name}"]).matches(text)
            assert (name in words) == expected, (name, text)


def test_a_selection_answers_as_each_trigger_set_alone() -> None:
    """Selection.matching shares one probe of the text between its trigger sets
    (each word looked up and the imports read once): every key must come out
    exactly as its own Prefilter.matches says, including a module name that is
    not one word (the import pattern itself decides then)."""
    from resilint.engine.prefilter import Selection

    declared = [
        ("imports", ["import:requests", "import:http.client"]),
        ("words", ["sleep", "while True"]),
        ("group", [("import:os", "re:(?m:^def upgrade\\b)")]),
        ("odd-name", ["import:foo-bar"]),
        ("mixed", ["import:socket", ("Migration", "import:django")]),
    ]
    selection = Selection.compile(declared)
    texts = [
        *_IMPORT_EDGES,
        "import os\ndef upgrade():\n    pass\n",
        "import os\n",
        "time.sleep(1)\n",
        "import foo-bar\n",
        "from django.db import migrations\nclass Migration: pass\n",
        "class Migration: pass\nimport socket\n",
    ]
    for text in texts:
        expected = {key for key, triggers in declared if Prefilter.compile(triggers).matches(text)}
        assert selection.matching(text) == expected, text
    assert selection.matching("import foo-bar\n") == {"odd-name"}
    assert selection.matching("import os\ndef upgrade():\n    pass\n") == {"group"}


def test_a_name_pattern_needs_all_its_words_in_the_file() -> None:
    """REL108's gRPC stubs (``**_pb2_grpc.*Stub.*.future``): a file needs every word
    of a target, not any one (``from __future__ import annotations`` held "future"
    and made nearly every file a candidate); slicing still keeps a definition that
    holds any of them, the stub being built elsewhere in the file."""
    from resilint.config.settings import Config
    from resilint.engine.core import Engine

    engine = Engine(Config(root=Path.cwd()))
    grpc = tuple(s for s in engine.ruleset.active if s.code in ("REL102", "REL108"))

    def triggered(text: str) -> list[str]:
        return [s.code for s in engine._triggered(text, grpc)]

    assert triggered("from __future__ import annotations\n\ndef f(x):\n    return x.future\n") == []
    stub_file = (
        "import grpc\nfrom users_pb2_grpc import UsersStub\n\n"
        "stub = UsersStub(grpc.insecure_channel('users:50051'))\n\n\n"
        "def get(request):\n    return stub.GetUser.future(request)\n"
    )
    assert triggered(stub_file) == ["REL102", "REL108"]
    result = engine.check_source(stub_file + "\n" * 80 + "x = 1\n" * 400, "client.py")  # long enough to be sliced
    assert [(f.code, f.line) for f in result.findings] == [("REL108", 8)]
