"""REL601 swallowed exceptions: what counts as broad, what counts as doing nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

from resilint.config.settings import Config
from resilint.engine.core import Engine

ENGINE = Engine(Config(root=Path(__file__).parent, select=("REL601",)))


def spans(source: str) -> list[tuple[int, int]]:
    result = ENGINE.check_source(textwrap.dedent(source), "app.py")
    return [(f.span.line, f.span.column) for f in result.findings]


def test_reported_at_the_except_keyword() -> None:
    source = """
        try:
            work()
        except Exception:
            pass
        try:
            work()
        except    (KeyError, BaseException):
            continue_ = None
    """
    assert spans(source) == [(4, 1)]


def test_shadowed_exception_name_is_not_the_builtin() -> None:
    source = """
        Exception = MyError

        try:
            work()
        except Exception:
            pass
    """
    assert spans(source) == []


def test_handler_that_uses_logs_or_returns_is_fine() -> None:
    for body in ("log.warning('x')", "raise", "return False", "errors.append(1)", "break"):
        source = f"""
            for _ in range(3):
                try:
                    work()
                except Exception:
                    {body}
        """
        assert spans(source) == [], body


def test_docstring_ellipsis_continue_and_to_do_comments_are_inert() -> None:
    source = """
        for _ in range(3):
            try:
                work()
            except:
                # TODO: ignore
                ...
                continue
    """
    assert spans(source) == [(5, 5)]


def test_a_comment_that_explains_the_swallow_makes_it_deliberate() -> None:
    explained = ["# ignore", "# the cache is optional", "# noqa: BLE001 -- cold cache is harmless"]
    not_explained = ["# TODO: log", "# FIXME", "# noqa: BLE001", "# type: ignore", "# pragma: no cover",
                     "# log.exception('x')", "# raise"]
    for comment in explained + not_explained:
        for where in ("handler", "above_try", "try_line"):
            handler = f"except Exception:  {comment}" if where == "handler" else "except Exception:"
            above = comment if where == "above_try" else "y = 2"
            try_line = f"try:  {comment}" if where == "try_line" else "try:"
            source = f"""
                x = 1
                {above}
                {try_line}
                    work()
                {handler}
                    pass
                use(x)
            """
            expected = [] if comment in explained else [(6, 1)]
            assert spans(source) == expected, (comment, where)


def test_error_path_fallback_and_outcome_shapes() -> None:
    source = """
        import logging
        logger = logging.getLogger(__name__)

        def f(resp):
            try:
                run()
            except ValueError:
                logger.warning("failed")
                try:
                    d = resp.json()
                except Exception:
                    pass
                show(d)
            except KeyError:
                try:
                    d = resp.json()
                except Exception:
                    pass
                show(d)
            lang = "en"
            try:
                lang = detect()
            except Exception:
                pass
            try:
                other = detect()
            except Exception:
                pass
            try:
                return detect()
            except Exception:
                pass
            return lang, other
    """
    assert spans(source) == [(18, 9), (28, 5)]


def test_the_prefilter_sees_every_spelling_of_an_inert_broad_handler() -> None:
    # Each file holds nothing else any rule looks for: the prefilter alone decides
    # whether it is parsed, so each spelling must reach the rule.
    cases = {
        "try:\n    work()\nexcept  :\n    pass\n": [(3, 1)],  # two spaces before the colon
        "try:\n    work()\nexcept\t:\n    ...\n": [(3, 1)],
        "try:\n    work()\nexcept Exception as exc:  # TODO\n    # FIXME\n    pass\nwork()\n": [(3, 1)],
        "import builtins\ntry:\n    work()\nexcept (\n    KeyError,\n    builtins.BaseException,\n):\n    'ignored'\n": [(4, 1)],
        "try:\n    work()\nexcept Exception: continue\n": [(3, 1)],
        "try:\n    work()\nexcept Exception:\n    log(exc)\n": [],  # not inert: never parsed, never reported
    }
    for source, expected in cases.items():
        prefiltered = ENGINE.check_source(source, "app.py")
        whole = Engine(Config(root=Path(__file__).parent, select=("REL601",)), prefilter=False).check_source(source, "app.py")
        assert [(f.span.line, f.span.column) for f in prefiltered.findings] == expected, source
        assert prefiltered == whole, source


def test_opt_in_reported_only_when_selected_by_name() -> None:
    source = "try:\n    work()\nexcept Exception:\n    pass\nwork()\n"
    root = Path(__file__).parent
    assert [f.code for f in Engine(Config(root=root)).check_source(source, "app.py").findings] == []
    assert [f.code for f in Engine(Config(root=root, select=("REL6",))).check_source(source, "app.py").findings] == []
    named = Engine(Config(root=root, extend_select=("REL601",))).check_source(source, "app.py")
    assert [(f.code, f.span.line) for f in named.findings] == [("REL601", 3)]
