"""Check kinds for timeouts beyond "the call must pass one": explicitly disabled ones.

``timeout-disabled`` reports an explicit infinite timeout (``timeout=None``,
``settimeout(None)``, ``ClientTimeout(total=None)`` with no other bound) on
its own call specs and on every call covered by the standards it
``include``s, so REL102 follows REL101/REL103/... without repeating their
target lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.common.arguments import positional_arg, source_of
from resilint.checks.timeouts.call_requires_keyword import CallRequiresKeyword
from resilint.checks.timeouts.call_tracker import CallTracker, spec_set
from resilint.checks.timeouts.fixes import replace_none
from resilint.checks.timeouts.callspec import (
    CallSpec,
    SpecSet,
    argument,
    is_nonblocking,
    local_constant,
    written_callee,
)
from resilint.config.standards import Standard
from resilint.engine.literals import is_none
from resilint.errors import ConfigError
from resilint.rule import Param

if TYPE_CHECKING:
    from resilint.engine.context import FileContext
    from resilint.engine.prefilter import Trigger
    from resilint.fix.plan import FixPlan


def _is_disabled(node: cst.BaseExpression) -> bool:
    """``None``, or a (connect, read) tuple with a ``None`` part."""
    if is_none(node):
        return True
    return isinstance(node, cst.Tuple) and any(is_none(e.value) for e in node.elements)


def _seconds(node: cst.BaseExpression) -> float | None:
    """A literal number of seconds, or None."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return float(node.evaluated_value)
    return None


class TimeoutDisabled(CallTracker):
    """An explicit infinite timeout on a covered call."""

    kind = "timeout-disabled"
    description = "A covered call passes an explicit infinite timeout (None)."
    parameters = {
        "include": Param(
            list, required=False, default=(), doc="codes of call-requires-keyword standards whose calls are covered too"
        ),
        "calls": Param(list, required=False, default=(), doc="own call specs (tables), see resilint.checks.timeouts.callspec"),
        "aliases": Param(dict, required=False, default={}, doc="other spellings of a qualified-name prefix"),
    }

    @classmethod
    def validate(cls, standard: Standard) -> None:
        super().validate(standard)
        spec_set(standard)

    @classmethod
    def link(cls, standard: Standard, standards: Mapping[str, Standard]) -> tuple[Standard, ...]:
        """The ``call-requires-keyword`` standards named by ``include``."""
        linked = []
        for code in standard.params.get("include", ()):
            included = standards.get(code)
            if included is None or included.check != CallRequiresKeyword.kind:
                where = f"standard {standard.code}.include"
                raise ConfigError(standard.origin, where, f"{code!r} is not a {CallRequiresKeyword.kind!r} standard")
            linked.append(included)
        return tuple(linked)

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        words = set(spec_set(standard).modules())
        for included in standard.linked:
            words |= spec_set(included).modules()
        return words

    def __init__(self, standard: Standard, context: FileContext) -> None:
        super().__init__(standard, context)
        self.own = spec_set(standard)
        self.sets: list[SpecSet] = [self.own, *(spec_set(included) for included in standard.linked)]
        # An included standard may turn its fix off (autofix = false: REL107's waits, where a
        # timeout changes what the call returns); the same holds for replacing its None.
        self.fixable = [True, *(included.params.get("autofix", True) for included in standard.linked)]

    def _fix(self, node: cst.Call, spec: CallSpec) -> FixPlan | None:
        """Replace the literal None (not a constant defined elsewhere, not a too-long value)."""
        arg = argument(node, spec.keywords, spec.position)
        if arg is None or not _is_disabled(arg.value) or any(a.star for a in node.args):
            return None
        return replace_none(arg, spec, self.context.config)

    def visit_Call(self, node: cst.Call) -> None:
        for specs, fixable in zip(self.sets, self.fixable):
            # Own specs may split one call's timeouts (connect_timeout, read_timeout): try each.
            found = list(self.specs_for(specs, node)) if specs is self.own else [self.spec_for(specs, node)]
            for match in found:
                if match is None:
                    continue
                message = self._verdict(node, match[0], own=specs is self.own)
                if message is not None:
                    self.report(node, message, fix=self._fix(node, match[0]) if fixable else None)
                    return
            if found and found[0] is not None:
                return

    def _verdict(self, node: cst.Call, spec: CallSpec, *, own: bool) -> str | None:
        if is_nonblocking(node, spec):
            return None
        arg = argument(node, spec.keywords, spec.position)
        if arg is None:
            return None
        value = local_constant(self.names, arg.value, self.functions[-1] if self.functions else None)
        too_long = spec.longer_than is not None and _seconds(value) is not None and _seconds(value) > spec.longer_than  # type: ignore[operator]
        if not _is_disabled(value) and not too_long:
            return None
        if spec.other_bounds and self._bounded_elsewhere(node, spec, arg):
            return None
        written = written_callee(self.context.module, node.func) + "()"
        shown = source_of(self.context.module, arg.value, 30)
        if value is not arg.value:
            shown += f" (= {source_of(self.context.module, value, 20)})"
        if arg.keyword is not None:
            passed = f"{arg.keyword.value}={shown}"
        else:
            passed = f"{shown} as its timeout"
        if too_long:
            text = f"{written} passes {passed}, longer than {spec.longer_than:g} s: a stuck call holds the caller that long"
        elif spec.other_bounds:
            text = f"{written} passes {passed} and no other bound: it never times out"
        elif is_none(value):
            text = f"{written} passes {passed}, which disables the timeout: it can wait forever"
        else:
            text = f"{written} passes {passed}: the phase given None waits forever"
        return f"{text}; {spec.default}" if own and spec.default else text

    @staticmethod
    def _bounded_elsewhere(node: cst.Call, spec: CallSpec, primary: cst.Arg) -> bool:
        """``ClientTimeout(total=None, sock_read=30)`` is bounded; ``**kw`` may bound it."""
        if any(a.star for a in node.args):
            return True
        if any(
            a.keyword is not None and a.keyword.value in spec.other_bounds and not is_none(a.value) for a in node.args
        ):
            return True
        index = (spec.position or 0) + 1
        while (extra := positional_arg(node, index)) is not None:
            if extra is not primary and not is_none(extra.value):
                return True  # a further positional bound
            index += 1
        return False
