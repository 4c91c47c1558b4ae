"""Step 4 of a check: one walk over the tree (:func:`resilint.engine.walk.walk`)
with every triggered rule batched: the name resolver first, then each rule's
``visit_<Node>``/``leave_<Node>`` methods.

A rule that raises is stopped for the rest of the file and remembered as a crash
(the rule-crashed event); the other rules carry on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import libcst as cst

from resilint.engine.names import NameResolver
from resilint.rule import Rule

_Method: TypeAlias = "Callable[[cst.CSTNode], object]"  # a string: libcst loads lazily
# When set, every rule crash is also appended to this file: the test suite sets it
# so that a rule raising anywhere (in process or in a CLI subprocess) fails the
# test, instead of reading as "no findings" when REL002 is not selected.
CRASH_LOG_VARIABLE = "RESILINT_CRASH_LOG"


@dataclass(frozen=True)
class Crash:
    """A rule that raised, what it raised and on which node."""

    rule: Rule
    error: BaseException
    node: cst.CSTNode

    def message(self) -> str:
        standard = self.rule.standard
        return (
            f"rule {standard.code} ({standard.name}, check {standard.check!r}) crashed: "
            f"{type(self.error).__name__}: {self.error} (it was stopped for this file; the other rules' findings stand)"
        )


class _Dispatch(dict):  # type: ignore[type-arg]
    """Node type -> the rules' methods for it (``visit_Call`` ...), looked up by name
    on first sight of the type only."""

    def __init__(self, by_name: dict[str, list[tuple[Rule, _Method]]], prefix: str) -> None:
        super().__init__()
        self.by_name = by_name
        self.prefix = prefix

    def __missing__(self, node_type: type) -> list[tuple[Rule, _Method]]:
        methods = self[node_type] = self.by_name.get(self.prefix + node_type.__name__, [])
        return methods


class Traversal:
    """The enter/leave callbacks of one walk."""

    def __init__(self, module: cst.Module, names: NameResolver, rules: list[Rule]) -> None:
        self.names = names
        self.rules = rules
        self.crashes: list[Crash] = []
        # id(node) -> index of the top-level statement it is in: positions.py then
        # generates code for the statements with findings only.
        self.statement_of: dict[int, int] = {}
        self._statements = {id(statement): index for index, statement in enumerate(module.body)}
        self._current = -1
        self._names_enter = names.enter
        self._names_leave = names.leave
        self._build_tables()

    def _build_tables(self) -> None:
        by_name: dict[str, list[tuple[Rule, _Method]]] = {}
        for rule in self.rules:
            for name in rule.visitor_method_names():
                by_name.setdefault(name, []).append((rule, getattr(rule, name)))
        # Per node type, filled on first sight: no string building per node.
        self._visits = _Dispatch(by_name, "visit_")
        self._leaves = _Dispatch(by_name, "leave_")

    def _call(self, methods: list[tuple[Rule, _Method]], node: cst.CSTNode) -> None:
        for rule, method in methods:
            try:
                method(node)
            except RecursionError:
                raise
            except Exception as exc:
                self._disable(rule, exc, node)

    def _disable(self, rule: Rule, exc: BaseException, node: cst.CSTNode) -> None:
        crash = Crash(rule, exc, node)
        self.crashes.append(crash)
        log = os.environ.get(CRASH_LOG_VARIABLE)
        if log:
            with open(log, "a", encoding="utf-8") as out:
                out.write(crash.message().replace("\n", " ") + "\n")
        self.rules = [r for r in self.rules if r is not rule]
        self._build_tables()

    def enter(self, node: cst.CSTNode) -> None:
        key = id(node)
        current = self._current = self._statements.get(key, self._current)
        if current >= 0:
            self.statement_of[key] = current
        self._names_enter(node)
        methods = self._visits[type(node)]
        if methods:
            self._call(methods, node)

    def leave(self, node: cst.CSTNode) -> None:
        methods = self._leaves[type(node)]
        if methods:
            self._call(methods, node)
        self._names_leave(node)
        if id(node) in self._statements:
            self._current = -1  # the module's header and footer comments follow the body

    def finish(self) -> None:
        for rule in list(self.rules):
            try:
                rule.finish()
            except Exception as exc:
                self._disable(rule, exc, rule.context.module)
