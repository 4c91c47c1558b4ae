"""Walking the statements of a loop: collect nodes without entering nested
functions (or, unless asked, nested loops); what names a block assigns."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import libcst as cst

from resilint.engine.names import dotted_name, target_names
from resilint.engine.walk import children


def collect(nodes: Sequence[cst.CSTNode] | cst.CSTNode, types: tuple[type, ...], enter_loops: bool = False) -> list[Any]:
    """The nodes of ``types`` at or below ``nodes``, in source order, not entering
    functions, classes, lambdas and (unless ``enter_loops``) nested loops."""
    closed: tuple[type, ...] = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    if not enter_loops:
        closed += (cst.For, cst.While)
    found: list[cst.CSTNode] = []
    stack = list(reversed(nodes)) if isinstance(nodes, Sequence) else [nodes]
    while stack:
        node = stack.pop()
        if isinstance(node, types):
            found.append(node)
        if not isinstance(node, closed):
            stack.extend(reversed(tuple(children(node))))
    return found


def suite(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    if isinstance(suite, cst.SimpleStatementSuite):
        return suite.body
    return ()


def statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Top-level small statements and compound statements of a block."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        else:
            yield statement


def refers_to(node: cst.CSTNode, name: str) -> bool:
    return any(dotted_name(n) == name for n in collect(node, (cst.Name, cst.Attribute)))


def growing_operands(expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """Both sides of every ``*``, ``**`` and ``<<`` in an expression."""
    for node in collect(expr, (cst.BinaryOperation,)):
        if isinstance(node.operator, (cst.Multiply, cst.Power, cst.LeftShift)):
            yield node.left
            yield node.right


def assignments(body: Sequence[cst.CSTNode]) -> dict[str, list[cst.BaseExpression]]:
    """``name -> values`` for plain assignments in a loop body (``self.delay`` included)."""
    found: dict[str, list[cst.BaseExpression]] = {}
    for node in collect(body, (cst.Assign, cst.AnnAssign, cst.NamedExpr), enter_loops=True):
        if node.value is None:
            continue
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            for name in target_dotted(target):
                found.setdefault(name, []).append(node.value)
    return found


def augmented(body: Sequence[cst.CSTNode]) -> dict[str, list[cst.AugAssign]]:
    found: dict[str, list[cst.AugAssign]] = {}
    for node in collect(body, (cst.AugAssign,), enter_loops=True):
        name = dotted_name(node.target)
        if name is not None:
            found.setdefault(name, []).append(node)
    return found


def target_dotted(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Attribute):
        name = dotted_name(target)
        if name is not None:
            yield name
    else:
        yield from target_names(target)
