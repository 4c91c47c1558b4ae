"""Which calls of a module-private function the module shows: used to decide a
``**kwargs`` a function forwards from what its callers pass (see
``call_requires_keyword``). Built once per file, on first need."""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from resilint.engine.walk import children


class VisibleCalls:
    """Every use of each name in a module: as the function of a call, or otherwise."""

    def __init__(self, module: cst.Module) -> None:
        self.calls: dict[str, list[cst.Call]] = {}
        self.other_uses: dict[str, int] = {}
        self.strings: set[str] = set()
        self._definitions: dict[str, int] = {}  # functions and classes by name, at any depth
        called: set[int] = set()
        skipped: set[int] = set()
        stack: list[cst.CSTNode] = [module]  # one walk of the module for all of it
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
                self.calls.setdefault(node.func.value, []).append(node)
                called.add(id(node.func))
            elif isinstance(node, cst.Attribute):
                skipped.add(id(node.attr))  # obj._fetch is another object's attribute
            elif isinstance(node, cst.Arg) and node.keyword is not None:
                skipped.add(id(node.keyword))
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                skipped.add(id(node.name))
                self._definitions[node.name.value] = self._definitions.get(node.name.value, 0) + 1
            elif isinstance(node, cst.SimpleString):
                value = node.evaluated_value
                if isinstance(value, str):
                    self.strings.add(value)  # __all__ = ["_fetch"], getattr(module, "_fetch")
            elif isinstance(node, cst.Name) and id(node) not in called and id(node) not in skipped:
                self.other_uses[node.value] = self.other_uses.get(node.value, 0) + 1
            stack.extend(children(node))

    def only_called(self, name: str, function: cst.FunctionDef, keys: Iterable[str]) -> bool:
        """Whether ``name`` (defined once, by ``function``) is only ever called directly,
        at least once, and no call passes one of ``keys`` or a ``**mapping``."""
        if self._definitions.get(name, 0) != 1 or self.other_uses.get(name, 0) or name in self.strings:
            return False
        calls = self.calls.get(name, [])
        if not calls:
            return False
        wanted = set(keys)
        for call in calls:
            for arg in call.args:
                if arg.star == "**" or (arg.keyword is not None and arg.keyword.value in wanted):
                    return False
        return True
