"""checks.timeouts.callspec: parsing call specs, matching calls, arguments, versions
(unit level: the functions are called directly on small snippets)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import Any

import libcst as cst
import pytest

from resilint.checks.timeouts.callspec import (
    CallSpec,
    Configured,
    argument,
    callee_names,
    canonical,
    dsn_sets,
    has_argument,
    is_false,
    is_nonblocking,
    look_through,
    matches,
    may_be_older,
    parse_specs,
    parse_version,
    star_kwargs_may_carry,
    string_text,
    written_callee,
)
from resilint.engine.names import NameResolver
from resilint.errors import ConfigError


def call(text: str) -> cst.Call:
    node = cst.parse_expression(text)
    assert isinstance(node, cst.Call)
    return node


def spec(**table: Any) -> CallSpec:
    return parse_specs([table], {}, "origin.toml", "standard X").specs[0]


def config_parts(s: CallSpec) -> tuple[Any, ...] | None:
    """(constructors, required) of a spec's config table, whatever record holds them."""
    c = s.config
    if c is None:
        return None
    return (c.constructors, c.required) if hasattr(c, "required") else tuple(c)


def at_probes(source: str, query: Callable[[NameResolver, cst.Module, cst.BaseExpression], Any]) -> list[Any]:
    """Run ``query`` on the argument of every ``probe(...)`` call, with the name
    resolver driven as the engine drives it."""
    module = cst.parse_module(textwrap.dedent(source))
    names = NameResolver(module)
    found: list[Any] = []

    class Driver(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            names.enter(node)
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "probe":
                found.append(query(names, module, node.args[0].value))
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            names.leave(original_node)

    module.visit(Driver())
    return found


# -- parsing --------------------------------------------------------------------------


def test_minimal_spec_defaults() -> None:
    s = spec(targets=["requests.get"])
    assert s == CallSpec(targets=frozenset({"requests.get"}), patterns=None, methods=frozenset(), keywords=(), position=None)
    assert (s.default, s.object_keywords, s.object_position, s.when_argument) == ("", (), None, ())
    assert (s.nonblocking, s.dsn, s.config, s.version, s.configured_by) == (None, None, None, None, None)
    assert (s.global_default, s.other_bounds) == (frozenset(), ())


def test_full_spec() -> None:
    s = spec(
        targets=["requests.get", "**Stub.*", "a.*.b"],
        methods="settimeout",
        keywords=["timeout"],
        keyword="deadline",
        position=2,
        default=5,
        **{
            "object-keywords": ["timeout"],
            "object-position": 0,
            "when-argument": [1, "host"],
            "nonblocking": {"keyword": "block", "position": 0},
            "dsn": {"keywords": ["dsn"], "position": 0},
            "config": {"constructors": ["botocore.config.Config"], "required": ["connect_timeout", "read_timeout"]},
            "version": {"distribution": "redis", "finite-since": "8.0.1"},
            "global-default": ["socket.setdefaulttimeout"],
            "configured-by": {"methods": ["mount"], "attributes": ["request"], "unless": ["requests.adapters.HTTPAdapter"]},
            "other-bounds": ["deadline"],
        },
    )
    assert s.targets == frozenset({"requests.get"})
    assert s.patterns is not None
    assert s.patterns.pattern == r".*Stub\.[^.]*|a\.[^.]*\.b"
    assert s.methods == frozenset({"settimeout"})
    assert s.keywords == ("timeout", "deadline")
    assert s.position == 2
    assert s.default == "5"
    assert s.object_keywords == ("timeout",)
    assert s.object_position == 0
    assert s.when_argument == (1, "host")
    assert s.nonblocking == ("block", 0)
    assert s.dsn == (("dsn",), 0)
    assert config_parts(s) == (frozenset({"botocore.config.Config"}), ("connect_timeout", "read_timeout"))
    assert s.version == ("redis", (8, 0, 1), "8.0.1")
    assert s.global_default == frozenset({"socket.setdefaulttimeout"})
    assert s.configured_by == Configured(frozenset({"mount"}), frozenset({"request"}), frozenset({"requests.adapters.HTTPAdapter"}))
    assert s.other_bounds == ("deadline",)
    assert s.last_names == frozenset({"get", "settimeout"})


def test_partial_subtables_use_defaults() -> None:
    s = spec(
        targets=["a.b"],
        keywords=["timeout"],
        nonblocking={"keyword": "block"},
        dsn={"position": 1},
        config={"constructors": ["C"]},
        **{"configured-by": {"attributes": ["request"]}},
    )
    assert s.nonblocking == ("block", None)
    assert s.dsn == ((), 1)
    assert config_parts(s) == (frozenset({"C"}), ())
    assert s.configured_by == Configured(frozenset(), frozenset({"request"}), frozenset())
    t = spec(targets=["a.b"], nonblocking={"position": 0}, dsn={"keywords": "dsn"}, config={"required": ["r"]})
    assert t.nonblocking == (None, 0)
    assert t.dsn == (("dsn",), None)
    assert config_parts(t) == (frozenset(), ("r",))
    u = spec(targets=["a.b"], **{"configured-by": {"methods": ["mount"], "unless": ["X"]}})
    assert u.configured_by == Configured(frozenset({"mount"}), frozenset(), frozenset({"X"}))


def test_methods_only_spec() -> None:
    s = spec(methods=["settimeout"], position=0)
    assert s.targets == frozenset() and s.methods == frozenset({"settimeout"}) and s.position == 0
    assert s.last_names == frozenset({"settimeout"})


@pytest.mark.parametrize(
    "table,key,problem",
    [
        ({"targets": ["a.b"], "timeout": 1}, "standard X.calls[0].timeout", "unknown key (known: "),
        ({"keywords": ["t"]}, "standard X.calls[0].targets", "expected at least one target or method"),
        ({"targets": []}, "standard X.calls[0].targets", "expected at least one target or method"),
        ({"targets": "a.b", "methods": [1]}, "standard X.calls[0].methods", "expected an array of strings"),
        ({"targets": 5}, "standard X.calls[0].targets", "expected an array of strings"),
        ({"targets": ["a", 1]}, "standard X.calls[0].targets", "expected an array of strings"),
        ({"targets": ["a.b"], "position": -1}, "standard X.calls[0].position", "expected a non-negative integer (0-based position)"),
        ({"targets": ["a.b"], "position": True}, "standard X.calls[0].position", "expected a non-negative integer (0-based position)"),
        ({"targets": ["a.b"], "position": "1"}, "standard X.calls[0].position", "expected a non-negative integer (0-based position)"),
        ({"targets": ["a.b"], "object-position": -2}, "standard X.calls[0].object-position", "expected a non-negative integer (0-based position)"),
        ({"targets": ["a.b"], "when-argument": "host"}, "standard X.calls[0].when-argument", "expected an array of positions and keyword names"),
        ({"targets": ["a.b"], "when-argument": [True]}, "standard X.calls[0].when-argument", "expected an array of positions and keyword names"),
        ({"targets": ["a.b"], "when-argument": [1.5]}, "standard X.calls[0].when-argument", "expected an array of positions and keyword names"),
        ({"targets": ["a.b"], "nonblocking": {"kw": "b"}}, "standard X.calls[0].nonblocking", "expected a table with keys keyword, position"),
        ({"targets": ["a.b"], "nonblocking": "block"}, "standard X.calls[0].nonblocking", "expected a table with keys keyword, position"),
        ({"targets": ["a.b"], "nonblocking": {"position": -1}}, "standard X.calls[0].nonblocking.position", "expected a non-negative integer (0-based position)"),
        ({"targets": ["a.b"], "dsn": {"keywords": [1]}}, "standard X.calls[0].dsn.keywords", "expected an array of strings"),
        ({"targets": ["a.b"], "dsn": {"position": -1}}, "standard X.calls[0].dsn.position", "expected a non-negative integer (0-based position)"),
        ({"targets": ["a.b"], "config": {"required": [1]}}, "standard X.calls[0].config.required", "expected an array of strings"),
        ({"targets": ["a.b"], "config": {"constructors": [1]}}, "standard X.calls[0].config.constructors", "expected an array of strings"),
        ({"targets": ["a.b"], "config": {"x": 1}}, "standard X.calls[0].config", "expected a table with keys constructors, required"),
        ({"targets": ["a.b"], "version": {"distribution": "r"}}, "standard X.calls[0].version", "expected distribution and finite-since strings"),
        ({"targets": ["a.b"], "version": {"finite-since": "8"}}, "standard X.calls[0].version", "expected distribution and finite-since strings"),
        ({"targets": ["a.b"], "version": {"distribution": 1, "finite-since": "8"}}, "standard X.calls[0].version", "expected distribution and finite-since strings"),
        ({"targets": ["a.b"], "version": {"distribution": "r", "finite-since": 8}}, "standard X.calls[0].version", "expected distribution and finite-since strings"),
        ({"targets": ["a.b"], "version": {"x": "r"}}, "standard X.calls[0].version", "expected a table with keys distribution, finite-since"),
        ({"targets": ["a.b"], "configured-by": {"methods": [1]}}, "standard X.calls[0].configured-by.methods", "expected an array of strings"),
        ({"targets": ["a.b"], "configured-by": {"attributes": [1]}}, "standard X.calls[0].configured-by.attributes", "expected an array of strings"),
        ({"targets": ["a.b"], "configured-by": {"unless": [1]}}, "standard X.calls[0].configured-by.unless", "expected an array of strings"),
        ({"targets": ["a.b"], "configured-by": {"x": []}}, "standard X.calls[0].configured-by", "expected a table with keys attributes, methods, unless"),
        ({"targets": ["a.b"], "global-default": [1]}, "standard X.calls[0].global-default", "expected an array of strings"),
        ({"targets": ["a.b"], "other-bounds": [1]}, "standard X.calls[0].other-bounds", "expected an array of strings"),
        ({"targets": ["a.b"], "object-keywords": [1]}, "standard X.calls[0].object-keywords", "expected an array of strings"),
        ({"targets": ["a.b"], "keyword": [1]}, "standard X.calls[0].keyword", "expected an array of strings"),
        ({"targets": ["a.b"], "keywords": {"a": 1}}, "standard X.calls[0].keywords", "expected an array of strings"),
    ],
)
def test_invalid_specs_name_the_key_and_the_expectation(table: dict, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_specs([table], {}, "origin.toml", "standard X")
    assert info.value.source == "origin.toml"
    assert info.value.key == key
    assert info.value.problem.startswith(problem)


def test_unknown_key_message_lists_the_known_keys_sorted() -> None:
    with pytest.raises(ConfigError) as info:
        parse_specs([{"targets": ["a.b"], "zzz": 1, "aaa": 2}], {}, "o", "w")
    assert info.value.key == "w.calls[0].aaa"
    problem = info.value.problem
    assert problem.startswith("unknown key (known: ") and problem.endswith(")")
    known = problem[len("unknown key (known: ") : -1].split(", ")
    assert known == sorted(known)
    assert {
        "config", "configured-by", "default", "dsn", "global-default", "keyword", "keywords", "methods",
        "nonblocking", "object-keywords", "object-position", "other-bounds", "position", "targets", "version",
        "when-argument",
    } <= set(known)  # fmt: skip


def test_a_spec_that_is_not_a_table() -> None:
    with pytest.raises(ConfigError) as info:
        parse_specs([{"targets": ["a"]}, ["a.b"]], {}, "o", "w")
    assert (info.value.key, info.value.problem) == ("w.calls[1]", "expected a table")


def test_aliases_must_be_strings() -> None:
    with pytest.raises(ConfigError) as info:
        parse_specs([{"targets": ["a.b"]}], {"x": 1}, "o", "w")
    assert (info.value.source, info.value.key, info.value.problem) == ("o", "w.aliases", "expected a table of strings")


def test_spec_set_indexes_by_last_name_and_keeps_wildcards() -> None:
    tables = [
        {"targets": ["requests.get", "httpx.get"]},
        {"targets": ["requests.Session.get"], "methods": ["settimeout"]},
        {"targets": ["**Stub.*"]},
    ]
    specs = parse_specs(tables, {"requests.api": "requests"}, "o", "w")
    a, b, c = specs.specs
    assert dict(specs.by_last) == {"get": (a, b), "settimeout": (b,)}
    assert specs.wildcard == (c,)
    assert dict(specs.aliases) == {"requests.api": "requests"}
    assert specs.modules() == {
        "import:requests.get",
        "import:httpx.get",
        "import:requests.Session.get",
        "import:requests.api",
        "settimeout",
        "Stub",
    }


def test_modules_skip_empty_words() -> None:
    specs = parse_specs([{"targets": ["*.x"]}, {"targets": ["a_b.**"]}, {"targets": ["1a.*"]}], {}, "o", "w")
    assert specs.modules() == {"x", "a_b"}


# -- which calls -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target,name,matched",
    [
        ("**Stub.*", "pkg.GreeterStub.Say", True),
        ("**Stub.*", "GreeterStub.Say", True),
        ("**Stub.*", "pkg.GreeterStub.Say.future", False),
        ("**Stub.*", "pkg.Greeter.Say", False),
        ("a.*.c", "a.b.c", True),
        ("a.*.c", "a.b.x.c", False),
        ("a.*.c", "axbxc", False),
        ("a.**", "a.b.c", True),
        ("a.b", "a.b", True),
        ("a.b", "a.bc", False),
    ],
)
def test_matches(target: str, name: str, matched: bool) -> None:
    assert matches(spec(targets=[target]), name) is matched


def test_matches_exact_and_pattern_targets_together() -> None:
    s = spec(targets=["x.y", "p.*"])
    assert (matches(s, "x.y"), matches(s, "p.q"), matches(s, "x.z"), matches(s, "p.q.r")) == (True, True, False, False)


def test_canonical() -> None:
    aliases = {"a.b": "x", "a.b.c": "y", "a": "z"}
    assert canonical("a.b.c.d", aliases) == "y.d"
    assert canonical("a.b.d", aliases) == "x.d"
    assert canonical("a.q", aliases) == "z.q"
    assert canonical("a", aliases) == "z"
    assert canonical("ab.c", aliases) == "ab.c"
    assert canonical("q.a.b", aliases) == "q.a.b"
    assert canonical("a.b", {}) == "a.b"


def test_candidates() -> None:
    specs = parse_specs(
        [{"targets": ["requests.get"]}, {"targets": ["requests.Session.post"]}, {"targets": ["**Stub.*"]}],
        {"requests.api": "requests"},
        "o",
        "w",
    )
    get, post, stub = specs.specs
    got = at_probes(
        """
        from requests.api import get as fetch
        from requests import post
        probe(x.get())
        probe(x.post())
        probe(x.other())
        probe(fetch())
        probe(post())
        probe(unknown())
        probe(f()())
        """,
        lambda names, module, expr: specs.candidates(expr, names),
    )
    assert got == [(get, stub), (post, stub), (stub,), (get,), (post,), (), ()]
    plain = parse_specs([{"targets": ["requests.get"]}], {}, "o", "w")
    assert at_probes("probe(x.get())\nprobe(x.put())\n", lambda n, m, e: plain.candidates(e, n)) == [plain.specs, ()]


def test_callee_names() -> None:
    got = at_probes(
        """
        import requests, grpc
        from pkg import GreeterStub

        def f(channel, other):
            s = requests.Session()
            stub = GreeterStub(channel)
            probe(requests.get(u))
            probe(s.get(u))
            probe(stub.Say.future(r))
            probe(requests.Session().get(u))
            probe(other.get(u))
            probe(requests.Session.get(s, u))
            probe(get(u))
            probe(s.adapters.get(u))
        """,
        lambda names, module, expr: [(name, built.qualname if built else None) for name, built in callee_names(names, expr)],
    )
    assert got == [
        [("requests.get", None)],
        [("requests.Session.get", "requests.Session")],
        [("pkg.GreeterStub.Say.future", "pkg.GreeterStub")],
        [("requests.Session.get", "requests.Session")],
        [],
        [("requests.Session.get", None)],
        [],
        [("requests.Session.adapters.get", "requests.Session")],
    ]


@pytest.mark.parametrize(
    "expr,written",
    [
        ("requests.get(u)", "requests.get"),
        ("subprocess.Popen(['a', 'b'], stdout=PIPE).communicate()", "subprocess.Popen(...).communicate"),
        ("f()()", "f(...)"),
        ("clients[0].get()", "clients[0].get"),
        ("(a or b).get()", "(a or b).get"),
        ("lookup['abcdefghijklmnopqrst'].get()", "lookup['abcdefghijklmnopqrst'].get"),  # 30 characters: kept
        ("lookup['abcdefghijklmnopqrstu'].get()", "lookup['abcdefghijklmnopqrstu….get"),  # 31: cut to 29 + "…"
        ("x[\n  1\n].get()", "x[ 1 ].get"),
    ],
)
def test_written_callee(expr: str, written: str) -> None:
    module = cst.parse_module(expr + "\n")
    node = module.body[0].body[0].value
    assert isinstance(node, cst.Call)
    assert written_callee(module, node.func) == written


# -- arguments ------------------------------------------------------------------------


def test_argument_prefers_the_keyword() -> None:
    c = call("f(1, 2, timeout=3)")
    assert cst.Module([]).code_for_node(argument(c, ("timeout",), 0).value) == "3"
    assert cst.Module([]).code_for_node(argument(c, ("other",), 1).value) == "2"
    assert argument(c, ("other",), 2) is None
    assert argument(c, (), None) is None


@pytest.mark.parametrize(
    "text,which,present",
    [
        ("f(a)", [0], True),
        ("f(a)", [1], False),
        ("f(*args)", [0], True),
        ("f(a, *args)", [3], True),
        ("f(host=1)", ["host"], True),
        ("f(port=1)", ["host"], False),
        ("f(**kw)", ["host"], True),
        ("f(**kw)", [0], False),
        ("f(**kw)", [], False),
        ("f(a)", [1, "host", 0], True),
        ("f()", [0, "host"], False),
    ],
)
def test_has_argument(text: str, which: list, present: bool) -> None:
    assert has_argument(call(text), which) is present


@pytest.mark.parametrize(
    "text,false",
    [("False", True), ("0", True), ("True", False), ("1", False), ("None", False), ("'False'", False), ("0.0", False), ("x.False_", False)],
)
def test_is_false(text: str, false: bool) -> None:
    assert is_false(cst.parse_expression(text)) is false


@pytest.mark.parametrize(
    "text,nonblocking",
    [
        ("q.get(False)", True),
        ("q.get(0)", True),
        ("q.get(block=False)", True),
        ("q.get(True)", False),
        ("q.get()", False),
        ("q.get(block=flag)", False),
        ("q.get(x, False)", False),
    ],
)
def test_is_nonblocking(text: str, nonblocking: bool) -> None:
    s = spec(targets=["queue.Queue.get"], nonblocking={"keyword": "block", "position": 0})
    assert is_nonblocking(call(text), s) is nonblocking


def test_is_nonblocking_without_a_nonblocking_table_or_keyword() -> None:
    assert is_nonblocking(call("q.get(False)"), spec(targets=["a.b"])) is False
    by_position = spec(targets=["a.b"], nonblocking={"position": 1})
    assert is_nonblocking(call("lock.acquire(1, False)"), by_position) is True
    assert is_nonblocking(call("lock.acquire(blocking=False)"), by_position) is False


def test_look_through() -> None:
    got = at_probes(
        """
        import botocore

        def f(param):
            CONFIG = botocore.Config(x=1)
            ALIAS = CONFIG
            probe(ALIAS)
            probe(param)
            probe(undefined)
            probe(CONFIG.attr)
            a = b
            b = a
            probe(a)
        """,
        lambda names, module, expr: module.code_for_node(look_through(names, expr)),
    )
    assert got == ["botocore.Config(x=1)", "param", "undefined", "CONFIG.attr", "a"]  # six hops round the cycle


def test_look_through_stops_after_six_hops() -> None:
    chain = "\n".join(["    x0 = Config()"] + [f"    x{i} = x{i - 1}" for i in range(1, 8)])
    source = "def f():\n" + chain + "\n    probe(x5)\n    probe(x6)\n    probe(x7)\n"
    got = at_probes(source, lambda names, module, expr: module.code_for_node(look_through(names, expr)))
    assert got == ["Config()", "x0", "x1"]


@pytest.mark.parametrize(
    "expr,text",
    [
        ("'abc'", "abc"),
        ("'a' 'b'", "ab"),
        ("x 'b'" if False else "'a' f'{x}b'", "ab"),
        ("f'{h}' 'b'", "b"),
        ("'a' + 'b'", "ab"),
        ("x + 'b'", "b"),
        ("'a' + x", "a"),
        ("x + y", None),
        ("'a' - 'b'", None),
        ("f'x{y}z'", "xz"),
        ("1", None),
        ("b'abc'", None),
    ],
)
def test_string_text(expr: str, text: str | None) -> None:
    assert string_text(cst.parse_expression(expr)) == text


def test_string_text_of_concatenations_without_any_text() -> None:
    both_unknown = cst.ConcatenatedString(cst.FormattedString([]), cst.FormattedString([]))
    assert string_text(both_unknown) == ""
    assert string_text(cst.parse_expression("b'a' b'b'")) is None


DSN = {"targets": ["psycopg2.connect"], "keywords": ["connect_timeout"], "dsn": {"keywords": ["dsn"], "position": 0}}


@pytest.mark.parametrize(
    "source,expected",
    [
        ("probe(connect('host=x connect_timeout=5'))", True),
        ("probe(connect('host=x CONNECT_TIMEOUT = 5'))", True),
        ("probe(connect(dsn='host=x connect_timeout=5'))", True),
        ("probe(connect('host=x'))", False),
        ("probe(connect('host=x my_connect_timeout=5'))", False),
        ("probe(connect('host=x connect_timeout'))", False),
        ("probe(connect('host=x xconnect_timeout=5'))", False),
        ("probe(connect('host=x 1connect_timeout=5'))", False),
        ("probe(connect('host=x,connect_timeout=5'))", True),
        ("probe(connect(host='x'))", None),
        ("probe(connect(make_dsn()))", None),
        ("D = 'connect_timeout=3'\nprobe(connect(D))", True),
        ("probe(connect(f'host={h} connect_timeout=5'))", True),
    ],
)
def test_dsn_sets(source: str, expected: bool | None) -> None:
    s = spec(**DSN)
    assert at_probes(source, lambda names, module, expr: dsn_sets(names, expr, s)) == [expected]


def test_dsn_sets_without_a_dsn_table() -> None:
    s = spec(targets=["psycopg2.connect"], keywords=["connect_timeout"])
    assert at_probes("probe(connect('connect_timeout=5'))", lambda n, m, e: dsn_sets(n, e, s)) == [None]


def test_dsn_keywords_are_escaped() -> None:
    s = spec(targets=["x.connect"], keywords=["a.b", "c+"], dsn={"position": 0})
    got = at_probes(
        "probe(connect('a.b=1'))\nprobe(connect('axb=1'))\nprobe(connect('c+=1'))\n",
        lambda n, m, e: dsn_sets(n, e, s),
    )
    assert got == [True, False, True]


@pytest.mark.parametrize(
    "source,carries",
    [
        ("probe(f(**{'a': 1}))", False),
        ("probe(f(**{'timeout': 1}))", True),
        ("probe(f(**{**other}))", True),
        ("probe(f(**{key: 1}))", True),
        ("probe(f(**dict(a=1)))", False),
        ("probe(f(**dict(timeout=1)))", True),
        ("probe(f(**dict(other)))", True),
        ("probe(f(**dict(a=1, **other)))", True),
        ("dict = make\nprobe(f(**dict(a=1)))", True),
        ("probe(f(**collections.dict(a=1)))", True),
        ("probe(f(**kwargs))", True),
        ("K = {'a': 1}\nprobe(f(**K))", False),
        ("K = {'a': 1}\nK['timeout'] = 2\nprobe(f(**K))", True),
        ("probe(f(1, x=2))", False),
        ("probe(f(*args))", False),
        ("probe(f(**{'a': 1}, **{'timeout': 2}))", True),
        ("probe(f(**{'a': 1}, **dict(b=2)))", False),
        ("probe(f(**{'a': 1}, **other))", True),
        ("probe(f(**{'connect': 1}))", True),
    ],
)
def test_star_kwargs_may_carry(source: str, carries: bool) -> None:
    mutated = {"K"} if "K['timeout']" in source else set()
    got = at_probes(
        source,
        lambda names, module, expr: star_kwargs_may_carry(names, expr, ("timeout", "connect"), lambda name: name in mutated),
    )
    assert got == [carries]


# -- versions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,version",
    [
        ("8", (8,)),
        ("8.0.1rc1", (8, 0, 1)),
        ("8.1rc1.2", (8, 1)),
        (" v7.4.0 ", (7, 4)),
        ("0", (0,)),
        ("0.0", (0,)),
        ("10.20.30", (10, 20, 30)),
        ("x.1", ()),
        ("1.x.2", (1,)),
        ("", ()),
        ("2.0.0.0", (2,)),
        ("3.0.5", (3, 0, 5)),
    ],
)
def test_parse_version(text: str, version: tuple[int, ...]) -> None:
    assert parse_version(text) == version


