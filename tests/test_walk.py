"""engine/walk.py: the rules' walk visits every node but whitespace and
punctuation, in source order, entering a node before its children and leaving it
after them, with no recursion (any depth)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from resilint.engine.walk import _fields, _is_visited, child_list, children, walk

FIXTURES = sorted(p for p in (Path(__file__).parent.parent / "fixtures").rglob("*.py") if p.stat().st_size > 300)


def events(module: cst.Module) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    walk(module, lambda node: out.append(("enter", id(node))), lambda node: out.append(("leave", id(node))))
    return out


def reference(node: cst.CSTNode, out: list[tuple[str, int]]) -> None:
    """The definition, recursively: a node's fields in source order (_fields), the
    visited nodes among their values (_is_visited), sequences item by item."""
    out.append(("enter", id(node)))
    for name in _fields(type(node)):
        value = getattr(node, name)
        for item in value if isinstance(value, (tuple, list)) else (value,):
            if _is_visited(type(item)):
                reference(item, out)
    out.append(("leave", id(node)))


@pytest.mark.parametrize("path", FIXTURES[::7], ids=lambda p: p.name)
def test_the_walk_enters_and_leaves_as_the_recursive_definition(path: Path) -> None:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    expected: list[tuple[str, int]] = []
    reference(module, expected)
    assert events(module) == expected
    assert len(expected) > 20


def test_children_and_child_list_agree_and_the_walk_has_no_depth_limit() -> None:
    source = "@d\nasync def f(a, *, b=1) -> int:\n    try:\n        x = [y for y in z]\n    except E as e:\n        pass\n"
    module = cst.parse_module(source)
    function = module.body[0]
    assert list(children(function)) == child_list(function)
    kinds = [type(n).__name__ for n in child_list(function)]
    assert kinds == ["Decorator", "Name", "Parameters", "Annotation", "IndentedBlock"]  # decorators first
    deep = cst.parse_module("x = " + "[" * 300 + "1" + "]" * 300 + "\n")  # 300 nested lists: an iterative walk, any depth
    entered: list[cst.CSTNode] = []
    left: list[cst.CSTNode] = []
    walk(deep, entered.append, left.append)
    assert len(entered) == len(left) > 600 and entered[0] is deep and left[-1] is deep
