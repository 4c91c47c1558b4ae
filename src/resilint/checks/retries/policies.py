"""What a library retry policy does, read from its call: does it ever stop, how
does its wait grow, which exceptions does it retry?

Every library fact (targets, keyword names, positions, defaults, which wait
strategy grows how) comes from the standard's ``libraries`` tables in
``rules/retries.toml``; this module only knows the *shapes* of policy APIs
(``models``): a wait strategy object combined with ``+`` (tenacity), a wait
generator plus a jitter function (backoff), numeric delay/multiplier/jitter
arguments (retry, stamina), a backoff factor (urllib3) and groups of wait
keywords (retrying).

Each answer is certain or ``None`` (unknown: a variable, a helper, ``**kwargs``);
check kinds report certain answers only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from resilint.checks.retries.arguments import (
    MISSING,
    NOT_LITERAL,
    UNKNOWN,
    Argument,
    alias_pairs,
    argument,
    elements,
    follow,
    is_builtin,
    literal,
    literal_text,
    normalize,
    spec_argument,
)
from resilint.engine.names import NameResolver

WAIT_MODELS = ("strategy", "generator", "multiplier", "factor", "keyword-groups")
GROWTHS = ("zero", "constant", "linear", "exponential")


@dataclass(frozen=True)
class Library:
    """One library's facts, from a ``[[standards.libraries]]`` table."""

    name: str
    targets: frozenset[str]
    bare: frozenset[str]
    aliases: tuple[tuple[str, str], ...]
    table: Mapping[str, Any]

    @classmethod
    def parse(cls, table: Mapping[str, Any]) -> Library:
        name = table["name"]
        targets = table["targets"]
        if not isinstance(name, str) or not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise TypeError("expected name (string) and targets (array of qualified names)")
        aliases = table.get("aliases", {})
        if not isinstance(aliases, Mapping):
            raise TypeError("aliases: expected a table of module prefix -> public module")
        return cls(name, frozenset(targets), frozenset(table.get("bare", ())), alias_pairs(aliases), table)

    def resolve(self, names: NameResolver, expr: cst.BaseExpression) -> str | None:
        return normalize(names.qualified_name(expr), self.aliases)

    def get(self, key: str, default: Any = None) -> Any:
        return self.table.get(key, default)


# -- REL201: is the policy bounded? -------------------------------------------------


def unbounded_keywords(library: Library, call: cst.Call | None, names: NameResolver) -> list[str] | None:
    """The stop keywords when the policy can certainly retry forever (each missing
    with an unbounded default, or given an unbounded value); None otherwise."""
    positions: Mapping[str, int] = library.get("positions", {})
    finite_defaults = set(library.get("finite-defaults", ()))
    for keyword in library.get("stop", ()):
        value = argument(call, keyword, positions.get(keyword))
        if value is UNKNOWN:
            return None
        if value is MISSING:
            if keyword in finite_defaults:
                return None
            continue
        assert isinstance(value, cst.BaseExpression)
        if not _unbounded_value(library, value, names):
            return None
    return list(library.get("stop", ()))


def _unbounded_value(library: Library, expr: cst.BaseExpression, names: NameResolver, depth: int = 0) -> bool:
    if depth > 20:
        return False
    expr = follow(expr, names)
    unbounded = set(library.get("unbounded", ()))
    value = literal(expr)
    if value is not NOT_LITERAL:
        return literal_text(value) in unbounded
    if isinstance(expr, cst.BinaryOperation):
        left = _unbounded_value(library, expr.left, names, depth + 1)
        right = _unbounded_value(library, expr.right, names, depth + 1)
        if isinstance(expr.operator, cst.BitOr):  # stop when either fires
            return left and right
        if isinstance(expr.operator, cst.BitAnd):  # stop only when both fire
            return left or right
        return False
    if isinstance(expr, cst.Call):
        qualname = library.resolve(names, expr.func)
        parts = [_unbounded_value(library, a.value, names, depth + 1) for a in expr.args if not a.star]
        if not parts or any(a.star for a in expr.args):
            return False
        if qualname in library.get("any-of", ()):
            return all(parts)
        if qualname in library.get("all-of", ()):
            return any(parts)
        return False
    return library.resolve(names, expr) in unbounded


# -- how many attempts at most? ------------------------------------------------------


