"""Hand-written retry loops: is this loop a retry, is it bounded, how do its sleeps grow?

A loop *retries* when a ``try`` in its body (not in a nested loop or function)
has a handler that can carry on with the loop, and either that handler sleeps
(wait, then go again: a retry whatever was caught) or the loop leaves on
success (``return``/``break`` in the ``try`` body or its ``else``, an
unconditional one after the ``try``, or a ``while`` condition the ``try`` body
sets) and the handler catches a transient error (by module or name, or
anything at all around a network call). A worker or event loop that logs and
takes the next item, a loop paced by its own sleep, a parser that retries a
lookup on KeyError and an ``input()`` prompt are not retries.

How its sleeps grow is :mod:`resilint.checks.retries.sleeps`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import libcst as cst

from resilint.checks.retries.arguments import (
    NOT_LITERAL,
    elements,
    follow,
    is_builtin,
    literal,
)
from resilint.checks.retries.sleeps import Classifier, Profile
from resilint.checks.retries.statements import (
    assignments,
    augmented,
    collect,
    refers_to,
    statements,
    suite,
)
from resilint.engine.names import NameResolver, dotted_name, target_names

Loop: TypeAlias = "cst.While | cst.For"  # a string: libcst loads lazily


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
    local: frozenset[str]
    contention: frozenset[str]  # optimistic-concurrency errors: retried at once, rightly
    readiness: frozenset[str]  # connection / readiness attempts (functions and constructed methods)
    triggers: tuple[str | tuple[str, ...], ...]  # prefilter (see prefilter.py); an inner array: all must occur

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
            local=frozenset(strings("local-modules")),
            contention=frozenset(strings("contention-exceptions")),
            readiness=frozenset(strings("readiness")),
            triggers=_triggers(table.get("triggers", [])) or ("except",),
        )


@dataclass
class RetryLoop:
    node: Loop
    forever: bool  # while True / while 1 / for _ in itertools.count()
    swallows: bool  # a handler with no raise, return or break (REL204's shape)
    bounded: bool  # an attempt counter or a deadline is compared in the loop
    sleeps: list[cst.Call] = field(default_factory=list)
    may_wait: bool = False  # a call that may wait in disguise (self._sleep, event.wait)
    attempts: int | None = None  # at most this many attempts (a literal bound), None when unknown
    readiness: bool = False  # every retried try body only attempts a connection / readiness check


# -- walking statements --------------------------------------------------------------


def _body(node: Loop) -> Sequence[cst.BaseStatement]:
    return node.body.body if isinstance(node.body, cst.IndentedBlock) else ()  # type: ignore[return-value]


def _tries(body: Sequence[cst.CSTNode]) -> Iterator[tuple[cst.Try, Sequence[cst.CSTNode]]]:
    """``try`` statements of a loop body with the block that holds each (looking into
    if/with/try blocks, not nested loops or functions)."""
    for statement in body:
        if isinstance(statement, cst.Try):
            yield statement, body
            yield from _tries(suite(statement.body))
            if statement.orelse is not None:
                yield from _tries(suite(statement.orelse.body))
        elif isinstance(statement, cst.If):
            yield from _tries(suite(statement.body))
            orelse = statement.orelse
            while isinstance(orelse, cst.If):
                yield from _tries(suite(orelse.body))
                orelse = orelse.orelse
            if isinstance(orelse, cst.Else):
                yield from _tries(suite(orelse.body))
        elif isinstance(statement, cst.With):
            yield from _tries(suite(statement.body))


# -- the analysis ------------------------------------------------------------------------


# One module's answers at a time, per thread (a traversal checks one file at a time).
_local = threading.local()


class LoopAnalyzer:
    def __init__(self, facts: LoopFacts, names: NameResolver) -> None:
        self.facts = facts
        self.names = names

    def analyze(self, loop: Loop) -> RetryLoop | None:
        """The retry loop ``loop`` is, or None when it is not one. REL202, REL203 and
        REL204 ask about the same loops: the answer is kept for the current module."""
        module = self.names.module_scope.node
        if getattr(_local, "module", None) is not module:
            _local.module, _local.answers = module, {}
        key = (id(loop), self.facts)
        if key not in _local.answers:
            _local.answers[key] = self._analyze(loop)
        return _local.answers[key]

    def _analyze(self, loop: Loop) -> RetryLoop | None:
        shape = self._shape(loop)
        if shape is None:
            return None
        body = _body(loop)
        tries = list(_tries(body))
        if not tries or _runs_once(loop):
            return None
        retrying = swallows = False
        readiness = True
        # Paced: the normal path sleeps (a top-level sleep in the loop body or at the
        # end of a try body): a monitor or poller that runs again on schedule.
        paced = any(
            self._is_sleep(c) for c in _top_level_calls(body) + [c for t, _ in tries for c in _top_level_calls(suite(t.body))]
        )
        for statement, block in tries:
            carry = [
                h for h in statement.handlers if not _always_exits(suite(h.body), self) and not self._contention(h)
            ]
            if not carry or self._not_retried(statement) or self._indexes(loop, statement):
                continue
            # Sleeping after a failure and going again is a retry, whatever was caught;
            # otherwise the loop must leave on success and catch a transient error
            # (parsers and file-name races retry at once, rightly, on local errors).
            # A loop paced by its own sleep (a monitor, a scheduler) runs again on time,
            # not because it failed: without a success exit it is not a retry.
            leaves = self._leaves_on_success(loop, statement, block)
            again = [h for h in carry if any(self._is_sleep(c) for c in collect(h, (cst.Call,)))]
            if paced and not leaves:
                again = []
            elif not again and leaves:
                again = [h for h in carry if self._transient(h, statement)]
            if again:
                retrying = True
                swallows = swallows or any(not self._exits_somewhere(h) for h in again)
                readiness = readiness and self._readiness_attempt(statement)
        if not retrying:
            return None
        sleeps = [c for c in collect(body, (cst.Call,)) if self._is_sleep(c)]
        may_wait = any(self._hints_wait(c) for c in collect(body, (cst.Call,)) if not self._is_sleep(c))
        forever = shape == "forever"
        return RetryLoop(
            loop, forever, swallows, forever and swallows and self._bounded(loop), sleeps, may_wait,
            attempts=self._attempts(loop), readiness=readiness,
        )

    # -- what is retried, and how often -------------------------------------------------

    def _contention(self, handler: cst.ExceptHandler) -> bool:
        """A handler that catches only optimistic-concurrency errors (redis WatchError,
        StaleDataError, a serialization failure): another writer won, so trying again at
        once is the protocol, not a retry of a failing dependency."""
        if handler.type is None:
            return False
        caught = elements(handler.type)
        return bool(caught) and all(self.names.qualified_name(e) in self.facts.contention for e in caught)

    def readiness_call(self, call: cst.Call, local: dict[str, cst.BaseExpression] | None = None) -> bool:
        """A connection or readiness attempt: ``psycopg2.connect(...)``, ``sock.connect_ex(addr)``
        on a ``socket.socket()``, ``client.ping()`` on a ``redis.Redis(...)``. ``local``: names
        assigned earlier in the same block (the loop body is not bound yet when it is analysed)."""
        qualname = self.names.call_name(call)
        if qualname is None and isinstance(call.func, cst.Attribute):
            receiver = call.func.value
            if local and isinstance(receiver, cst.Name) and receiver.value in local:
                receiver = local[receiver.value]
            made = self.names.constructor(receiver)
            qualname = f"{made.qualname}.{call.func.attr.value}" if made is not None else None
        return qualname in self.facts.readiness

    def _readiness_attempt(self, statement: cst.Try) -> bool:
        """The try body only attempts a connection (builds the client it pings, closes
        it, breaks or returns)."""
        found = False
        local = {
            t.target.value: small.value
            for small in statements(suite(statement.body))
            if isinstance(small, cst.Assign)
            for t in small.targets
            if isinstance(t.target, cst.Name)
        }
        receivers = {
            dotted_name(call.func.value)
            for call in collect(suite(statement.body), (cst.Call,))
            if isinstance(call.func, cst.Attribute) and self.readiness_call(call, local)
        }
        assigned: set[str | None] = set()
        for small in statements(suite(statement.body)):
            if isinstance(small, (cst.Break, cst.Pass, cst.Continue)):
                continue
            if isinstance(small, cst.Assign):
                assigned |= {dotted_name(t.target) for t in small.targets}
            value = None
            if isinstance(small, (cst.Expr, cst.Return)):
                value = small.value
            elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                value = small.value
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call) and self.readiness_call(value, local):
                found = True
            elif isinstance(value, cst.Call) and _closes(value):
                receiver = value.func.value  # type: ignore[attr-defined]
                found = found or (isinstance(receiver, cst.Call) and self.readiness_call(receiver, local))
            elif isinstance(small, cst.Assign) and isinstance(value, cst.Call) and all(
                dotted_name(t.target) in receivers for t in small.targets
            ):
                continue  # client = redis.Redis(...) for the client.ping() that follows
            elif isinstance(small, cst.Return) and (
                value is None or literal(value) is not NOT_LITERAL or dotted_name(value) in receivers | assigned
            ):
                continue  # return True / return / return conn
            else:
                return False
        return found

    def _attempts(self, loop: Loop) -> int | None:
        """At most how many attempts the loop makes, from a literal bound: ``range(3)``,
        ``while n < 3`` / ``if n >= 3: raise`` with ``n`` counted from a literal,
        ``tries = 3`` counted down to 0. Off by one at worst; None when unknown."""
        body = _body(loop)
        bounds: list[int] = []
        if isinstance(loop, cst.For) and isinstance(loop.iter, cst.Call) and loop.iter.args:
            args = [self.constant(a.value) for a in loop.iter.args if a.keyword is None and not a.star]
            if len(args) == 1 and isinstance(args[0], int):
                bounds.append(args[0])
            elif len(args) == 2 and all(isinstance(a, int) for a in args):
                bounds.append(args[1] - args[0])  # type: ignore[operator]
        counters = _counters(body)
        # Only a comparison that ends the loop bounds it: the while test, or the test of
        # an ``if`` that always leaves (raise / return / break).
        compares = [
            c
            for branch in collect(body, (cst.If,))
            if _always_exits(suite(branch.body), self)
            for c in collect(branch.test, (cst.Comparison,))
        ]
        if isinstance(loop, cst.While):
            compares += collect(loop.test, (cst.Comparison,))
        for compare in compares:
            if len(compare.comparisons) != 1:
                continue
            target = compare.comparisons[0]
            sides = [compare.left, target.comparator]
            for index, side in enumerate(sides):
                name = _counted(side, counters)
                limit = self.constant(sides[1 - index])
                if name is None or not isinstance(limit, int):
                    continue
                start = self._start(name)
                if start is None:
                    continue
                inclusive = isinstance(target.operator, (cst.LessThanEqual, cst.GreaterThanEqual))
                bounds.append(abs(limit - start) + (1 if inclusive else 0))
        bounds = [b for b in bounds if b > 0]
        return min(bounds) if bounds else None

    def _start(self, name: str) -> int | None:
        """The literal a counter holds before the loop (the larger branch of ``a if c else b``)."""
        binding = self.names.lookup(name) if "." not in name else None
        if binding is None or binding.value is None:
            return None
        value = binding.value
        if isinstance(value, cst.IfExp):
            branches = [self.constant(value.body), self.constant(value.orelse)]
            return max(branches) if all(isinstance(b, int) for b in branches) else None  # type: ignore[type-var]
        found = self.constant(value)
        return found if isinstance(found, int) else None

    def constant(self, expr: cst.BaseExpression) -> Any:
        """A literal, a name bound to one, or ``self.NAME`` for a class constant assigned once."""
        expr = follow(expr, self.names)
        found = literal(expr)
        if found is not NOT_LITERAL or not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
            return found if not isinstance(found, bool) else NOT_LITERAL
        values = self.names.self_attribute_values(expr)  # class-level and self.<attr> assignments
        if len(values) != 1:
            return NOT_LITERAL  # reassigned somewhere: not a constant
        value = literal(values[0])
        return value if not isinstance(value, bool) else NOT_LITERAL

    def readiness_poll(self, loop: cst.While) -> bool:
        """``while sock.connect_ex(addr): time.sleep(1)`` / ``while not client.ping(): ...``:
        a loop whose condition is a connection or readiness attempt and whose body only
        waits (and prints or logs), with no counter, deadline or way out."""
        if literal(loop.test) is not NOT_LITERAL:
            return False
        if not any(self.readiness_call(c) for c in collect(loop.test, (cst.Call,))):
            return False
        if self._has_clock(loop.test) or collect(loop.test, (cst.Comparison,)):
            return False
        if loop.orelse is not None:
            return False
        sleeps = 0
        for small in statements(_body(loop)):
            if isinstance(small, cst.Pass):
                continue
            if not isinstance(small, cst.Expr):
                return False  # an assignment (a counter), a branch, a break or raise
            value = small.value.expression if isinstance(small.value, cst.Await) else small.value
            if not isinstance(value, cst.Call) or self.is_exit_call(small):
                return False
            sleeps += self._is_sleep(value)
        return sleeps > 0

    def _shape(self, loop: Loop) -> str | None:
        if isinstance(loop, cst.While):
            value = literal(loop.test)
            return "forever" if value is not NOT_LITERAL and value not in (0, None, False, "") else "while"
        if isinstance(loop.iter, cst.Call):
            qualname = self.names.call_name(loop.iter)
            if qualname in self.facts.counters:
                return "forever"
            if is_builtin(loop.iter.func, self.names, self.facts.ranges) or qualname in self.facts.ranges:
                args = loop.iter.args
                start = literal(args[0].value) if len(args) > 1 else 0
                stop = literal(args[0].value) if len(args) == 1 else None
                # range(8000, 8100) walks values (ports, pages), not attempts; range(1) runs once
                walks_values = start is not NOT_LITERAL and start not in (0, 1)
                return None if walks_values or stop in (0, 1) else "counted"
        return None  # iterating over data (mirrors, items) is failover or work, not a retry

    def _is_sleep(self, call: cst.Call) -> bool:
        return self.names.call_name(call) in self.facts.sleeps

    def _hints_wait(self, call: cst.Call) -> bool:
        func = call.func
        last = (func.attr.value if isinstance(func, cst.Attribute) else dotted_name(func) or "").lower()
        return any(hint in last for hint in self.facts.delay_hints)

    def _indexes(self, loop: Loop, statement: cst.Try) -> bool:
        """``for i in range(n): try: parse(items[i])`` walks items: not a retry."""
        if not isinstance(loop, cst.For):
            return False
        counters = set(target_names(loop.target)) - {"_"}
        return any(
            refers_to(element.slice, name)
            for subscript in collect(suite(statement.body), (cst.Subscript,), enter_loops=True)
            for element in subscript.slice
            for name in counters
        )

    def _not_retried(self, statement: cst.Try) -> bool:
        """An ``input()`` prompt loop re-asks a person; it is not a retry."""
        for call in collect(suite(statement.body), (cst.Call,)):
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
            top = qualname.split(".", 1)[0] if qualname is not None else None
            if top in self.facts.network:
                return True
            if top in self.facts.local:
                continue  # sqlite3.OperationalError: a local database is busy, not a remote one down
            last = (qualname or dotted_name(expr) or "").rsplit(".", 1)[-1].lower()
            if any(fragment in last for fragment in self.facts.transient):
                return True
        return False

    def _calls_network(self, statement: cst.Try) -> bool:
        for call in collect(suite(statement.body), (cst.Call,), enter_loops=True):
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
        if collect(handler, (cst.Raise, cst.Return), enter_loops=True) or collect(handler, (cst.Break,)):
            return True
        return any(self.is_exit_call(n) for n in collect(handler, (cst.Expr,), enter_loops=True))

    def _leaves_on_success(self, loop: Loop, statement: cst.Try, block: Sequence[cst.CSTNode]) -> bool:
        if collect(suite(statement.body), (cst.Return,), enter_loops=True) or collect(suite(statement.body), (cst.Break,)):
            return True
        if statement.orelse is not None and any(
            isinstance(s, (cst.Return, cst.Break)) for s in statements(suite(statement.orelse.body))
        ):
            return True
        after = list(block)[list(block).index(statement) + 1 :] if statement in block else []
        if any(isinstance(s, (cst.Return, cst.Break)) for s in statements(after)):
            return True
        if isinstance(loop, cst.While):  # `while not done:` with `done = True` in the try body
            flags = {n.value for n in collect(loop.test, (cst.Name,))}
            assigned = {
                name
                for node in collect(suite(statement.body), (cst.Assign,))
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
        deadlines = {name for name, values in assignments(body).items() if any(self._has_clock(v) for v in values)}
        compares = collect(body, (cst.Comparison,), enter_loops=True)
        if isinstance(loop, cst.While):
            compares += collect(loop.test, (cst.Comparison,))
        for compare in compares:
            used = {dotted_name(n) for n in collect(compare, (cst.Name, cst.Attribute))}
            if used & (counters | deadlines) or self._has_clock(compare):
                return True
            for name in used:
                binding = self.names.lookup(name) if name and "." not in name else None
                if binding is not None and binding.value is not None and self._has_clock(binding.value):
                    return True
        return False

    def _has_clock(self, node: cst.CSTNode) -> bool:
        for call in collect(node, (cst.Call,)):
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
        profile = Classifier(self.facts, self.names, varying, assignments(_body(loop)), augmented(_body(loop))).classify(arg.value)
        return None if profile.unknown else profile


def _top_level_calls(body: Sequence[cst.CSTNode]) -> list[cst.Call]:
    """Calls that are whole statements of a block (``time.sleep(5)``, ``await asyncio.sleep(5)``)."""
    found = []
    for statement in statements(body):
        if isinstance(statement, cst.Expr):
            value = statement.value.expression if isinstance(statement.value, cst.Await) else statement.value
            if isinstance(value, cst.Call):
                found.append(value)
    return found


def _receiver(func: cst.Attribute) -> cst.BaseExpression:
    """``client.chat.completions.create`` -> ``client`` (the object a method chain starts at)."""
    expr: cst.BaseExpression = func.value
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return expr


def _counters(body: Sequence[cst.CSTNode]) -> set[str]:
    """Names counted up or down in the loop: ``n += 1``, ``n = n + 1``, ``self.n -= 1``."""
    found = {
        name
        for name, updates in augmented(body).items()
        if any(isinstance(u.operator, (cst.AddAssign, cst.SubtractAssign)) for u in updates)
    }
    def steps(value: cst.BaseExpression, name: str) -> bool:
        if isinstance(value, cst.IfExp):  # tries = 0 if permanent else tries - 1
            return steps(value.body, name) or steps(value.orelse, name)
        return isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Add, cst.Subtract)) and refers_to(value, name)

    for name, values in assignments(body).items():
        if any(steps(v, name) for v in values):
            found.add(name)
    return found


def _runs_once(loop: Loop) -> bool:
    """``while not retried: ...; retried = True``: a loop whose body ends by making its
    own condition false (and never ``continue``s) runs once: nothing is retried."""
    if not isinstance(loop, cst.While) or loop.orelse is not None:
        return False
    test = loop.test
    negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
    flag = test.expression if negated else test  # type: ignore[attr-defined]
    if not isinstance(flag, cst.Name):
        return False
    body = list(_body(loop))
    if not body or collect(body, (cst.Continue,)):
        return False
    last = body[-1]
    if not isinstance(last, cst.SimpleStatementLine):
        return False
    for small in last.body:
        if isinstance(small, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value == flag.value for t in small.targets
        ):
            return literal(small.value) is (True if negated else False)
    return False


def _counted(expr: cst.BaseExpression, counters: set[str]) -> str | None:
    """The counter an expression reads: ``n`` or ``n + 1`` / ``n - 1``."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Subtract)):
        if isinstance(expr.right, (cst.Integer,)):
            expr = expr.left
    name = dotted_name(expr)
    return name if name in counters else None


