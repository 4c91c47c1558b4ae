"""engine.names: import bindings, scopes, shadowing, constructors (unit level).

``probe(expr)`` calls in a snippet are queried at the point the engine would
reach them: the resolver is driven by a visitor exactly as the traversal does
(``enter`` before a node's children, ``leave`` after them)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import libcst as cst
import pytest

from resilint.engine.names import (
    Binding,
    NameResolver,
    dotted_name,
    import_bindings,
    target_names,
)

Query = Callable[[NameResolver, cst.BaseExpression], Any]


def probe(source: str, query: Query) -> list[Any]:
    module = cst.parse_module(textwrap.dedent(source))
    names = NameResolver(module)
    found: list[Any] = []

    class Driver(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            names.enter(node)
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "probe":
                found.append(query(names, node.args[0].value))
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            names.leave(original_node)

    module.visit(Driver())
    assert names.scope is names.module_scope  # every scope pushed was popped
    return found


def qualified(names: NameResolver, expr: cst.BaseExpression) -> str | None:
    return names.qualified_name(expr)


def made_by(names: NameResolver, expr: cst.BaseExpression) -> str | None:
    built = names.constructor(expr)
    return built.qualname if built is not None else None


def made_by_call(names: NameResolver, expr: cst.BaseExpression) -> tuple[str, str] | None:
    """The constructor's name and the call it found, as written."""
    built = names.constructor(expr)
    if built is None:
        return None
    return built.qualname, cst.Module([]).code_for_node(built.call)


def binding(names: NameResolver, expr: cst.BaseExpression) -> Binding | None:
    assert isinstance(expr, cst.Name)
    return names.lookup(expr.value)


def code(node: cst.CSTNode | None) -> str | None:
    return None if node is None else cst.Module([]).code_for_node(node)


def first_statement(source: str) -> cst.CSTNode:
    statement = cst.parse_module(source).body[0]
    assert isinstance(statement, cst.SimpleStatementLine)
    return statement.body[0]


# -- import_bindings / dotted_name / target_names ------------------------------------


@pytest.mark.parametrize(
    "statement,pairs",
    [
        ("import requests", [("requests", "requests")]),
        ("import urllib.request", [("urllib", "urllib")]),
        ("import urllib.request as ur", [("ur", "urllib.request")]),
        ("import a, b.c as d", [("a", "a"), ("d", "b.c")]),
        ("from os import path", [("path", "os.path")]),
        ("from os.path import join as j, split", [("j", "os.path.join"), ("split", "os.path.split")]),
        ("from . import x", [("x", ".x")]),
        ("from .. import x", [("x", "..x")]),
        ("from ..pkg.mod import y as z", [("z", "..pkg.mod.y")]),
        ("from .mod import y", [("y", ".mod.y")]),
        ("from os import *", []),
        ("from os import (a, b)", [("a", "os.a"), ("b", "os.b")]),
    ],
)
def test_import_bindings(statement: str, pairs: list[tuple[str, str]]) -> None:
    node = first_statement(statement)
    assert isinstance(node, (cst.Import, cst.ImportFrom))
    assert list(import_bindings(node)) == pairs


@pytest.mark.parametrize(
    "expr,text",
    [("a", "a"), ("a.b.c", "a.b.c"), ("f().b", None), ("a[0].b", None), ("1", None), ("(a).b", "a.b")],
)
def test_dotted_name(expr: str, text: str | None) -> None:
    assert dotted_name(cst.parse_expression(expr)) == text


def test_dotted_name_of_nothing() -> None:
    assert dotted_name(None) is None


@pytest.mark.parametrize(
    "target,bound",
    [
        ("a", ["a"]),
        ("a, (b, *c)", ["a", "b", "c"]),
        ("[d, [e, f]]", ["d", "e", "f"]),
        ("x.attr", []),
        ("x[0]", []),
        ("a, x.attr, y[0], *rest", ["a", "rest"]),
    ],
)
def test_target_names(target: str, bound: list[str]) -> None:
    assert list(target_names(cst.parse_expression(target))) == bound


# -- qualified names, shadowing and scopes ------------------------------------------


def test_qualified_names_of_attributes_and_unknowns() -> None:
    got = probe(
        """
        import requests as rq
        probe(rq)
        probe(rq.sessions.Session)
        probe(other.get)
        probe(rq().get)
        probe("text")
        """,
        qualified,
    )
    assert got == ["requests", "requests.sessions.Session", None, None, None]


def test_walrus_binds_and_shadows() -> None:
    got = probe(
        """
        import requests

        def f():
            if (requests := make()):
                probe(requests.get)
            if (s := requests.Session()):
                probe(s)

        def g():
            if (t := __import__("x")) is not None:
                probe(t)
            probe(requests.get)
        """,
        lambda names, expr: (qualified(names, expr), made_by(names, expr)),
    )
    assert got == [(None, None), (None, None), (None, None), ("requests.get", None)]


