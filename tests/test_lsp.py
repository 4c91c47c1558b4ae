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
    (action,) = [a for a in actions if a.title.startswith("Suppress")]  # beside Fix and Explain (test_lsp_fix.py)
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


# -- the checker process dies or hangs (issue: nothing a user feeds it takes the run down) --------

# a trigger and enough list elements that libcst needs seconds: the check is still running when killed
SLOW = "import requests\nrequests.get(u)\n" + "".join(f"x{i} = [{', '.join(['1'] * 2_000)}]\n" for i in range(40))


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _checker_pids(client: LanguageClient) -> list[int]:
    """The worker processes of the server: children of its forkserver (or spawn children)."""
    server = client._server.pid  # type: ignore[attr-defined]
    pids = []
    for child in _children(server):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"resource_tracker" in cmdline:
            continue
        if b"forkserver" in cmdline:
            pids.extend(_children(child))
        else:
            pids.append(child)
    return pids


@pytest.mark.asyncio
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the checker process through /proc")
async def test_a_dead_checker_is_restarted_whatever_was_cancelled(client: LanguageClient, tmp_path: Path) -> None:
    """The fuzzing report's reproducer 3, with a real crash: the worker is killed by
    SIGSEGV while it checks; a newer edit arrives within 0.3 s, then a valid one.
    The valid one gets its diagnostics, the user is told once."""
    import os
    import signal

    uri = open_document(client, tmp_path / "client.py", BAD)
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]
    replace_all(client, uri, SLOW, 2)
    await asyncio.sleep(0.6)  # the debounce (50 ms) passed: the worker is parsing SLOW
    (worker,) = _checker_pids(client)
    os.kill(worker, signal.SIGSEGV)
    await asyncio.sleep(0.1)
    replace_all(client, uri, SLOW + "# v3\n", 3)  # within 0.3 s of the crash; cancels nothing that matters
    await asyncio.sleep(0.2)
    replace_all(client, uri, BAD + "# v4\n", 4)
    diagnostics = await diagnostics_for(client, uri)
    if [d.code for d in diagnostics] == ["REL003"]:  # published for version 2 if it was still current when the worker died
        assert diagnostics[0].message.startswith("not analysed: the parser crashed (signal 11: SIGSEGV)")
        diagnostics = await diagnostics_for(client, uri)
    assert [d.code for d in diagnostics] == ["REL101"]
    crashes = [m for m in client.messages if "checker process failed" in m.message]
    assert [m.message for m in crashes] == ["resilint: the checker process failed (the parser crashed (signal 11: SIGSEGV)); it was restarted"]
    assert crashes[0].type == types.MessageType.Warning
    # the restarted worker keeps answering
    replace_all(client, uri, FIXED, 5)
    assert await diagnostics_for(client, uri) == []


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[resilint_executable(), "lsp"]))
async def tight_client(lsp_client: LanguageClient, tmp_path: Path):
    """A server whose per-file time budget is 1 s (initializationOptions fileTimeout)."""
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri(), initialization_options={"debounceMs": 50, "fileTimeout": 1})
    )
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_check_past_the_time_budget_is_rel003_and_the_next_edit_is_checked(tight_client: LanguageClient, tmp_path: Path) -> None:
    client = tight_client
    uri = open_document(client, tmp_path / "slow.py", SLOW)
    (diagnostic,) = await diagnostics_for(client, uri)
    assert diagnostic.code == "REL003" and diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.message.startswith("not analysed: timed out after 1 s; if the file is generated, exclude it")
    assert [m.message for m in client.messages] == ["resilint: the checker process failed (timed out after 1 s); it was restarted"]
    replace_all(client, uri, BAD, 2)
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]


@pytest.mark.asyncio
async def test_diagnostics_of_untouched_definitions_survive_a_syntax_error(client: LanguageClient, tmp_path: Path) -> None:
    """Issue "adopt it ...": while a line has a syntax error, the last diagnostics of
    the definitions the edit did not touch stay, moved with their text and marked."""
    good = "import requests\n\n\ndef one(u):\n    return requests.get(u)\n\n\ndef two(u):\n    return requests.post(u)\n"
    uri = open_document(client, tmp_path / "client.py", good)
    assert [(d.code, d.range.start.line) for d in await diagnostics_for(client, uri)] == [("REL101", 4), ("REL101", 8)]
    broken = good.replace("def one(u):", "x = 1\n\ndef one(u:")  # one() is edited (and broken); two() moves down 2 lines
    replace_all(client, uri, broken, 2)
    diagnostics = await diagnostics_for(client, uri)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("REL001", 5), ("REL101", 10)]
    assert diagnostics[1].message.endswith("[from the last good parse] (http-call-without-timeout)")
    replace_all(client, uri, good, 3)
    assert [(d.code, d.range.start.line, d.message.count("last good")) for d in await diagnostics_for(client, uri)] == [("REL101", 4, 0), ("REL101", 8, 0)]


# -- start-up (issue 18: first diagnostics within 1 s of the process start) ------------------------------


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[resilint_executable(), "lsp"]))
async def initialize_only(lsp_client: LanguageClient, tmp_path: Path):
    """A server that has answered ``initialize`` and has not been sent ``initialized``."""
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    params = types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri())
    lsp_client.capabilities = params.capabilities  # what initialize_session records, without its `initialized`
    await lsp_client.initialize_async(params)
    yield
    await lsp_client.shutdown_session()


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])


@pytest.mark.asyncio
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the checker process through /proc")
async def test_the_checker_starts_when_initialize_is_answered(initialize_only: LanguageClient, tmp_path: Path) -> None:
    """The worker is started at ``initialize`` (not ``initialized``): it starts while
    the answer travels and the client sends ``initialized`` and the first didOpen.
    The fork server it comes from has run the rehearsal check and has one thread."""
    client = initialize_only

    async def checker() -> list[int]:
        while not (pids := _checker_pids(client)):
            await asyncio.sleep(0.05)
        return pids

    (worker,) = await asyncio.wait_for(checker(), WAIT)
    forkservers = [p for p in _children(client._server.pid) if b"forkserver" in Path(f"/proc/{p}/cmdline").read_bytes()]  # type: ignore[attr-defined]
    assert len(forkservers) == 1 and _threads(forkservers[0]) == 1
    client.initialized(types.InitializedParams())
    uri = open_document(client, tmp_path / "client.py", BAD)
    assert [d.code for d in await diagnostics_for(client, uri)] == ["REL101"]
    assert _checker_pids(client) == [worker]  # the check ran in the worker started at initialize


def test_the_rehearsal_check_finds_its_finding() -> None:
    """The fork server's rehearsal (lsp/rehearsal.py) must reach its findings: the
    provenance lookup, and its patterns, run only for files with findings."""
    from resilint.lsp.rehearsal import FOUND, rehearse

    assert rehearse() == ("REL101", "REL202", "REL204", "REL102")  # by line: 10, 13, 15, 17
    assert FOUND == ("REL101", "REL202", "REL204", "REL102")  # by line: 10, 13, 15, 17
