"""REL306: in ``--diff``/``--staged`` mode, an AI-assisted change to a critical
path must ship dark, behind a feature flag.

A statement is guarded when, within its own function, it is in a branch of
an ``if`` that tests a flag evaluation (``if flag:``, ``if not flag:``,
``if flag and x:``, ``elif``, a name bound to an evaluation, ``== "on"``;
the ``else`` too: when a flag is introduced the old path moves there, and it
is as switchable as the new one), after an early exit ``if not <flag>:
return/raise/continue/break``, or in a function decorated with a flag
decorator (django-waffle's ``@waffle_flag``). Not after ``if flag: return``:
what follows runs with the flag off, unswitched.
Which calls evaluate a flag is :func:`resilint.checks.flags.sdks.recognize`'s decision.

Not judged: statements outside functions (imports, constants, definitions),
``def``/``class`` headers and decorators (they cannot be guarded inside their
own function), ``pass``/docstrings/imports/``global``, the guard itself, and
statements that evaluate a flag (``enabled = client.get_boolean_value(...)``,
``x = new() if flag(...) else old()``). A new compound statement (``for``,
``with``, ``if``) is one change with its body; consecutive changed statements
of one block are one finding, at the first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import ClassVar

import libcst as cst

from resilint.checks.flags.sdks import recognize
from resilint.config.standards import Standard
from resilint.engine.literals import string_value
from resilint.engine.positions import spans_of
from resilint.model import Span
from resilint.paths import any_glob_matches, relative_to_root
from resilint.rule import Param, Rule

_MAX_DEPTH = 8  # name -> value chains followed when a test is a variable


@cache
def _node_types() -> dict[str, tuple[type, ...]]:
    """Node-type groups (built on first use: libcst loads lazily)."""
    return {
        "exits": (cst.Return, cst.Raise, cst.Continue, cst.Break),
        "inert": (cst.Pass, cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal),
        "negative comparisons": (cst.NotEqual, cst.IsNot, cst.NotIn),
    }


@dataclass
class _Block:
    serial: int  # identifies the block (ids of freed objects are reused)
    index: int = 0  # statements seen so far in this block
    exited: bool = False  # an early exit on a negated flag: the rest of the block is guarded


@dataclass
class _Frame:
    """One function being visited."""

    name: str
    guard: int = 0  # how many enclosing flag guards (0: unguarded)
    blocks: list[_Block] = field(default_factory=list)


@dataclass
class _Candidate:
    """An unguarded statement: reported when its (header) lines were changed."""

    node: cst.CSTNode
    header: cst.CSTNode | None  # compound statements: the last node of the header, if any
    function: str
    block: int  # id of the block it belongs to
    index: int  # position in that block
    compound: bool = False  # judged on its header lines; its body is part of the same change
    flag_aware: bool = False


class UnguardedChange(Rule):
    """An AI-assisted changed statement in a critical tier outside any feature-flag guard."""

    kind = "unguarded-change"
    description = "In diff mode, AI-assisted changes to critical paths must be behind a feature flag."
    parameters = {
        "tiers": Param(list, required=False, default=[], doc="tier names that count as critical (empty: every tier)"),
    }
    needs_changes: ClassVar[bool] = True  # judges changed lines: silent outside --diff/--staged

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        return ()  # nothing in the text makes it relevant: the engine skips the prefilter in diff mode

    def __init__(self, standard: Standard, context: object) -> None:
        super().__init__(standard, context)  # type: ignore[arg-type]
        self.tier = self._tier() if self.context.changed is not None else None
        self.active = self.tier is not None and self._any_ai_change()
        self._frames: list[_Frame] = []
        self._guarded: set[int] = set()  # blocks (or elif nodes) that run only with the flag on
        self._entered: set[int] = set()
        self._polarity: dict[int, int] = {}
        self._candidates: list[_Candidate] = []
        self._statement: _Candidate | None = None
        self._elifs: set[int] = set()
        self._serial = 0

    def _tier(self) -> str | None:
        context = self.context
        relpath = relative_to_root(context.file if context.file is not None else Path(context.path), context.config.root)
        if relpath is None:
            return None
        wanted = set(self.param("tiers"))
        for tier in context.config.tiers:
            if (not wanted or tier.name in wanted) and any_glob_matches(tier.paths, relpath):
                return tier.name
        return None

    def _any_ai_change(self) -> bool:
        return any(self._ai(line) for line in self.context.changed or ())

    def _ai(self, line: int) -> bool:
        provenance = self.context.provenance
        return provenance is not None and provenance.at(line) is not None

    # -- functions and blocks -----------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.active:
            return
        self._statement_in_block()
        frame = _Frame(node.name.value)
        if any(self._flag_decorator(d) for d in node.decorators):
            frame.guard = 1
        self._frames.append(frame)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        if self.active:
            self._frames.pop()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter_block(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._leave_block(original_node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._enter_block(node)
        self._simple_statement(node, in_block=False)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._statement = None
        self._leave_block(original_node)

    def _enter_block(self, node: cst.CSTNode) -> None:
        if not self.active or not self._frames:
            return
        frame = self._frames[-1]
        self._serial += 1
        frame.blocks.append(_Block(self._serial))
        if id(node) in self._guarded:
            frame.guard += 1
            self._entered.add(id(node))

    def _leave_block(self, node: cst.CSTNode) -> None:
        if not self.active or not self._frames:
            return
        frame = self._frames[-1]
        block = frame.blocks.pop()
        frame.guard -= block.exited + (id(node) in self._entered)

    # -- statements ---------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        if not self.active or not self._frames:
            return
        frame = self._frames[-1]
        if id(node) in self._guarded:  # an elif that runs only with the flag on
            frame.guard += 1
            self._entered.add(id(node))
        if id(node) not in self._elifs:
            self._statement_in_block()
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        polarity = self._flag_test(node.test)
        self._polarity[id(node)] = polarity
        if polarity:  # every branch of a flag test is flag-controlled, the fallback too
            self._guarded.add(id(node.body))
            if isinstance(node.orelse, cst.Else):
                self._guarded.add(id(node.orelse.body))
            elif isinstance(node.orelse, cst.If):
                self._guarded.add(id(node.orelse))
        elif frame.guard == 0 and id(node) not in self._entered:
            self._add(node, node.test, compound=True)

    def leave_If(self, original_node: cst.If) -> None:
        if not self.active or not self._frames:
            return
        frame = self._frames[-1]
        if id(original_node) in self._entered:
            frame.guard -= 1
        early_exit = self._polarity.get(id(original_node), 0) < 0 and _ends_with_exit(original_node.body)
        if early_exit and id(original_node) not in self._elifs and frame.blocks:
            block = frame.blocks[-1]
            if not block.exited:
                block.exited = True
                frame.guard += 1

    def visit_For(self, node: cst.For) -> None:
        self._compound(node, node.iter)

    def visit_While(self, node: cst.While) -> None:
        if self.active and self._frames and self._flag_test(node.test):
            self._statement_in_block()  # `while <flag>:` runs its body only with the flag on
            self._guarded.add(id(node.body))
            return
        self._compound(node, node.test)

    def visit_With(self, node: cst.With) -> None:
        self._compound(node, node.items[-1])

    def visit_Try(self, node: cst.Try) -> None:
        self._compound(node, None)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._compound(node, None)

    def visit_Match(self, node: cst.Match) -> None:
        if self.active and self._frames and self._flag_test(node.subject):
            self._statement_in_block()  # `match <flag value>:` - every case is a flag branch
            self._guarded.update(id(case.body) for case in node.cases)
            return
        self._compound(node, node.subject)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.active and self._frames:
            self._statement_in_block()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._simple_statement(node, in_block=True)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self._statement = None

    def visit_Call(self, node: cst.Call) -> None:
        statement = self._statement
        if statement is not None and not statement.flag_aware and recognize(node, self.names, self.context.config):
            statement.flag_aware = True

    def _compound(self, node: cst.CSTNode, header: cst.CSTNode | None) -> None:
        if not self.active or not self._frames:
            return
        self._statement_in_block()
        if self._frames[-1].guard == 0:
            self._add(node, header, compound=True)

    def _simple_statement(self, node: cst.SimpleStatementLine | cst.SimpleStatementSuite, in_block: bool) -> None:
        if not self.active or not self._frames:
            return
        if in_block:
            self._statement_in_block()
        if self._frames[-1].guard or all(_inert(s) for s in node.body):
            return
        self._statement = self._add(node, None)

    def _statement_in_block(self) -> None:
        blocks = self._frames[-1].blocks if self._frames else []
        if blocks:
            blocks[-1].index += 1

    def _add(self, node: cst.CSTNode, header: cst.CSTNode | None, *, compound: bool = False) -> _Candidate:
        frame = self._frames[-1]
        block = frame.blocks[-1] if frame.blocks else _Block(0)
        candidate = _Candidate(node, header, frame.name, block.serial, block.index, compound)
        self._candidates.append(candidate)
        return candidate

    # -- flag tests ------------------------------------------------------------------

    def _flag_test(self, test: cst.BaseExpression, depth: int = 0) -> int:
        """+1: true only with the flag on; -1: true only with it off; 0: not a flag test."""
        if depth > _MAX_DEPTH:
            return 0
        if isinstance(test, cst.Call):
            return 1 if recognize(test, self.names, self.context.config) is not None else 0
        if isinstance(test, cst.Await):
            return self._flag_test(test.expression, depth + 1)
        if isinstance(test, cst.NamedExpr):
            return self._flag_test(test.value, depth + 1)
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return -self._flag_test(test.expression, depth + 1)
        if isinstance(test, cst.BooleanOperation):
            sides = (self._flag_test(test.left, depth + 1), self._flag_test(test.right, depth + 1))
            if isinstance(test.operator, cst.And):
                return 1 if 1 in sides else 0  # body: every operand held, the flag among them
            return -1 if -1 in sides else 0  # "not flag or x" false => flag on (early exits)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            if self._flag_test(test.left, depth + 1) or self._flag_test(target.comparator, depth + 1):
                return -1 if isinstance(target.operator, _node_types()["negative comparisons"]) else 1
            return 0
        if isinstance(test, cst.Name):
            binding = self.names.lookup(test.value)
            if binding is not None and binding.value is not None:
                return self._flag_test(binding.value, depth + 1)
        return 0

    def _flag_decorator(self, decorator: cst.Decorator) -> bool:
        if not isinstance(decorator.decorator, cst.Call):
            return False
        evaluation = recognize(decorator.decorator, self.names, self.context.config)
        if evaluation is None:
            return False
        key = string_value(evaluation.key) if evaluation.key is not None else None
        prefix = evaluation.negation_prefix
        return not (prefix and key is not None and key.startswith(prefix))  # "!flag": runs with it off

    # -- after the walk ----------------------------------------------------------------

    def finish(self) -> None:
        if not self.active or not self._candidates:
            return
        candidates = [c for c in self._candidates if not c.flag_aware]
        nodes = [c.node for c in candidates] + [c.header for c in candidates if c.header is not None]
        spans = spans_of(self.context.module, nodes)
        changed = self.context.changed or frozenset()
        covered_until = 0  # the last line of the compound statement last reported
        runs: list[list[tuple[_Candidate, Span, list[int]]]] = []
        for candidate in candidates:
            span = spans.get(id(candidate.node))
            if span is None or span.line <= covered_until:
                continue
            last = span.end_line
            if candidate.compound:  # `try:` has no header expression: its first line
                header = spans.get(id(candidate.header)) if candidate.header is not None else None
                last = header.end_line if header is not None else span.line
            lines = [n for n in range(span.line, last + 1) if n in changed and self._ai(n)]
            if not lines:
                continue
            if candidate.compound:
                covered_until = span.end_line  # its body is part of this change
            previous = runs[-1][-1][0] if runs else None
            if previous is not None and previous.block == candidate.block and previous.index + 1 == candidate.index:
                runs[-1].append((candidate, span, lines))
            else:
                runs.append([(candidate, span, lines)])
        for run in runs:
            first, first_span, _ = run[0]
            end = max(span.end_line for _c, span, _l in run)
            where = f"line {first_span.line}" if end == first_span.line else f"lines {first_span.line}-{end}"
            self.report(
                first.node,
                f"AI-assisted change to {first.function}() ({where}) in critical tier '{self.tier}' "
                "is not behind a feature flag (`if <flag>:`, or `if not <flag>: return` before it)",
            )


def _inert(statement: cst.BaseSmallStatement) -> bool:
    """Statements that change no behaviour on their own."""
    if isinstance(statement, _node_types()["inert"]):
        return True
    if isinstance(statement, cst.Expr):
        value = statement.value
        return isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis))
    return False


def _ends_with_exit(body: cst.BaseSuite) -> bool:
    """``if not flag: ...; return`` - the block always leaves."""
    if isinstance(body, cst.SimpleStatementSuite):
        return bool(body.body) and isinstance(body.body[-1], _node_types()["exits"])
    statements = body.body if isinstance(body, cst.IndentedBlock) else ()
    if not statements or not isinstance(statements[-1], cst.SimpleStatementLine):
        return False
    small = statements[-1].body
    return bool(small) and isinstance(small[-1], _node_types()["exits"])
