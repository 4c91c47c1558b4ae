"""The ``backoff-without-jitter`` check kind (REL203): exponential backoff with no random term."""

from __future__ import annotations

import libcst as cst

from resilint.checks.retries import celery
from resilint.checks.retries.fixes import add_jitter
from resilint.checks.retries.loops import RetryLoop
from resilint.checks.retries.policies import Library, wait_profile
from resilint.checks.retries.policy_rule import WaitRule


class BackoffWithoutJitter(WaitRule):
    """Exponential backoff with no random term (REL203)."""

    kind = "backoff-without-jitter"
    description = "Exponential backoff without jitter: synchronised clients retry in lockstep."

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        if library.get("model") == "celery":
            task = celery.read_task(library, call, self.decorated_function(at), self.names)
            for found in celery.waits(library, task, self.names, self.context.module) if task is not None else ():
                if found.growth == "exponential" and not found.random:
                    self.report(at, f"{written} backs off exponentially ({found.what}) with retry_jitter=False: tasks that failed together retry together; {library.get('hint', '')}".rstrip("; "))
            return
        wait = wait_profile(library, call, self.names, self.context.module)
        if wait is None or wait.growth != "exponential" or wait.random:
            return
        hint = library.get("hint", "")
        message = f"{written} backs off exponentially ({wait.what}) with no random jitter: clients that failed together retry together"
        self.report(at, f"{message}; {hint}" if hint else message, fix=add_jitter(self, library, call, at))

    def check_loop(self, loop: RetryLoop) -> None:
        assert self.loops is not None
        for sleep in loop.sleeps:
            profile = self.loops.sleep_profile(loop.node, sleep)
            if profile is not None and profile.exponential and not profile.random:
                self.report(
                    sleep,
                    f"{self.sleep_text(sleep)} grows exponentially with no random term: clients that failed together "
                    "retry together; add jitter (e.g. random.uniform(0, delay))",
                )