def test_walrus_remembers_the_value_for_constructors() -> None:
    got = probe(
        """
        import requests

        def f():
            while (s := requests.Session()) is None:
                pass
            probe(s)
            print([y := requests.Session(), y])
            probe(y)
        """,
        made_by_call,
    )
    assert got == [("requests.Session", "requests.Session()"), ("requests.Session", "requests.Session()")]


def test_tuple_unpacking_shadows_an_import_in_a_function() -> None:
    got = probe(
        """
        import requests, json

        def f(pair):
            requests, (json, rest) = pair
            probe(requests.get)
            probe(json.loads)
            probe(rest)

        def g():
            probe(requests.get)
        """,
        lambda names, expr: (qualified(names, expr), binding(names, expr) if isinstance(expr, cst.Name) else "-"),
    )
    assert got == [(None, "-"), (None, "-"), (None, Binding()), ("requests.get", "-")]
    # the unpacked names carry no value: a tuple target is not one value
    assert got[2][1].value is None


def test_tuple_unpacking_in_loops_and_with_targets_shadows() -> None:
    got = probe(
        """
        import requests

        def f(items, cm):
            for requests, x in items:
                probe(requests.get)

        def g(cm):
            with cm as (requests, y):
                probe(requests.get)
                probe(y)

        def h():
            probe(requests.get)
        """,
        lambda names, expr: (qualified(names, expr), made_by(names, expr)),
    )
    assert got == [(None, None), (None, None), (None, None), ("requests.get", None)]


def test_module_level_unpacking_keeps_imports_but_binds_the_rest() -> None:
    got = probe(
        """
        import requests
        requests, other = fallback()
        probe(requests.get)
        probe(other)
        """,
        lambda names, expr: (qualified(names, expr), names.binding_scope(expr.value).kind if isinstance(expr, cst.Name) else None),
    )
    assert got == [("requests.get", None), (None, "module")]


def test_cyclic_alias_chain_does_not_loop() -> None:
    got = probe(
        """
        import requests

        def f():
            a = b
            b = a
            probe(a)
            probe(b)
            c = c
            probe(c)
            for t in t:
                probe(t)
            items = items
            for u in items:
                probe(u)
        """,
        lambda names, expr: (made_by(names, expr), qualified(names, expr)),
    )
    assert got == [(None, None)] * 5


def test_cyclic_self_attribute_does_not_loop() -> None:
    got = probe(
        """
        class C:
            def __init__(self):
                self.a = self.b
                self.b = self.a

            def m(self):
                probe(self.a)
        """,
        made_by,
    )
    assert got == [None]


def test_alias_chain_depth_limit() -> None:
    chain = "\n".join(["    x0 = requests.Session()"] + [f"    x{i} = x{i - 1}" for i in range(1, 10)])
    source = "import requests\n\ndef f():\n" + chain + "\n    probe(x6)\n    probe(x7)\n    probe(x8)\n"
    assert probe(source, made_by) == ["requests.Session", "requests.Session", None]


def test_loop_element_depth_limit() -> None:
    chain = "\n".join(["    x0 = [requests.Session() for _ in range(3)]"] + [f"    x{i} = x{i - 1}" for i in range(1, 9)])
    loops = "".join(f"    for e{i} in x{i}:\n        probe(e{i})\n" for i in (4, 5, 6, 7))
    source = "import requests\n\ndef f():\n" + chain + "\n" + loops
    assert probe(source, made_by) == ["requests.Session", "requests.Session", None, None]


def test_class_scope_visible_in_its_own_body_only() -> None:
    got = probe(
        """
        import requests

        class C:
            requests = None
            probe(requests)

            def m(self):
                probe(requests)

            class Inner:
                probe(requests)
        """,
        lambda names, expr: (qualified(names, expr), names.binding_scope("requests").kind),
    )
    assert got == [(None, "class"), ("requests", "module"), ("requests", "module")]


def test_lookup_and_binding_scope_of_unknown_names() -> None:
    got = probe("probe(nothing)\n", lambda names, expr: (names.lookup("nothing"), names.binding_scope("nothing")))
    assert got == [(None, None)]


def test_inner_functions_see_enclosing_function_bindings() -> None:
    got = probe(
        """
        import requests

        def outer():
            s = requests.Session()

            def inner():
                probe(s)
                probe(requests)

            probe(s)
        probe(s)
        """,
        lambda names, expr: (made_by(names, expr), qualified(names, expr), names.in_function()),
    )
    assert got == [
        ("requests.Session", None, True),
        (None, "requests", True),
        ("requests.Session", None, True),
        (None, None, False),
    ]


