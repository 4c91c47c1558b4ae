"""checks.retries.policies: stop, wait and exception answers for each policy model,
read with the library tables of rules/retries.toml (unit level: the functions are
called directly on small snippets)."""

from __future__ import annotations

import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from resilint.checks.retries.policies import (
    GROWTHS,
    WAIT_MODELS,
    Library,
    Wait,
    broad_exception,
    unbounded_keywords,
    wait_profile,
)
from resilint.engine.names import NameResolver

RULES = Path(__file__).resolve().parents[2] / "rules" / "retries.toml"
_STANDARDS = {s["code"]: s for s in tomllib.loads(RULES.read_text(encoding="utf-8"))["standards"]}
BROAD = ("Exception", "BaseException")
TENACITY_DEFAULT = "without wait= tenacity retries immediately (wait_none())"
RETRY_DEFAULT = "retry waits nothing between attempts by default (delay=0, backoff=1)"
RETRYING_DEFAULT = "without a wait_* argument retrying retries immediately (0 ms)"
URLLIB3_DEFAULT = "without backoff_factor urllib3 retries immediately (backoff_factor=0)"


def library(code: str, name: str) -> Library:
    """The ``name`` library table of standard ``code`` in rules/retries.toml."""
    (table,) = [t for t in _STANDARDS[code]["libraries"] if t["name"] == name]
    return Library.parse(table)


