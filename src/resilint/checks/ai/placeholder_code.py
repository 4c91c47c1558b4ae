"""The ``placeholder-code`` check kind (REL902).

The single placeholder statement of a function body (a docstring may precede it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from resilint.config.standards import Standard
from resilint.engine.context import FileContext
from resilint.engine.names import dotted_name
from resilint.rule import Param, Rule

# -- placeholder code ----------------------------------------------------------------------

_TAG = re.compile(r"^#+\s*(?:[^\w\s]\s*)?(?P<tag>[A-Za-z]+)\b")


class PlaceholderCode(Rule):
    kind = "placeholder-code"
    description = "A function whose body is only pass / ... / raise NotImplementedError, or a TODO/FIXME/XXX comment."
    parameters = {
        "tags": Param(list, required=False, default=["TODO", "FIXME", "XXX"], doc="comment tags (case-sensitive)"),
        "abstract-decorators": Param(list, required=False, default=[], doc="decorators that make a body intentionally empty"),
        "protocol-bases": Param(list, required=False, default=[], doc="bases whose methods are declarations"),
        "abstract-bases": Param(list, required=False, default=[], doc="bases (or metaclasses) of abstract classes"),
    }

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        return ("pass", "...", "NotImplementedError", *standard.params.get("tags", ["TODO", "FIXME", "XXX"]))

    def __init__(self, standard: Standard, context: FileContext) -> None:
        super().__init__(standard, context)
        self._classes: list[tuple[str, bool]] = []  # enclosing classes: (name, are its bodies declarations?)
        self._subclassed: frozenset[str] | None = None  # computed only when a method is a placeholder

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        exempt = False
        for arg in (*node.bases, *node.keywords):
            value = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value  # Protocol[T]
            qualified = self.names.qualified_name(value) or ""
            if qualified in self.param("protocol-bases") or qualified in self.param("abstract-bases"):
                exempt = True
        self._classes.append((node.name.value, exempt))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        method = bool(self._classes) and self.names.scope.kind == "class"
        if self.context.is_stub or (method and self._classes[-1][1]):
            return
        for decorator in node.decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if (self.names.qualified_name(target) or "") in self.param("abstract-decorators"):
                return
        statement = _placeholder(node.body)
        if statement is None:
            return
        if method and self._is_base_class(self._classes[-1][0]):
            return
        what = _describe(statement)
        if what == "raise NotImplementedError" and self.names.lookup("NotImplementedError") is not None:
            return  # a local NotImplementedError is not the builtin
        self.report(statement, f"function {node.name.value!r} is a placeholder: its body is only `{what}`")

    def _is_base_class(self, name: str) -> bool:
        """A class other classes in the module derive from: its empty or
        ``raise NotImplementedError`` methods are abstract (or hooks) by convention."""
        if self._subclassed is None:
            self._subclassed = _base_names(self.context.module)
        return name in self._subclassed

    def visit_Comment(self, node: cst.Comment) -> None:
        match = _TAG.match(node.value)
        if match and match["tag"] in self.param("tags"):
            self.report(node, f"{match['tag']} comment: unfinished work left in AI-assisted code ({node.value.strip()[:60]})")


def _base_names(module: cst.Module) -> frozenset[str]:
    """Names of classes other classes in the module derive from: their
    ``raise NotImplementedError`` methods are abstract by convention."""
    found: set[str] = set()

    class _Bases(cst.CSTVisitor):
        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            for arg in node.bases:
                name = dotted_name(arg.value)
                if name:
                    found.add(name.rsplit(".", 1)[-1])

    module.visit(_Bases())
    return frozenset(found)


def _placeholder(body: cst.BaseSuite) -> cst.BaseSmallStatement | None:
    """The single placeholder statement of a function body (a docstring may precede it)."""
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = list(body.body)
    else:
        smalls = []
        for statement in body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                return None
            smalls.extend(statement.body)
    if smalls and isinstance(smalls[0], cst.Expr) and isinstance(smalls[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        smalls = smalls[1:]
    if len(smalls) != 1:
        return None
    return smalls[0] if _describe(smalls[0]) else None


def _describe(statement: cst.BaseSmallStatement) -> str:
    if isinstance(statement, cst.Pass):
        return "pass"
    if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Ellipsis):
        return "..."
    if isinstance(statement, cst.Raise) and statement.exc is not None:
        exc = statement.exc.func if isinstance(statement.exc, cst.Call) else statement.exc
        if isinstance(exc, cst.Name) and exc.value == "NotImplementedError":
            return "raise NotImplementedError"
    return ""
