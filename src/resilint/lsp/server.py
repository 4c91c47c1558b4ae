"""The language server: ``resilint lsp`` (pygls 2, JSON-RPC over stdio).

A thin shell over the engine API (:func:`resilint.api.check_source`), so an
editor shows the same findings as the CLI, flake8 and CI:

- diagnostics on open and save at once, on change after a short debounce,
  cleared on close; ``code`` is the REL code, ``codeDescription`` links to the
  rule's documentation, ``source`` is "resilint", severities map error ->
  Error, warning -> Warning, note -> Information, and the AI evidence is in
  the message (the engine puts it there, as in every format);
- checks run in a separate worker process, off the event loop: typing stays
  responsive, a file that crashes or overflows the parser kills at most the
  worker (it is restarted), never the server; a result for an outdated
  version of a document is dropped;
- the configuration is re-read when a ``*.toml`` changes
  (``workspace/didChangeWatchedFiles``, registered when the client supports
  it, or a saved ``pyproject.toml``), and every open document is re-checked;
- a "suppress with reason" code action appends ``# noqa: CODE -- `` and leaves
  the reason to the author (on AI-assisted lines a suppression without one is
  not honoured: REL903 says so until it is written).
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import sys
import tokenize
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from resilint import __version__
from resilint.lsp.worker import Outcome, check, warm_up
from resilint.model import Finding, Severity

log = logging.getLogger("resilint.lsp")

DEBOUNCE_SECONDS = 0.3  # after the last keystroke; initializationOptions {"debounceMs": N} overrides
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Information,
}
PYTHON_SUFFIXES = (".py", ".pyi")
UNSUPPRESSIBLE = frozenset({"REL001"})  # a syntax error is fixed, not silenced


# -- the server ------------------------------------------------------------------------------


class ResilintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("resilint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.debounce = DEBOUNCE_SECONDS
        self.generation = 0
        self.open: set[str] = set()  # URIs of the Python documents we publish for
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.shown_errors: set[str] = set()
        self._pool: ProcessPoolExecutor | None = None

    # the worker ------------------------------------------------------------------------

    @property
    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the server has threads (pygls' reader) and forking them is unsafe
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            self._pool.submit(warm_up)
        return self._pool

    def restart_pool(self) -> None:
        old, self._pool = self._pool, None
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)

    def stop_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # scheduling -----------------------------------------------------------------------

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """(Re)start the check of ``uri``: a newer request replaces an older one."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._check(uri, delay))

    async def _check(self, uri: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            document = self.workspace.get_text_document(uri)
            version, text, generation = document.version, document.source, self.generation
            future: Future[Outcome] = self.pool.submit(check, text, document.path, generation)
            try:
                outcome = await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self.restart_pool()
                outcome = Outcome(crash="the checker process died (the file may be too deeply nested); it was restarted")
            current = uri in self.open and self.workspace.get_text_document(uri).version == version
            if not current or generation != self.generation:
                return  # closed, edited or reconfigured meanwhile: a newer check is on its way
            self._publish(uri, version, text, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:  # never let one document take the server down
            log.exception("resilint: checking %s failed", uri)
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    def _publish(self, uri: str, version: int | None, text: str, outcome: Outcome) -> None:
        if outcome.config_error is not None:
            self._tell_once(types.MessageType.Error, f"resilint: {outcome.config_error}")
            diagnostics: list[types.Diagnostic] = []
        elif outcome.crash is not None:
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"resilint: {uri}: {outcome.crash}"))
            return  # keep what the editor shows rather than blank it
        else:
            document = self.workspace.get_text_document(uri)
            lines = text.splitlines(keepends=True) or [""]
            diagnostics = [to_diagnostic(f, url, lines, document.position_codec) for f, url in outcome.findings]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def _tell_once(self, kind: types.MessageType, message: str) -> None:
        if message not in self.shown_errors:
            self.shown_errors.add(message)
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def reload_config(self) -> None:
        """A configuration file changed: forget every configuration, re-check open documents."""
        self.generation += 1
        self.shown_errors.clear()
        for uri in sorted(self.open):
            self.schedule(uri)


def is_python(document: types.TextDocumentItem | Any) -> bool:
    language = getattr(document, "language_id", None)
    return language == "python" or str(getattr(document, "uri", "")).endswith(PYTHON_SUFFIXES)