@pytest.mark.parametrize(
    "specifier,locked,older",
    [
        ("", None, True),
        (">=8", None, False),
        (">= 8.0 ", None, False),
        ("===8.1", None, False),
        ("==8.*", None, False),
        ("~=8.0", None, False),
        (">8", None, False),
        (">7", None, True),
        ("<=9", None, True),
        ("!=7", None, True),
        ("<8.5", None, True),
        (">=7.9", None, True),
        (">=8.0.0", None, False),
        ("latest", None, True),
        ("<9, >=8", None, False),
        (">=8", "7.9", True),
        (">=8", "8.0", False),
        ("<8", "8.1", False),
        (">=5", "", True),
    ],
)
def test_may_be_older(specifier: str, locked: str | None, older: bool) -> None:
    assert may_be_older(specifier, locked, (8,)) is older


def test_may_be_older_compares_whole_versions() -> None:
    assert may_be_older(">=8.0.1", None, (8, 0, 2)) is True
    assert may_be_older(">=8.0.2", None, (8, 0, 2)) is False
    assert may_be_older("", "8.0.2", (8, 0, 2)) is False
    assert may_be_older("", "8.0.1", (8, 0, 2)) is True


def test_patterns_compile_to_one_alternation() -> None:
    s = spec(targets=["a.*", "b.**"])
    assert isinstance(s.patterns, re.Pattern)
    assert s.patterns.pattern == r"a\.[^.]*|b\..*"


