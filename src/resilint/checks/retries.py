"""Check kinds for retry policies (REL201-REL206).

Library policies are recognised by the qualified names in each standard's
``libraries`` tables (tenacity, backoff, retry, retrying, urllib3, stamina)
and summarised by :mod:`resilint.checks._retry_policies`; hand-written loops
by :mod:`resilint.checks._retry_loops` with the standard's ``loops`` table.
Findings on a policy are reported at the decorator (or the call that builds
the policy); findings on a loop at the ``while``/``for`` keyword or at the
sleep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import libcst as cst

from resilint.checks._retry_args import MISSING, argument, normalize
from resilint.checks._retry_loops import Loop, LoopAnalyzer, LoopFacts, RetryLoop
from resilint.checks._retry_policies import Library, broad_exception, unbounded_keywords, wait_profile
from resilint.checks._util import source_of, import_triggers
from resilint.errors import ConfigError
from resilint.prefilter import Trigger
from resilint.rule import Param, Rule
from resilint.standards import Standard

_LIBRARIES_DOC = "library tables: name, targets, and the facts this kind reads (see rules/retries.toml)"
_LOOPS_DOC = "facts for hand-written loops: sleeps, randoms, counters, ranges, clocks, ... (see rules/retries.toml)"

_parsed: dict[int, tuple[Standard, tuple[Library, ...], LoopFacts | None]] = {}


def _parse(standard: Standard) -> tuple[tuple[Library, ...], LoopFacts | None]:
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


class _PolicyRule(Rule):
    """Finds library retry policies: ``@retry`` / ``@retry(...)`` decorators and
    calls that build a policy (``Retrying(...)``, ``Retry(...)``)."""

    sliceable = True  # see Rule.sliceable

    parameters: Mapping[str, Param] = {"libraries": Param(list, doc=_LIBRARIES_DOC)}

    @classmethod
    def validate(cls, standard: Standard) -> None:
        super().validate(standard)
        _parse(standard)

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        libraries, loops = _parse(standard)
        # A target may be imported under an alias (urllib3's Retry from requests.adapters).
        words = import_triggers(t for lib in libraries for t in (*lib.targets, *(a for a, _ in lib.aliases)))
        return words | set(loops.triggers) if loops is not None else words

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        libraries, self.loop_facts = _parse(standard)
        self.libraries = libraries
        self.decorated: dict[int, cst.Decorator] = {}

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
        if qualname is None:
            return None
        for library in self.libraries:
            name = normalize(qualname, library.aliases)
            if name in library.targets and (not bare or name in library.bare):
                return library
        return None

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        raise NotImplementedError


class UnboundedRetryPolicy(_PolicyRule):
    """A library policy with no stop condition (REL201)."""

    kind = "unbounded-retry-policy"
    description = "A retry policy that never gives up: no attempt or time limit, or an explicit unbounded one."

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        keywords = unbounded_keywords(library, call, self.names)
        if keywords is None:
            return
        wanted = " or ".join(f"{k}=" for k in keywords)
        if call is None or all(_missing(call, library, k) for k in keywords):
            self.report(at, f"{written} without {wanted}: {library.get('default', 'it retries forever by default')}")
        else:
            given = ", ".join(
                f"{k}={source_of(self.context.module, v)}"
                for k in keywords
                if isinstance(v := argument(call, k, library.get("positions", {}).get(k)), cst.BaseExpression)
            )
            self.report(at, f"{written} with {given} and no other limit retries forever")


def _missing(call: cst.Call, library: Library, keyword: str) -> bool:
    return argument(call, keyword, library.get("positions", {}).get(keyword)) is MISSING


class _WaitRule(_PolicyRule):
    """Shared by REL202 and REL203: library waits and hand-written loop sleeps."""

    parameters = {
        "libraries": Param(list, doc=_LIBRARIES_DOC),
        "loops": Param(dict, required=False, doc=_LOOPS_DOC),
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


class RetryWithoutBackoff(_WaitRule):
    """No wait, a fixed wait, or a random wait that does not grow (REL202)."""

    kind = "retry-without-backoff"
    description = "A retry that waits nothing or the same time before every attempt."

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        wait = wait_profile(library, call, self.names, self.context.module)
        if wait is None or wait.growth not in ("zero", "constant"):
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
        self.report(at, f"{message}; {hint}" if hint else message)

    def check_loop(self, loop: RetryLoop) -> None:
        assert self.loops is not None
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


class BackoffWithoutJitter(_WaitRule):
    """Exponential backoff with no random term (REL203)."""

    kind = "backoff-without-jitter"
    description = "Exponential backoff without jitter: synchronised clients retry in lockstep."

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        wait = wait_profile(library, call, self.names, self.context.module)
        if wait is None or wait.growth != "exponential" or wait.random:
            return
        hint = library.get("hint", "")
        message = f"{written} backs off exponentially ({wait.what}) with no random jitter: clients that failed together retry together"
        self.report(at, f"{message}; {hint}" if hint else message)

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


class UnboundedRetryLoop(Rule):
    """``while True`` / ``itertools.count()`` retry loops with no way out (REL204)."""

    sliceable = True  # see Rule.sliceable

    kind = "unbounded-retry-loop"
    description = "A hand-written retry loop with no attempt limit and no deadline."
    parameters = {"loops": Param(dict, doc=_LOOPS_DOC)}

    @classmethod
    def validate(cls, standard: Standard) -> None:
        super().validate(standard)
        _parse(standard)

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[Trigger] | None:
        _, loops = _parse(standard)
        return set(loops.triggers) if loops is not None else None

    def __init__(self, standard: Standard, context: Any) -> None:
        super().__init__(standard, context)
        _, facts = _parse(standard)
        assert facts is not None
        self.loops = LoopAnalyzer(facts, self.names)

    def visit_While(self, node: cst.While) -> None:
        self._check(node)

    def visit_For(self, node: cst.For) -> None:
        self._check(node)

    def _check(self, node: Loop) -> None:
        found = self.loops.analyze(node)
        if found is None or not found.forever or not found.swallows or found.bounded:
            return
        head = "while" if isinstance(node, cst.While) else "for"
        self.report(
            node,
            f"{head} loop retries forever: its handler carries on (no raise, return or break) and no attempt "
            "counter or deadline is checked; cap the attempts or the total time and re-raise",
        )


class RetryOnBroadException(_PolicyRule):
    """A policy that explicitly retries ``Exception``/``BaseException`` (REL205)."""

    kind = "retry-on-broad-exception"
    description = "A retry policy that retries every exception, bugs included."
    parameters = {
        "libraries": Param(list, doc=_LIBRARIES_DOC),
        "broad": Param(list, doc="builtin exception classes that are too broad to retry"),
    }

    def check_policy(self, library: Library, call: cst.Call | None, at: cst.CSTNode, written: str) -> None:
        found = broad_exception(library, call, self.names, self.param("broad"))
        if found is not None:
            shown = source_of(self.context.module, found)
            self.report(
                at,
                f"{written} retries on {shown}: programming errors (TypeError, KeyError, ...) are retried too; "
                "list the transient exceptions instead",
            )