def test_module_imports_inside_compound_statements_are_seen_before_their_line() -> None:
    got = probe(
        """
        def early():
            probe(a.x)
            probe(b.x)
            probe(c.x)
            probe(d.x)
            probe(e.x)
            probe(f.x)
            probe(g.x)
            probe(h.x)
            probe(i.x)
            probe(j.x)
            probe(k.x)

        if cond:
            import a
        elif other:
            import b
        else:
            import c
        try:
            import d
        except ImportError:
            import e
        else:
            import k
        finally:
            import f
        with ctx:
            import g
        for _ in range(1):
            import h
        while False:
            import i

        def later():
            import j

        class K:
            import j
        """,
        qualified,
    )
    assert got == ["a.x", "b.x", "c.x", "d.x", "e.x", "f.x", "g.x", "h.x", "i.x", None, "k.x"]


def test_elif_chains_are_looked_into() -> None:
    got = probe(
        """
        def early():
            probe(a.x)
            probe(b.x)
            probe(c.x)

        if x:
            pass
        elif y:
            pass
        elif z:
            import a
        else:
            import b
        if q: import c
        """,
        qualified,
    )
    assert got == ["a.x", "b.x", None]


def test_module_import_is_kept_against_plain_assignments_but_not_against_other_imports() -> None:
    got = probe(
        """
        import requests
        requests = None
        probe(requests)
        requests: object = None
        probe(requests)
        requests += 1
        probe(requests)
        import httpx as requests
        probe(requests)
        value = 1
        value = 2
        probe(value)
        """,
        lambda names, expr: (qualified(names, expr), code(binding(names, expr).value) if binding(names, expr) else None),
    )
    assert got == [("requests", None), ("requests", None), ("requests", None), ("httpx", None), (None, "2")]


def test_function_level_assignments_replace_imports() -> None:
    got = probe(
        """
        def f():
            import requests
            probe(requests)
            requests = None
            probe(requests)
        """,
        qualified,
    )
    assert got == ["requests", None]


def test_parameters_of_every_kind_shadow() -> None:
    got = probe(
        """
        import a, b, c, d, e, f, g

        def fn(a, /, b, *c, d, **e):
            probe(a.x)
            probe(b.x)
            probe(c.x)
            probe(d.x)
            probe(e.x)
            probe(f.x)

        lam = lambda a, *g, **f: probe(a.x) or probe(g.x) or probe(f.x) or probe(b.x)
        """,
        qualified,
    )
    assert got == [None, None, None, None, None, "f.x", None, None, None, "b.x"]


def test_parameter_annotations_are_recorded() -> None:
    got = probe(
        """
        def fn(s: requests.Session, t, *args: int, **kw: str):
            probe(s)
            probe(t)
            probe(args)
            probe(kw)
        """,
        lambda names, expr: code(binding(names, expr).annotation),
    )
    assert got == ["requests.Session", None, None, None]


def test_annotated_assignment_keeps_value_and_annotation() -> None:
    got = probe(
        """
        import requests

        def f():
            s: requests.Session = requests.Session()
            probe(s)
            t: int
            probe(t)
        """,
        lambda names, expr: (code(binding(names, expr).value), code(binding(names, expr).annotation), made_by(names, expr)),
    )
    assert got == [("requests.Session()", "requests.Session", "requests.Session"), (None, "int", None)]


def test_augmented_assignment_forgets_the_value() -> None:
    got = probe(
        """
        import requests

        def f():
            s = requests.Session()
            s += other
            probe(s)
        """,
        lambda names, expr: (binding(names, expr), made_by(names, expr)),
    )
    assert got == [(Binding(), None)]


def test_chained_assignment_binds_every_target_without_a_value() -> None:
    got = probe(
        """
        import requests

        def f():
            a = b = requests.Session()
            probe(a)
            probe(b)
            c = requests.Session()
            probe(c)
        """,
        lambda names, expr: code(binding(names, expr).value),
    )
    assert got == [None, None, "requests.Session()"]


def test_except_handlers_bind_their_name() -> None:
    got = probe(
        """
        import requests, httpx

        def f():
            try:
                pass
            except OSError as requests:
                probe(requests)
            except:
                probe(requests)
            try:
                pass
            except* ValueError as httpx:
                probe(httpx)
        """,
        lambda names, expr: (qualified(names, expr), names.binding_scope(expr.value).kind),
    )
    assert got == [(None, "function"), (None, "function"), (None, "function")]


def test_a_bare_except_binds_nothing() -> None:
    got = probe(
        """
        import requests

        def f():
            try:
                pass
            except:
                probe(requests)
        """,
        qualified,
    )
    assert got == ["requests"]


def test_comprehension_targets_are_bound_before_the_element() -> None:
    got = probe(
        """
        import requests

        def f(items, threads):
            [probe(requests) for requests in items]
            {probe(k): v for k, v in items}
            (probe(t) for t in [requests.Session(), requests.Session()])
            {probe(z) for y in items for z in y}
            probe(requests)
        """,
        lambda names, expr: (qualified(names, expr), names.binding_scope(expr.value).kind, made_by(names, expr)),
    )
    assert got == [
        (None, "comprehension", None),
        (None, "comprehension", None),
        (None, "comprehension", "requests.Session"),
        (None, "comprehension", None),
        ("requests", "module", None),
    ]


