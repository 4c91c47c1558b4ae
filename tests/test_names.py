"""names.NameResolver: imports and aliases resolve; shadowing names do not."""

from __future__ import annotations

import textwrap

import libcst as cst

from resilint.engine.names import NameResolver


class _Recorder(cst.CSTVisitor):
    """Drives the resolver like the engine does and records every call's resolution."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module
        self.names = NameResolver(module)
        self.calls: list[tuple[str, str | None, str | None]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.names.enter(node)
        if isinstance(node, cst.Call):
            written = self.module.code_for_node(node.func)
            receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
            made_by = self.names.constructor(receiver) if receiver is not None else None
            self.calls.append((written, self.names.call_name(node), made_by.qualname if made_by else None))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.names.leave(original_node)


def resolve(source: str) -> list[tuple[str, str | None, str | None]]:
    module = cst.parse_module(textwrap.dedent(source))
    recorder = _Recorder(module)
    module.visit(recorder)
    return recorder.calls


def names_of(source: str) -> dict[str, str | None]:
    return {written: qualified for written, qualified, _ in resolve(source)}


def test_import_forms_resolve() -> None:
    got = names_of(
        """
        import requests
        import requests as rq
        import urllib.request
        from requests import get as fetch
        from urllib.request import urlopen as open_url
        from os import path
        requests.get(u)
        rq.post(u)
        urllib.request.urlopen(u)
        fetch(u)
        open_url(u)
        path.join(a)
        """
    )
    assert got == {
        "requests.get": "requests.get",
        "rq.post": "requests.post",
        "urllib.request.urlopen": "urllib.request.urlopen",
        "fetch": "requests.get",
        "open_url": "urllib.request.urlopen",
        "path.join": "os.path.join",
    }


def test_relative_and_star_imports_do_not_resolve_to_absolute_names() -> None:
    got = names_of(
        """
        from . import requests
        from .client import get
        from requests import *
        requests.get(u)
        get(u)
        post(u)
        """
    )
    assert got["requests.get"] == ".requests.get"
    assert got["get"] == ".client.get"
    assert got["post"] is None


def test_parameters_locals_loop_with_and_except_targets_shadow() -> None:
    got = resolve(
        """
        import requests

        def param(requests):
            requests.get(u)

        def local():
            requests = make()
            requests.get(u)

        def loop(items):
            for requests in items:
                requests.get(u)

        def with_target():
            with open(f) as requests:
                requests.get(u)

        def handler():
            try:
                pass
            except Exception as requests:
                requests.get(u)

        def comprehension(items):
            return [requests.get(u) for requests in items]

        lam = lambda requests: requests.get(u)

        def still_module():
            requests.get(u)
        """
    )
    resolved = [q for w, q, _ in got if w == "requests.get"]
    assert resolved == [None, None, None, None, None, None, None, "requests.get"]


def test_attribute_named_like_a_module_is_not_the_module() -> None:
    got = names_of(
        """
        import requests

        class C:
            def m(self):
                self.requests.get(u)
                obj.requests.get(u)
        """
    )
    assert got == {"self.requests.get": None, "obj.requests.get": None}


def test_class_body_names_are_not_visible_in_methods() -> None:
    got = resolve(
        """
        import requests

        class C:
            requests = None
            requests.get(u)

            def m(self):
                requests.get(u)
        """
    )
    assert [q for w, q, _ in got] == [None, "requests.get"]


def test_module_import_survives_importerror_fallback_and_is_seen_before_its_line() -> None:
    got = resolve(
        """
        def early():
            requests.get(u)

        try:
            import requests
        except ImportError:
            requests = None
        requests.get(u)
        """
    )
    assert [q for w, q, _ in got] == ["requests.get", "requests.get"]


def test_function_level_import() -> None:
    got = resolve(
        """
        def f():
            import requests as r
            r.get(u)

        def g():
            r.get(u)
        """
    )
    assert [q for w, q, _ in got] == ["requests.get", None]


def test_decorator_and_defaults_resolve_in_the_enclosing_scope() -> None:
    got = resolve(
        """
        import tenacity

        @tenacity.retry()
        def f(tenacity=tenacity.stop_never()):
            tenacity.wait()
        """
    )
    assert [q for w, q, _ in got] == ["tenacity.retry", "tenacity.stop_never", None]


def test_constructor_tracking() -> None:
    got = resolve(
        """
        import requests
        from requests import Session

        module_session = requests.Session()

        def local():
            s = Session()
            s.get(u)

        def with_target():
            with requests.Session() as s:
                s.get(u)

        def temporary():
            requests.Session().get(u)

        def reassigned():
            s = requests.Session()
            s = other()
            s.get(u)

        def module_level():
            module_session.get(u)

        class Client:
            def __init__(self):
                self.http = requests.session()
                self.cache = None

            def call(self):
                self.http.get(u)
                self.cache.get(u)

        class Ambiguous:
            def __init__(self, http):
                self.http = http

            def call(self):
                self.http.get(u)
        """
    )
    made = [(w, m) for w, _q, m in got if w.endswith(".get")]
    assert made == [
        ("s.get", "requests.Session"),
        ("s.get", "requests.Session"),
        ("requests.Session().get", "requests.Session"),
        ("s.get", None),
        ("module_session.get", "requests.Session"),
        ("self.http.get", "requests.session"),
        ("self.cache.get", None),
        ("self.http.get", None),
    ]


def test_factory_method_on_a_constructed_object() -> None:
    got = resolve(
        """
        import boto3

        def f():
            client = boto3.Session(profile_name="x").client("s3")
            client.delete_bucket(Bucket="b")
        """
    )
    assert ("client.delete_bucket", None, "boto3.Session.client") in got
