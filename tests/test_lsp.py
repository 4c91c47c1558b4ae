"""The language server through a real LSP client over stdio (pytest-lsp) against
the installed ``resilint lsp``: open, change, save, close, syntax errors,
configuration reloads and the suppress code action."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from conftest import resilint_executable
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

BAD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
FIXED = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=10)\n"
AI = "# resilint: ai-assisted\nimport requests\n\nr = requests.get('https://例え.jp/😀')\n"
WAIT = 60  # seconds: generous for a loaded CI machine; a hang still fails


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[resilint_executable(), "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    registrations: list[types.Registration] = []
    lsp_client.registrations = registrations  # type: ignore[attr-defined]

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)
        ),
    )
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=tmp_path.as_uri(),
            initialization_options={"debounceMs": 50},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def diagnostics_for(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The next diagnostics published for ``uri``. The server drops results for
    outdated versions, so each publication is for the latest text sent."""

    async def wait() -> list[types.Diagnostic]:
        while uri not in client.diagnostics:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(client.diagnostics.pop(uri))

    return await asyncio.wait_for(wait(), WAIT)


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text))
    )
    return uri


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


@pytest.mark.asyncio
async def test_open_change_close(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "client.py", BAD)
    (diagnostic,) = await diagnostics_for(client, uri)
    assert diagnostic.code == "REL101"
    assert diagnostic.source == "resilint"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.range == types.Range(types.Position(4, 11), types.Position(4, 28))
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href == "https://github.com/resilint/resilint/blob/main/docs/rules.md#rel101"
    assert diagnostic.message == (
        "requests.get() called without timeout=; requests waits forever by default (http-call-without-timeout)"
    )

    replace_all(client, uri, FIXED, 2)
    assert await diagnostics_for(client, uri) == []

    replace_all(client, uri, BAD, 3)
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]

    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    assert await diagnostics_for(client, uri) == []


@pytest.mark.asyncio
async def test_ai_evidence_severity_and_utf16_columns(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "ai.py", AI)
    (diagnostic,) = await diagnostics_for(client, uri)
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert "[AI-assisted: # resilint: ai-assisted (line 1)]" in diagnostic.message
    # the call holds an emoji: one code point for the engine, two UTF-16 units for the client
    line = AI.splitlines()[3]
    utf16_length = len(line.encode("utf-16-le")) // 2
    assert utf16_length == len(line) + 1
    assert diagnostic.range == types.Range(types.Position(3, 4), types.Position(3, utf16_length))


@pytest.mark.asyncio
async def test_syntax_error_then_server_still_answers(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "broken.py", "def broken(:\n    pass\n")
    (diagnostic,) = await diagnostics_for(client, uri)
    assert diagnostic.code == "REL001"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.range.start == types.Position(0, 11)
    # deeply nested input the parser cannot take: a finding or nothing, never a dead server
    nested = open_document(client, tmp_path / "nested.py", "x = " + "(" * 5000 + ")" * 5000 + "\n")
    assert [d.code for d in await diagnostics_for(client, nested)] == ["REL001"]  # too many parentheses
    replace_all(client, uri, BAD, 2)
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions


@pytest.mark.asyncio
async def test_suppress_with_reason_code_action(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "client.py", BAD)
    diagnostics = await diagnostics_for(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    assert actions is not None
    (action,) = actions
    assert isinstance(action, types.CodeAction)
    assert action.title == "Suppress REL101 on this line (write the reason after --)"
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[uri]
    assert edit.new_text == "  # noqa: REL101 -- <reason>"  # the placeholder never counts as a reason
    assert edit.range == types.Range(types.Position(4, 28), types.Position(4, 28))
    # applying it and writing a reason silences the finding
    lines = BAD.splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\n") + edit.new_text + "bounded by the caller's deadline\n"
    replace_all(client, uri, "".join(lines), 2)
    assert await diagnostics_for(client, uri) == []


@pytest.mark.asyncio
async def test_config_reload_on_watched_file_change(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "client.py", BAD)
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]
    (registration,) = client.registrations  # type: ignore[attr-defined]
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert registration.register_options["watchers"] == [{"globPattern": "**/*.toml"}]
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.resilint]\nignore = ["REL101"]\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)])
    )
    assert await diagnostics_for(client, uri) == []
    # a broken configuration is shown to the user, and the server keeps running
    pyproject.write_text("[tool.resilint]\nselekt = []\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)])
    )
    assert await diagnostics_for(client, uri) == []
    assert any("tool.resilint.selekt" in m.message for m in client.messages)
    pyproject.write_text("[tool.resilint]\n")
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=pyproject.as_uri())))
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]


@pytest.mark.asyncio
async def test_save_rechecks(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "client.py", BAD)
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]


@pytest.mark.asyncio
async def test_a_burst_of_changes_publishes_only_the_latest(client: LanguageClient, tmp_path: Path) -> None:
    """Debounced and latest-wins: no diagnostics for an intermediate version reach the client."""
    uri = open_document(client, tmp_path / "client.py", FIXED)
    assert await diagnostics_for(client, uri) == []
    for version in range(2, 12):
        replace_all(client, uri, FIXED if version < 11 else BAD + "# v11\n", version)
    (diagnostic,) = await diagnostics_for(client, uri)
    assert diagnostic.code == "REL101"