def test_def_and_class_names_shadow_imports() -> None:
    got = probe(
        """
        import requests, httpx

        def f():
            def requests():
                pass
            class httpx:
                pass
            probe(requests)
            probe(httpx)
        """,
        lambda names, expr: (qualified(names, expr), binding(names, expr)),
    )
    assert got[0] == (None, Binding())
    assert got[1][0] is None and got[1][1] is not None
    assert got[1][1].qualname is None and got[1][1].subclass_of is None and got[1][1].extends is None
    assert isinstance(got[1][1].class_def, cst.ClassDef) and got[1][1].class_def.name.value == "httpx"


# -- constructors ---------------------------------------------------------------------


def test_constructor_of_temporaries_names_with_and_factories() -> None:
    got = probe(
        """
        import requests, boto3
        from contextlib import closing

        def f(stack):
            probe(requests.Session())
            s = requests.Session()
            probe(s)
            with requests.Session() as w:
                probe(w)
            with make() as (x, y):
                probe(x)
            probe(boto3.Session().client("s3"))
            probe(boto3.Session().client("s3").get_paginator("x"))
            probe(closing(requests.Session()))
            probe(stack.enter_context(requests.Session()))
            probe(stack.enter_async_context(requests.Session()))
            probe(stack.enter_context(cm=requests.Session()))
            probe(stack.enter_context(*sessions))
            probe(stack.enter_context())
            probe(stack.other(requests.Session()))
            probe(closing(x=requests.Session()))
            probe(unknown())
            probe(unknown().method())
            probe(s.attr)
            probe(1)
        """,
        made_by_call,
    )
    assert got == [
        ("requests.Session", "requests.Session()"),
        ("requests.Session", "requests.Session()"),
        ("requests.Session", "requests.Session()"),
        None,
        ("boto3.Session.client", 'boto3.Session().client("s3")'),
        ("boto3.Session.client.get_paginator", 'boto3.Session().client("s3").get_paginator("x")'),
        ("requests.Session", "requests.Session()"),
        ("requests.Session", "requests.Session()"),
        ("requests.Session", "requests.Session()"),
        None,
        None,
        None,
        None,
        ("contextlib.closing", "closing(x=requests.Session())"),
        None,
        None,
        None,
        None,
    ]


def test_imported_enter_context_is_not_a_pass_through() -> None:
    got = probe(
        """
        import requests
        from lib import helpers

        def f():
            probe(helpers.enter_context(requests.Session()))
        """,
        made_by,
    )
    assert got == ["lib.helpers.enter_context"]


def test_plain_subclasses() -> None:
    got = probe(
        """
        import requests

        class Plain(requests.Session):
            def __init__(self):
                super().__init__()

        class Plainer(Plain):
            x = 1

        class Overrides(requests.Session):
            def get(self, url):
                pass

        class TwoBases(requests.Session, Mixin):
            pass

        class Keyword(requests.Session, metaclass=Meta):
            pass

        class KeywordBase(base=requests.Session):
            pass

        class Local(Unknown):
            pass

        class LocalOfLocal(Local):
            pass

        class Attr(requests.sessions.Session):
            pass

        def f():
            probe(Plain())
            probe(Plainer())
            probe(Overrides())
            probe(TwoBases())
            probe(Keyword())
            probe(KeywordBase())
            probe(Local())
            probe(LocalOfLocal())
            probe(Attr())
        """,
        made_by,
    )
    assert got == ["requests.Session", "requests.Session", None, None, None, None, None, None, "requests.sessions.Session"]


def test_plain_subclass_binding_records_the_base() -> None:
    got = probe(
        """
        import requests

        class Plain(requests.Session):
            pass

        probe(Plain)
        """,
        lambda names, expr: binding(names, expr).subclass_of,
    )
    assert got == ["requests.Session"]


def test_self_attributes_must_agree() -> None:
    got = probe(
        """
        import requests, httpx

        class A:
            shared = requests.Session()
            typed: requests.Session = requests.Session()
            declared: int

            def __init__(self, flag):
                self.http = requests.Session()
                self.maybe = None
                if flag:
                    self.maybe = requests.Session()
                self.mixed = requests.Session()
                self.unknown = make()
                self.note: requests.Session = requests.Session()

            def reset(this):
                this.mixed = httpx.Client()

            def ctx(self):
                with requests.Session() as self.managed, make() as other:
                    pass

            @staticmethod
            def helper(self):
                self.http = httpx.Client()

            def noparams():
                pass

            def call(self, other):
                probe(self.http)
                probe(self.maybe)
                probe(self.mixed)
                probe(self.unknown)
                probe(self.note)
                probe(self.managed)
                probe(self.shared)
                probe(self.typed)
                probe(self.declared)
                probe(self.missing)
                probe(other.http)
                probe(self.http.inner)
        """,
        made_by,
    )
    assert got == [
        "requests.Session",
        "requests.Session",
        None,
        None,
        "requests.Session",
        "requests.Session",
        "requests.Session",
        "requests.Session",
        None,
        None,
        None,
        None,
    ]


