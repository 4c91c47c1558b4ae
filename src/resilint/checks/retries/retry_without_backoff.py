"""The ``retry-without-backoff`` check kind (REL202).

No wait, a fixed wait, or a random wait that does not grow.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.retries import celery
from resilint.checks.retries.fixes import add_backoff
from resilint.checks.retries.loops import RetryLoop
from resilint.checks.retries.policies import Library, max_attempts, wait_profile
from resilint.checks.retries.policy_rule import LIBRARIES_DOC, LOOPS_DOC, WaitRule
from resilint.rule import Param


class RetryWithoutBackoff(WaitRule):
    """No wait, a fixed wait, or a random wait that does not grow (REL202)."""

    kind = "retry-without-backoff"
    description = "A retry that waits nothing or the same time before every attempt."
    parameters = {
        "libraries": Param(list, doc=LIBRARIES_DOC),
        "loops": Param(dict, required=False, doc=LOOPS_DOC),
        "small-attempts": Param(
            int, required=False, default=0,
            doc="a retry of at most this many attempts in all (a literal bound) needs no backoff",
        ),
    }

    def _small(self, attempts: int | None) -> bool:
        return attempts is not None and attempts <= self.param("small-attempts")

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        if library.get("model") == "celery":
            task = celery.read_task(library, call, self.decorated_function(at), self.names)
            for wait in celery.waits(library, task, self.names, self.context.module) if task is not None else ():
                if wait.growth == "constant" and not self._small(wait.attempts):
                    where = wait.at or at
                    shown = f"{source_of(self.context.module, wait.at.func)}(...)" if isinstance(wait.at, cst.Call) else written
                    self.report(where, f"{shown} retries the task after {wait.what} every time: no backoff; {library.get('hint', '')}".rstrip("; "))
            return
        wait = wait_profile(library, call, self.names, self.context.module)
        if wait is None or wait.growth not in ("zero", "constant"):
            return
        if self._small(max_attempts(library, call, self.names)):
            return
        hint = library.get("hint", "")
        if wait.default:
            message = f"{written}: {wait.what}"
        elif wait.growth == "zero":
            message = f"{written} with {wait.what} retries immediately, with no delay between attempts"
        elif wait.random:
            message = f"{written} with {wait.what} waits a random time that does not grow: no backoff"
        else:
            message = f"{written} with {wait.what} waits the same time before every attempt: no backoff"
        self.report(at, f"{message}; {hint}" if hint else message, fix=add_backoff(self, library, call, at))

    def check_loop(self, loop: RetryLoop) -> None:
        assert self.loops is not None
        if self._small(loop.attempts) or loop.readiness:
            return  # a small bounded retry, or a readiness poll (REL204 judges whether it ends)
        if not loop.sleeps:
            if not loop.may_wait:
                keyword = "while" if isinstance(loop.node, cst.While) else "for"
                self.report(loop.node, f"retry loop ({keyword}) retries immediately: it never sleeps between attempts; back off exponentially with jitter")
            return
        profiles = [(s, self.loops.sleep_profile(loop.node, s)) for s in loop.sleeps]
        if any(p is not None and p.varying for _, p in profiles):
            return  # the loop backs off; a fixed sleep elsewhere (rate limit) is deliberate
        for sleep, profile in profiles:
            if profile is None:
                continue
            kind = "a random time that does not grow" if profile.random else "the same time before every attempt"
            self.report(sleep, f"{self.sleep_text(sleep)} in a retry loop waits {kind}: no backoff; grow the delay exponentially (base * 2 ** attempt) with jitter")
