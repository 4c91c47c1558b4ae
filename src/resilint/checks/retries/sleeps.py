"""How a sleep in a retry loop behaves across attempts.

A sleep's argument is classified by what it depends on: literals and names
the loop does not assign are constant; the loop counter (``for attempt in
range(n)``) and names the loop updates vary; ``**`` / ``<<`` / ``*=`` over a
varying value is exponential; a call into ``random``/``secrets`` is a random
term ("anywhere in the expression or its inputs": the values assigned to the
names it uses, in the loop and before it). Unknown helpers make the sleep
unknown, and unknown is never reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.retries.arguments import NOT_LITERAL, is_builtin, literal
from resilint.checks.retries.statements import growing_operands, refers_to
from resilint.engine.names import dotted_name

if TYPE_CHECKING:
    from resilint.checks.retries.loops import LoopFacts
    from resilint.engine.names import NameResolver


@dataclass(frozen=True)
class Profile:
    varying: bool = False
    exponential: bool = False
    random: bool = False
    unknown: bool = False

    def __or__(self, other: Profile) -> Profile:
        return Profile(
            self.varying or other.varying,
            self.exponential or other.exponential,
            self.random or other.random,
            self.unknown or other.unknown,
        )


_CONSTANT = Profile()
_UNKNOWN = Profile(unknown=True)


class Classifier:
    def __init__(
        self,
        facts: LoopFacts,
        names: NameResolver,
        counters: set[str],
        assigned: dict[str, list[cst.BaseExpression]],
        augmented: dict[str, list[cst.AugAssign]],
    ) -> None:
        self.names = names
        self.facts = facts
        self.counters = counters
        self.assigned = assigned
        self.augmented = augmented
        self.resolving: set[str] = set()

    def classify(self, expr: cst.BaseExpression, depth: int = 0) -> Profile:
        if depth > 30:
            return _UNKNOWN
        if literal(expr) is not NOT_LITERAL:
            return _CONSTANT
        if isinstance(expr, (cst.Name, cst.Attribute)):
            return self._name(expr, depth)
        if isinstance(expr, cst.BinaryOperation):
            left, right = self.classify(expr.left, depth + 1), self.classify(expr.right, depth + 1)
            result = left | right
            if isinstance(expr.operator, (cst.Power, cst.LeftShift)) and right.varying:
                result = result | Profile(varying=True, exponential=True)
            return result
        if isinstance(expr, cst.UnaryOperation):
            return self.classify(expr.expression, depth + 1)
        if isinstance(expr, cst.IfExp):
            return self.classify(expr.body, depth + 1) | self.classify(expr.orelse, depth + 1)
        if isinstance(expr, cst.Call):
            return self._call(expr, depth)
        if isinstance(expr, cst.Subscript):  # CONFIG["delay"] is constant; DELAYS[attempt] is a schedule
            parts = [self.classify(expr.value, depth + 1)]
            for element in expr.slice:
                index = element.slice
                parts.append(self.classify(index.value, depth + 1) if isinstance(index, cst.Index) else _UNKNOWN)
            if any(p.varying or p.unknown for p in parts):
                return _UNKNOWN
            return Profile(random=any(p.random for p in parts))
        return _UNKNOWN

    def _args(self, call: cst.Call, depth: int) -> Profile:
        result = _CONSTANT
        for arg in call.args:
            result = result | (self.classify(arg.value, depth + 1) if not arg.star else _UNKNOWN)
        return result

    def _call(self, call: cst.Call, depth: int) -> Profile:
        qualname = self.names.call_name(call)
        if qualname is None and isinstance(call.func, cst.Attribute):
            made = self.names.constructor(call.func.value)  # rng = random.Random(); rng.uniform(...)
            qualname = f"{made.qualname}.{call.func.attr.value}" if made is not None else None
        if qualname is not None and any(qualname == m or qualname.startswith(m + ".") for m in self.facts.randoms):
            return self._args(call, depth) | Profile(random=True)
        args = self._args(call, depth)
        if qualname in self.facts.exponential or is_builtin(call.func, self.names, self.facts.exponential):
            return args | Profile(exponential=args.varying)
        if is_builtin(call.func, self.names, self.facts.pass_through) or qualname in self.facts.pass_through:
            return args
        return _UNKNOWN

    def _name(self, expr: cst.Name | cst.Attribute, depth: int) -> Profile:
        name = dotted_name(expr)
        if name is None:
            return _UNKNOWN
        if name in self.counters:
            return Profile(varying=True)
        if name in self.resolving:
            return Profile(varying=True)  # a self-reference: delay = delay * 2
        if name in self.assigned or name in self.augmented:
            self.resolving.add(name)
            try:
                return self._updated(name, depth)
            finally:
                self.resolving.discard(name)
        if isinstance(expr, cst.Name):
            binding = self.names.lookup(name)
            if binding is not None and binding.value is not None:
                before = self.classify(binding.value, depth + 1)  # set before the loop: constant in it
                return Profile(random=before.random, unknown=before.unknown)
        return _CONSTANT  # a parameter, a module constant, an attribute the loop leaves alone

    def _updated(self, name: str, depth: int) -> Profile:
        result = _CONSTANT
        for value in self.assigned.get(name, ()):
            profile = self.classify(value, depth + 1)
            if refers_to(value, name):
                grows = any(refers_to(op, name) for op in growing_operands(value))
                profile = profile | Profile(varying=True, exponential=grows)
            result = result | profile
        for aug in self.augmented.get(name, ()):
            result = result | self.classify(aug.value, depth + 1) | Profile(varying=True, exponential=isinstance(aug.operator, (cst.MultiplyAssign, cst.PowerAssign, cst.LeftShiftAssign)))
        binding = self.names.lookup(name) if "." not in name else None
        if binding is not None and binding.value is not None:
            before = self.classify(binding.value, depth + 1)
            result = result | Profile(random=before.random)
        return result