def test_self_attribute_values_only_for_the_first_parameter_of_a_method() -> None:
    got = probe(
        """
        import requests

        class A:
            def __init__(self):
                self.http = requests.Session()
                self.pair = self.twin = requests.Session()
                obj.http = requests.Session()
                self.http.inner = requests.Session()

            def m(self):
                probe(self.http)
                probe(self.pair)
                probe(self.twin)
                probe(self.inner)

            @classmethod
            def c(cls):
                probe(cls.http)

            @staticmethod
            def s(self):
                probe(self.http)

            def posonly(me, /):
                probe(me.http)

        def free(self):
            probe(self.http)

        def outer():
            class B:
                def __init__(self):
                    self.http = requests.Session()
                def m(self):
                    def inner():
                        probe(self.http)
                    probe(self.http)
        """,
        lambda names, expr: [code(v) for v in names.self_attribute_values(expr)],
    )
    assert got == [
        ["requests.Session()"],
        ["requests.Session()"],
        ["requests.Session()"],
        [],
        [],
        [],
        ["requests.Session()"],
        [],
        [],
        ["requests.Session()"],
    ]


def test_self_attribute_values_need_an_attribute_of_a_name() -> None:
    got = probe("probe(f().x)\nprobe(x)\n", lambda names, expr: names.self_attribute_values(expr))
    assert got == [(), ()]


def test_nested_blocks_in_methods_are_scanned() -> None:
    got = probe(
        """
        import requests

        class A:
            def __init__(self, flag):
                try:
                    self.a = requests.Session()
                except OSError:
                    self.b = requests.Session()
                for _ in range(2):
                    self.c = requests.Session()
                with lock:
                    self.d = requests.Session()
                    with requests.Session() as self.e:
                        pass
                def inner(self):
                    self.f = requests.Session()

            def m(self):
                probe(self.a)
                probe(self.b)
                probe(self.c)
                probe(self.d)
                probe(self.e)
                probe(self.f)
        """,
        made_by,
    )
    assert got == ["requests.Session"] * 4 + ["requests.Session", None]


def test_one_line_class_bodies_have_no_attributes() -> None:
    got = probe(
        """
        import requests

        class A: http = requests.Session()

        class B:
            def m(self): self.http = requests.Session()
            def n(self):
                probe(self.http)
        """,
        made_by,
    )
    assert got == [None]


def test_loop_elements() -> None:
    got = probe(
        """
        import threading

        def f(run, pool):
            threads = [threading.Thread(target=run) for _ in range(3)]
            for t in threads:
                probe(t)
            for u in (threading.Event(), threading.Event()):
                probe(u)
            for v in [threading.Event(), threading.Lock()]:
                probe(v)
            for w in {threading.Lock(): 1 for _ in range(2)}:
                probe(w)
            for x in {threading.Lock() for _ in range(2)}:
                probe(x)
            for y in (threading.Event() for _ in range(2)):
                probe(y)
            for z in []:
                probe(z)
            for a in [threading.Event(), *more]:
                probe(a)
            for b in [threading.Event(), make()]:
                probe(b)
            for c in pool:
                probe(c)
            for d in unknown:
                probe(d)
            for e, g in [(threading.Event(), 1)]:
                probe(e)
            for h in {threading.Event()}:
                probe(h)
        """,
        made_by,
    )
    assert got == [
        "threading.Thread",
        "threading.Event",
        None,
        "threading.Lock",
        "threading.Lock",
        "threading.Event",
        None,
        None,
        None,
        None,
        None,
        None,
        "threading.Event",
    ]


def test_loop_binding_remembers_the_iterable() -> None:
    got = probe(
        """
        def f(items):
            for one in items:
                probe(one)
            for a, b in items:
                probe(a)
        """,
        lambda names, expr: (code(binding(names, expr).element_of), binding(names, expr).value),
    )
    assert got == [("items", None), (None, None)]


def test_with_binding_remembers_the_item() -> None:
    got = probe(
        """
        def f():
            with open(p) as fh, lock:
                probe(fh)
        """,
        lambda names, expr: code(binding(names, expr).value),
    )
    assert got == ["open(p)"]


def test_scopes_are_popped_after_functions_lambdas_and_comprehensions() -> None:
    got = probe(
        """
        import requests

        def f(requests):
            pass
        probe(requests)
        g = lambda requests: 1
        probe(requests)
        [1 for requests in x]
        probe(requests)
        class C:
            requests = 1
        probe(requests)
        """,
        qualified,
    )
    assert got == ["requests"] * 4


