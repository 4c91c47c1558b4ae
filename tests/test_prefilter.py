"""The text prefilter: words, imports (in every import form), and all-of groups."""

from __future__ import annotations

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