def _closes(call: cst.Call) -> bool:
    """``conn.close()`` after a connection attempt."""
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "close" and not call.args


def _always_exits(body: Sequence[cst.CSTNode], analyzer: LoopAnalyzer) -> bool:
    """Whether every path through a handler leaves the loop (raise/return/break/exit())."""
    for statement in statements(body):
        if isinstance(statement, (cst.Raise, cst.Return, cst.Break)) or analyzer.is_exit_call(statement):
            return True
        if isinstance(statement, cst.If) and isinstance(statement.orelse, (cst.Else, cst.If)):
            branches = [suite(statement.body)]
            orelse: cst.If | cst.Else | None = statement.orelse
            while isinstance(orelse, cst.If):
                branches.append(suite(orelse.body))
                orelse = orelse.orelse
            if isinstance(orelse, cst.Else) and all(_always_exits(b, analyzer) for b in [*branches, suite(orelse.body)]):
                return True
    return False


def _triggers(value: object) -> tuple[str | tuple[str, ...], ...]:
    """``["a", ["b", "c"]]``: "a" occurs, or both "b" and "c" do."""
    if not isinstance(value, list):
        raise TypeError("loops.triggers: expected an array of strings or arrays of strings")
    out: list[str | tuple[str, ...]] = []
    for item in value:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list) and item and all(isinstance(v, str) for v in item):
            out.append(tuple(item))
        else:
            raise TypeError("loops.triggers: expected an array of strings or arrays of strings")
    return tuple(out)