# -- found by mutation testing ----------------------------------------------------------


def test_candidates_of_bare_names() -> None:
    specs = parse_specs([{"targets": ["lib.api.get"]}, {"targets": ["fetch"]}], {"lib.old_name": "lib.api.get"}, "o", "w")
    api_get, fetch = specs.specs
    got = at_probes(
        """
        from lib.api import get
        from lib import old_name, put
        import fetch
        probe(get())
        probe(old_name())
        probe(put())
        probe(fetch())
        """,
        lambda names, module, expr: specs.candidates(expr, names),
    )
    assert got == [(api_get,), (api_get,), (), (fetch,)]


def test_a_spec_that_is_not_a_table_names_its_origin() -> None:
    with pytest.raises(ConfigError) as info:
        parse_specs(["a.b"], {}, "origin.toml", "w")
    assert (info.value.source, info.value.key) == ("origin.toml", "w.calls[0]")


def test_canonical_never_uses_an_empty_prefix() -> None:
    assert canonical("a.b", {"": "root", "x": "y"}) == "a.b"
    assert canonical(".a.b", {"": "root"}) == ".a.b"


def test_written_callee_of_a_call_on_an_expression() -> None:
    module = cst.parse_module("clients[0]()()\n")
    node = module.body[0].body[0].value
    assert written_callee(module, node.func) == "clients[0](...)"


