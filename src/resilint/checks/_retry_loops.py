"""Hand-written retry loops: is this loop a retry, is it bounded, how do its sleeps grow?

A loop *retries* when a ``try`` in its body (not in a nested loop or function)
has a handler that can carry on with the loop, and the loop either leaves on
success (``return``/``break`` in the ``try`` body or its ``else``, an
unconditional one after the ``try``, or a ``while`` condition the ``try``
body sets) or sleeps in that handler (a reconnect loop). A worker or event
loop that logs and goes on with the next item is not a retry; nor is an
``input()`` prompt loop.

A sleep's argument is classified by what it depends on: literals and names
the loop does not assign are constant; the loop counter (``for attempt in
range(n)``) and names the loop updates vary; ``**`` / ``<<`` / ``*=`` over a
varying value is exponential; a call into ``random``/``secrets`` is a random
term. Unknown helpers make the sleep unknown, and unknown is never reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from resilint.checks._retry_args import NOT_LITERAL, elements, is_builtin, literal
from resilint.names import NameResolver, dotted_name, target_names

Loop = cst.While | cst.For


@dataclass(frozen=True)
class LoopFacts:
    """Library facts for loops (the ``loops`` table of a standard)."""

    sleeps: frozenset[str]
    randoms: tuple[str, ...]
    counters: frozenset[str]
    ranges: frozenset[str]
    clocks: frozenset[str]
    clock_methods: frozenset[str]
    exits: frozenset[str]
    not_retried: frozenset[str]
    delay_hints: tuple[str, ...]
    pass_through: frozenset[str]
    exponential: frozenset[str]
    transient: tuple[str, ...]
    network: frozenset[str]
    broad: frozenset[str]

    @classmethod
    def parse(cls, table: Mapping[str, Any]) -> LoopFacts:
        def strings(key: str) -> tuple[str, ...]:
            value = table.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"loops.{key}: expected an array of strings")
            return tuple(value)

        return cls(
            sleeps=frozenset(strings("sleeps")),
            randoms=strings("randoms"),
            counters=frozenset(strings("counters")),
            ranges=frozenset(strings("ranges")),
            clocks=frozenset(strings("clocks")),
            clock_methods=frozenset(strings("clock-methods")),
            exits=frozenset(strings("exits")),
            not_retried=frozenset(strings("not-retried")),
            delay_hints=strings("delay-hints"),
            pass_through=frozenset(strings("pass-through")),
            exponential=frozenset(strings("exponential")),
            transient=tuple(t.lower() for t in strings("transient-exceptions")),
            network=frozenset(strings("network-modules")),
            broad=frozenset(strings("broad-exceptions")),
        )


@dataclass
class RetryLoop:
    node: Loop
    forever: bool  # while True / while 1 / for _ in itertools.count()
    swallows: bool  # a handler with no raise, return or break (REL204's shape)
    bounded: bool  # an attempt counter or a deadline is compared in the loop
    sleeps: list[cst.Call] = field(default_factory=list)
    may_wait: bool = False  # a call that may wait in disguise (self._sleep, event.wait)


# -- walking statements --------------------------------------------------------------


class _Collector(cst.CSTVisitor):
    """Collect nodes of some types below a node, not entering functions, classes,
    lambdas, and (unless asked) nested loops."""

    def __init__(self, types: tuple[type, ...], enter_loops: bool) -> None:
        super().__init__()
        self.types = types
        self.enter_loops = enter_loops
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.types):
            self.found.append(node)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if not self.enter_loops and isinstance(node, (cst.For, cst.While)):
            return False
        return True


def _collect(nodes: Sequence[cst.CSTNode] | cst.CSTNode, types: tuple[type, ...], enter_loops: bool = False) -> list[Any]:
    collector = _Collector(types, enter_loops)
    for node in nodes if isinstance(nodes, Sequence) else (nodes,):
        node.visit(collector)
    return collector.found


def _body(node: Loop) -> Sequence[cst.BaseStatement]:
    return node.body.body if isinstance(node.body, cst.IndentedBlock) else ()  # type: ignore[return-value]


def _block(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    if isinstance(suite, cst.SimpleStatementSuite):
        return suite.body
    return ()


def _statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Top-level small statements and compound statements of a block."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        else:
            yield statement


def _tries(body: Sequence[cst.CSTNode]) -> Iterator[tuple[cst.Try, Sequence[cst.CSTNode]]]:
    """``try`` statements of a loop body with the block that holds each (looking into
    if/with/try blocks, not nested loops or functions)."""
    for statement in body:
        if isinstance(statement, cst.Try):
            yield statement, body
            yield from _tries(_block(statement.body))
            if statement.orelse is not None:
                yield from _tries(_block(statement.orelse.body))
        elif isinstance(statement, cst.If):
            yield from _tries(_block(statement.body))
            orelse = statement.orelse
            while isinstance(orelse, cst.If):
                yield from _tries(_block(orelse.body))
                orelse = orelse.orelse
            if isinstance(orelse, cst.Else):
                yield from _tries(_block(orelse.body))
        elif isinstance(statement, cst.With):
            yield from _tries(_block(statement.body))


# -- the analysis ------------------------------------------------------------------------


class LoopAnalyzer:
    def __init__(self, facts: LoopFacts, names: NameResolver) -> None:
        self.facts = facts
        self.names = names

    def analyze(self, loop: Loop) -> RetryLoop | None:
        """The retry loop ``loop`` is, or None when it is not one."""
        shape = self._shape(loop)
        if shape is None:
            return None
        body = _body(loop)
        sleeps = [c for c in _collect(body, (cst.Call,)) if self._is_sleep(c)]
        retrying = swallows = False
        paced = any(self._is_sleep(c) for c in _top_level_calls(body))
        for statement, block in _tries(body):
            carry = [h for h in statement.handlers if not _always_exits(_block(h.body), self)]
            if not carry or self._not_retried(statement):
                continue
            # Sleeping after a failure and going again is a retry, whatever was caught;
            # otherwise the loop must leave on success and catch a transient error
            # (parsers and file-name races retry at once, rightly, on local errors).
            # A loop paced by its own sleep (a monitor, a scheduler) runs again on time,
            # not because it failed: without a success exit it is not a retry.
            leaves = self._leaves_on_success(loop, statement, block)
            again = [h for h in carry if any(self._is_sleep(c) for c in _collect(h, (cst.Call,)))]
            if paced and not leaves:
                again = []
            elif not again and leaves:
                again = [h for h in carry if self._transient(h, statement)]
            if again:
                retrying = True
                swallows = swallows or any(not self._exits_somewhere(h) for h in again)
        if not retrying:
            return None
        may_wait = any(self._hints_wait(c) for c in _collect(body, (cst.Call,)) if not self._is_sleep(c))
        forever = shape == "forever"
        return RetryLoop(loop, forever, swallows, forever and swallows and self._bounded(loop), sleeps, may_wait)

    def _shape(self, loop: Loop) -> str | None:
        if isinstance(loop, cst.While):
            value = literal(loop.test)
            return "forever" if value is not NOT_LITERAL and value not in (0, None, False, "") else "while"
        if isinstance(loop.iter, cst.Call):
            qualname = self.names.call_name(loop.iter)
            if qualname in self.facts.counters:
                return "forever"
            if is_builtin(loop.iter.func, self.names, self.facts.ranges) or qualname in self.facts.ranges:
                return "counted"
        return None  # iterating over data (mirrors, items) is failover or work, not a retry

    def _is_sleep(self, call: cst.Call) -> bool:
        return self.names.call_name(call) in self.facts.sleeps

    def _hints_wait(self, call: cst.Call) -> bool:
        name = dotted_name(call.func) or ""
        last = name.rsplit(".", 1)[-1].lower()
        return any(hint in last for hint in self.facts.delay_hints)

    def _not_retried(self, statement: cst.Try) -> bool:
        """An ``input()`` prompt loop re-asks a person; it is not a retry."""
        for call in _collect(_block(statement.body), (cst.Call,)):
            if self.names.call_name(call) in self.facts.not_retried or is_builtin(call.func, self.names, self.facts.not_retried):
                return True
        return False

    def _transient(self, handler: cst.ExceptHandler, statement: cst.Try) -> bool:
        """Whether a handler catches what a retry is for: a network or timeout error by
        name or module, or anything at all (bare/``Exception``) around a network call."""
        caught = elements(handler.type) if handler.type is not None else []
        if not caught or any(is_builtin(e, self.names, self.facts.broad) for e in caught):
            return self._calls_network(statement)
        for expr in caught:
            qualname = self.names.qualified_name(expr)
            if qualname is not None and qualname.split(".", 1)[0] in self.facts.network:
                return True
            last = (qualname or dotted_name(expr) or "").rsplit(".", 1)[-1].lower()
            if any(fragment in last for fragment in self.facts.transient):
                return True
        return False

    def _calls_network(self, statement: cst.Try) -> bool:
        for call in _collect(_block(statement.body), (cst.Call,), enter_loops=True):
            qualname = self.names.call_name(call)
            if qualname is None and isinstance(call.func, cst.Attribute):
                made = self.names.constructor(_receiver(call.func))
                qualname = made.qualname if made is not None else None
            if qualname is not None and qualname.split(".", 1)[0] in self.facts.network:
                return True
        return False

    def is_exit_call(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
            return self.names.call_name(node.value) in self.facts.exits
        return False

    def _exits_somewhere(self, handler: cst.ExceptHandler) -> bool:
        """Any raise, return, break (of this loop) or sys.exit() in the handler."""
        if _collect(handler, (cst.Raise, cst.Return), enter_loops=True) or _collect(handler, (cst.Break,)):
            return True
        return any(self.is_exit_call(n) for n in _collect(handler, (cst.Expr,), enter_loops=True))

    def _leaves_on_success(self, loop: Loop, statement: cst.Try, block: Sequence[cst.CSTNode]) -> bool:
        if _collect(_block(statement.body), (cst.Return,), enter_loops=True) or _collect(_block(statement.body), (cst.Break,)):
            return True
        if statement.orelse is not None and any(
            isinstance(s, (cst.Return, cst.Break)) for s in _statements(_block(statement.orelse.body))
        ):
            return True
        after = list(block)[list(block).index(statement) + 1 :] if statement in block else []
        if any(isinstance(s, (cst.Return, cst.Break)) for s in _statements(after)):
            return True
        if isinstance(loop, cst.While):  # `while not done:` with `done = True` in the try body
            flags = {n.value for n in _collect(loop.test, (cst.Name,))}
            assigned = {
                name
                for node in _collect(_block(statement.body), (cst.Assign,))
                for target in node.targets
                for name in target_names(target.target)
            }
            return bool(flags & assigned)
        return False

    # -- bounded: an attempt counter or a deadline compared in the loop --------------------

    def _bounded(self, loop: Loop) -> bool:
        body = _body(loop)
        counters = _counters(body)
        if isinstance(loop, cst.For):
            counters |= set(target_names(loop.target))
        deadlines = {name for name, values in _assignments(body).items() if any(self._has_clock(v) for v in values)}
        compares = _collect(body, (cst.Comparison,), enter_loops=True)
        if isinstance(loop, cst.While):
            compares += _collect(loop.test, (cst.Comparison,))
        for compare in compares:
            used = {dotted_name(n) for n in _collect(compare, (cst.Name, cst.Attribute))}
            if used & (counters | deadlines) or self._has_clock(compare):
                return True
            for name in used:
                binding = self.names.lookup(name) if name and "." not in name else None
                if binding is not None and binding.value is not None and self._has_clock(binding.value):
                    return True
        return False

    def _has_clock(self, node: cst.CSTNode) -> bool:
        for call in _collect(node, (cst.Call,)):
            if self.names.call_name(call) in self.facts.clocks:
                return True
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in self.facts.clock_methods:
                return True  # loop.time(), clock.monotonic(): a clock we cannot resolve
        return False

    # -- sleeps -------------------------------------------------------------------------------

    def sleep_profile(self, loop: Loop, sleep: cst.Call) -> Profile | None:
        """How the sleep's duration behaves across iterations; None when unknown."""
        arg = next((a for a in sleep.args if a.keyword is None and not a.star), None)
        if arg is None:
            arg = next((a for a in sleep.args if a.keyword is not None), None)
        if arg is None:
            return None
        varying = set(target_names(loop.target)) if isinstance(loop, cst.For) else set()
        profile = _Classifier(self, varying, _assignments(_body(loop)), _augmented(_body(loop))).classify(arg.value)
        return None if profile.unknown else profile


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
_GROWING_OPS = (cst.Multiply, cst.Power, cst.LeftShift)
_GROWING_AUG = (cst.MultiplyAssign, cst.PowerAssign, cst.LeftShiftAssign)


