"""The ``unbounded-retry-loop`` check kind (REL204).

``while True`` / ``itertools.count()`` retry loops with no way out, and readiness
polls that never give up (``while sock.connect_ex(addr): time.sleep(1)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import libcst as cst

from resilint.checks.retries.loops import Loop, LoopAnalyzer
from resilint.checks.retries.policy_rule import LOOPS_DOC, parse_facts
from resilint.config.standards import Standard
from resilint.engine.prefilter import Trigger
from resilint.rule import Param, Rule


class UnboundedRetryLoop(Rule):
    """``while True`` / ``itertools.count()`` retry loops with no way out (REL204)."""

    sliceable = True  # see Rule.sliceable

    kind = "unbounded-retry-loop"
    description = "A hand-written retry loop with no attempt limit and no deadline."
    parameters = {"loops": Param(dict, doc=LOOPS_DOC)}

    @classmethod
    def validate(cls, standard: Standard) -> None:
        super().validate(standard)
        parse_facts(standard)

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        _, loops = parse_facts(standard)
        return set(loops.triggers) if loops is not None else None

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        _, facts = parse_facts(standard)
        assert facts is not None
        self.loops = LoopAnalyzer(facts, self.names)

    def visit_While(self, node: cst.While) -> None:
        self._check(node)

    def visit_For(self, node: cst.For) -> None:
        self._check(node)

    def _check(self, node: Loop) -> None:
        found = self.loops.analyze(node)
        if found is None and isinstance(node, cst.While) and self.loops.readiness_poll(node):
            self.report(
                node,
                "while loop waits forever for a connection: its condition is a connection attempt and its body "
                "only sleeps, with no attempt counter or deadline; give up after a bounded time and fail loudly",
            )
            return
        if found is None or not found.forever or not found.swallows or found.bounded:
            return
        head = "while" if isinstance(node, cst.While) else "for"
        self.report(
            node,
            f"{head} loop retries forever: its handler carries on (no raise, return or break) and no attempt "
            "counter or deadline is checked; cap the attempts or the total time and re-raise",
        )