def test_decorators_and_defaults_are_outside_the_function_scope() -> None:
    got = probe(
        """
        import tenacity

        @probe(tenacity)
        def f(tenacity=probe(tenacity)):
            probe(tenacity)
        """,
        qualified,
    )
    assert got == ["tenacity", "tenacity", None]


def test_binding_defaults_are_empty() -> None:
    assert Binding() == Binding(None, None, None, None, None)
    resolver = NameResolver(cst.parse_module("import a.b as c\n"))
    assert resolver.module_scope.kind == "module"
    assert resolver.module_scope.parent is None
    assert resolver.lookup("c") == Binding(qualname="a.b")
    assert resolver.in_function() is False


# -- found by mutation testing ----------------------------------------------------------


def test_deep_dotted_import_binds_its_top_package() -> None:
    assert list(import_bindings(first_statement("import a.b.c"))) == [("a", "a")]


def test_target_names_of_a_starred_element() -> None:
    assert list(target_names(cst.StarredElement(cst.Name("rest")))) == ["rest"]


def test_the_module_scope_belongs_to_the_module() -> None:
    module = cst.parse_module("x = 1\n")
    resolver = NameResolver(module)
    assert resolver.module_scope.node is module
    assert resolver.scope is resolver.module_scope


def _nested(depth: int, inner: str, wrap: str) -> str:
    text = inner
    for _ in range(depth):
        text = wrap.format(text)
    return text


def test_pass_through_depth_limit() -> None:
    eight = _nested(8, "requests.Session()", "closing({})")
    nine = _nested(9, "requests.Session()", "closing({})")
    source = f"import requests\nfrom contextlib import closing\nprobe({eight})\nprobe({nine})\n"
    assert probe(source, made_by) == ["requests.Session", None]


def test_factory_chain_depth_limit() -> None:
    eight = "requests.Session()" + "".join(f".m{i}()" for i in range(8))
    nine = "requests.Session()" + "".join(f".m{i}()" for i in range(9))
    source = f"import requests\nprobe({eight})\nprobe({nine})\n"
    assert probe(source, made_by) == ["requests.Session." + ".".join(f"m{i}" for i in range(8)), None]


def test_self_attribute_chain_depth_limit() -> None:
    assigns = "\n".join(["        self.a0 = requests.Session()"] + [f"        self.a{i} = self.a{i - 1}" for i in range(1, 9)])
    source = (
        "import requests\n\nclass C:\n    def __init__(self):\n" + assigns + "\n\n"
        "    def m(self):\n        probe(self.a7)\n        probe(self.a8)\n"
    )
    assert probe(source, made_by) == ["requests.Session", None]


@pytest.mark.parametrize(
    "collection,deepest_found",
    [
        ("{requests.Session(): 1 for _ in range(2)}", 5),
        ("[requests.Session(), requests.Session()]", 5),
        ("(requests.Session() for _ in range(2))", 5),
    ],
)
def test_collection_element_depth_limits(collection: str, deepest_found: int) -> None:
    chain = "\n".join([f"    x0 = {collection}"] + [f"    x{i} = x{i - 1}" for i in range(1, 9)])
    loops = "".join(f"    for e{i} in x{i}:\n        probe(e{i})\n" for i in (deepest_found, deepest_found + 1))
    source = "import requests\n\ndef f():\n" + chain + "\n" + loops
    assert probe(source, made_by) == ["requests.Session", None]


def test_loop_over_a_call_or_a_subscript_is_not_traced() -> None:
    got = probe(
        """
        import threading

        def f(table):
            for t in make():
                probe(t)
            for u in table[0]:
                probe(u)
        """,
        made_by,
    )
    assert got == [None, None]


def test_self_attributes_from_comprehensions_and_lambdas_in_a_method() -> None:
    got = probe(
        """
        import requests

        class C:
            def __init__(self):
                self.http = requests.Session()

            def m(self, items):
                [probe(self.http) for _ in items]
                (lambda: probe(self.http))()
                probe(make().http)
                probe(self.http)
        """,
        lambda names, expr: (made_by(names, expr), names.in_function()),
    )
    assert got == [("requests.Session", True), ("requests.Session", True), (None, True), ("requests.Session", True)]


def test_lambda_scope_kind_and_except_binding() -> None:
    got = probe(
        """
        import requests

        f = lambda requests: probe(requests)

        def g():
            try:
                pass
            except OSError as requests:
                probe(requests)
        """,
        lambda names, expr: (names.binding_scope("requests").kind, names.lookup("requests")),
    )
    assert got == [("lambda", Binding()), ("function", Binding())]