class _Classifier:
    def __init__(
        self,
        analyzer: LoopAnalyzer,
        counters: set[str],
        assigned: dict[str, list[cst.BaseExpression]],
        augmented: dict[str, list[cst.AugAssign]],
    ) -> None:
        self.analyzer = analyzer
        self.names = analyzer.names
        self.facts = analyzer.facts
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
            if _refers_to(value, name):
                grows = any(_refers_to(op, name) for op in _growing_operands(value))
                profile = profile | Profile(varying=True, exponential=grows)
            result = result | profile
        for aug in self.augmented.get(name, ()):
            result = result | self.classify(aug.value, depth + 1) | Profile(varying=True, exponential=isinstance(aug.operator, _GROWING_AUG))
        binding = self.names.lookup(name) if "." not in name else None
        if binding is not None and binding.value is not None:
            before = self.classify(binding.value, depth + 1)
            result = result | Profile(random=before.random)
        return result


def _top_level_calls(body: Sequence[cst.CSTNode]) -> Iterator[cst.Call]:
    """Calls that are whole statements of a block (``time.sleep(5)``, ``await asyncio.sleep(5)``)."""
    for statement in _statements(body):
        if isinstance(statement, cst.Expr):
            value = statement.value.expression if isinstance(statement.value, cst.Await) else statement.value
            if isinstance(value, cst.Call):
                yield value