def at_probes(source: str, query: Callable[[NameResolver, cst.Module, Any], Any]) -> list[Any]:
    """``query`` on the argument of every ``probe(...)``; ``probe()`` passes None (a
    bare decorator: nothing passed). The resolver is driven as the engine drives it."""
    module = cst.parse_module(textwrap.dedent(source))
    names = NameResolver(module)
    found: list[Any] = []

    class Driver(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            names.enter(node)
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "probe":
                found.append(query(names, module, node.args[0].value if node.args else None))
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            names.leave(original_node)

    module.visit(Driver())
    return found


def stops(lib: Library, source: str) -> list[list[str] | None]:
    return at_probes(source, lambda names, module, call: unbounded_keywords(lib, call, names))


def waits(lib: Library, source: str) -> list[Wait | None]:
    return at_probes(source, lambda names, module, call: wait_profile(lib, call, names, module))


def broad(lib: Library, source: str) -> list[str | None]:
    def query(names: NameResolver, module: cst.Module, call: Any) -> str | None:
        found = broad_exception(lib, call, names, BROAD)
        return None if found is None else module.code_for_node(found)

    return at_probes(source, query)


def test_constants() -> None:
    assert WAIT_MODELS == ("strategy", "generator", "multiplier", "factor", "keyword-groups")
    assert GROWTHS == ("zero", "constant", "linear", "exponential")


# -- Library ------------------------------------------------------------------------


def test_library_parse() -> None:
    table = {"name": "acme", "targets": ["acme.retry"], "bare": ["acme.retry"], "aliases": {"a": "acme", "a.b.c": "acme"}, "x": 1}
    lib = Library.parse(table)
    assert lib.name == "acme"
    assert lib.targets == frozenset({"acme.retry"})
    assert lib.bare == frozenset({"acme.retry"})
    assert lib.aliases == (("a.b.c", "acme"), ("a", "acme"))
    assert lib.table is table
    assert lib.get("x") == 1
    assert lib.get("missing") is None
    assert lib.get("missing", 7) == 7


def test_library_parse_defaults() -> None:
    lib = Library.parse({"name": "acme", "targets": []})
    assert (lib.bare, lib.aliases) == (frozenset(), ())


@pytest.mark.parametrize(
    "table,message",
    [
        ({"name": 1, "targets": ["a"]}, "expected name (string) and targets (array of qualified names)"),
        ({"name": "a", "targets": "a.b"}, "expected name (string) and targets (array of qualified names)"),
        ({"name": "a", "targets": ["a", 2]}, "expected name (string) and targets (array of qualified names)"),
        ({"name": "a", "targets": ["a"], "aliases": ["x"]}, "aliases: expected a table of module prefix -> public module"),
    ],
)
def test_library_parse_errors(table: dict, message: str) -> None:
    with pytest.raises(TypeError) as info:
        Library.parse(table)
    assert str(info.value) == message


def test_library_parse_needs_name_and_targets() -> None:
    with pytest.raises(KeyError):
        Library.parse({"targets": ["a"]})
    with pytest.raises(KeyError):
        Library.parse({"name": "a"})


def test_library_resolve_normalizes_aliases() -> None:
    lib = library("REL202", "tenacity")
    got = at_probes(
        "import tenacity.wait as tw\nfrom tenacity.asyncio import AsyncRetrying\nprobe(tw.wait_fixed)\nprobe(AsyncRetrying)\nprobe(other)\n",
        lambda names, module, expr: lib.resolve(names, expr),
    )
    assert got == ["tenacity.wait_fixed", "tenacity.AsyncRetrying", None]


# -- REL201: unbounded stop ----------------------------------------------------------------

TENACITY = "import tenacity\nfrom tenacity import stop_after_attempt, stop_after_delay, stop_never, stop_any, stop_all\n"


@pytest.mark.parametrize(
    "expr,unbounded",
    [
        ("probe()", ["stop"]),
        ("probe(tenacity.retry())", ["stop"]),
        ("probe(tenacity.retry(stop=stop_never))", ["stop"]),
        ("probe(tenacity.Retrying(sleep, stop_never))", ["stop"]),
        ("probe(tenacity.retry(stop=stop_after_attempt(3)))", None),
        ("probe(tenacity.retry(stop=stop_never | stop_after_delay(5)))", None),
        ("probe(tenacity.retry(stop=stop_never | stop_never))", ["stop"]),
        ("probe(tenacity.retry(stop=stop_never & stop_after_delay(5)))", ["stop"]),
        ("probe(tenacity.retry(stop=stop_after_attempt(2) & stop_after_delay(5)))", None),
        ("probe(tenacity.retry(stop=stop_never + stop_never))", None),
        ("probe(tenacity.retry(stop=stop_any(stop_never, stop_after_delay(5))))", None),
        ("probe(tenacity.retry(stop=stop_any(stop_never, stop_never)))", ["stop"]),
        ("probe(tenacity.retry(stop=stop_all(stop_never, stop_after_delay(5))))", ["stop"]),
        ("probe(tenacity.retry(stop=stop_all(stop_after_attempt(3), stop_after_delay(5))))", None),
        ("probe(tenacity.retry(stop=stop_all()))", None),
        ("probe(tenacity.retry(stop=stop_any()))", None),
        ("probe(tenacity.retry(stop=stop_all(*parts)))", None),
        ("probe(tenacity.retry(stop=stop_all(stop_never, *parts)))", None),
        ("probe(tenacity.retry(stop=other(stop_never)))", None),
        ("probe(tenacity.retry(stop=tenacity.stop.stop_never))", ["stop"]),
        ("probe(tenacity.retry(stop=STOP))", None),
        ("STOP = stop_never\nprobe(tenacity.retry(stop=STOP))", ["stop"]),
        ("probe(tenacity.retry(**opts))", None),
        ("probe(tenacity.Retrying(*args))", None),
    ],
)
def test_tenacity_stop(expr: str, unbounded: list[str] | None) -> None:
    assert stops(library("REL201", "tenacity"), TENACITY + expr) == [unbounded]


def test_stop_all_is_unbounded_when_one_part_is() -> None:
    lib = library("REL201", "tenacity")
    source = TENACITY + "probe(tenacity.retry(stop=stop_all(stop_after_attempt(3), stop_never)))\n"
    assert stops(lib, source) == [["stop"]]


@pytest.mark.parametrize(
    "expr,unbounded",
    [
        ("probe(backoff.on_exception(backoff.expo, E))", ["max_tries", "max_time"]),
        ("probe(backoff.on_exception(backoff.expo, E, max_tries=None, max_time=float('inf')))", ["max_tries", "max_time"]),
        ("probe(backoff.on_exception(backoff.expo, E, max_tries=None, max_time=float(' Infinity ')))", ["max_tries", "max_time"]),
        ("probe(backoff.on_exception(backoff.expo, E, max_tries=3))", None),
        ("probe(backoff.on_exception(backoff.expo, E, max_time=30))", None),
        ("probe(backoff.on_exception(backoff.expo, E, max_tries=n))", None),
        ("probe(backoff.on_exception(backoff.expo, E, **kw))", None),
        ("probe(backoff.on_exception(backoff.expo, E, max_tries=None, **kw))", None),
    ],
)
def test_backoff_stop(expr: str, unbounded: list[str] | None) -> None:
    assert stops(library("REL201", "backoff"), "import backoff\n" + expr) == [unbounded]


@pytest.mark.parametrize(
    "expr,unbounded",
    [
        ("probe(retry(E))", ["tries"]),
        ("probe(retry(E, -1))", ["tries"]),
        ("probe(retry(E, tries=-1.0))", ["tries"]),
        ("probe(retry(E, 3))", None),
        ("probe(retry(E, tries=+3))", None),
        ("probe(retry(E, tries=-n))", None),
        ("probe(retry(E, *args))", None),
    ],
)
def test_retry_stop(expr: str, unbounded: list[str] | None) -> None:
    assert stops(library("REL201", "retry"), "from retry import retry\n" + expr) == [unbounded]


@pytest.mark.parametrize(
    "expr,unbounded",
    [
        ("probe(Retry())", None),  # total=10 by default
        ("probe(Retry(None))", ["total", "connect", "read", "redirect", "status", "other"]),
        ("probe(Retry(total=None, connect=3))", None),
        ("probe(Retry(total=None, connect=None, read=None, redirect=None, status=None, other=None))", ["total", "connect", "read", "redirect", "status", "other"]),
    ],
)
def test_urllib3_stop(expr: str, unbounded: list[str] | None) -> None:
    assert stops(library("REL201", "urllib3"), "from urllib3 import Retry\n" + expr) == [unbounded]


def test_unbounded_value_depth_limit() -> None:
    lib = library("REL201", "tenacity")
    # stop_all(x, bounded) is unbounded exactly when x is: the innermost stop_never decides
    shallow = "stop_never"
    for _ in range(20):
        shallow = f"stop_all({shallow}, stop_after_attempt(3))"
    deep = "stop_never"
    for _ in range(21):
        deep = f"stop_all({deep}, stop_after_attempt(3))"
    source = TENACITY + f"probe(tenacity.retry(stop={shallow}))\nprobe(tenacity.retry(stop={deep}))\n"
    assert stops(lib, source) == [["stop"], None]


def test_unbounded_value_depth_limit_on_operators() -> None:
    lib = library("REL201", "tenacity")
    twenty = " | ".join(["stop_never"] * 21)  # a left-leaning chain: the leftmost operand is 20 deep
    twenty_two = " | ".join(["stop_never"] * 23)
    source = TENACITY + f"probe(tenacity.retry(stop={twenty}))\nprobe(tenacity.retry(stop={twenty_two}))\n"
    assert stops(lib, source) == [["stop"], None]


# -- REL202 / REL203: waits ------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr,wait",
    [
        ("probe()", Wait("zero", False, TENACITY_DEFAULT, default=True)),
        ("probe(tenacity.retry(stop=stop_after_attempt(3)))", Wait("zero", False, TENACITY_DEFAULT, default=True)),
        ("probe(tenacity.retry(wait=tenacity.wait_fixed(2)))", Wait("constant", False, "tenacity.wait_fixed(2)")),
        ("probe(tenacity.retry(wait=wait_random(0, 1)))", Wait("constant", True, "wait_random(0, 1)")),
        ("probe(tenacity.retry(wait=wait_exponential()))", Wait("exponential", False, "wait_exponential()")),
        ("probe(tenacity.retry(wait=wait_random_exponential()))", Wait("exponential", True, "wait_random_exponential()")),
        ("probe(tenacity.retry(wait=wait_incrementing()))", Wait("linear", False, "wait_incrementing()")),
        ("probe(tenacity.retry(wait=tenacity.wait_none()))", Wait("zero", False, "tenacity.wait_none()")),
        ("probe(tenacity.retry(wait=0))", Wait("zero", False, "0")),
        ("probe(tenacity.retry(wait=None))", Wait("zero", False, "None")),
        ("probe(tenacity.retry(wait=0.0))", Wait("zero", False, "0.0")),
        ("probe(tenacity.retry(wait=1))", None),
        ("probe(tenacity.retry(wait='x'))", None),
        ("probe(tenacity.retry(wait=custom()))", None),
        ("probe(tenacity.retry(wait=strategy))", None),
        ("probe(tenacity.retry(**kw))", None),
        ("probe(tenacity.Retrying(sleep, stop, tenacity.wait_fixed(1)))", Wait("constant", False, "tenacity.wait_fixed(1)")),
        (
            "probe(tenacity.retry(wait=wait_fixed(1) + wait_random(0, 2)))",
            Wait("constant", True, "wait_fixed(1) + wait_random(0, 2)"),
        ),
        (
            "probe(tenacity.retry(wait=wait_exponential() + wait_fixed(1)))",
            Wait("exponential", False, "wait_exponential() + wait_fixed(1)"),
        ),
        (
            "probe(tenacity.retry(wait=wait_fixed(1) + wait_incrementing()))",
            Wait("linear", False, "wait_fixed(1) + wait_incrementing()"),
        ),
        ("probe(tenacity.retry(wait=wait_fixed(1) + custom()))", None),
        ("probe(tenacity.retry(wait=custom() + wait_fixed(1)))", None),
        ("probe(tenacity.retry(wait=wait_fixed(1) * 2))", None),
        (
            "probe(tenacity.retry(wait=tenacity.wait_combine(wait_fixed(1), wait_random(0, 1))))",
            Wait("constant", True, "tenacity.wait_combine(wait_fixed(1), wait_random(…"),
        ),
        ("probe(tenacity.retry(wait=tenacity.wait_combine()))", None),
        ("probe(tenacity.retry(wait=tenacity.wait_combine(*parts)))", None),
        ("probe(tenacity.retry(wait=tenacity.wait_combine(wait_fixed(1), custom())))", None),
        ("W = wait_fixed(3)\nprobe(tenacity.retry(wait=W))", Wait("constant", False, "W")),
    ],
)
def test_tenacity_wait(expr: str, wait: Wait | None) -> None:
    source = (
        "import tenacity\nfrom tenacity import stop_after_attempt, wait_fixed, wait_random, wait_exponential,"
        " wait_random_exponential, wait_incrementing\n" + expr + "\n"
    )
    assert waits(library("REL202", "tenacity"), source) == [wait]


