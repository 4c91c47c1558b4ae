"""Positions by top-level statement (CPython's line numbers + libcst's code
generation of that statement only) must equal positions generated from the top of
the module, for every node, on every fixture and on layouts that could misalign
the two parsers."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from resilint.engine.positions import spans_of
from resilint.engine.walk import walk

FIXTURES = Path(__file__).parent.parent / "fixtures"

TRICKY = {
    "header-and-decorators": "#!/usr/bin/env python\n# header\n\n\n# leading\n@first\n# between\n@second(\n    x,\n)\ndef f():\n    return g(1)\n",
    "semicolons": "a = f(1); b = f(2)\nc = (f(3),\n     4); d = f(5)\nif x: y = f(6)\n",
    "strings": 'x = """one\ntwo\nthree"""; y = f(x)\n\n\ndef g():\n    """doc\n    more"""\n    return f(\'\'\'\n\'\'\')\n',
    "crlf-tabs-formfeed": "import os\r\n\x0c\r\nclass A:\r\n\tdef m(self):\r\n\t\treturn f(1)\r\n\r\n# end\r\n",
    "continuations": "x = 1 + \\\n    f(2)\nassert f(3), \\\n    'msg'\nwith a as b, \\\n     c as d:\n    f(4)\n",
    "no-trailing-newline": "def f():\n    return g()",
    "async-and-match": "async def f():\n    async with a() as b:\n        await g(b)\n\nmatch x:\n    case 1:\n        h()\n",
}


def statement_of(module: cst.Module) -> dict[int, int]:
    tops = {id(s): i for i, s in enumerate(module.body)}
    where: dict[int, int] = {}
    current = [-1]

    def enter(node: cst.CSTNode) -> None:
        current[0] = tops.get(id(node), current[0])
        if current[0] >= 0:
            where[id(node)] = current[0]

    def leave(node: cst.CSTNode) -> None:
        if id(node) in tops:
            current[0] = -1

    walk(module, enter, leave)
    return where


def all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    walk(module, lambda node: found.append(node) if node is not module else None, lambda node: None)
    return found


def compare(text: str) -> int:
    module = cst.parse_module(text)
    nodes = all_nodes(module)
    whole = spans_of(module, nodes)
    where = statement_of(module)
    inside = [n for n in nodes if id(n) in where]  # not the module's header/footer comments
    by_statement = spans_of(module, inside, statement_of=where, text=text)
    assert by_statement == {key: span for key, span in whole.items() if key in by_statement}
    assert len(by_statement) == len(inside)
    return len(inside)


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_layouts(name: str) -> None:
    assert compare(TRICKY[name]) > 5


def test_every_fixture() -> None:
    files = sorted(FIXTURES.rglob("*.py"))
    compared = 0
    for file in files:
        text = file.read_text(encoding="utf-8")
        try:
            ast.parse(text)
            cst.parse_module(text)
        except (SyntaxError, cst.ParserSyntaxError):
            continue  # the syntax-error fixtures
        compared += compare(text)
    assert compared > 10_000


def test_a_sliced_text_lines_up_with_the_tree_of_the_whole_file() -> None:
    text = "import requests\n\n\ndef gone():\n    return 1\n\n\ndef kept(u):\n    return requests.get(u)\n"
    sliced = text.replace("def gone():\n    return 1\n", "\n\n")
    module = cst.parse_module(sliced)
    calls = [n for n in all_nodes(module) if isinstance(n, cst.Call)]
    spans = spans_of(module, calls, statement_of=statement_of(module), text=sliced, tree=ast.parse(text))
    assert [(s.line, s.column) for s in spans.values()] == [(9, 12)]
