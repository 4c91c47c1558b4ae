"""Step 3 of a check: text to a libcst tree, or the reason there is none.

CPython's parser (``ast.parse`` only parses, it never executes) is ~10x cheaper
than libcst's and gives the better message, so it decides what a syntax error is
and where; libcst's own error is the fallback when CPython accepts what libcst
cannot. Failures that are not the file's fault (libcst's internal errors) are not
syntax errors: they are said as such.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst

from resilint.engine.analysis import Located
from resilint.engine.events import SYNTAX_ERROR
from resilint.engine.reading import FILE_START
from resilint.model import Span


@dataclass(frozen=True)
class ParseFailure:
    """No tree: a syntax-error event (``problem``), or an engine error (``error``)."""

    problem: Located | None = None
    error: str | None = None


def parse(text: str) -> cst.Module | ParseFailure:
    """The libcst tree of ``text``, or why there is none."""
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return ParseFailure(problem=syntax_event(text, exc))
    except RecursionError:
        return ParseFailure(error="too deeply nested to parse")
    except Exception as exc:  # libcst itself failing (e.g. CSTLogicError on syntax newer than it knows)
        problem = cpython_syntax_error(text)
        if problem is not None:
            return ParseFailure(problem=problem)
        return ParseFailure(error=f"libcst cannot parse this file ({type(exc).__name__}: {exc})")


def syntax_problem_without_libcst(text: str) -> Located | None:
    """For files no rule needs parsed: CPython's verdict, except that syntax newer
    than this Python's (t-strings on 3.11) is asked of libcst, which may read it."""
    problem = cpython_syntax_error(text)
    if problem is not None and _may_be_newer_syntax(problem) and _libcst_accepts(text):
        return None
    return problem


def cpython_syntax_error(text: str) -> Located | None:
    try:
        ast.parse(text)
    except SyntaxError as err:
        line, column = err.lineno or 1, max(1, err.offset or 1)
        return Located(SYNTAX_ERROR, Span(line, column, line, column + 1), f"cannot parse: {err.msg}")
    except (ValueError, RecursionError, MemoryError) as err:
        return Located(SYNTAX_ERROR, FILE_START, f"cannot parse: {type(err).__name__}")
    return None


def _may_be_newer_syntax(problem: Located) -> bool:
    """A plain syntax error, not a parser limit (``too many nested parentheses``,
    recursion, memory): only then is libcst asked (on pathological nesting it would
    be slow, and fail the same way)."""
    message = problem.message
    return not any(limit in message for limit in ("too many", "too deeply", "RecursionError", "MemoryError", "ValueError"))


def _libcst_accepts(text: str) -> bool:
    try:
        cst.parse_module(text)
    except Exception:
        return False
    return True


def syntax_event(text: str, exc: cst.ParserSyntaxError) -> Located:
    """Where and why a file does not parse: CPython's position and message when it
    rejects the text too, else libcst's first line."""
    problem = cpython_syntax_error(text)
    if problem is not None and problem.span != FILE_START:
        return problem
    first = str(exc.message).strip().splitlines()[0]
    line, column = exc.editor_line, exc.editor_column
    return Located(SYNTAX_ERROR, Span(line, column, line, column + 1), f"cannot parse: {first}")
