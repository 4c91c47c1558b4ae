"""Retries (REL201-REL206): positions, messages, data-driven behaviour, and the
library facts in rules/retries.toml checked against the installed libraries."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

from resilint.config.ruleset import build_ruleset
from resilint.config.settings import Config, parse_config
from resilint.engine.core import Engine
from resilint.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
RULESET = build_ruleset(Config(root=ROOT))


def check(code: str, tmp_path: Path, select: str = "REL2") -> list[tuple[int, int, str, str]]:
    config = parse_config({"select": [select]}, tmp_path / "pyproject.toml")
    result = Engine(config).check_source(textwrap.dedent(code).lstrip(), "example.py")
    return [(f.span.line, f.span.column, f.code, f.message) for f in result.findings]


def codes(code: str, tmp_path: Path, select: str = "REL2") -> list[tuple[int, str]]:
    return [(line, c) for line, _col, c, _m in check(code, tmp_path, select)]


# -- positions and messages ---------------------------------------------------------------


def test_bare_tenacity_decorator_reports_both_on_the_decorator_line(tmp_path: Path) -> None:
    found = check(
        """
        import tenacity

        @tenacity.retry
        def fetch():
            ...
        """,
        tmp_path,
    )
    assert [(line, col, code) for line, col, code, _ in found] == [(3, 1, "REL201"), (3, 1, "REL202")]
    assert "stop_never" in found[0][3] and "@tenacity.retry" in found[0][3]
    assert "wait_none" in found[1][3]


def test_loop_findings_at_the_loop_keyword_and_at_the_sleep(tmp_path: Path) -> None:
    found = check(
        """
        import time, requests

        def fetch(url):
            while True:
                try:
                    return requests.get(url, timeout=5)
                except requests.ConnectionError:
                    time.sleep(2)
        """,
        tmp_path,
    )
    assert [(line, col, code) for line, col, code, _ in found] == [(4, 5, "REL204"), (8, 13, "REL202")]
    assert "time.sleep(2)" in found[1][3]


def test_urllib3_message_names_the_default(tmp_path: Path) -> None:
    found = check("from urllib3 import Retry\nr = Retry(total=3)\n", tmp_path)
    assert [(line, code) for line, _c, code, _m in found] == [(2, "REL202")]
    assert "backoff_factor=0" in found[0][3]


def test_nested_retry_reported_at_the_inner_call(tmp_path: Path) -> None:
    found = check(
        """
        import backoff

        @backoff.on_exception(backoff.expo, OSError, max_tries=3)
        def inner():
            ...

        @backoff.on_exception(backoff.expo, OSError, max_tries=3)
        def outer():
            x = 1
            return   inner()
        """,
        tmp_path,
        select="REL206",
    )
    assert [(line, col, code) for line, col, code, _ in found] == [(10, 14, "REL206")]


# -- names follow imports; unknowns stay silent ------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "def f(retry):\n    @retry\n    def g(): ...\n",  # a parameter named retry
        "from mylib import retry\n@retry\ndef g(): ...\n",  # another library's retry
        "import tenacity\ndef f(**kw):\n    return tenacity.Retrying(**kw)\n",  # **kw may carry stop/wait
        "import tenacity\nOPTS = {}\nr = tenacity.Retrying(*OPTS)\n",  # *args may carry them positionally
    ],
)
def test_not_the_library_or_unknown(code: str, tmp_path: Path) -> None:
    assert codes(code, tmp_path) == []


def test_import_aliases_and_submodules(tmp_path: Path) -> None:
    code = """
    import tenacity as t
    from tenacity.wait import wait_fixed as fixed
    from requests.packages.urllib3.util.retry import Retry as R

    a = t.Retrying(stop=t.stop_after_attempt(5), wait=fixed(1))
    b = R(total=None)
    """
    assert codes(code, tmp_path) == [(5, "REL202"), (6, "REL201"), (6, "REL202")]


# -- the sleep classifier ---------------------------------------------------------------------------

LOOP = """
import math, random, time, requests

def fetch(url, base=0.5):
    delay = 1.0
    for attempt in range(5):
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            time.sleep({sleep})
            delay = min(delay * 2, 30)
