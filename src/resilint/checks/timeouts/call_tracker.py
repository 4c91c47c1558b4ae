"""Check kinds about calls to imported functions and to methods of tracked objects."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.common.arguments import keyword_arg, positional_arg
from resilint.checks.timeouts.callspec import (
    CallSpec,
    SpecSet,
    callee_names,
    canonical,
    declared_receiver,
    defined_methods,
    matches,
    mentions,
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
        self.functions: list[cst.FunctionDef] = []  # the enclosing definitions, innermost last
        self.function_scopes: list[str] = []  # the kind of scope each was defined in

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.function_scopes.append(self.names.scope.kind)
        self.functions.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()
        self.function_scopes.pop()

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
        return next(self.specs_for(specs, node), None)

    def specs_for(self, specs: SpecSet, node: cst.Call) -> Iterator[tuple[CallSpec, Constructed | None]]:
        """Every spec that covers this call (in order), with the object it is called on."""
        candidates = specs.candidates(node, self.names)
        if not candidates:
            return
        named = [(canonical(name, specs.aliases), built) for name, built in callee_names(self.names, node)]
        if isinstance(node.func, cst.Attribute):
            named.append(("", None))  # for specs matching a method name on any receiver
        for spec in candidates:
            for name, built in named:
                if (name and matches(spec, name)) or (not name and node.func.attr.value in spec.methods):  # type: ignore[attr-defined]
                    if built is not None and built.through is not None and not self._subclass_counts(spec, built):
                        continue
                    yield spec, built
                    break
                if name and built is not None and spec.built_with and self._built_with(specs, spec, name, built, node):
                    yield spec, built
                    break

    @staticmethod
    def _subclass_counts(spec: CallSpec, built: Constructed) -> bool:
        """An object of a local subclass of the library class is judged as the library
        class, unless the spec lets the object supply the timeout (configured-by) and
        the subclass mentions a timeout keyword or replaces a configured-by method."""
        if spec.configured_by is None or built.through is None:
            return True
        if defined_methods(built.through) & spec.configured_by.attributes:
            return False
        return not mentions(built.through, spec.keywords)

    def _built_with(self, specs: SpecSet, spec: CallSpec, name: str, built: Constructed, node: cst.Call) -> bool:
        """Any method (or its .future/.with_call) called with a request on an object
        whose constructor got a visible gRPC channel (``FooStub(grpc.insecure_channel(a))``),
        unless the object is one of the library's own helpers."""
        if built is declared_receiver() or not node.args:
            return False
        rest = name[len(built.qualname) + 1 :].split(".")
        if not (len(rest) == 1 or (len(rest) == 2 and rest[1] in ("future", "with_call"))):
            return False
        library = {c.split(".", 1)[0] for c in spec.built_with}
        if built.qualname.split(".", 1)[0] in library:
            return False
        channel = keyword_arg(built.call, ("channel",)) or positional_arg(built.call, 0)
        if channel is None:
            return False
        made = self.names.constructor(channel.value)
        return made is not None and canonical(made.qualname, specs.aliases) in spec.built_with
