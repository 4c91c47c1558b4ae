"""Fixes of the retry-policy kinds (REL201, REL202, REL203), for the libraries whose
repair is one argument: tenacity, backoff and urllib3. Values come from
``[tool.resilint.fix.retries]`` (safe) or the built-in defaults (unsafe); a fix that
writes no value (a jittered variant of the same wait) is safe.

Names the fix writes follow the file's import style (``resilint.fix.imports``): a
policy written ``tenacity.retry`` (or ``t.retry`` after ``import tenacity as t``)
gets ``t.stop_after_attempt(5)``; one written ``retry`` (or ``r`` after ``from
tenacity import retry as r``) gets ``stop_after_attempt`` added to that import.
Arguments passed positionally, ``*args``/``**kwargs`` and names bound elsewhere
are left alone (no fix).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from resilint.checks.common.arguments import keyword_arg
from resilint.checks.retries.policies import Library
from resilint.engine.literals import is_none
from resilint.fix.edits import (
    Piece,
    add_arguments,
    add_keyword,
    call_with_parens,
    number,
    replace,
)
from resilint.fix.imports import name_for
from resilint.fix.plan import FixPlan, plan

if TYPE_CHECKING:
    from resilint.rule import Rule

_ORIGIN = "[tool.resilint.fix.retries]"


def _origin(chosen: bool) -> str:
    return _ORIGIN if chosen else f"built-in defaults; choose them in {_ORIGIN}"


def _module_style(call: cst.Call | None, at: cst.CSTNode) -> bool:
    """The policy is written through its module (``tenacity.retry``), not a name."""
    func = call.func if call is not None else (at.decorator if isinstance(at, cst.Decorator) else None)
    return isinstance(func, cst.Attribute)


def _set_keyword(call: cst.Call | None, at: cst.CSTNode, keyword: str, value: str) -> Piece | None:
    """Pass ``keyword=value``: added when missing (``@retry`` gains parentheses),
    replaced when given by keyword; None when given positionally or through ``**``."""
    if call is None:
        return call_with_parens(at, f"{keyword}={value}") if isinstance(at, cst.Decorator) else None
    if any(a.star for a in call.args):
        return None
    given = keyword_arg(call, (keyword,))
    if given is not None:
        return replace(given.value, value)
    return add_keyword(call, keyword, value)


def _name(rule: Rule, qualified: str, call: cst.Call | None, at: cst.CSTNode) -> tuple[str, list[Piece]] | None:
    needed = name_for(rule.context.module, rule.context.source, qualified, prefer_module=_module_style(call, at))
    if needed is None:
        return None
    return needed.written, [needed.piece] if needed.piece is not None else []


def bound_attempts(rule: Rule, library: Library, call: cst.Call | None, at: cst.CSTNode) -> FixPlan | None:
    """REL201: give the policy a stop."""
    attempts = rule.context.config.fix.retry("attempts")
    n = number(attempts.value)  # type: ignore[arg-type]
    if library.name == "tenacity":
        if call is not None and _positional(call, library, "stop"):
            return None
        given = keyword_arg(call, ("stop",)) if call is not None else None
        if given is not None and not (
            isinstance(given.value, cst.Call) or library.resolve(rule.names, given.value) in library.get("unbounded", ())
        ):
            return None  # a name bound elsewhere: the fix would change what it means there
        found = _name(rule, "tenacity.stop_after_attempt", call, at)
        if found is None:
            return None
        written, imports = found
        piece = _set_keyword(call, at, "stop", f"{written}({n})")
        return plan(f"stop after {n} attempts: stop={written}({n}) ({_origin(attempts.chosen)})", attempts.chosen, piece, *imports)
    if library.name == "backoff" and call is not None:
        given = keyword_arg(call, ("max_time",))
        if given is not None:
            return None  # max_time=None given: which of the two to bound is the author's choice
        return plan(f"give up after {n} tries: max_tries={n} ({_origin(attempts.chosen)})", attempts.chosen, _set_keyword(call, at, "max_tries", n))
    if library.name == "urllib3" and call is not None:
        total = keyword_arg(call, ("total",))
        if total is None or not is_none(total.value):
            return None
        return plan(f"retry at most {n} times: total={n} ({_origin(attempts.chosen)})", attempts.chosen, replace(total.value, n))
    return None


def add_backoff(rule: Rule, library: Library, call: cst.Call | None, at: cst.CSTNode) -> FixPlan | None:
    """REL202: wait exponentially with jitter between attempts."""
    config = rule.context.config.fix
    if library.name == "tenacity":
        if call is not None and _positional(call, library, "wait"):
            return None
        given = keyword_arg(call, ("wait",)) if call is not None else None
        if given is not None and not isinstance(given.value, cst.Call):
            return None  # a name bound elsewhere: the fix would change what it means there
        multiplier, most = config.retry("multiplier"), config.retry("max-wait")
        found = _name(rule, "tenacity.wait_random_exponential", call, at)
        if found is None:
            return None
        written, imports = found
        value = f"{written}(multiplier={number(multiplier.value)}, max={number(most.value)})"  # type: ignore[arg-type]
        chosen = multiplier.chosen and most.chosen
        return plan(f"back off with jitter: wait={value} ({_origin(chosen)})", chosen, _set_keyword(call, at, "wait", value), *imports)
    if library.name == "urllib3" and call is not None:
        # A backoff without jitter is REL203: the fix adds both, so only where the project
        # cannot run urllib3 < 2.0 (no backoff_jitter there).
        factor, jitter = config.retry("backoff-factor"), config.retry("backoff-jitter")
        if keyword_arg(call, ("backoff_factor",)) is None and _positional(call, library, "backoff_factor", 8):
            return None
        if keyword_arg(call, ("backoff_jitter",)) is not None or not _urllib3_2(rule):
            return None
        shown, spread = number(factor.value), number(jitter.value)  # type: ignore[arg-type]
        chosen = factor.chosen and jitter.chosen
        description = f"back off with jitter: backoff_factor={shown}, backoff_jitter={spread} ({_origin(chosen)})"
        given = keyword_arg(call, ("backoff_factor",))
        if given is None:
            return plan(description, chosen, add_arguments(call, f"backoff_factor={shown}, backoff_jitter={spread}"))
        return plan(description, chosen, replace(given.value, shown), add_keyword(call, "backoff_jitter", spread))
    return None


def add_jitter(rule: Rule, library: Library, call: cst.Call | None, at: cst.CSTNode) -> FixPlan | None:
    """REL203: the same backoff with a random term."""
    if call is None:
        return None
    if library.name == "tenacity":
        given = keyword_arg(call, ("wait",))
        wait = given.value if given is not None else None
        if not isinstance(wait, cst.Call) or library.resolve(rule.names, wait.func) != "tenacity.wait_exponential":
            return None
        found = _name(rule, "tenacity.wait_random_exponential", wait, wait)
        if found is None:
            return None
        written, imports = found
        return plan(f"jitter the backoff: {written}(...) keeps its arguments, waits a random time up to the exponential one", True, replace(wait.func, written), *imports)
    if library.name == "backoff":
        given = keyword_arg(call, ("jitter",))
        if given is None or not is_none(given.value):
            return None
        found = _name(rule, "backoff.full_jitter", call, at)
        if found is None:
            return None
        written, imports = found
        return plan(f"jitter the backoff: jitter={written} (backoff's default)", True, replace(given.value, written), *imports)
    if library.name == "urllib3":
        if any(a.star for a in call.args) or keyword_arg(call, ("backoff_jitter",)) is not None or not _urllib3_2(rule):
            return None
        jitter = rule.context.config.fix.retry("backoff-jitter")
        shown = number(jitter.value)  # type: ignore[arg-type]
        return plan(f"jitter the backoff: backoff_jitter={shown} ({_origin(jitter.chosen)})", jitter.chosen, add_keyword(call, "backoff_jitter", shown))
    return None


def _positional(call: cst.Call, library: Library, keyword: str, position: int | None = None) -> bool:
    """The argument is (or may be) passed by position."""
    if position is None:
        position = library.get("positions", {}).get(keyword)
        spec = library.get("wait") if keyword == "wait" else None
        if isinstance(spec, dict):
            position = spec.get("position", position)
    if position is None:
        return False
    positional = [a for a in call.args if a.keyword is None]
    return len(positional) > position or any(a.star for a in call.args)


def _urllib3_2(rule: Rule) -> bool:
    """backoff_jitter exists since urllib3 2.0: offered only when the project cannot run an older one."""
    from resilint.checks.timeouts.callspec import may_be_older
    from resilint.config.project import project_info

    dependency = project_info(rule.context.config.root).get("urllib3")
    return dependency is not None and not may_be_older(dependency.specifier, dependency.locked, (2,))