def max_attempts(library: Library, call: cst.Call | None, names: NameResolver) -> int | None:
    """At most how many attempts the policy makes, from its ``attempts`` spec
    (``{keyword, position, default, call, counts}``: ``counts = "retries"`` adds the
    first attempt; ``call`` names the stop strategy that holds the number, combined
    with ``|`` or the library's any-of); None when unknown or unbounded."""
    spec = library.get("attempts")
    if spec is None:
        return None
    value = spec_argument(call, spec)
    if value is UNKNOWN:
        return None
    if value is MISSING:
        found = spec.get("default")
    else:
        assert isinstance(value, cst.BaseExpression)
        found = _attempts_value(library, spec, value, names, 0)
    if not isinstance(found, int) or isinstance(found, bool) or found < 0:
        return None
    return found + 1 if spec.get("counts") == "retries" else found


def _attempts_value(library: Library, spec: Mapping[str, Any], expr: cst.BaseExpression, names: NameResolver, depth: int) -> Any:
    if depth > 20:
        return None
    expr = follow(expr, names)
    wrapper = spec.get("call")
    if wrapper is None:
        found = literal(expr)
        return found if found is not NOT_LITERAL else None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        parts = [_attempts_value(library, spec, side, names, depth + 1) for side in (expr.left, expr.right)]
        known = [p for p in parts if isinstance(p, int)]
        return min(known) if known else None  # stops at the first limit reached
    if isinstance(expr, cst.Call):
        qualname = library.resolve(names, expr.func)
        if qualname == wrapper and len(expr.args) == 1 and expr.args[0].keyword is None:
            found = literal(follow(expr.args[0].value, names))
            return found if found is not NOT_LITERAL else None
        if qualname in library.get("any-of", ()) and not any(a.star for a in expr.args):
            known = [p for p in (_attempts_value(library, spec, a.value, names, depth + 1) for a in expr.args) if isinstance(p, int)]
            return min(known) if known else None
    return None


# -- REL202 / REL203: how does the wait grow? -------------------------------------


@dataclass(frozen=True)
class Wait:
    """A policy's wait between attempts: ``growth`` is one of GROWTHS; ``random``
    whether a random term is added; ``what`` says where it comes from (messages);
    ``default`` whether it is the library default (nothing passed)."""

    growth: str
    random: bool
    what: str
    default: bool = False


def wait_profile(library: Library, call: cst.Call | None, names: NameResolver, module: cst.Module) -> Wait | None:
    """The policy's wait, or None when unknown or when retries are switched off."""
    if _retries_off(library, call, names):
        return None
    model = library.get("model")
    if model == "strategy":
        return _strategy(library, call, names, module)
    if model == "generator":
        return _generator(library, call, names, module)
    if model == "multiplier":
        return _multiplier(library, call, names)
    if model == "factor":
        return _factor(library, call, names)
    if model == "keyword-groups":
        return _keyword_groups(library, call)
    return None


def _retries_off(library: Library, call: cst.Call | None, names: NameResolver) -> bool:
    """``Retry(0)``, ``stop_after_attempt(1)``, ``max_tries=1``: no retries, so no wait to judge."""
    spec = library.get("off")
    if spec is None:
        return False
    value = spec_argument(call, spec)
    if not isinstance(value, cst.BaseExpression):
        return False
    value = follow(value, names)
    found = literal(value)
    if found is not NOT_LITERAL:
        return literal_text(found) in spec.get("values", ())
    # A stop strategy written as a call with one literal: "tenacity.stop_after_attempt(1)".
    if isinstance(value, cst.Call) and len(value.args) == 1 and value.args[0].keyword is None:
        argument_value = literal(value.args[0].value)
        if argument_value is not NOT_LITERAL:
            spelled = f"{library.resolve(names, value.func)}({literal_text(argument_value)})"
            return spelled in spec.get("values", ())
    return False


def _code(module: cst.Module, node: cst.CSTNode) -> str:
    text = " ".join(module.code_for_node(node).split())
    return text if len(text) <= 50 else text[:49] + "…"


def _combine(parts: Sequence[Wait], what: str) -> Wait:
    growth = max((p.growth for p in parts), key=GROWTHS.index)
    return Wait(growth, any(p.random for p in parts), what)


def _strategy(library: Library, call: cst.Call | None, names: NameResolver, module: cst.Module) -> Wait | None:
    spec = library.get("wait", {})
    value = spec_argument(call, spec)
    if value is UNKNOWN:
        return None
    if value is MISSING:
        growth = library.get("default-growth", "zero")
        return Wait(growth, False, library.get("default", "the default wait"), default=True)
    assert isinstance(value, cst.BaseExpression)
    return _strategy_value(library, value, names, module, 0)