@pytest.mark.parametrize(
    "expr",
    [
        "probe(tenacity.retry(stop=tenacity.stop_after_attempt(1)))",
        "probe(tenacity.retry(stop=tenacity.stop_after_attempt(0), wait=tenacity.wait_fixed(1)))",
        "probe(tenacity.Retrying(sleep, tenacity.stop_after_attempt(1)))",
        "ONE = tenacity.stop_after_attempt(1)\nprobe(tenacity.retry(stop=ONE))",
    ],
)
def test_tenacity_single_attempt_is_not_judged(expr: str) -> None:
    assert waits(library("REL202", "tenacity"), "import tenacity\n" + expr + "\n") == [None]


@pytest.mark.parametrize(
    "expr,wait",
    [
        ("probe(tenacity.retry(stop=tenacity.stop_after_attempt(2)))", Wait("zero", False, TENACITY_DEFAULT, default=True)),
        ("probe(tenacity.retry(stop=tenacity.stop_after_attempt(n)))", Wait("zero", False, TENACITY_DEFAULT, default=True)),
        ("probe(tenacity.retry(stop=tenacity.stop_after_attempt(attempts=1)))", Wait("zero", False, TENACITY_DEFAULT, default=True)),
        ("probe(tenacity.retry(stop=tenacity.stop_after_attempt(1, 2)))", Wait("zero", False, TENACITY_DEFAULT, default=True)),
        ("probe(tenacity.retry(stop=stop))", Wait("zero", False, TENACITY_DEFAULT, default=True)),
        ("probe(tenacity.retry(stop=1))", Wait("zero", False, TENACITY_DEFAULT, default=True)),
    ],
)
def test_tenacity_more_than_one_attempt_is_judged(expr: str, wait: Wait) -> None:
    assert waits(library("REL202", "tenacity"), "import tenacity\n" + expr + "\n") == [wait]


def test_long_wait_expressions_are_shortened_to_fifty_characters() -> None:
    lib = library("REL202", "tenacity")
    exact = "tenacity.wait_fixed(12345678901234567890123456789)"  # 50 characters
    longer = "tenacity.wait_fixed(123456789012345678901234567890)"  # 51
    multi = "tenacity.wait_fixed(\n    1)"
    source = f"import tenacity\nprobe(tenacity.retry(wait={exact}))\nprobe(tenacity.retry(wait={longer}))\nprobe(tenacity.retry(wait={multi}))\n"
    got = waits(lib, source)
    assert [w.what for w in got] == [exact, longer[:49] + "…", "tenacity.wait_fixed( 1)"]


def test_strategy_depth_limit() -> None:
    lib = library("REL202", "tenacity")
    twenty = " + ".join(["tenacity.wait_fixed(1)"] * 21)
    twenty_two = " + ".join(["tenacity.wait_fixed(1)"] * 23)
    got = waits(lib, f"import tenacity\nprobe(tenacity.retry(wait={twenty}))\nprobe(tenacity.retry(wait={twenty_two}))\n")
    assert [w.growth if w else None for w in got] == ["constant", None]


