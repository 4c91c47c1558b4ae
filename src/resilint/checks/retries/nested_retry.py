"""REL206: a retrying function that calls another retrying function of the same
module. Each layer multiplies the attempts of the one below (3 x 3 = 9 calls
to a struggling dependency per request), which is how retry storms start.

Retrying means decorated with a retry policy (``@tenacity.retry(...)``,
``@backoff.on_exception(...)``, ...), wrapped at module level
(``fetch = retry(...)(raw_fetch)``), or, for the caller, running inside a
retry block (``for attempt in Retrying(...):``). Callees are module-level
functions called by name and methods of the same class called on ``self``.
Functions may be defined after their callers, so calls are collected during
the visit and judged in :meth:`finish`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from resilint.checks.common.arguments import import_triggers, source_of
from resilint.checks.retries.arguments import alias_pairs, follow, normalize
from resilint.config.standards import Standard
from resilint.rule import Param, Rule


@dataclass
class _Frame:
    node: cst.FunctionDef
    policy: str | None  # how the retry decorator is written, if any
    owner: str | None  # the class a method belongs to
    self_name: str | None
    blocks: list[str] = field(default_factory=list)  # retry blocks (for attempt in Retrying(...)) we are in


@dataclass(frozen=True)
class _Call:
    node: cst.Call
    key: tuple[str, ...]  # ("function", name) | ("method", class, name)
    caller: cst.FunctionDef
    caller_name: str
    outer: str


class NestedRetry(Rule):
    sliceable = True  # see Rule.sliceable

    kind = "nested-retry"
    description = "A retrying function calls another retrying function of the same module: attempts multiply."
    parameters = {
        "policies": Param(list, doc="qualified names of retry decorators and policy factories"),
        "blocks": Param(list, required=False, default=[], doc="iterables that retry their body: for attempt in X(...)"),
        "aliases": Param(dict, required=False, default={}, doc="module prefix -> public module (re-exports)"),
    }

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        aliases = standard.params.get("aliases", {})  # re-exports are imported under their own module
        return import_triggers([*standard.params.get("policies", ()), *standard.params.get("blocks", ()), *aliases])

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        self.policies = frozenset(self.param("policies"))
        self.blocks = frozenset(self.param("blocks"))
        self.aliases = alias_pairs(self.param("aliases"))
        self.stack: list[_Frame | str] = []  # functions and class names, innermost last
        self.functions: dict[str, tuple[cst.FunctionDef | None, str]] = {}  # module-level retrying functions
        self.methods: dict[tuple[str, str], tuple[cst.FunctionDef, str]] = {}
        self.calls: list[_Call] = []

    def _name(self, expr: cst.BaseExpression) -> str | None:
        return normalize(self.names.qualified_name(expr), self.aliases)

    def _policy(self, decorators: Sequence[cst.Decorator]) -> str | None:
        for decorator in decorators:
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            if self._name(func) in self.policies:
                return "@" + source_of(self.context.module, func)
            shared = follow(expr, self.names)  # RETRY = retry(stop=...) ... @RETRY
            if shared is not expr and isinstance(shared, cst.Call) and self._name(shared.func) in self.policies:
                return "@" + source_of(self.context.module, expr)
        return None

    # -- collect ------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(node.name.value)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        policy = self._policy(node.decorators)
        parent = self.stack[-1] if self.stack else None
        owner = parent if isinstance(parent, str) else None
        positional = [*node.params.posonly_params, *node.params.params]
        self_name = positional[0].name.value if owner is not None and positional else None
        if policy is not None:
            if parent is None:
                self.functions[node.name.value] = (node, policy)
            elif owner is not None:
                self.methods[(owner, node.name.value)] = (node, policy)
        self.stack.append(_Frame(node, policy, owner, self_name))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_For(self, node: cst.For) -> None:
        frame = self._frame()
        if frame is not None and isinstance(node.iter, cst.Call) and self._name(node.iter.func) in self.blocks:
            frame.blocks.append(source_of(self.context.module, node.iter.func) + "(...)")

    def leave_For(self, node: cst.For) -> None:
        frame = self._frame()
        if frame is not None and isinstance(node.iter, cst.Call) and self._name(node.iter.func) in self.blocks:
            frame.blocks.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        """``fetch = retry(stop=...)(raw_fetch)`` at module level makes ``fetch`` retrying."""
        if self.stack or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        value = node.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Call) and self._name(value.func.func) in self.policies:
            self.functions[node.targets[0].target.value] = (None, source_of(self.context.module, value.func.func) + "(...)")

    def visit_Call(self, node: cst.Call) -> None:
        frame = self._frame()
        if frame is None:
            return
        outer = frame.policy or (frame.blocks[-1] if frame.blocks else None)
        if outer is None:
            return
        func = node.func
        key: tuple[str, ...] | None = None
        if isinstance(func, cst.Name) and self._module_level(func.value):
            key = ("function", func.value)
        elif (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and frame.owner is not None
            and func.value.value == frame.self_name
        ):
            key = ("method", frame.owner, func.attr.value)
        if key is not None:
            self.calls.append(_Call(node, key, frame.node, frame.node.name.value, outer))

    def _frame(self) -> _Frame | None:
        top = self.stack[-1] if self.stack else None
        return top if isinstance(top, _Frame) else None

    def _module_level(self, name: str) -> bool:
        """No enclosing function, lambda or comprehension rebinds ``name``."""
        scope = self.names.scope
        while scope is not None and scope is not self.names.module_scope:
            if scope.kind != "class" and name in scope.bindings:
                return False
            scope = scope.parent
        return True

    # -- judge ----------------------------------------------------------------------------

    def finish(self) -> None:
        for call in self.calls:
            if call.key[0] == "function":
                target = self.functions.get(call.key[1])
                callee = call.key[1]
            else:
                target = self.methods.get((call.key[1], call.key[2]))
                callee = f"self.{call.key[2]}"
            if target is None or target[0] is call.caller:
                continue  # not retrying, or recursion into itself
            self.report(
                call.node,
                f"{callee}() retries with its own {target[1]} and {call.caller_name}() retries it again "
                f"with {call.outer}: the attempts multiply (retry amplification); retry at one layer only",
            )
