"""Error handling: broad exception handlers that silently swallow the error.

What this adds over ruff's S110/S112 (``try``-``except``-``pass``/``continue``):
a handler is not reported when the code says the swallow is deliberate or when
the error is not lost:

- *explained*: a comment inside the handler (on the ``except`` line, in its body,
  or on the line just above ``except``), on the ``try:`` line or in the comment
  block directly above the ``try``, that is neither a to-do marker nor a tool
  directive (the standard's ``not-explanations``) nor commented-out code;
- *inside an error path*: the ``try`` sits in an enclosing ``except`` handler that
  already re-raised, logged or used the original error (best-effort enrichment
  of an error message, optional parsing of an error body);
- *a refined fallback*: the ``try`` body only assigns names that were given a
  value earlier in the same block (``lang = "en"; try: lang = detect(t)``);
- *an explicit outcome*: the statement right after the ``try`` is a ``return``,
  as if the handler returned it (``except Exception: return None`` is not
  reported either).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeAlias

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.errors.fixes import log_exception
from resilint.config.standards import Standard
from resilint.engine.names import target_names
from resilint.engine.walk import children
from resilint.rule import Param, Rule

Handler: TypeAlias = "cst.ExceptHandler | cst.ExceptStarHandler"  # a string: libcst loads lazily


class SwallowedException(Rule):
    """``except:`` / ``except Exception:`` (also in a tuple) whose body only passes:
    nothing logged, raised, returned or used. Reported at the ``except`` keyword."""

    sliceable = True  # see Rule.sliceable

    kind = "swallowed-exception"
    description = "A broad exception handler whose body does nothing with the error."
    parameters = {
        "broad": Param(list, doc="builtin exception classes that catch (nearly) everything"),
        "bare": Param(bool, required=False, default=True, doc="whether a bare `except:` counts"),
        "not-explanations": Param(
            list, required=False, default=[],
            doc="comment prefixes that do not explain a swallow (to-do markers, tool directives); case-insensitive",
        ),
        "reporting": Param(
            list, required=False, default=[],
            doc="qualified-name prefixes of calls that report an error (logging, error trackers), "
            "matched on the call or on the constructor of its receiver",
        ),
    }

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        # A handler that names a broad class (alone, in a tuple, as builtins.X) or is
        # bare, whose first statement is inert (see _inert: every one must be).
        inert = r"(?:\s|\\|#[^\n]*)*(?:pass\b|continue\b|\.\.\.|[rRuUbBfF]{0,2}[\"'])"
        broad = "|".join(re.escape(b) for b in standard.params.get("broad", ()))
        patterns = [rf"except\b[^:]*\b(?:{broad})\b[^:]*:{inert}"] if broad else []
        if standard.params.get("bare", True):
            patterns.append(rf"except\s*:{inert}")
        return [f"re:{p}" for p in patterns]

    def __init__(self, standard, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(standard, context)
        self._tries: list[cst.Try | cst.TryStar] = []  # enclosing try statements
        self._handlers: list[Handler] = []  # enclosing except handlers (innermost last)
        self._blocks: list[Sequence[cst.CSTNode]] = []  # enclosing statement blocks
        self._compounds: list[cst.CSTNode] = []  # enclosing if/with statements (a loop breaks the climb)

    # -- context -------------------------------------------------------------------

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks.append(node.body)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks.pop()

    def visit_Module(self, node: cst.Module) -> None:
        self._blocks.append(node.body)

    def leave_Module(self, node: cst.Module) -> None:
        self._blocks.pop()

    def visit_If(self, node: cst.If) -> None:
        self._compounds.append(node)

    def leave_If(self, node: cst.If) -> None:
        self._compounds.pop()

    def visit_With(self, node: cst.With) -> None:
        self._compounds.append(node)

    def leave_With(self, node: cst.With) -> None:
        self._compounds.pop()

    def visit_Try(self, node: cst.Try) -> None:
        self._tries.append(node)

    def leave_Try(self, node: cst.Try) -> None:
        self._tries.pop()

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._tries.append(node)

    def leave_TryStar(self, node: cst.TryStar) -> None:
        self._tries.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._handlers.append(None)  # type: ignore[arg-type]  # a new function: no enclosing error path

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._handlers.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._check(node)
        self._handlers.append(node)

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._handlers.pop()

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._check(node)
        self._handlers.append(node)

    def leave_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._handlers.pop()

    # -- the check -----------------------------------------------------------------

    def _check(self, node: Handler) -> None:
        if not _inert(node.body):
            return
        if node.type is None:
            if not self.param("bare") or self._deliberate(node):
                return
            self.report(node, "bare `except:` swallows every error, even KeyboardInterrupt, and does nothing with it; "
                        "catch the exceptions you expect, and log or re-raise the rest (or say why in a comment)",
                        fix=log_exception(self, node))
            return
        caught = self._broad(node.type)
        if caught is not None and not self._deliberate(node):
            written = source_of(self.context.module, node.type)
            self.report(
                node,
                f"`except {written}` swallows every error ({caught}) and does nothing with it: failures vanish "
                "without a trace; catch the exceptions you expect, or log / re-raise (or say why in a comment)",
                fix=log_exception(self, node),
            )

    def _deliberate(self, node: Handler) -> bool:
        statement = self._tries[-1] if self._tries else None
        if statement is None:
            return False
        if any(self._explains(c) for c in _comments(statement, node)):
            return True
        if any(self._explains(c) for c in self._comments_above_enclosing(statement)):
            return True
        if self._in_error_path():
            return True
        block = self._blocks[-1] if self._blocks else ()
        return _refines_fallback(statement, block) or _returns_after(statement, block)

    def _comments_above_enclosing(self, statement: cst.CSTNode) -> Iterator[str]:
        """A try that opens the block of an ``if`` or ``with`` (``if settings.DEBUG:``) is
        explained by the comments above that statement too, and so on upwards. A loop
        stops the climb: a comment above a loop says what the loop does."""
        first = statement
        for owner in reversed(self._compounds):
            body = owner.body  # type: ignore[attr-defined]
            if not isinstance(body, cst.IndentedBlock) or not body.body or body.body[0] is not first:
                return
            yield from _comment_block(owner.leading_lines)  # type: ignore[attr-defined]
            if body.header.comment is not None:
                yield body.header.comment.value
            first = owner

    def _explains(self, comment: str) -> bool:
        text = comment.lstrip("#").strip()
        if not text:
            return False
        lowered = text.lower()
        for prefix in self.param("not-explanations"):
            if lowered.startswith(prefix.lower()):
                # a directive may carry a reason: "# noqa: S110 -- the cache is optional"
                reason = text.partition(" -- ")[2].strip()
                return bool(reason)
        return not _is_code(text)

    def _in_error_path(self) -> bool:
        """The try sits in an enclosing except handler (same function) that re-raises,
        reports the error, or passes the caught error on to a call."""
        outer = self._handlers[-1] if self._handlers else None
        if outer is None:
            return False
        if _collect(outer.body, cst.Raise):
            return True
        caught = outer.name.name.value if outer.name is not None and isinstance(outer.name.name, cst.Name) else None
        for call in _collect(outer.body, cst.Call):
            if self._reports(call):
                return True
            if caught is not None and any(
                isinstance(n, cst.Name) and n.value == caught for a in call.args for n in _walk(a.value)
            ):
                return True
        return False

    def _reports(self, call: cst.Call) -> bool:
        prefixes = self.param("reporting")
        names = [self.names.call_name(call)]
        if isinstance(call.func, cst.Attribute):
            made = self.names.constructor(call.func.value)
            if made is not None:
                names.append(made.qualname)
            receiver = self.names.qualified_name(call.func.value)
            if receiver is not None:
                names.append(receiver)
        return any(n is not None and any(n == p or n.startswith(p + ".") for p in prefixes) for n in names)

    def _broad(self, expr: cst.BaseExpression) -> str | None:
        """The broad builtin caught by ``expr`` (a class or a tuple of classes), if any."""
        if isinstance(expr, cst.Tuple):
            for element in expr.elements:
                found = self._broad(element.value)
                if found is not None:
                    return found
            return None
        broad = self.param("broad")
        if isinstance(expr, cst.Name) and expr.value in broad and self.names.lookup(expr.value) is None:
            return expr.value  # the builtin, not shadowed by an import or assignment
        qualname = self.names.qualified_name(expr)
        if qualname is not None and qualname.startswith("builtins.") and qualname[9:] in broad:
            return qualname[9:]
        return None


# -- comments ----------------------------------------------------------------------------


def _comments(statement: cst.Try | cst.TryStar, handler: Handler) -> Iterator[str]:
    """Comments that can explain the handler: the directly preceding comment block and
    the ``try:`` line, the line above ``except``, the ``except`` line and its body."""
    yield from _comment_block(statement.leading_lines)
    if isinstance(statement.body, cst.IndentedBlock) and statement.body.header.comment is not None:
        yield statement.body.header.comment.value
    yield from (line.comment.value for line in handler.leading_lines if line.comment is not None)
    body = handler.body
    if isinstance(body, cst.SimpleStatementSuite):
        if body.trailing_whitespace.comment is not None:
            yield body.trailing_whitespace.comment.value
        return
    assert isinstance(body, cst.IndentedBlock)
    if body.header.comment is not None:
        yield body.header.comment.value
    for inner in body.body:
        yield from (line.comment.value for line in inner.leading_lines if line.comment is not None)
        if isinstance(inner, cst.SimpleStatementLine) and inner.trailing_whitespace.comment is not None:
            yield inner.trailing_whitespace.comment.value
    yield from (line.comment.value for line in body.footer if line.comment is not None)


def _comment_block(lines: Sequence[cst.EmptyLine]) -> list[str]:
    """The contiguous comment lines right above a statement (no blank line between)."""
    above: list[str] = []
    for line in lines:
        above = [*above, line.comment.value] if line.comment is not None else []
    return above


_CODE_NODES = (ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Raise, ast.Return, ast.Import,
               ast.ImportFrom, ast.Pass, ast.Continue, ast.Break, ast.Attribute)


def _is_code(text: str) -> bool:
    """Commented-out code (``# logger.exception("x")``, ``# raise``) explains nothing."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, _CODE_NODES) for n in ast.walk(tree))


# -- statement shapes ------------------------------------------------------------------


def _suite(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return body.body if isinstance(body, cst.IndentedBlock) else [body]  # type: ignore[list-item]


def _refines_fallback(statement: cst.Try | cst.TryStar, block: Sequence[cst.CSTNode]) -> bool:
    """``x = default`` earlier in the block, and the try body only assigns (x among them)."""
    assigned: set[str] = set()
    for inner in _suite(statement.body):
        if not isinstance(inner, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        for small in inner.body:
            if isinstance(small, cst.Assign) and not _collect(small.value, cst.Await):
                assigned |= {n for t in small.targets for n in target_names(t.target)}
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                assigned |= set(target_names(small.target))
            else:
                return False
    if not assigned or statement not in block:
        return False
    before: set[str] = set()
    for earlier in list(block)[: list(block).index(statement)]:
        if isinstance(earlier, cst.SimpleStatementLine):
            for small in earlier.body:
                if isinstance(small, cst.Assign):
                    before |= {n for t in small.targets for n in target_names(t.target)}
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    before |= set(target_names(small.target))
    return bool(assigned & before)


def _returns_after(statement: cst.Try | cst.TryStar, block: Sequence[cst.CSTNode]) -> bool:
    """The statement right after the try returns: the handler's outcome is that return."""
    if statement.finalbody is not None or statement not in block:
        return False
    index = list(block).index(statement)
    if index + 1 >= len(block):
        return False
    after = block[index + 1]
    return isinstance(after, cst.SimpleStatementLine) and isinstance(after.body[0], cst.Return)


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and everything below it (iterative: deep expressions hit no recursion limit)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def _collect(node: cst.CSTNode, kind: type) -> list:  # type: ignore[type-arg]
    """Nodes of ``kind`` under ``node``, not inside nested functions, classes or lambdas."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            found.append(current)
        if current is not node and isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(children(current))
    return found


def _inert(body: cst.BaseSuite) -> bool:
    """Only ``pass``, ``...``, ``continue`` or a string (docstring/comment-as-string)."""
    if isinstance(body, cst.SimpleStatementSuite):
        smalls: list[cst.BaseSmallStatement] = list(body.body)
    else:
        smalls = []
        for statement in body.body:  # type: ignore[union-attr]
            if not isinstance(statement, cst.SimpleStatementLine):
                return False
            smalls.extend(statement.body)
    for small in smalls:
        if isinstance(small, (cst.Pass, cst.Continue)):
            continue
        if isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)):
            continue
        return False
    return True