def test_unknown_model_and_custom_strategy_defaults() -> None:
    unknown = Library.parse({"name": "x", "targets": ["x.retry"], "model": "mystery"})
    assert waits(unknown, "probe(x.retry())\n") == [None]
    none = Library.parse({"name": "x", "targets": ["x.retry"]})
    assert waits(none, "probe(x.retry())\n") == [None]
    custom = Library.parse({"name": "x", "targets": ["x.retry"], "model": "strategy", "wait": "wait", "default-growth": "constant"})
    assert waits(custom, "probe(x.retry())\n") == [Wait("constant", False, "the default wait", default=True)]
    kinds = Library.parse(
        {"name": "x", "targets": ["x.retry"], "model": "strategy", "wait": "wait", "waits": {"x.odd": "odd", "x.jit": "random-random"}}
    )
    assert waits(kinds, "import x\nprobe(x.retry(wait=x.odd()))\nprobe(x.retry(wait=x.jit()))\n") == [
        None,
        Wait("constant", True, "x.jit()"),
    ]


BACKOFF = "import backoff\n"


@pytest.mark.parametrize(
    "expr,wait",
    [
        ("probe(backoff.on_exception(backoff.expo, E))", Wait("exponential", True, "backoff.expo")),
        ("probe(backoff.on_exception(wait_gen=backoff.constant, exception=E))", Wait("constant", True, "backoff.constant")),
        ("probe(backoff.on_exception(backoff.fibo, E, jitter=None))", Wait("exponential", False, "backoff.fibo with jitter=None")),
        ("probe(backoff.on_exception(backoff.expo, E, jitter=backoff.full_jitter))", Wait("exponential", True, "backoff.expo")),
        ("probe(backoff.on_exception(backoff.expo, E, jitter=backoff.random_jitter))", Wait("exponential", True, "backoff.expo")),
        ("J = None\nprobe(backoff.on_exception(backoff.expo, E, jitter=J))", Wait("exponential", False, "backoff.expo with jitter=None")),
        ("J = backoff.full_jitter\nprobe(backoff.on_exception(backoff.expo, E, jitter=J))", Wait("exponential", True, "backoff.expo")),
        ("G = backoff.expo\nprobe(backoff.on_exception(G, E))", Wait("exponential", True, "G")),
        ("probe(backoff.on_exception(backoff.expo, E, jitter=my_jitter))", None),
        ("probe(backoff.on_exception(backoff.expo, E, jitter=0))", None),
        ("probe(backoff.on_exception(backoff.expo, E, **kw))", None),
        ("probe(backoff.on_exception(custom_gen, E))", None),
        ("probe(backoff.on_exception(*args))", None),
        ("probe(backoff.on_exception(exception=E))", None),
        ("probe(backoff.on_exception(backoff.expo, E, max_tries=1))", None),
        ("probe(backoff.on_exception(backoff.expo, E, max_tries=0))", None),
        ("probe(backoff.on_exception(backoff.expo, E, max_tries=2))", Wait("exponential", True, "backoff.expo")),
    ],
)
def test_backoff_wait(expr: str, wait: Wait | None) -> None:
    assert waits(library("REL202", "backoff"), BACKOFF + expr + "\n") == [wait]


def test_generator_without_random_default() -> None:
    table = dict(_STANDARDS["REL202"]["libraries"][1])
    assert table["name"] == "backoff"
    table["jitter"] = {"keyword": "jitter"}
    lib = Library.parse(table)
    assert waits(lib, BACKOFF + "probe(backoff.on_exception(backoff.expo, E))\n") == [Wait("exponential", False, "backoff.expo")]


@pytest.mark.parametrize(
    "expr,wait",
    [
        ("probe(retry(E))", Wait("zero", False, RETRY_DEFAULT, default=True)),
        ("probe(retry(E, 3))", Wait("zero", False, RETRY_DEFAULT, default=True)),  # tries only: the default wait
        ("probe(retry(E, 3, 2))", Wait("constant", False, "delay=2, backoff=1")),
        ("probe(retry(E, 3, delay=2, backoff=2))", Wait("exponential", False, "delay=2, backoff=2")),
        ("probe(retry(E, 3, delay=0, backoff=2))", Wait("zero", False, "delay=0, backoff=2")),
        ("probe(retry(E, 3, delay=2, backoff=1.0))", Wait("constant", False, "delay=2, backoff=1")),
        ("probe(retry(E, 3, delay=2, backoff=2, jitter=(0, 1)))", Wait("exponential", True, "delay=2, backoff=2")),
        ("probe(retry(E, 3, delay=1, jitter=(0, 1)))", Wait("linear", True, "delay=1, backoff=1")),
        ("probe(retry(E, 3, delay=1, jitter=1))", Wait("linear", False, "delay=1, backoff=1")),
        ("probe(retry(E, 3, jitter=(0, 0)))", Wait("zero", False, "delay=0, backoff=1")),
        ("probe(retry(E, 3, jitter=None))", Wait("zero", False, "delay=0, backoff=1")),
        ("probe(retry(E, 3, jitter=0))", Wait("zero", False, "delay=0, backoff=1")),
        ("probe(retry(E, 3, delay=d))", None),
        ("probe(retry(E, 3, backoff=b))", None),
        ("probe(retry(E, 3, jitter=j))", None),
        ("probe(retry(E, 3, delay='1'))", None),
        ("probe(retry(E, 3, backoff=None))", None),
        ("probe(retry(E, 3, **kw))", None),
        ("probe(retry(E, 1, delay=2))", None),
        ("probe(retry(E, tries=0))", None),
        ("D = 2\nprobe(retry(E, 3, delay=D, backoff=3))", Wait("exponential", False, "delay=2, backoff=3")),
    ],
)
def test_retry_wait(expr: str, wait: Wait | None) -> None:
    assert waits(library("REL202", "retry"), "from retry import retry\n" + expr + "\n") == [wait]


