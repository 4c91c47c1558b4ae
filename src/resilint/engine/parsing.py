"""Step 3 of a check: text to a libcst tree, or the reason there is none.

CPython's parser (``ast.parse`` only parses, it never executes) is ~10x cheaper
than libcst's and gives the better message, so it decides what a syntax error is
and where (libcst's position is the fallback when CPython only says "too
complex"). Failures that are not the file's fault (libcst's internal errors and
limits, an exhausted stack) are not syntax errors: they are the not-analysed
event, naming the cause. The parse guard (guard.py) runs first, in core.py.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from resilint.engine.analysis import Located
from resilint.engine.events import SYNTAX_ERROR
from resilint.engine.reading import FILE_START
from resilint.model import Span

if TYPE_CHECKING:
    from resilint.engine.guard import Refusal


@dataclass(frozen=True)
class ParseFailure:
    """No tree: a syntax-error event (``problem``), or why valid Python could not be
    parsed (``error``: the not-analysed event, naming the cause)."""

    problem: Located | None = None
    error: str | None = None
    line: int = 1  # where ``error`` applies


def refusal_failure(text: str, refusal: Refusal) -> ParseFailure:
    """The guard's refusal (guard.py) as a parse failure: CPython's nesting limit is a
    syntax error (at CPython's position), anything else is not analysed."""
    if refusal.kind == "syntax":
        problem = cpython_syntax_error(text)
        if problem is None:  # CPython versions differ on f-strings; the guard's word stands
            span = Span(refusal.line, 1, refusal.line, 2)
            problem = Located(SYNTAX_ERROR, span, f"cannot parse: {refusal.reason}")
        return ParseFailure(problem=problem)
    return ParseFailure(error=refusal.reason, line=refusal.line)


def parse(text: str) -> cst.Module | ParseFailure:
    """The libcst tree of ``text``, or why there is none. Call it only on text the
    guard (:func:`resilint.engine.guard.scan`) accepted: libcst's native parser
    crashes the process on some valid code.

    A syntax error is what CPython rejects too; any other failure inside the parse
    (libcst's own limits and errors, an exhausted stack, an exception raised by a
    signal handler) is valid Python that could not be analysed, named as such."""
    try:
        return cst.parse_module(text)
    except RecursionError:
        return ParseFailure(error="too deeply nested to parse (recursion limit)")
    except MemoryError:
        return ParseFailure(error="the parser ran out of memory")
    except Exception as exc:  # noqa: BLE001 - ParserSyntaxError, or libcst failing (CSTLogicError on newer syntax)
        problem = cpython_syntax_error(text)
        if problem is not None and problem.span == FILE_START and isinstance(exc, cst.ParserSyntaxError):
            return ParseFailure(problem=syntax_event(text, exc))
        if problem is not None:
            return ParseFailure(problem=problem)
        if isinstance(exc, cst.ParserSyntaxError):
            first = str(exc.message).strip().splitlines()[0]
            return ParseFailure(error=f"libcst cannot parse valid Python here ({first})", line=exc.editor_line)
        return ParseFailure(error=f"the parser failed ({type(exc).__name__}: {_first_line(exc)})")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"


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
    from resilint.engine.guard import assess  # a syntax error only: not loaded for a clean file

    if assess(text) is not None:  # never hand libcst what may crash it
        return False
    try:
        cst.parse_module(text)
    except Exception:  # noqa: BLE001 - any failure means "no"
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