def _receiver(func: cst.Attribute) -> cst.BaseExpression:
    """``client.chat.completions.create`` -> ``client`` (the object a method chain starts at)."""
    expr: cst.BaseExpression = func.value
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return expr


def _refers_to(node: cst.CSTNode, name: str) -> bool:
    return any(dotted_name(n) == name for n in _collect(node, (cst.Name, cst.Attribute)))


def _growing_operands(expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """Both sides of every ``*``, ``**`` and ``<<`` in an expression."""
    for node in _collect(expr, (cst.BinaryOperation,)):
        if isinstance(node.operator, _GROWING_OPS):
            yield node.left
            yield node.right


def _assignments(body: Sequence[cst.CSTNode]) -> dict[str, list[cst.BaseExpression]]:
    """``name -> values`` for plain assignments in a loop body (``self.delay`` included)."""
    found: dict[str, list[cst.BaseExpression]] = {}
    for node in _collect(body, (cst.Assign, cst.AnnAssign, cst.NamedExpr), enter_loops=True):
        if node.value is None:
            continue
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            for name in _target_dotted(target):
                found.setdefault(name, []).append(node.value)
    return found


def _augmented(body: Sequence[cst.CSTNode]) -> dict[str, list[cst.AugAssign]]:
    found: dict[str, list[cst.AugAssign]] = {}
    for node in _collect(body, (cst.AugAssign,), enter_loops=True):
        name = dotted_name(node.target)
        if name is not None:
            found.setdefault(name, []).append(node)
    return found


def _target_dotted(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Attribute):
        name = dotted_name(target)
        if name is not None:
            yield name
    else:
        yield from target_names(target)


def _counters(body: Sequence[cst.CSTNode]) -> set[str]:
    """Names counted up or down in the loop: ``n += 1``, ``n = n + 1``, ``self.n -= 1``."""
    found = {
        name
        for name, updates in _augmented(body).items()
        if any(isinstance(u.operator, (cst.AddAssign, cst.SubtractAssign)) for u in updates)
    }
    for name, values in _assignments(body).items():
        if any(isinstance(v, cst.BinaryOperation) and isinstance(v.operator, (cst.Add, cst.Subtract)) and _refers_to(v, name) for v in values):
            found.add(name)
    return found


def _always_exits(body: Sequence[cst.CSTNode], analyzer: LoopAnalyzer) -> bool:
    """Whether every path through a handler leaves the loop (raise/return/break/exit())."""
    for statement in _statements(body):
        if isinstance(statement, (cst.Raise, cst.Return, cst.Break)) or analyzer.is_exit_call(statement):
            return True
        if isinstance(statement, cst.If) and isinstance(statement.orelse, (cst.Else, cst.If)):
            branches = [_block(statement.body)]
            orelse: cst.If | cst.Else | None = statement.orelse
            while isinstance(orelse, cst.If):
                branches.append(_block(orelse.body))
                orelse = orelse.orelse
            if isinstance(orelse, cst.Else) and all(_always_exits(b, analyzer) for b in [*branches, _block(orelse.body)]):
                return True
    return False