@pytest.mark.parametrize(
    "expr,wait",
    [
        ("probe(stamina.retry(on=E))", Wait("exponential", True, "", default=True)),
        ("probe(stamina.retry(on=E, wait_jitter=0))", Wait("exponential", False, "wait_initial=0.1, wait_exp_base=2")),
        ("probe(stamina.retry(on=E, wait_jitter=0.5))", Wait("exponential", True, "wait_initial=0.1, wait_exp_base=2")),
        ("probe(stamina.retry(on=E, wait_jitter=True))", Wait("exponential", False, "wait_initial=0.1, wait_exp_base=2")),
        ("probe(stamina.retry(on=E, wait_jitter=-1))", Wait("exponential", False, "wait_initial=0.1, wait_exp_base=2")),
        ("probe(stamina.retry(on=E, wait_exp_base=1))", Wait("constant", True, "wait_initial=0.1, wait_exp_base=1")),
        ("probe(stamina.retry(on=E, wait_exp_base=1, wait_jitter=0))", Wait("constant", False, "wait_initial=0.1, wait_exp_base=1")),
        ("probe(stamina.retry(on=E, wait_initial=0, wait_exp_base=1, wait_jitter=0))", Wait("zero", False, "wait_initial=0, wait_exp_base=1")),
        ("probe(stamina.retry(on=E, wait_initial=0, wait_exp_base=1))", Wait("constant", True, "wait_initial=0, wait_exp_base=1")),
        ("probe(stamina.retry(on=E, attempts=1))", None),
        ("probe()", Wait("exponential", True, "", default=True)),
    ],
)
def test_stamina_wait(expr: str, wait: Wait | None) -> None:
    assert waits(library("REL202", "stamina"), "import stamina\n" + expr + "\n") == [wait]


def test_multiplier_message_uses_the_library_default_text() -> None:
    table = {
        "name": "x",
        "targets": ["x.retry"],
        "model": "multiplier",
        "default": "x waits 1 s",
        "delay": {"keyword": "delay", "default": 1},
        "multiplier": {"keyword": "factor", "default": 1},
        "jitter": {"keyword": "jitter"},
    }
    lib = Library.parse(table)
    got = waits(lib, "import x\nprobe(x.retry())\nprobe(x.retry(delay=2))\nprobe(x.retry(jitter=2))\n")
    assert got == [
        Wait("constant", False, "x waits 1 s", default=True),
        Wait("constant", False, "delay=2, factor=1"),
        Wait("constant", True, "delay=1, factor=1"),
    ]


def test_multiplier_with_nothing_configured() -> None:
    lib = Library.parse({"name": "x", "targets": ["x.retry"], "model": "multiplier"})
    assert waits(lib, "import x\nprobe(x.retry())\n") == [None]  # no default delay: not a number


@pytest.mark.parametrize(
    "expr,wait",
    [
        ("probe(Retry(total=3))", Wait("zero", False, "urllib3's default backoff_factor=0", default=True)),
        ("probe(Retry(total=3, backoff_factor=0))", Wait("zero", False, "backoff_factor=0")),
        ("probe(Retry(total=3, backoff_factor=0.5))", Wait("exponential", False, "backoff_factor=0.5")),
        ("probe(Retry(total=3, backoff_factor=0.5, backoff_jitter=0.2))", Wait("exponential", True, "backoff_factor=0.5")),
        ("probe(Retry(total=3, backoff_factor=0.5, backoff_jitter=j))", Wait("exponential", True, "backoff_factor=0.5")),
        ("probe(Retry(total=3, backoff_factor=f))", Wait("exponential", False, "backoff_factor=?")),
        ("probe(Retry(total=3, backoff_factor=0.5, backoff_jitter=0))", Wait("exponential", False, "backoff_factor=0.5")),
        ("probe(Retry(total=3, **kw))", None),
        ("probe(Retry(3, 1, 1, 1, 1, 1, 1, 1, *rest))", None),
        ("probe(Retry(0))", None),
        ("probe(Retry(total=False))", None),
        ("probe(Retry(3, 1, 1, 1, 1, 1, 1, 1, 2))", Wait("exponential", False, "backoff_factor=2")),
    ],
)
def test_urllib3_wait(expr: str, wait: Wait | None) -> None:
    table = dict(next(t for t in _STANDARDS["REL202"]["libraries"] if t["name"] == "urllib3"))
    table["default"] = "urllib3's default backoff_factor=0"
    assert waits(Library.parse(table), "from urllib3 import Retry\n" + expr + "\n") == [wait]


def test_factor_defaults_without_a_table() -> None:
    lib = Library.parse({"name": "x", "targets": ["x.Retry"], "model": "factor"})
    assert waits(lib, "import x\nprobe(x.Retry())\nprobe(x.Retry(backoff_factor=1))\n") == [
        Wait("zero", False, "no backoff_factor", default=True),
        Wait("zero", False, "no backoff_factor", default=True),  # no keyword to read it from
    ]
    named = Library.parse(
        {"name": "x", "targets": ["x.Retry"], "model": "factor", "factor": {"keyword": "bf"}, "jitter": {"keyword": "bj"}}
    )
    assert waits(named, "import x\nprobe(x.Retry())\nprobe(x.Retry(bf=1))\nprobe(x.Retry(bf=1, bj=1))\nprobe(x.Retry(bf=0))\n") == [
        Wait("zero", False, "no bf", default=True),
        Wait("exponential", False, "bf=1"),
        Wait("exponential", True, "bf=1"),
        Wait("zero", False, "bf=0"),
    ]


def test_urllib3_default_message_from_rules() -> None:
    assert waits(library("REL202", "urllib3"), "from urllib3 import Retry\nprobe(Retry())\n") == [
        Wait("zero", False, URLLIB3_DEFAULT, default=True)
    ]