def test_with_tuple_target_has_no_value() -> None:
    got = probe(
        """
        import requests

        def f():
            with requests.Session() as (x, y):
                probe(x)
            with requests.Session() as [z]:
                probe(z)
        """,
        lambda names, expr: (made_by(names, expr), binding(names, expr)),
    )
    assert got == [(None, Binding()), (None, Binding())]


def test_plain_subclass_of_a_from_import() -> None:
    got = probe(
        """
        from requests import Session

        class Plain(Session):
            pass

        probe(Plain())
        """,
        made_by_call,
    )
    assert got == [("requests.Session", "Plain()")]


def test_match_statements_are_walked_without_error() -> None:
    got = probe(
        """
        import requests

        match command:
            case "a":
                import httpx
            case _:
                pass

        class C:
            def __init__(self, mode):
                match mode:
                    case 1:
                        self.http = requests.Session()
                self.other = requests.Session()

            def m(self):
                probe(self.other)
                probe(self.http)
        """,
        made_by,
    )
    assert got == ["requests.Session", None]


def test_methods_after_a_parameterless_one_are_still_scanned() -> None:
    got = probe(
        """
        import requests

        class C:
            def broken():
                pass

            @staticmethod
            def helper():
                pass

            def __init__(self):
                self.http = requests.Session()

            def m(self):
                probe(self.http)
        """,
        made_by,
    )
    assert got == ["requests.Session"]


# -- declared types, filled collections, local subclasses (issue 16 additions) ----------


def declared(names: NameResolver, expr: cst.BaseExpression) -> str | None:
    return names.declared_type(expr)


def test_declared_type_of_names() -> None:
    got = probe(
        """
        import requests, typing
        from typing import Optional, Union

        def f(a: requests.Session, b: Optional[requests.Session], c: "requests.Session", d: requests.Session | None,
              e: Union[requests.Session, None], g: requests.Session | int, h: typing.Optional[requests.Session],
              i: "not valid (", j: Union[requests.Session, requests.Client], k, m: dict[str, int], n: b"x",
              o: None | requests.Session, p: Union[None, Unknown]):
            probe(a)
            probe(b)
            probe(c)
            probe(d)
            probe(e)
            probe(g)
            probe(h)
            probe(i)
            probe(j)
            probe(k)
            probe(m)
            probe(n)
            probe(o)
            probe(p)
            probe(requests)
            probe(undefined)
            probe(f().x)
            probe(1)
            s: requests.Session = make()
            probe(s)
        """,
        declared,
    )
    assert got == [
        "requests.Session",
        "requests.Session",
        "requests.Session",
        "requests.Session",
        "requests.Session",
        None,
        "requests.Session",
        None,
        None,
        None,
        None,
        None,
        "requests.Session",
        None,
        None,
        None,
        None,
        None,
        "requests.Session",
    ]


def test_declared_type_of_self_attributes() -> None:
    got = probe(
        """
        import requests

        class A:
            typed: requests.Session
            plain = 1

            def __init__(self, http: requests.Session, other, *, kw: requests.Session, maybe: requests.Session = None):
                self.http = http
                self.other = other
                self.kw = kw
                self.ann: requests.Session = make()
                self.none = None
                self.none_typed: requests.Session = None
                self.mixed = http
                self.pair = self.twin = http
                self.plain = http
                self.aug = http
                self.aug += 1
                with make() as self.ctx:
                    pass
                if maybe:
                    self.maybe = maybe

            def reset(self, c: requests.Client):
                self.mixed = c

            @staticmethod
            def helper(self, x: requests.Client):
                self.http = x

            def noparams():
                pass

            def m(self):
                probe(self.http)
                probe(self.other)
                probe(self.kw)
                probe(self.ann)
                probe(self.none)
                probe(self.none_typed)
                probe(self.mixed)
                probe(self.pair)
                probe(self.typed)
                probe(self.plain)
                probe(self.aug)
                probe(self.ctx)
                probe(self.maybe)
                probe(self.missing)
                probe(other.http)
                probe(make().http)

        def free(self):
            probe(self.http)
        """,
        declared,
    )
    assert got == [
        "requests.Session",
        None,
        "requests.Session",
        "requests.Session",
        None,
        "requests.Session",
        None,
        None,
        "requests.Session",
        None,
        None,
        None,
        "requests.Session",
        None,
        None,
        None,
        None,
    ]


