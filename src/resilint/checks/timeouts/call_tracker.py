"""Check kinds about calls to imported functions and to methods of tracked objects."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.timeouts.callspec import (
    CallSpec,
    SpecSet,
    callee_names,
    canonical,
    matches,
    parse_specs,
)
from resilint.config.standards import Standard
from resilint.engine.names import Constructed
from resilint.rule import Rule

if TYPE_CHECKING:
    from resilint.engine.context import FileContext


_FLAT = ("targets", "keywords", "keyword", "position", "default")


@lru_cache(maxsize=None)
def spec_set(standard: Standard) -> SpecSet:
    """A standard's call specs: its ``calls`` tables plus the flat form, if given."""
    params = standard.params
    tables = list(params.get("calls", []))
    if "targets" in params:
        tables.insert(0, {k.replace("_", "-"): params[k] for k in _FLAT if k in params})
    return parse_specs(tables, params.get("aliases", {}), standard.origin, f"standard {standard.code}")


class CallTracker(Rule):
    """Base of the kinds that match calls against call specs: finds the spec covering
    a call, and remembers names whose dict value is mutated (``opts["timeout"] = 5``)
    so that ``**opts`` may carry the keyword."""

    sliceable = True  # see Rule.sliceable

    def __init__(self, standard: Standard, context: FileContext) -> None:
        super().__init__(standard, context)
        self._mutated: set[tuple[int, str]] = set()  # (id of the binding scope's node, name)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Subscript) and isinstance(target.target.value, cst.Name):
                self._note_mutated(target.target.value.value)  # opts["timeout"] = 5

    def note_mutation(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.attr.value in ("update", "setdefault")
        ):
            self._note_mutated(func.value.value)

    def _note_mutated(self, name: str) -> None:
        self._mutated.add(self._binding_key(name))

    def is_mutated(self, name: str) -> bool:
        """Whether the mapping ``name`` stands for here was mutated (so far) in place: a
        local in its own function, a module-level name anywhere."""
        return self._binding_key(name) in self._mutated

    def _binding_key(self, name: str) -> tuple[int, str]:
        scope = self.names.binding_scope(name) or self.names.module_scope  # unbound: a global
        return id(scope.node), name

    def spec_for(self, specs: SpecSet, node: cst.Call) -> tuple[CallSpec, Constructed | None] | None:
        """The first spec that covers this call, and the object it is called on."""
        candidates = specs.candidates(node, self.names)
        if not candidates:
            return None
        named = [(canonical(name, specs.aliases), built) for name, built in callee_names(self.names, node)]
        if isinstance(node.func, cst.Attribute):
            named.append(("", None))  # for specs matching a method name on any receiver
        for spec in candidates:
            for name, built in named:
                if (name and matches(spec, name)) or (not name and node.func.attr.value in spec.methods):  # type: ignore[attr-defined]
                    return spec, built
        return None