@pytest.mark.parametrize(
    "expr,wait",
    [
        ("probe()", Wait("zero", False, RETRYING_DEFAULT, default=True)),
        ("probe(retrying.retry())", Wait("zero", False, RETRYING_DEFAULT, default=True)),
        ("probe(retrying.retry(wait_jitter_max=100))", Wait("zero", True, RETRYING_DEFAULT, default=True)),
        ("probe(retrying.retry(wait_fixed=100))", Wait("constant", False, "wait_fixed=")),
        ("probe(retrying.retry(wait_fixed=100, wait_jitter_max=50))", Wait("constant", True, "wait_fixed=")),
        ("probe(retrying.retry(wait_random_min=1, wait_random_max=9))", Wait("constant", True, "wait_random_max=, wait_random_min=")),
        ("probe(retrying.retry(wait_incrementing_start=1))", Wait("linear", False, "wait_incrementing_start=")),
        ("probe(retrying.retry(wait_exponential_multiplier=1, wait_fixed=1))", Wait("exponential", False, "wait_exponential_multiplier=, wait_fixed=")),
        ("probe(retrying.retry(wait_exponential_multiplier=1, wait_random_max=9))", Wait("exponential", False, "wait_exponential_multiplier=, wait_random_max=")),
        ("probe(retrying.retry(wait_fixed=1, wait_random_max=9))", Wait("constant", True, "wait_fixed=, wait_random_max=")),
        ("probe(retrying.retry(wait_fixed=1, stop_max_delay=100))", Wait("constant", False, "wait_fixed=")),
        ("probe(retrying.retry(wait_func=f))", None),
        ("probe(retrying.retry(wait=w))", None),
        ("probe(retrying.retry(stop, wait_fixed=1))", None),
        ("probe(retrying.retry(**kw))", None),
        ("probe(retrying.retry(stop_max_attempt_number=1, wait_fixed=1))", None),
    ],
)
def test_retrying_wait(expr: str, wait: Wait | None) -> None:
    table = dict(next(t for t in _STANDARDS["REL202"]["libraries"] if t["name"] == "retrying"))
    assert waits(Library.parse(table), "import retrying\n" + expr + "\n") == [wait]


def test_keyword_groups_defaults_and_unknown_kinds() -> None:
    lib = Library.parse({"name": "x", "targets": ["x.retry"], "model": "keyword-groups", "groups": {"odd": ["a"], "constant": ["b"]}})
    assert waits(lib, "import x\nprobe(x.retry())\nprobe(x.retry(a=1))\nprobe(x.retry(a=1, b=2))\n") == [
        Wait("zero", False, "no wait", default=True),
        None,
        Wait("constant", False, "a=, b="),
    ]
    constant = Library.parse({"name": "x", "targets": ["x.retry"], "model": "keyword-groups", "default-growth": "constant"})
    assert waits(constant, "import x\nprobe(x.retry(other=1))\n") == [Wait("constant", False, "no wait", default=True)]


# -- REL205: broad exceptions ------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr,found",
    [
        ("probe(tenacity.retry(retry=retry_if_exception_type(Exception)))", "Exception"),
        ("probe(tenacity.retry(retry=retry_if_exception_type(exception_types=BaseException)))", "BaseException"),
        ("probe(tenacity.retry(retry=retry_if_exception_type((OSError, Exception))))", "Exception"),
        ("probe(tenacity.retry(retry=retry_if_exception_type(OSError)))", None),
        ("probe(tenacity.retry(retry=retry_if_exception_type()))", None),
        ("probe(tenacity.retry(retry=tenacity.retry_if_exception_cause_type(Exception)))", "Exception"),
        ("probe(tenacity.retry(retry=retry_if_exception_type(OSError) | retry_if_exception_type(Exception)))", "Exception"),
        ("probe(tenacity.retry(retry=retry_if_exception_type(Exception) | retry_if_exception_type(OSError)))", "Exception"),
        ("probe(tenacity.retry(retry=retry_if_exception_type(OSError) | retry_if_exception_type(KeyError)))", None),
        ("probe(tenacity.retry(retry=retry_if_exception_type(Exception) & other))", None),
        ("probe(tenacity.retry(retry=tenacity.retry_any(retry_if_exception_type(OSError), retry_if_exception_type(Exception))))", "Exception"),
        ("probe(tenacity.retry(retry=tenacity.retry_any(retry_if_exception_type(OSError))))", None),
        ("probe(tenacity.retry(retry=custom(Exception)))", None),
        ("probe(tenacity.retry(retry=Exception))", "Exception"),
        ("probe(tenacity.retry())", None),
        ("probe()", None),
        ("probe(tenacity.retry(**kw))", None),
        ("R = retry_if_exception_type(Exception)\nprobe(tenacity.retry(retry=R))", "Exception"),
        ("Exception = MyError\nprobe(tenacity.retry(retry=retry_if_exception_type(Exception)))", None),
    ],
)
def test_tenacity_broad(expr: str, found: str | None) -> None:
    source = "import tenacity\nfrom tenacity import retry_if_exception_type\n" + expr + "\n"
    assert broad(library("REL205", "tenacity"), source) == [found]


@pytest.mark.parametrize(
    "expr,found",
    [
        ("probe(backoff.on_exception(backoff.expo, Exception))", "Exception"),
        ("probe(backoff.on_exception(backoff.expo, (OSError, BaseException)))", "BaseException"),
        ("probe(backoff.on_exception(backoff.expo, [OSError, (KeyError, Exception)]))", "Exception"),
        ("probe(backoff.on_exception(backoff.expo, (OSError, (KeyError, ValueError))))", None),
        ("probe(backoff.on_exception(backoff.expo, {OSError, Exception}))", "Exception"),
        ("probe(backoff.on_exception(backoff.expo, exception=builtins.Exception))", "builtins.Exception"),
        ("probe(backoff.on_exception(backoff.expo, OSError))", None),
        ("ERRORS = (OSError, Exception)\nprobe(backoff.on_exception(backoff.expo, ERRORS))", "Exception"),
    ],
)
def test_backoff_broad(expr: str, found: str | None) -> None:
    source = "import backoff, builtins\n" + expr + "\n"
    assert broad(library("REL205", "backoff"), source) == [found]


def test_broad_without_an_exceptions_table() -> None:
    lib = library("REL205", "tenacity")
    no_table = Library.parse({"name": "x", "targets": ["x.retry"]})
    assert broad(no_table, "import x\nprobe(x.retry(Exception))\n") == [None]
    assert lib.get("exceptions") == {"keyword": "retry", "position": 3}


