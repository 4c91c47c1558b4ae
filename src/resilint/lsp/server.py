"""The language server: ``resilint lsp`` (pygls 2, JSON-RPC over stdio).

A thin shell over the engine API (:func:`resilint.api.check_source`), so an
editor shows the same findings as the CLI, flake8 and CI:

- diagnostics on open and save at once, on change after a short debounce,
  cleared on close; ``code`` is the REL code, ``codeDescription`` links to the
  rule's documentation, ``source`` is "resilint", severities map error ->
  Error, warning -> Warning, note -> Information, and the AI evidence is in
  the message (the engine puts it there, as in every format);
- checks run in a separate worker process (engine/isolation.py's
  IsolatedRunner), off the event loop: typing stays responsive; a check that
  crashes the worker, runs past the time budget or out of memory costs that
  check only: the document gets a REL003 diagnostic naming the cause, the user
  one ``window/showMessage``, and the next check starts a fresh worker whatever
  was cancelled meanwhile; a result for an outdated version is dropped;
- while the document has a syntax error (REL001), the last diagnostics of the
  definitions the edit did not touch are kept (moved with their text), marked
  "from the last good parse";
- the configuration is re-read when a ``*.toml`` changes
  (``workspace/didChangeWatchedFiles``, registered when the client supports
  it, or a saved ``pyproject.toml``), and every open document is re-checked;
- a "suppress with reason" code action appends ``# noqa: CODE -- `` and leaves
  the reason to the author (on AI-assisted lines a suppression without one is
  not honoured: REL903 says so until it is written);
- fix actions (lsp/fixes.py): a quick fix per fixable finding, "fix all safe" as a
  ``source.fixAll.resilint`` action, and "Explain CODE".
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import io
import logging
import sys
import time
import tokenize
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from resilint import __version__
from resilint.config.settings import DEFAULT_FILE_TIMEOUT, DEFAULT_MEMORY_LIMIT_MIB
from resilint.engine.isolation import Failure, IsolatedRunner, WorkerStartError
from resilint.engine.source_text import split_eol, split_lines
from resilint.lsp.fixes import (
    EXPLAIN_COMMAND,
    EXPLAIN_KIND,
    FIX_ALL,
    explain,
    fix_actions,
    wanted,
)
from resilint.lsp.worker import PRELOAD, Outcome, check, warm_up
from resilint.model import Finding, Severity, Span

log = logging.getLogger("resilint.lsp")

DEBOUNCE_SECONDS = 0.3  # after the last keystroke; initializationOptions {"debounceMs": N} overrides
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Information,
}
PYTHON_SUFFIXES = (".py", ".pyi")
UNSUPPRESSIBLE = frozenset({"REL001"})  # a syntax error is fixed, not silenced
SYNTAX_ERROR_NAME = "syntax-error"
LAST_GOOD = " [from the last good parse]"
#: a check of an outdated version still running after this long is killed (its
#: worker restarted) rather than waited for; shorter ones finish and are dropped
STALE_KILL_SECONDS = 1.0


# -- the server ------------------------------------------------------------------------------


class ResilintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("resilint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.debounce = DEBOUNCE_SECONDS
        self.file_timeout: float | None = DEFAULT_FILE_TIMEOUT
        self.memory_limit_mib: int | None = DEFAULT_MEMORY_LIMIT_MIB
        self.generation = 0
        self.open: set[str] = set()  # URIs of the Python documents we publish for
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.shown_errors: set[str] = set()
        self.last_good: dict[str, tuple[str, tuple[tuple[Finding, str | None], ...]]] = {}
        self.published: dict[str, tuple[str, tuple[Finding, ...]]] = {}  # uri -> (text, findings) last shown
        self._runner: IsolatedRunner | None = None
        self._running: tuple[str, float] | None = None  # the URI and start time of the check in progress
        # one thread talks to the worker; a check superseded while waiting is simply dropped
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="resilint-check")

    # the worker ------------------------------------------------------------------------

    @property
    def runner(self) -> IsolatedRunner:
        if self._runner is None:
            memory = self.memory_limit_mib * 1024 * 1024 if self.memory_limit_mib else None
            root = self.workspace.root_path if self.workspace is not None else None
            self._runner = IsolatedRunner(
                check,
                time_budget=self.file_timeout,
                memory_limit=memory,
                initializer=warm_up,
                initargs=(root,),
                preload=PRELOAD,
            )
        return self._runner

    def start_runner(self) -> None:
        """In the check thread: start the worker unless it runs (a start that fails is
        retried, and reported, by the next check)."""
        try:
            self.runner.start()
        except Exception:
            log.warning("resilint: the checker process did not start; the first check retries", exc_info=True)

    def stop_runner(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def _run_check(self, uri: str, text: str, path: str, generation: int) -> Outcome | Failure:
        """In the check thread: one check in the worker (restarted first if it died,
        hung or was abandoned). Never raises for anything the document does."""
        self._running = (uri, time.monotonic())
        try:
            return self.runner.run((text, path, generation))
        except WorkerStartError as exc:
            return Outcome(crash=f"the checker process cannot start ({exc})")
        finally:
            self._running = None

    async def _supersede(self, uri: str) -> None:
        """A check of an older version of ``uri`` still running: let it finish if it
        is quick, kill it (the worker restarts) once it has run STALE_KILL_SECONDS."""
        while True:
            running = self._running
            if running is None or running[0] != uri or self._runner is None:
                return
            if time.monotonic() - running[1] > STALE_KILL_SECONDS:
                self._runner.cancel()
                return
            await asyncio.sleep(0.02)

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
            await self._supersede(uri)
            loop = asyncio.get_running_loop()
            outcome = await loop.run_in_executor(self._threads, self._run_check, uri, text, document.path, generation)
            if isinstance(outcome, Failure) and outcome.detail != "cancelled":
                # told even when the result is outdated: the worker died (it restarts on the next check)
                self._tell_once(types.MessageType.Warning, f"resilint: the checker process failed ({outcome.detail}); it was restarted")
            current = uri in self.open and self.workspace.get_text_document(uri).version == version
            if not current or generation != self.generation:
                return  # closed, edited or reconfigured meanwhile: a newer check is on its way
            if isinstance(outcome, Failure):
                if outcome.detail == "cancelled":
                    return  # superseded; the newer check publishes
                outcome = Outcome(failure=outcome.detail)
            self._publish(uri, version, text, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:  # never let one document take the server down
            log.exception("resilint: checking %s failed", uri)
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    def _publish(self, uri: str, version: int | None, text: str, outcome: Outcome) -> None:
        document = self.workspace.get_text_document(uri)
        lines = split_lines(text) or [""]  # LSP lines end at \n, \r\n, \r only, as Python's
        if outcome.config_error is not None:
            self._tell_once(types.MessageType.Error, f"resilint: {outcome.config_error}")
            diagnostics: list[types.Diagnostic] = []
        elif outcome.crash is not None:
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"resilint: {uri}: {outcome.crash}"))
            return  # keep what the editor shows rather than blank it
        elif outcome.failure is not None:  # the worker died or hung on this text: say so on the document
            diagnostics = [not_analysed_diagnostic(outcome.failure)]
        else:
            findings = outcome.findings
            errors = [f.line for f, _ in findings if f.name == SYNTAX_ERROR_NAME]
            if errors:
                findings = findings + carry_over(self.last_good.get(uri), text, errors)
            else:
                self.last_good[uri] = (text, findings)
            diagnostics = [to_diagnostic(f, url, lines, document.position_codec) for f, url in findings]
            self.published[uri] = (text, tuple(f for f, _ in findings))  # for the fix actions (lsp/fixes.py)
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


def not_analysed_diagnostic(reason: str) -> types.Diagnostic:
    """REL003 at the top of a document whose check killed or stalled the worker."""
    return types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 1)),
        severity=types.DiagnosticSeverity.Warning,
        code="REL003",
        source="resilint",
        message=f"not analysed: {reason}; if the file is generated, exclude it (`exclude` in [tool.resilint]) (not-analysed)",
        data={"name": "not-analysed", "ai_assisted": False},
    )


def carry_over(
    last: tuple[str, tuple[tuple[Finding, str | None], ...]] | None, text: str, error_lines: list[int]
) -> tuple[tuple[Finding, str | None], ...]:
    """The last good parse's findings in top-level statements the edit left alone:
    a statement whose exact lines occur once in ``text`` (away from the syntax
    errors) keeps its findings, moved to where its lines are now and marked."""
    if last is None:
        return ()
    old_text, old_findings = last
    try:
        tree = ast.parse(old_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    old_lines = [split_eol(line)[0] for line in split_lines(old_text)]
    new_lines = [split_eol(line)[0] for line in split_lines(text)]
    starts: dict[str, list[int]] = {}
    for index, line in enumerate(new_lines):
        starts.setdefault(line, []).append(index)
    kept: list[tuple[Finding, str | None]] = []
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        last_line = node.end_lineno or node.lineno
        inside = [(f, url) for f, url in old_findings if first <= f.line <= last_line and f.span.end_line <= last_line]
        if not inside:
            continue
        block = old_lines[first - 1 : last_line]
        places = [i for i in starts.get(block[0], ()) if new_lines[i : i + len(block)] == block]
        if len(places) != 1:
            continue  # edited, removed or ambiguous: its old findings would be guesses
        delta = places[0] + 1 - first
        if any(places[0] + 1 <= line <= places[0] + len(block) for line in error_lines):
            continue
        for finding, url in inside:
            span = finding.span
            moved = Span(span.line + delta, span.column, span.end_line + delta, span.end_column)
            message = finding.message if finding.message.endswith(LAST_GOOD) else finding.message + LAST_GOOD
            kept.append((dataclasses.replace(finding, span=moved, message=message), url))
    return tuple(kept)


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

    lines = [split_eol(body)[0] for body in split_lines(text)]
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
    # the robustness limits of the checker worker (the CLI's file-timeout / memory-limit)
    if isinstance(options, dict) and isinstance(options.get("fileTimeout"), (int, float)) and options["fileTimeout"] >= 0:
        ls.file_timeout = float(options["fileTimeout"]) or None
    if isinstance(options, dict) and isinstance(options.get("memoryLimitMb"), int) and options["memoryLimitMb"] >= 0:
        ls.memory_limit_mib = max(256, options["memoryLimitMb"]) if options["memoryLimitMb"] else None
    # Start the worker now, in the check thread (the fork server may still be
    # preloading; the event loop must not wait for it): it starts while the answer
    # travels and the client sends `initialized` and the first didOpen, whose
    # check then queues behind it in the same thread.
    ls.runner  # noqa: B018 -- built here, with the options above and the workspace root
    ls._threads.submit(ls.start_runner)


@server.feature(types.INITIALIZED)
async def on_initialized(ls: ResilintServer, params: types.InitializedParams) -> None:
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
    ls.last_good.pop(uri, None)
    ls.published.pop(uri, None)
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
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL, EXPLAIN_KIND]),
)
def code_action(ls: ResilintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    if uri not in ls.open:
        return []
    document = ls.workspace.get_text_document(uri)
    text = document.source
    checked_text, findings = ls.published.get(uri, ("", ()))
    actions: list[types.CodeAction] = fix_actions(uri, text, findings if checked_text == text else (), params, document.position_codec)
    for diagnostic in params.context.diagnostics:
        code = diagnostic.code
        if diagnostic.source != "resilint" or not isinstance(code, str) or code in UNSUPPRESSIBLE:
            continue
        if not wanted(params.context.only, types.CodeActionKind.QuickFix):
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


@server.command(EXPLAIN_COMMAND)
def explain_command(ls: ResilintServer, code: str, uri: str) -> str:
    """The "Explain CODE" action: the rule's ``resilint explain`` text, shown in the client."""
    text = explain(code, uri)
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=text))
    return text


@server.feature(types.SHUTDOWN)
def on_shutdown(ls: ResilintServer, params: None) -> None:
    ls.stop_runner()


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit. Logs go to stderr:
    stdout carries the protocol."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    try:
        server.start_io()
    finally:
        server.stop_runner()
