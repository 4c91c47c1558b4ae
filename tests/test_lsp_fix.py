"""The editor's fix actions through a real LSP client (pytest-lsp) against the
installed ``resilint lsp``: a quick fix per fixable finding (applied, the finding
goes), "fix all safe" as a source action, and "Explain" showing the rule's text."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_lsp import WAIT, client, diagnostics_for, open_document, replace_all  # noqa: F401 -- the client fixture

SAFE = "[tool.resilint.fix.timeouts]\nrequests = [3.05, 27]\n"
TWO = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n\n\ndef post(url):\n    return requests.post(url, json={})\n"
ONE_FIXED = TWO.replace("requests.get(url)", "requests.get(url, timeout=(3.05, 27))")
BOTH_FIXED = ONE_FIXED.replace("json={})", "json={}, timeout=(3.05, 27))")


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (ASCII text: UTF-16 units are characters) as a client would."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        return starts[position.line] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


@pytest.mark.asyncio
async def test_quick_fix_lands_after_a_form_feed_line(client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    # A form feed is no line end for Python or LSP (str.splitlines says it is): the
    # edit and the diagnostic must still point at the call on line 3 (0-based 2).
    (tmp_path / "pyproject.toml").write_text(SAFE)
    source = "import requests\n\x0c\nrequests.get(u)\n"
    uri = open_document(client, tmp_path / "client.py", source)
    diagnostics = await diagnostics_for(client, uri)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in diagnostics] == [("REL101", 2, 0)]
    (fix,) = [a for a in await actions_for(client, uri, diagnostics) if a.title.startswith("Fix REL101")]
    assert fix.edit is not None and fix.edit.changes is not None
    assert list(fix.edit.changes[uri]) == [types.TextEdit(types.Range(types.Position(2, 14), types.Position(2, 14)), ", timeout=(3.05, 27)")]


async def actions_for(client: LanguageClient, uri: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None):  # noqa: F811
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range if diagnostics else types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
    )
    return list(found or [])


@pytest.mark.asyncio
async def test_quick_fix_applies_and_the_finding_goes(client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "pyproject.toml").write_text(SAFE)
    uri = open_document(client, tmp_path / "client.py", TWO)
    diagnostics = await diagnostics_for(client, uri)
    assert [d.code for d in diagnostics] == ["REL101", "REL101"]
    actions = await actions_for(client, uri, diagnostics[:1])
    (fix,) = [a for a in actions if a.title.startswith("Fix REL101")]
    assert fix.title == "Fix REL101: add timeout=(3.05, 27) ([tool.resilint.fix.timeouts] requests)"
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[uri]
    assert edit == types.TextEdit(types.Range(types.Position(4, 27), types.Position(4, 27)), ", timeout=(3.05, 27)")
    replace_all(client, uri, apply(TWO, [edit]), 2)
    assert apply(TWO, [edit]) == ONE_FIXED
    assert [d.range.start.line for d in await diagnostics_for(client, uri)] == [8]


@pytest.mark.asyncio
async def test_fix_all_safe_in_file(client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "pyproject.toml").write_text(SAFE)
    uri = open_document(client, tmp_path / "client.py", TWO)
    await diagnostics_for(client, uri)
    (action,) = await actions_for(client, uri, [], only=[types.CodeActionKind.SourceFixAll])
    assert action.title == "Fix all safe resilint findings in this file (2)"
    assert action.kind == "source.fixAll.resilint"
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply(TWO, action.edit.changes[uri])
    assert fixed == BOTH_FIXED
    replace_all(client, uri, fixed, 2)
    assert await diagnostics_for(client, uri) == []
    assert await actions_for(client, uri, [], only=[types.CodeActionKind.SourceFixAll]) == []


@pytest.mark.asyncio
async def test_unsafe_fix_is_offered_titled_so_but_not_in_fix_all(client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    uri = open_document(client, tmp_path / "client.py", TWO)  # no [tool.resilint.fix]: built-in values, unsafe
    diagnostics = await diagnostics_for(client, uri)
    titles = [a.title for a in await actions_for(client, uri, diagnostics[:1])]
    assert titles == [
        "Fix REL101: add timeout=(3.05, 27) (built-in default; choose it in [tool.resilint.fix.timeouts]) [unsafe]",
        "Explain REL101",
        "Suppress REL101 on this line (write the reason after --)",
    ]
    assert await actions_for(client, uri, [], only=[types.CodeActionKind.SourceFixAll]) == []


@pytest.mark.asyncio
async def test_explain_action_shows_the_rule_text(client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    uri = open_document(client, tmp_path / "client.py", TWO)
    diagnostics = await diagnostics_for(client, uri)
    (explain,) = [a for a in await actions_for(client, uri, diagnostics[:1]) if a.title == "Explain REL101"]
    # lsprotocol's client reads a code action that carries only a command as a Command
    # (both shapes are valid LSP); the server sent kind "quickfix.resilint.explain".
    inner = explain.command
    if isinstance(inner, str) and inner.startswith("{"):
        inner = ast.literal_eval(inner)  # lsprotocol's structuring turned the nested command into its repr
    if isinstance(inner, dict):
        name, arguments = inner["command"], inner["arguments"]
    elif isinstance(inner, str):
        name, arguments = inner, explain.arguments  # type: ignore[union-attr]
    else:
        name, arguments = inner.command, inner.arguments
    assert name == "resilint.explain" and arguments[0] == "REL101"
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command=name, arguments=arguments))
    assert result.startswith("REL101 http-call-without-timeout")
    assert "requests.get(url, timeout=(3.05, 27))" in result

    async def shown() -> str:
        while not client.messages:
            await asyncio.sleep(0.05)
        return client.messages[-1].message

    assert await asyncio.wait_for(shown(), WAIT) == result