def test_broad_predicate_with_an_unknown_argument() -> None:
    lib = library("REL205", "tenacity")
    source = "import tenacity\nfrom tenacity import retry_if_exception_type\nprobe(tenacity.retry(retry=retry_if_exception_type(*types)))\n"
    assert broad(lib, source) == [None]


def test_broad_depth_limit() -> None:
    lib = library("REL205", "backoff")
    shallow = "Exception"
    for _ in range(20):
        shallow = f"(OSError, {shallow})"
    deep = "Exception"
    for _ in range(22):
        deep = f"(OSError, {deep})"
    source = f"import backoff\nprobe(backoff.on_exception(backoff.expo, {shallow}))\nprobe(backoff.on_exception(backoff.expo, {deep}))\n"
    assert broad(lib, source) == ["Exception", None]


def test_broad_or_chain_depth_limit() -> None:
    lib = library("REL205", "tenacity")
    part = "retry_if_exception_type(OSError)"
    shallow = " | ".join([part] * 20 + ["retry_if_exception_type(Exception)"])
    deep = " | ".join(["retry_if_exception_type(Exception)"] + [part] * 22)
    source = f"import tenacity\nfrom tenacity import retry_if_exception_type\nprobe(tenacity.retry(retry={shallow}))\nprobe(tenacity.retry(retry={deep}))\n"
    assert broad(lib, source) == ["Exception", None]


# -- found by mutation testing: minimal tables fall back to the code's defaults ------------


def test_minimal_tables_use_the_code_defaults() -> None:
    strategy = Library.parse({"name": "x", "targets": ["x.r"], "model": "strategy", "off": {"keyword": "tries"}})
    assert waits(strategy, "import x\nprobe(x.r(wait=1, tries=1))\nprobe(x.r(tries=x.after(1)))\n") == [
        Wait("zero", False, "the default wait", default=True)
    ] * 2
    generator = Library.parse({"name": "x", "targets": ["x.r"], "model": "generator", "wait": {"position": 0}})
    assert waits(generator, "import x\nprobe(x.r(x.expo))\n") == [None]
    no_jitter = Library.parse(
        {"name": "x", "targets": ["x.r"], "model": "generator", "wait": {"position": 0}, "waits": {"x.expo": "exponential"}}
    )
    assert waits(no_jitter, "import x\nprobe(x.r(x.expo))\n") == [Wait("exponential", False, "x.expo")]
    stop = Library.parse({"name": "x", "targets": ["x.r"], "stop": ["tries"]})
    assert stops(stop, "import x\nprobe(x.r(tries=None))\nprobe(x.r(tries=x.f(1)))\n") == [None, None]
    nothing = Library.parse({"name": "x", "targets": ["x.r"]})
    assert stops(nothing, "import x\nprobe(x.r())\n") == [[]]
    exceptions = Library.parse({"name": "x", "targets": ["x.r"], "exceptions": {"keyword": "on"}})
    assert broad(exceptions, "import x\nprobe(x.r(on=Exception))\nprobe(x.r(on=x.any_of(Exception)))\n") == ["Exception", None]


def test_growth_order_is_the_growths_order_not_alphabetical() -> None:
    tenacity = library("REL202", "tenacity")
    source = "import tenacity\nprobe(tenacity.retry(wait=tenacity.wait_fixed(1) + tenacity.wait_none()))\n"
    assert [w.growth for w in waits(tenacity, source)] == ["constant"]
    groups = Library.parse({"name": "x", "targets": ["x.r"], "model": "keyword-groups", "groups": {"zero": ["a"], "constant": ["b"]}})
    assert [w.growth for w in waits(groups, "import x\nprobe(x.r(a=1, b=1))\n")] == ["constant"]


def test_factor_defaults_and_unknown_factor() -> None:
    lib = Library.parse(
        {
            "name": "x",
            "targets": ["x.Retry"],
            "model": "factor",
            "factor": {"keyword": "bf", "position": 1, "default": 1},
            "jitter": {"keyword": "bj", "default": 1},
        }
    )
    assert waits(lib, "import x\nprobe(x.Retry())\nprobe(x.Retry(*args, bj=0))\n") == [Wait("exponential", True, "bf=1"), None]


def test_strategy_depth_boundary() -> None:
    lib = library("REL202", "tenacity")
    left = " + ".join(["tenacity.wait_fixed(1)"] * 22)  # leftmost operand 21 deep
    combine = "tenacity.wait_fixed(1)"
    for _ in range(20):
        combine = f"tenacity.wait_combine({combine})"
    deeper = f"tenacity.wait_combine({combine})"
    got = waits(lib, f"import tenacity\nprobe(tenacity.retry(wait={left}))\nprobe(tenacity.retry(wait={combine}))\nprobe(tenacity.retry(wait={deeper}))\n")
    assert [w.growth if w else None for w in got] == [None, "constant", None]


def test_right_nested_stop_depth() -> None:
    lib = library("REL201", "tenacity")
    ok = "stop_never"
    for _ in range(20):
        ok = f"stop_never | ({ok})"
    too_deep = f"stop_never | ({ok})"
    assert stops(lib, TENACITY + f"probe(tenacity.retry(stop={ok}))\nprobe(tenacity.retry(stop={too_deep}))\n") == [["stop"], None]


def test_broad_depth_boundaries() -> None:
    lib = library("REL205", "tenacity")
    head = "import tenacity\nfrom tenacity import retry_if_exception_type as t, retry_any\n"

    def right_or(n: int) -> str:
        text = "t(Exception)"
        for _ in range(n):
            text = f"t(OSError) | ({text})"
        return text

    def left_or(n: int) -> str:
        text = "t(Exception)"
        for _ in range(n):
            text = f"({text}) | t(OSError)"
        return text

    def any_of(n: int) -> str:
        text = "t(Exception)"
        for _ in range(n):
            text = f"retry_any({text})"
        return text

    def predicate(n: int) -> str:
        text = "Exception"
        for _ in range(n):
            text = f"t({text})"
        return text

    cases = [right_or(19), right_or(20), left_or(19), left_or(20), any_of(19), any_of(20), predicate(20), predicate(21)]
    source = head + "".join(f"probe(tenacity.retry(retry={c}))\n" for c in cases)
    assert broad(lib, source) == ["Exception", None] * 4


