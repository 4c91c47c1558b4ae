"""The text prefilter: words, imports (in every import form), and all-of groups."""

from __future__ import annotations

from resilint.prefilter import Prefilter


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