def _strategy_value(
    library: Library, expr: cst.BaseExpression, names: NameResolver, module: cst.Module, depth: int
) -> Wait | None:
    if depth > 20:
        return None
    written = _code(module, expr)
    expr = follow(expr, names)
    waits: Mapping[str, str] = library.get("waits", {})
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        parts = [_strategy_value(library, side, names, module, depth + 1) for side in (expr.left, expr.right)]
        return None if None in parts else _combine(parts, written)  # type: ignore[arg-type]
    if isinstance(expr, cst.Call):
        qualname = library.resolve(names, expr.func)
        if qualname in library.get("sum", ()):
            if any(a.star for a in expr.args):
                return None
            parts = [_strategy_value(library, a.value, names, module, depth + 1) for a in expr.args]
            return None if not parts or None in parts else _combine(parts, written)  # type: ignore[arg-type]
        kind = waits.get(qualname or "")
        return _wait_of_kind(kind, written)
    if literal(expr) in (0, None):  # tenacity treats wait=None / wait=0 as no wait
        return Wait("zero", False, written)
    return None


def _wait_of_kind(kind: str | None, written: str) -> Wait | None:
    """``"exponential-random"`` -> Wait("exponential", True)."""
    if kind is None:
        return None
    growth, _, random = kind.partition("-")
    if growth == "random":  # a random wait that does not grow
        return Wait("constant", True, written)
    return Wait(growth, random == "random", written) if growth in GROWTHS else None


def _generator(library: Library, call: cst.Call | None, names: NameResolver, module: cst.Module) -> Wait | None:
    value = spec_argument(call, library.get("wait", {}))
    if not isinstance(value, cst.BaseExpression):
        return None
    written = _code(module, value)
    kind = library.get("waits", {}).get(library.resolve(names, follow(value, names)) or "")
    wait = _wait_of_kind(kind, written)
    if wait is None:
        return None
    jitter_spec = library.get("jitter", {})
    jitter = spec_argument(call, jitter_spec)
    if jitter is UNKNOWN:
        return None
    if jitter is MISSING:
        return Wait(wait.growth, bool(jitter_spec.get("default-random", False)), written)
    assert isinstance(jitter, cst.BaseExpression)
    found = literal(follow(jitter, names))
    if found is None:
        return Wait(wait.growth, False, f"{written} with jitter=None")
    if library.resolve(names, follow(jitter, names)) in jitter_spec.get("random", ()):
        return Wait(wait.growth, True, written)
    return None


def _number(value: Argument, default: Any, names: NameResolver) -> Any:
    """A literal argument, the default when missing, NOT_LITERAL when unknown."""
    if value is MISSING:
        return default
    if not isinstance(value, cst.BaseExpression):
        return NOT_LITERAL
    return literal(follow(value, names))


def _multiplier(library: Library, call: cst.Call | None, names: NameResolver) -> Wait | None:
    """``delay * multiplier ** n (+ jitter)``: retry's delay/backoff/jitter, stamina's
    wait_initial/wait_exp_base/wait_jitter."""
    delay_spec, mult_spec, jitter_spec = library.get("delay", {}), library.get("multiplier", {}), library.get("jitter", {})
    delay = _number(spec_argument(call, delay_spec), delay_spec.get("default"), names)
    multiplier = _number(spec_argument(call, mult_spec), mult_spec.get("default"), names)
    jitter = _number(spec_argument(call, jitter_spec), jitter_spec.get("default"), names)
    passed = call is not None and any(
        spec_argument(call, s) is not MISSING for s in (delay_spec, mult_spec, jitter_spec)
    )
    what = library.get("default", "") if not passed else f"{delay_spec.get('keyword')}={_show(delay)}, {mult_spec.get('keyword')}={_show(multiplier)}"
    random_jitter = isinstance(jitter, tuple) if jitter_spec.get("random") == "tuple" else _positive(jitter)
    if jitter is NOT_LITERAL:
        return None
    adds = jitter != 0 and jitter != (0, 0) and jitter is not None
    accumulates = bool(jitter_spec.get("accumulates", False))
    if delay is NOT_LITERAL or multiplier is NOT_LITERAL:
        return None
    if not isinstance(delay, (int, float)) or not isinstance(multiplier, (int, float)):
        return None
    if delay > 0 and multiplier > 1:
        growth = "exponential"
    elif adds and accumulates:
        growth = "linear"  # retry adds the jitter to the delay after every attempt
    elif delay > 0 or adds:
        growth = "constant"
    else:
        growth = "zero"
    return Wait(growth, bool(random_jitter and adds), what, default=not passed)


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _show(value: Any) -> str:
    return literal_text(value) if value is not NOT_LITERAL else "?"