def to_diagnostic(finding: Finding, url: str | None, lines: list[str], codec: Any) -> types.Diagnostic:
    """A finding as an LSP diagnostic; engine columns (code points, 1-based) become
    the client's units (UTF-16 unless negotiated otherwise), 0-based."""
    span = finding.span
    start = codec.position_to_client_units(lines, types.Position(line=span.line - 1, character=span.column - 1))
    end_line, end_column = (span.end_line, span.end_column) if (span.end_line, span.end_column) > (span.line, span.column) else (span.line, span.column + 1)
    end = codec.position_to_client_units(lines, types.Position(line=end_line - 1, character=end_column - 1))
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=url) if url else None,
        source="resilint",
        message=f"{finding.message} ({finding.name})",
        data={"name": finding.name, "ai_assisted": finding.ai_assisted},
    )


def suppression_edit(text: str, line: int, code: str) -> types.TextEdit | None:
    """The edit that adds ``code`` to a ``# noqa`` on 0-based ``line``, or None when a
    comment cannot go there (the line ends inside a string or with a backslash)."""
    from resilint.engine.suppressions import REASON_PLACEHOLDER, parse_comment

    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return None
    body = lines[line]
    if body.rstrip().endswith("\\"):
        return None
    comment: tuple[int, str] | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and token.start[0] == line + 1:
                comment = (token.start[1], token.string)
            elif token.type == tokenize.STRING and token.start[0] <= line + 1 < token.end[0]:
                return None  # the line ends inside a multi-line string
            elif token.start[0] > line + 1:
                break
    except (tokenize.TokenError, SyntaxError):
        return None
    if comment is not None:
        column, string = comment
        existing = parse_comment(string, line + 1)
        if existing is not None and existing.is_noqa and existing.codes and existing.codes_end is not None:
            if code in existing.codes:
                return None
            position = types.Position(line=line, character=column + existing.codes_end)
            return types.TextEdit(range=types.Range(start=position, end=position), new_text=f", {code}")
    end = types.Position(line=line, character=len(body.rstrip()))
    return types.TextEdit(range=types.Range(start=end, end=types.Position(line=line, character=len(body))), new_text=f"  # noqa: {code} -- {REASON_PLACEHOLDER}")


server = ResilintServer()


@server.feature(types.INITIALIZE)
def on_initialize(ls: ResilintServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict) and isinstance(options.get("debounceMs"), (int, float)):
        ls.debounce = max(0.0, float(options["debounceMs"]) / 1000)


@server.feature(types.INITIALIZED)
async def on_initialized(ls: ResilintServer, params: types.InitializedParams) -> None:
    _ = ls.pool  # start the worker now, so the first diagnostics come quickly
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if watched is not None and watched.dynamic_registration:
        watchers = [types.FileSystemWatcher(glob_pattern="**/*.toml")]  # pyproject.toml and flag manifests
        registration = types.Registration(
            id="resilint-config-watch",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception:
            log.warning("resilint: the client refused file watching; configuration reloads on save only")


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ResilintServer, params: types.DidOpenTextDocumentParams) -> None:
    if is_python(params.text_document):
        ls.open.add(params.text_document.uri)
        ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ResilintServer, params: types.DidChangeTextDocumentParams) -> None:
    if params.text_document.uri in ls.open:
        ls.schedule(params.text_document.uri, ls.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ResilintServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri.endswith(".toml"):
        ls.reload_config()
    elif uri in ls.open:
        ls.schedule(uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ResilintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri not in ls.open:
        return
    ls.open.discard(uri)
    pending = ls.pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: ResilintServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(change.uri.endswith(".toml") for change in params.changes):
        ls.reload_config()


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_action(ls: ResilintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    if uri not in ls.open:
        return []
    text = ls.workspace.get_text_document(uri).source
    actions: list[types.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        code = diagnostic.code
        if diagnostic.source != "resilint" or not isinstance(code, str) or code in UNSUPPRESSIBLE:
            continue
        edit = suppression_edit(text, diagnostic.range.start.line, code)
        if edit is None:
            continue
        actions.append(
            types.CodeAction(
                title=f"Suppress {code} on this line (write the reason after --)",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(changes={uri: [edit]}),
            )
        )
    return actions


@server.feature(types.SHUTDOWN)
def on_shutdown(ls: ResilintServer, params: None) -> None:
    ls.stop_pool()


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit. Logs go to stderr:
    stdout carries the protocol."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    try:
        server.start_io()
    finally:
        server.stop_pool()
