"""The timeouts family (REL101-REL108): call specs, versions, messages, user
standards, and the name-tracking additions they rely on. Fixture files under
fixtures/rules/timeouts/ cover the per-case expectations end to end."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest
from conftest import run_resilint

from resilint.checks.timeouts.callspec import (
    canonical,
    may_be_older,
    parse_specs,
    parse_version,
    string_text,
)
from resilint.checks.timeouts.timeout_disabled import TimeoutDisabled
from resilint.config.project import project_info
from resilint.config.settings import Config, parse_config
from resilint.engine.core import Engine
from resilint.engine.names import NameResolver
from resilint.errors import ConfigError


def check(
    source: str, root: Path, select: tuple[str, ...] = ("REL1",), table: dict | None = None
) -> list[tuple[str, int, str]]:
    config = (
        parse_config({"select": list(select), **(table or {})}, root / "pyproject.toml")
        if table
        else Config(root=root, select=select)
    )
    result = Engine(config).check_source(textwrap.dedent(source), "example.py")
    return [(f.code, f.span.line, f.message) for f in result.findings]


# -- versions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [("8.0", (8,)), ("8.0.0", (8,)), ("8.0.1", (8, 0, 1)), ("7.4.0", (7, 4)), ("8.1.0rc1", (8, 1)), ("v5", (5,))],
)
def test_parse_version(text: str, expected: tuple[int, ...]) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize(
    "specifier,locked,older",
    [
        ("", None, True),  # unconstrained: may be anything
        (">=5", None, True),
        (">=4.5,<8", None, True),
        (">=8", None, False),
        (">=8.0.1", None, False),
        ("~=8.1", None, False),
        ("==8.*", None, False),
        ("==7.4.0", None, True),
        (">7.9", None, True),  # 7.9.1 is allowed
        ("<9,>=8.0", None, False),
        (">=5", "8.0.2", False),  # a lock file wins over the range
        (">=8", "7.4.0", True),
    ],
)
def test_may_be_older_than_8(specifier: str, locked: str | None, older: bool) -> None:
    assert may_be_older(specifier, locked, (8,)) is older


@pytest.mark.parametrize(
    "files,flagged,mentions",
    [
        ({}, True, "no redis version is declared"),
        ({"pyproject.toml": '[project]\nname="x"\nversion="0"\ndependencies=["redis>=8.0"]\n'}, False, ""),
        (
            {"pyproject.toml": '[project]\nname="x"\nversion="0"\ndependencies=["redis>=4.5"]\n'},
            True,
            "redis>=4.5 in pyproject.toml",
        ),
        ({"requirements.txt": "redis==7.2.4\n"}, True, "redis 7.2.4 in requirements.txt"),
        ({"uv.lock": 'version = 1\n[[package]]\nname = "redis"\nversion = "8.0.2"\n'}, False, ""),
        ({"poetry.lock": '[[package]]\nname = "redis"\nversion = "6.4.0"\n'}, True, "redis 6.4.0 in poetry.lock"),
        ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\nredis = "^8.1"\n'}, False, ""),
    ],
)
def test_redis_version_from_the_project(tmp_path: Path, files: dict[str, str], flagged: bool, mentions: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    project_info.cache_clear()
    findings = check("import redis\nr = redis.Redis(host='cache')\n", tmp_path)
    assert [code for code, _line, _message in findings] == (["REL106"] if flagged else [])
    if flagged:
        message = findings[0][2]
        assert message.startswith("redis.Redis() called without socket_timeout=")
        assert "redis-py before 8.0 waits forever" in message and mentions in message


# -- messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source,code,parts",
    [
        (
            "import requests as rq\nrq.get(u)\n",
            "REL101",
            ["rq.get() called without timeout=", "requests waits forever by default"],
        ),
        (
            "import urllib3\np = urllib3.PoolManager()\np.request('GET', u)\n",
            "REL101",
            [
                "p.request() called without timeout= and its PoolManager() was built without one",
                "urllib3 waits forever",
            ],
        ),
        (
            "import subprocess\nsubprocess.Popen(['x']).communicate()\n",
            "REL103",
            ["subprocess.Popen(...).communicate() called without timeout=", "waits for the child forever"],
        ),
        (
            "import httpx\nhttpx.Client(timeout=None)\n",
            "REL102",
            ["httpx.Client() passes timeout=None", "httpx times out after 5 s"],
        ),
        (
            "from botocore.config import Config\nConfig(connect_timeout=5, read_timeout=None)\n",
            "REL105",
            [
                "Config() passes read_timeout=None, which disables the timeout: it can wait forever",
                "botocore's own default is 60 s",
            ],
        ),
        (
            "import psycopg2\npsycopg2.connect('host=db')\n",
            "REL106",
            ["psycopg2.connect() called without connect_timeout= (nor in its connection string)", "libpq waits"],
        ),
        (
            "import smtplib\ns = smtplib.SMTP()\ns.connect('mail')\n",
            "REL104",
            ["s.connect() called without a timeout and its SMTP() was built without one"],
        ),
    ],
)
def test_messages_name_the_call_what_is_missing_and_the_default(
    tmp_path: Path, source: str, code: str, parts: list[str]
) -> None:
    findings = check(source, tmp_path)
    assert [c for c, _l, _m in findings] == [code]
    for part in parts:
        assert part in findings[0][2]


def test_reported_at_the_start_of_a_multiline_call(tmp_path: Path) -> None:
    source = "import requests\nx = [\n    requests.post(\n        url,\n        json=body,\n    )\n]\n"
    result = Engine(Config(root=tmp_path, select=("REL101",))).check_source(source, "example.py")
    assert [(f.span.line, f.span.column) for f in result.findings] == [(3, 5)]


def test_explain_gives_the_recommended_fix() -> None:
    run = run_resilint("explain", "REL101")
    assert run.returncode == 0
    assert "timeout=(3.05, 27)" in run.stdout


# -- user standards over the same kinds ---------------------------------------------


def test_design_example_user_standard_with_a_single_keyword(tmp_path: Path) -> None:
    table = {
        "standards": [
            {
                "code": "ACME101",
                "name": "internal-http-without-deadline",
                "check": "call-requires-keyword",
                "targets": ["acme.http.get", "acme.http.post"],
                "keyword": "deadline",
                "severity": "warning",
            }
        ]
    }
    source = "from acme import http\nhttp.get(u)\nhttp.post(u, deadline=2)\nhttp.put(u)\n"
    assert [(c, line) for c, line, _m in check(source, tmp_path, ("ACME",), table)] == [("ACME101", 2)]


def test_user_standard_with_method_targets(tmp_path: Path) -> None:
    table = {
        "standards": [
            {
                "code": "ACME102",
                "name": "queue-client-without-timeout",
                "check": "call-requires-keyword",
                "calls": [{"targets": ["acme.mq.Client.receive"], "keywords": ["wait_seconds"], "position": 1}],
            }
        ]
    }
    source = "import acme.mq\nc = acme.mq.Client()\nc.receive('q')\nc.receive('q', 5)\n"
    assert [(c, line) for c, line, _m in check(source, tmp_path, ("ACME",), table)] == [("ACME102", 3)]


@pytest.mark.parametrize(
    "call,key",
    [
        ({"targets": ["a.b"], "timeout": "x"}, "calls[0].timeout"),
        ({"targets": ["a.b"], "position": -1}, "calls[0].position"),
        ({"keywords": ["timeout"]}, "calls[0].targets"),
        ({"targets": ["a.b"], "nonblocking": {"kw": "block"}}, "calls[0].nonblocking"),
    ],
)
def test_invalid_call_specs_name_the_key(call: dict, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_specs([call], {}, "pyproject.toml", "standard ACME1")
    assert key in str(info.value) and "pyproject.toml" in str(info.value)


@pytest.mark.parametrize(
    "fields,key",
    [({"keyword": "deadline"}, "ACME9.targets"), ({"targets": ["acme.get"]}, "ACME9.keyword")],
)
def test_user_standard_needs_targets_and_a_keyword(tmp_path: Path, fields: dict, key: str) -> None:
    table = {"standards": [{"code": "ACME9", "name": "acme-nine", "check": "call-requires-keyword", **fields}]}
    with pytest.raises(ConfigError) as info:
        check("x = 1\n", tmp_path, ("ACME",), table)
    assert key in str(info.value)


def test_timeout_disabled_triggers_follow_the_included_standards() -> None:
    from resilint.config.ruleset import build_ruleset

    standard = build_ruleset(Config(root=Path.cwd())).standards["REL102"]
    words = set(TimeoutDisabled.triggers(standard) or ())
    modules = {w.removeprefix("import:").split(".")[0] for w in words if isinstance(w, str) and w.startswith("import:")}
    assert {"httpx", "aiohttp", "asyncio", "requests", "subprocess", "redis"} <= modules
    assert {"settimeout", "import:grpc.insecure_channel", ("file:Stub", "_pb2_grpc")} <= words
    # gRPC stub methods: each word of the pattern, on condition that the file holds the rest
    assert ("file:Stub", "file:_pb2_grpc", "future") in words and "future" not in words


# -- helpers -------------------------------------------------------------------------


def test_canonical_replaces_the_longest_aliased_prefix() -> None:
    aliases = {"requests.api": "requests", "requests.sessions.Session": "requests.Session"}
    assert canonical("requests.api.get", aliases) == "requests.get"
    assert canonical("requests.sessions.Session.get", aliases) == "requests.Session.get"
    assert canonical("requests.apix.get", aliases) == "requests.apix.get"


@pytest.mark.parametrize(
    "expr,text",
    [('"a" "b"', "ab"), ('f"host={h} connect_timeout=5"', "host= connect_timeout=5"), ('"x" + y', "x"), ("name", None)],
)
def test_string_text(expr: str, text: str | None) -> None:
    assert string_text(cst.parse_expression(expr)) == text


def _constructors(source: str) -> dict[str, str | None]:
    module = cst.parse_module(textwrap.dedent(source))
    names = NameResolver(module)
    found: dict[str, str | None] = {}

    class Visitor(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            names.enter(node)
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                built = names.constructor(node.func.value)
                found[module.code_for_node(node.func)] = built.qualname if built else None
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            names.leave(original_node)

    module.visit(Visitor())
    return found


def test_loop_elements_and_plain_subclasses_are_traced() -> None:
    found = _constructors(
        """
        import threading, requests
        from concurrent.futures import ThreadPoolExecutor, as_completed

        class Plain(requests.Session):
            def __init__(self):
                super().__init__()

        class Custom(requests.Session):
            def request(self, *a, **k):
                return super().request(*a, **k)

        def f(ex, run):
            threads = [threading.Thread(target=run) for _ in range(3)]
            for t in threads:
                t.join()
            for u in (threading.Event(), threading.Event()):
                u.wait()
            futures = {ex.submit(run): 1 for _ in range(2)}
            for done in as_completed(futures):
                done.result()
            Plain().get("u")
            Custom().get("u")
        """
    )
    assert found["t.join"] == "threading.Thread"
    assert found["u.wait"] == "threading.Event"
    assert found["done.result"] is None  # elements of as_completed(): not traced
    assert found["Plain().get"] == "requests.Session"
    assert found["Custom().get"] is None  # overrides behaviour: not a plain Session