@pytest.mark.parametrize(
    "source,carries",
    [
        ("probe(f(1, **{'timeout': 1}))", True),
        ("probe(f(x=1, **{'timeout': 1}))", True),
        ("probe(f(**dict(a=1), **{'timeout': 1}))", True),
        ("probe(f(**dict(a=1), **kwargs))", True),
    ],
)
def test_star_kwargs_later_mappings_are_read(source: str, carries: bool) -> None:
    got = at_probes(source, lambda names, module, expr: star_kwargs_may_carry(names, expr, ("timeout",), lambda name: False))
    assert got == [carries]


def test_parse_version_strips_only_a_leading_v() -> None:
    assert parse_version("X8") == ()
    assert parse_version("vX8") == ()


def test_may_be_older_skips_unreadable_clauses() -> None:
    assert may_be_older("latest, >=8", None, (8,)) is False
    assert may_be_older(">=8, latest", None, (8,)) is False


def test_prefilter_words_of_several_wildcard_targets_in_one_spec() -> None:
    """Two wildcard targets in one spec are one regex joined by "|"; each target's
    words must still be triggers (else a file using only one of them is skipped)."""
    from resilint.checks.timeouts.callspec import parse_specs

    specs = parse_specs([{"targets": ["*.x", "a_b.*"], "keyword": "timeout"}], {}, "test", "standard T1")
    assert {"x", "a_b"} <= specs.modules()