def test_filled_collections() -> None:
    got = probe(
        """
        import threading, collections

        def f(run, n):
            threads = []
            for _ in range(n):
                threads.append(threading.Thread(target=run))
            for t in threads:
                probe(t)
            events = set()
            events.add(threading.Event())
            events.add(threading.Event())
            for e in events:
                probe(e)
            mixed = list()
            mixed.append(threading.Event())
            mixed.insert(0, threading.Lock())
            for m in mixed:
                probe(m)
            inserted = []
            inserted.insert(0, threading.Lock())
            for i in inserted:
                probe(i)
            extended = []
            extended.extend([threading.Lock()])
            for x in extended:
                probe(x)
            untouched = []
            for u in untouched:
                probe(u)
            keyword = []
            keyword.append(object=threading.Lock())
            for k in keyword:
                probe(k)
            starred = []
            starred.append(*locks)
            for s in starred:
                probe(s)
            full = [threading.Lock()]
            full.append(threading.Event())
            for y in full:
                probe(y)
            other = make()
            other.append(threading.Lock())
            for z in other:
                probe(z)
            deque = collections.deque()
            deque.append(threading.Lock())
            for d in deque:
                probe(d)
            obj.items.append(threading.Lock())
            unknown.append(threading.Lock())
            later = []
            for w in later:
                probe(w)
            later.append(threading.Lock())
            tuple_ = ()
            for v in tuple_:
                probe(v)
        """,
        made_by,
    )
    assert got == [
        "threading.Thread",
        "threading.Event",
        None,
        "threading.Lock",
        None,
        None,
        None,
        None,
        "threading.Lock",
        None,
        None,
        None,
        None,
    ]


def test_local_subclasses_with_overrides() -> None:
    got = probe(
        """
        import threading
        from threading import Thread

        class Plain(threading.Thread):
            pass

        class Writer(threading.Thread):
            def run(self):
                pass

        class Deeper(Writer):
            def run(self):
                pass

        class OnPlain(Plain):
            def run(self):
                pass

        class Two(threading.Thread, Mixin):
            def run(self):
                pass

        class Kw(Thread, metaclass=M):
            def run(self):
                pass

        class Local(Unknown):
            def run(self):
                pass

        def f():
            probe(Plain())
            probe(Writer())
            probe(Deeper())
            probe(OnPlain())
            probe(Two())
            probe(Kw())
            probe(Local())
        """,
        lambda names, expr: (
            made_by(names, expr),
            (lambda c: (c.qualname, c.through.name.value if c.through else None) if c else None)(names.constructor(expr, subclasses=True)),
        ),
    )
    assert got == [
        ("threading.Thread", ("threading.Thread", "Plain")),
        (None, ("threading.Thread", "Writer")),
        (None, None),
        (None, ("threading.Thread", "OnPlain")),
        (None, None),
        (None, None),
        (None, None),
    ]


def test_filled_collection_of_local_subclasses() -> None:
    got = probe(
        """
        import threading

        class Plain(threading.Thread):
            def __init__(self):
                super().__init__()

        class Writer(threading.Thread):
            def run(self):
                pass

        class OneLine(threading.Thread): pass

        def f():
            plain = []
            plain.append(Plain())
            for p in plain:
                probe(p)
            writers = []
            writers.append(Writer())
            for w in writers:
                probe(w)
            both = []
            both.append(Writer())
            both.append(threading.Thread())
            for b in both:
                probe(b)
            same = []
            same.append(Writer())
            same.append(Writer())
            for s in same:
                probe(s)
        """,
        lambda names, expr: (made_by(names, expr), (lambda c: c.qualname if c else None)(names.constructor(expr, subclasses=True))),
    )
    assert got == [
        ("threading.Thread", "threading.Thread"),
        (None, "threading.Thread"),
        (None, None),
        (None, "threading.Thread"),
    ]


def test_subclass_agreement_on_self_attributes_and_lists() -> None:
    got = probe(
        """
        import threading

        class W1(threading.Thread):
            def run(self):
                pass

        class W2(threading.Thread):
            def run(self):
                pass

        class C:
            def __init__(self, flag):
                self.same = W1()
                if flag:
                    self.same = W1()
                self.two = W1()
                if flag:
                    self.two = W2()

            def m(self):
                probe(self.same)
                probe(self.two)
                probe([W1(), W2()][0])
                for x in [W1(), W1()]:
                    probe(x)
                for y in [W1(), W2()]:
                    probe(y)
        """,
        lambda names, expr: (lambda c: c.qualname if c else None)(names.constructor(expr, subclasses=True)),
    )
    assert got == ["threading.Thread", None, None, "threading.Thread", None]


def test_a_one_line_subclass_is_a_plain_subclass_of_its_base() -> None:
    """``class S(requests.Session): pass`` on one line defines no method: ``S()``
    is a requests.Session, exactly as the two-line spelling is."""
    import libcst as cst

    from resilint.engine.names import NameResolver
    from resilint.engine.walk import walk

    module = cst.parse_module("import requests\nclass S(requests.Session): pass\ns = S()\ns.get(u)\n")
    resolver = NameResolver(module)
    seen: list[str | None] = []

    def enter(node: cst.CSTNode) -> None:
        resolver.enter(node)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
            built = resolver.constructor(node.func.value)
            seen.append(built.qualname if built is not None else None)

    walk(module, enter, resolver.leave)
    assert seen == ["requests.Session"]