def _factor(library: Library, call: cst.Call | None, names: NameResolver) -> Wait | None:
    """urllib3: ``backoff_factor * 2 ** (n - 1) (+ random() * backoff_jitter)``."""
    factor_spec, jitter_spec = library.get("factor", {}), library.get("jitter", {})
    factor_arg = spec_argument(call, factor_spec)
    jitter_arg = spec_argument(call, jitter_spec)
    if factor_arg is UNKNOWN or jitter_arg is UNKNOWN:
        return None
    factor = _number(factor_arg, factor_spec.get("default", 0), names)
    jitter = _number(jitter_arg, jitter_spec.get("default", 0), names)
    keyword = factor_spec.get("keyword", "backoff_factor")
    if factor == 0:
        what = f"{keyword}=0" if factor_arg is not MISSING else library.get("default", f"no {keyword}")
        return Wait("zero", False, what, default=factor_arg is MISSING)
    # A factor that is a variable is still a backoff; only its jitter is judged.
    random = jitter is NOT_LITERAL or _positive(jitter)
    return Wait("exponential", random, f"{keyword}={_show(factor)}")


def _keyword_groups(library: Library, call: cst.Call | None) -> Wait | None:
    """retrying: the wait is the largest of the strategies whose keywords are passed."""
    if call is not None and any(a.star or a.keyword is None for a in call.args):
        return None  # positional arguments: stop, wait, ... in an order we do not guess
    passed = {a.keyword.value for a in call.args if a.keyword is not None} if call is not None else set()
    if passed & set(library.get("unknown", ())):
        return None
    groups: Mapping[str, Sequence[str]] = library.get("groups", {})
    present = [kind for kind, keywords in groups.items() if passed & set(keywords)]
    jittered = bool(passed & set(library.get("jitter", ())))
    if not present:
        return Wait(library.get("default-growth", "zero"), jittered, library.get("default", "no wait"), default=True)
    waits = [w for w in (_wait_of_kind(kind, kind) for kind in present) if w is not None]
    if not waits:
        return None
    growth = max((w.growth for w in waits), key=GROWTHS.index)
    random = jittered or (growth == "constant" and any(w.random for w in waits))
    shown = ", ".join(sorted(k + "=" for k in passed if any(k in group for group in groups.values())))
    return Wait(growth, random, shown)


# -- REL205: which exceptions does it retry? ---------------------------------------


def broad_exception(library: Library, call: cst.Call | None, names: NameResolver, broad: Sequence[str]) -> cst.BaseExpression | None:
    """The broad exception class (``Exception``) the policy explicitly retries, if any.
    Library defaults are not judged (see the REL205 rationale)."""
    spec = library.get("exceptions")
    if spec is None:
        return None
    value = spec_argument(call, spec)
    if not isinstance(value, cst.BaseExpression):
        return None
    return _broad_in(library, value, names, broad, 0)


def _broad_in(
    library: Library, expr: cst.BaseExpression, names: NameResolver, broad: Sequence[str], depth: int
) -> cst.BaseExpression | None:
    if depth > 20:
        return None
    expr = follow(expr, names)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        return _broad_in(library, expr.left, names, broad, depth + 1) or _broad_in(library, expr.right, names, broad, depth + 1)
    if isinstance(expr, cst.Call):
        qualname = library.resolve(names, expr.func)
        predicates: Mapping[str, Any] = library.get("predicates", {})
        if qualname in predicates:
            inner = spec_argument(expr, predicates[qualname])
            return _broad_in(library, inner, names, broad, depth + 1) if isinstance(inner, cst.BaseExpression) else None
        if qualname in library.get("any-of", ()):
            for arg in expr.args:
                found = _broad_in(library, arg.value, names, broad, depth + 1)
                if found is not None:
                    return found
        return None
    for item in elements(expr):
        if is_builtin(item, names, broad):
            return item
        if isinstance(item, (cst.Tuple, cst.List)) and item is not expr:
            found = _broad_in(library, item, names, broad, depth + 1)
            if found is not None:
                return found
    return None