"""


@pytest.mark.parametrize(
    "sleep,expected",
    [
        ("3", ["REL202"]),
        ("base", ["REL202"]),  # a parameter: constant across attempts
        ("random.uniform(1, 2)", ["REL202"]),  # random, but does not grow
        ("base * 2 ** attempt", ["REL203"]),
        ("math.pow(2, attempt)", ["REL203"]),
        ("delay", ["REL203"]),  # doubled by the loop
        ("1 << attempt", ["REL203"]),
        ("base * 2 ** attempt + random.random()", []),
        ("random.uniform(0, min(30, base * 2 ** attempt))", []),
        ("delay * random.uniform(0.5, 1.5)", []),
        ("attempt * 2", []),  # linear growth is a backoff; REL203 is about exponential growth
        ("compute(attempt)", []),  # an unknown helper is never judged
        ("schedule[attempt]", []),  # nor a lookup table
        ('CONFIG["retry_delay"]', ["REL202"]),  # a constant lookup
    ],
)
def test_sleep_classification(sleep: str, expected: list[str], tmp_path: Path) -> None:
    assert [c for _l, c in codes(LOOP.format(sleep=sleep), tmp_path)] == expected


def test_random_generator_object_counts_as_random(tmp_path: Path) -> None:
    code = LOOP.replace("delay = 1.0", "rng = random.Random()").format(sleep="rng.uniform(0, 2 ** attempt)")
    assert codes(code, tmp_path) == []


# -- standards are data ------------------------------------------------------------------------------


def test_a_user_standard_reuses_the_kind_for_an_in_house_library(tmp_path: Path) -> None:
    table = {
        "select": ["ACME"],
        "standards": [
            {
                "code": "ACME201",
                "name": "acme-retry-unbounded",
                "check": "unbounded-retry-policy",
                "severity": "error",
                "libraries": [
                    {
                        "name": "acme",
                        "targets": ["acme.resilience.retrying"],
                        "stop": ["max_attempts"],
                        "unbounded": ["0"],
                        "default": "acme retries forever by default",
                    }
                ],
            }
        ],
    }
    config = parse_config(table, tmp_path / "pyproject.toml")
    code = "from acme.resilience import retrying\n\n@retrying()\ndef a(): ...\n\n@retrying(max_attempts=0)\ndef b(): ...\n\n@retrying(max_attempts=3)\ndef c(): ...\n"
    findings = Engine(config).check_source(code, "x.py").findings
    assert [(f.code, f.span.line) for f in findings] == [("ACME201", 3), ("ACME201", 6)]
    assert "acme retries forever by default" in findings[0].message


def test_a_malformed_library_table_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    table = {
        "standards": [
            {"code": "ACME202", "name": "acme-x", "check": "retry-without-backoff", "libraries": [{"targets": ["a.b"]}]}
        ]
    }
    config = parse_config(table, tmp_path / "pyproject.toml")
    with pytest.raises(ConfigError) as info:
        build_ruleset(config)
    assert "ACME202.libraries[0]" in str(info.value)


# -- the library facts in rules/retries.toml match the installed libraries -------------------------


def _libraries(code: str) -> dict[str, dict]:
    return {lib["name"]: lib for lib in RULESET.standards[code].params["libraries"]}


def _positions(func) -> dict[str, int]:
    return {name: i for i, name in enumerate(inspect.signature(func).parameters)}


def test_tenacity_facts() -> None:
    import tenacity

    params = inspect.signature(tenacity.BaseRetrying.__init__).parameters
    assert params["stop"].default is tenacity.stop_never
    assert isinstance(params["wait"].default, tenacity.wait_none)
    order = [p for p in params if p != "self"]
    lib = _libraries("REL201")["tenacity"]
    assert order.index("stop") == lib["positions"]["stop"]
    assert order.index("wait") == _libraries("REL202")["tenacity"]["wait"]["position"]
    assert order.index("retry") == _libraries("REL205")["tenacity"]["exceptions"]["position"]
    assert tenacity.wait_full_jitter is tenacity.wait_random_exponential
    for name in _libraries("REL202")["tenacity"]["waits"]:
        assert hasattr(tenacity, name.split(".", 1)[1]), name


def test_backoff_facts() -> None:
    import backoff

    params = inspect.signature(backoff.on_exception).parameters
    assert params["max_tries"].default is None and params["max_time"].default is None
    assert params["jitter"].default is backoff.full_jitter
    assert list(params).index("exception") == _libraries("REL205")["backoff"]["exceptions"]["position"]
    assert inspect.signature(backoff.on_predicate).parameters["jitter"].default is backoff.full_jitter


def test_retry_facts() -> None:
    from retry.api import retry, retry_call

    for func, name in ((retry, "retry"), (retry_call, "retry (retry_call)")):
        params = inspect.signature(func).parameters
        assert params["tries"].default == -1 and params["delay"].default == 0
        assert params["backoff"].default == 1 and params["jitter"].default == 0
        assert params["exceptions"].default is Exception
        positions = _positions(func)
        assert positions["tries"] == _libraries("REL201")[name]["positions"]["tries"]
        wait = _libraries("REL202")[name]
        assert (positions["delay"], positions["backoff"], positions["jitter"]) == (
            wait["delay"]["position"],
            wait["multiplier"]["position"],
            wait["jitter"]["position"],
        )


def test_retrying_facts() -> None:
    import retrying

    default = retrying.Retrying()
    assert default.stop(10_000, 10**9) is False  # never stops
    assert default.wait(3, 1000) == 0  # no wait
    assert retrying.Retrying(stop_max_attempt_number=3).stop(3, 0) is True


def test_urllib3_facts() -> None:
    import requests.adapters
    import urllib3

    params = inspect.signature(urllib3.Retry.__init__).parameters
    assert params["total"].default == 10
    assert params["backoff_factor"].default == 0 and params["backoff_jitter"].default == 0
    positions = {name: i - 1 for i, name in enumerate(params)}  # without self
    wait = _libraries("REL202")["urllib3"]
    assert positions["backoff_factor"] == wait["factor"]["position"]
    assert positions["backoff_jitter"] == wait["jitter"]["position"]
    assert _libraries("REL201")["urllib3"]["positions"] == {k: positions[k] for k in _libraries("REL201")["urllib3"]["stop"]}
    assert requests.adapters.Retry is urllib3.util.retry.Retry is urllib3.Retry
    assert not urllib3.Retry(total=None).is_exhausted()


def test_stamina_facts() -> None:
    import stamina

    params = inspect.signature(stamina.retry).parameters
    assert params["attempts"].default == 10 and params["timeout"].default == 45.0
    assert params["wait_jitter"].default == 1.0 and params["wait_exp_base"].default == 2
    lib = _libraries("REL202")["stamina"]
    assert lib["jitter"]["default"] == params["wait_jitter"].default
    assert lib["multiplier"]["default"] == params["wait_exp_base"].default


@pytest.mark.parametrize(
    "source,expected",
    [
        # count() reached through an alias, in a file with nothing else any rule looks for
        ("from itertools import count as attempts\n\ndef connect():\n    for _ in attempts():\n"
         "        try:\n            return open_connection()\n        except ConnectionError:\n            continue\n",
         ["REL204"]),
        ("import itertools as it\n\ndef connect():\n    for n in it.count():\n"
         "        try:\n            return open_connection()\n        except ConnectionError:\n            continue\n",
         ["REL204"]),
        # near-misses: a .count() method, and a local function called count
        ("def total(xs):\n    while xs.count(0):\n        xs.remove(0)\n    return xs\n", []),
        ("def count():\n    yield 1\n\ndef connect():\n    for _ in count():\n"
         "        try:\n            return open_connection()\n        except ConnectionError:\n            continue\n",
         []),
    ],
)
def test_count_loops_follow_the_import_with_and_without_the_prefilter(source: str, expected: list[str], tmp_path: Path) -> None:
    config = Config(root=tmp_path, select=("REL204",))
    with_prefilter = Engine(config).check_source(source, "loop.py")
    without = Engine(config, prefilter=False).check_source(source, "loop.py")
    assert [f.code for f in with_prefilter.findings] == expected
    assert with_prefilter == without
