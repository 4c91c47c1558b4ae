"""Parents-first order of a migration graph (Django's dependencies, Alembic's
down-revisions), with the cycles found on the way."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)


def parents_first(nodes: Sequence[Node], parents: Mapping[Node, Sequence[Node]]) -> tuple[tuple[Node, ...], list[list[Node]]]:
    """Every node after its parents, visiting ``nodes`` and each node's ``parents``
    in the order given (sort them for a stable order). Iterative depth-first search:
    a chain of thousands of migrations needs no recursion. A back edge is a cycle:
    returned (as the path from the node back to itself, child to parent reversed)
    and ignored, so an order still exists."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(nodes, white)
    order: list[Node] = []
    cycles: list[list[Node]] = []
    for start in nodes:
        if colour[start] != white:
            continue
        colour[start] = grey
        stack: list[tuple[Node, int]] = [(start, 0)]
        path: list[Node] = [start]
        while stack:
            node, index = stack[-1]
            above = parents[node]
            if index < len(above):
                stack[-1] = (node, index + 1)
                parent = above[index]
                if colour[parent] == white:
                    colour[parent] = grey
                    stack.append((parent, 0))
                    path.append(parent)
                elif colour[parent] == grey:
                    cycles.append(list(reversed(path[path.index(parent) :] + [parent])))
            else:
                stack.pop()
                path.pop()
                colour[node] = black
                order.append(node)
    return tuple(order), cycles