def test_broad_in_a_tuple_reads_only_classes() -> None:
    lib = library("REL205", "tenacity")
    head = "import tenacity\nfrom tenacity import retry_if_exception_type as t\n"
    source = head + "probe(tenacity.retry(retry=t(make())))\nprobe(tenacity.retry(retry=(OSError, t(Exception))))\n"
    assert broad(lib, source) == [None, None]


def test_tables_without_waits_or_random_jitter_lists() -> None:
    strategy = Library.parse({"name": "x", "targets": ["x.r"], "model": "strategy", "wait": "wait"})
    assert waits(strategy, "import x\nprobe(x.r(wait=x.fixed(1)))\n") == [None]
    generator = Library.parse({"name": "x", "targets": ["x.r"], "model": "generator"})
    assert waits(generator, "import x\nprobe(x.r(x.expo))\n") == [None]
    jitter = Library.parse(
        {
            "name": "x",
            "targets": ["x.r"],
            "model": "generator",
            "wait": {"position": 0},
            "waits": {"x.expo": "exponential"},
            "jitter": {"keyword": "jitter"},
        }
    )
    assert waits(jitter, "import x\nprobe(x.r(x.expo, jitter=x.full))\n") == [None]


# -- max_attempts -------------------------------------------------------------------------------


def attempts(lib: Library, source: str) -> list[int | None]:
    from resilint.checks.retries.policies import max_attempts

    return at_probes(source, lambda names, module, call: max_attempts(lib, call, names))


@pytest.mark.parametrize(
    "expr,found",
    [
        ("probe(tenacity.retry(stop=stop_after_attempt(3)))", 3),
        ("probe(tenacity.Retrying(sleep, stop_after_attempt(4)))", 4),
        ("probe(tenacity.retry(stop=stop_after_attempt(3) | stop_after_delay(5)))", 3),
        ("probe(tenacity.retry(stop=stop_after_attempt(5) | stop_after_attempt(2)))", 2),
        ("probe(tenacity.retry(stop=stop_after_delay(5) | stop_after_delay(2)))", None),
        ("probe(tenacity.retry(stop=stop_any(stop_after_delay(1), stop_after_attempt(4), stop_after_attempt(6))))", 4),
        ("probe(tenacity.retry(stop=stop_any(stop_after_delay(1))))", None),
        ("probe(tenacity.retry(stop=stop_any(*stops)))", None),
        ("probe(tenacity.retry(stop=stop_after_attempt(3) & stop_after_delay(5)))", None),
        ("probe(tenacity.retry(stop=stop_after_attempt(n)))", None),
        ("N = 7\nprobe(tenacity.retry(stop=stop_after_attempt(N)))", 7),
        ("S = stop_after_attempt(8)\nprobe(tenacity.retry(stop=S))", 8),
        ("probe(tenacity.retry(stop=stop_after_attempt(-1)))", None),
        ("probe(tenacity.retry(stop=stop_after_attempt(True)))", None),
        ("probe(tenacity.retry(stop=stop_after_attempt(max_attempt_number=3)))", None),
        ("probe(tenacity.retry(stop=stop_after_attempt(3, 4)))", None),
        ("probe(tenacity.retry(stop=other(3)))", None),
        ("probe(tenacity.retry(stop=stop_never))", None),
        ("probe(tenacity.retry())", None),
        ("probe()", None),
        ("probe(tenacity.retry(**kw))", None),
    ],
)
def test_tenacity_max_attempts(expr: str, found: int | None) -> None:
    head = "import tenacity\nfrom tenacity import stop_after_attempt, stop_after_delay, stop_any, stop_never\n"
    assert attempts(library("REL202", "tenacity"), head + expr + "\n") == [found]


@pytest.mark.parametrize(
    "name,source,found",
    [
        ("urllib3", "from urllib3 import Retry\nprobe(Retry())\n", 11),
        ("urllib3", "from urllib3 import Retry\nprobe(Retry(total=3))\n", 4),
        ("urllib3", "from urllib3 import Retry\nprobe(Retry(0))\n", 1),
        ("urllib3", "from urllib3 import Retry\nprobe(Retry(total=None))\n", None),
        ("urllib3", "from urllib3 import Retry\nprobe(Retry(total=False))\n", None),
        ("stamina", "import stamina\nprobe(stamina.retry(on=E))\n", 10),
        ("stamina", "import stamina\nprobe(stamina.retry(on=E, attempts=3))\n", 3),
        ("backoff", "import backoff\nprobe(backoff.on_exception(backoff.expo, E, max_tries=5))\n", 5),
        ("backoff", "import backoff\nprobe(backoff.on_exception(backoff.expo, E))\n", None),
        ("backoff", "import backoff\nprobe(backoff.on_exception(backoff.expo, E, max_tries=2.5))\n", None),
    ],
)
def test_max_attempts_of_other_libraries(name: str, source: str, found: int | None) -> None:
    assert attempts(library("REL202", name), source) == [found]


def test_max_attempts_without_a_table() -> None:
    assert attempts(Library.parse({"name": "x", "targets": ["x.r"]}), "import x\nprobe(x.r(tries=3))\n") == [None]


def test_max_attempts_depth_limit() -> None:
    lib = library("REL202", "tenacity")
    head = "import tenacity\nfrom tenacity import stop_after_attempt as a, stop_after_delay as d\n"

    def right(n: int) -> str:
        text = "a(3)"
        for _ in range(n):
            text = f"d(1) | ({text})"
        return text

    assert attempts(lib, head + f"probe(tenacity.retry(stop={right(20)}))\nprobe(tenacity.retry(stop={right(21)}))\n") == [3, None]
