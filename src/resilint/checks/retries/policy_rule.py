"""Check kinds for retry policies (REL201-REL206).

Library policies are recognised by the qualified names in each standard's
``libraries`` tables (tenacity, backoff, retry, retrying, urllib3, stamina)
and summarised by :mod:`resilint.checks.retries.policies`; hand-written loops
by :mod:`resilint.checks.retries.loops` with the standard's ``loops`` table.
Findings on a policy are reported at the decorator (or the call that builds
the policy); findings on a loop at the ``while``/``for`` keyword or at the
sleep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import libcst as cst

from resilint.checks.common.arguments import import_triggers, source_of
from resilint.checks.retries.arguments import normalize
from resilint.checks.retries.loops import Loop, LoopAnalyzer, LoopFacts, RetryLoop
from resilint.checks.retries.policies import Library
from resilint.config.standards import Standard
from resilint.engine.prefilter import Trigger
from resilint.errors import ConfigError
from resilint.rule import Param, Rule

LIBRARIES_DOC = "library tables: name, targets, and the facts this kind reads (see rules/retries.toml)"


LOOPS_DOC = "facts for hand-written loops: sleeps, randoms, counters, ranges, clocks, ... (see rules/retries.toml)"


_parsed: dict[int, tuple[Standard, tuple[Library, ...], LoopFacts | None]] = {}


def parse_facts(standard: Standard) -> tuple[tuple[Library, ...], LoopFacts | None]:
    """Libraries and loop facts of a standard, parsed once (standards hash by identity)."""
    cached = _parsed.get(id(standard))
    if cached is not None and cached[0] is standard:
        return cached[1], cached[2]
    where = f"standard {standard.code}"
    tables = standard.params.get("libraries", [])
    libraries: list[Library] = []
    for index, table in enumerate(tables):
        try:
            if not isinstance(table, Mapping):
                raise TypeError("expected a table")
            libraries.append(Library.parse(table))
        except (KeyError, TypeError) as exc:
            raise ConfigError(standard.origin, f"{where}.libraries[{index}]", f"invalid library table: {exc}") from None
    loops = None
    if "loops" in standard.params:
        try:
            loops = LoopFacts.parse(standard.params["loops"])
        except (TypeError, AttributeError) as exc:
            raise ConfigError(standard.origin, f"{where}.loops", str(exc)) from None
    _parsed[id(standard)] = (standard, tuple(libraries), loops)
    return tuple(libraries), loops


class PolicyRule(Rule):
    """Finds library retry policies: ``@retry`` / ``@retry(...)`` decorators and
    calls that build a policy (``Retrying(...)``, ``Retry(...)``)."""

    sliceable = True  # see Rule.sliceable

    parameters: Mapping[str, Param] = {"libraries": Param(list, doc=LIBRARIES_DOC)}

    @classmethod
    def validate(cls, standard: Standard) -> None:
        super().validate(standard)
        parse_facts(standard)

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        libraries, loops = parse_facts(standard)
        # A target may be imported under an alias (urllib3's Retry from requests.adapters).
        words = import_triggers(t for lib in libraries for t in (*lib.targets, *(a for a, _ in lib.aliases)))
        return words | set(loops.triggers) if loops is not None else words

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        libraries, self.loop_facts = parse_facts(standard)
        self.libraries = libraries
        self.decorated: dict[int, cst.Decorator] = {}
        self.functions: dict[int, cst.FunctionDef] = {}  # id(decorator) -> the function it decorates

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            self.functions[id(decorator)] = node

    def decorated_function(self, at: cst.CSTNode) -> cst.FunctionDef | None:
        return self.functions.get(id(at))

    def visit_Decorator(self, node: cst.Decorator) -> None:
        expr = node.decorator
        if isinstance(expr, cst.Call):
            self.decorated[id(expr)] = node
            return
        library = self._library(expr, bare=True)
        if library is not None:
            self.check_policy(library, None, node, "@" + source_of(self.context.module, expr))

    def visit_Call(self, node: cst.Call) -> None:
        library = self._library(node.func)
        if library is not None:
            at = self.decorated.pop(id(node), None)
            prefix = "@" if at is not None else ""
            self.check_policy(library, node, at or node, prefix + source_of(self.context.module, node.func) + "(...)")

    def _library(self, func: cst.BaseExpression, bare: bool = False) -> Library | None:
        qualname = self.names.qualified_name(func)
        if qualname is None and isinstance(func, cst.Attribute):
            # a method of a constructed object: app = Celery(...); @app.task(...)
            made = self.names.constructor(func.value)
            qualname = f"{made.qualname}.{func.attr.value}" if made is not None else None
        if qualname is None:
            return None
        for library in self.libraries:
            name = normalize(qualname, library.aliases)
            if name in library.targets and (not bare or name in library.bare):
                return library
        return None

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        raise NotImplementedError




class WaitRule(PolicyRule):
    """Shared by REL202 and REL203: library waits and hand-written loop sleeps."""

    parameters = {
        "libraries": Param(list, doc=LIBRARIES_DOC),
        "loops": Param(dict, required=False, doc=LOOPS_DOC),
    }

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        self.loops = LoopAnalyzer(self.loop_facts, self.names) if self.loop_facts is not None else None

    def visit_While(self, node: cst.While) -> None:
        self._loop(node)

    def visit_For(self, node: cst.For) -> None:
        self._loop(node)

    def _loop(self, node: Loop) -> None:
        if self.loops is None:
            return
        found = self.loops.analyze(node)
        if found is not None:
            self.check_loop(found)

    def check_loop(self, loop: RetryLoop) -> None:
        raise NotImplementedError

    def sleep_text(self, sleep: cst.Call) -> str:
        return source_of(self.context.module, sleep)
