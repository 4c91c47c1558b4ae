"""The editor's fix actions (the language server's code actions besides "Suppress"):

- a quick fix per fixable finding ("Fix REL101: add timeout=..."), its edits those
  of the CLI's ``--fix`` (the client previews them before applying); unsafe fixes
  are offered too, titled so; on AI-assisted lines too (the person applying one is
  the reviewer);
- "Fix all safe resilint findings in this file" as a ``source.fixAll.resilint``
  action: one pass of the safe fixes that do not overlap, on lines that are not
  AI-assisted (run it again for fixes that waited);
- "Explain CODE" (``quickfix.resilint.explain``): runs the ``resilint.explain``
  command, which shows the rule's ``resilint explain`` text in the client.

Fixes are offered only while the document is the text they were computed on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from resilint.engine.source_text import split_lines
from resilint.fix.apply import apply_fixes
from resilint.fix.plan import Locator
from resilint.model import Edit, Finding

FIX_ALL = "source.fixAll.resilint"
EXPLAIN_KIND = "quickfix.resilint.explain"
EXPLAIN_COMMAND = "resilint.explain"
LAST_GOOD = " [from the last good parse]"


def _position(lines: list[str], codec: Any, line: int, column: int) -> types.Position:
    return codec.position_to_client_units(lines, types.Position(line=line - 1, character=column - 1))


def text_edits(edits: Sequence[Edit], lines: list[str], codec: Any) -> list[types.TextEdit]:
    out = []
    for edit in edits:
        span = edit.span
        start = _position(lines, codec, span.line, span.column)
        end = _position(lines, codec, span.end_line, span.end_column)
        out.append(types.TextEdit(range=types.Range(start=start, end=end), new_text=edit.text))
    return out


def _matches(finding: Finding, diagnostic: types.Diagnostic, lines: list[str], codec: Any) -> bool:
    return finding.code == diagnostic.code and _position(lines, codec, finding.line, finding.column) == diagnostic.range.start


def wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Whether the client asked for actions of ``kind`` (``only`` holds prefixes)."""
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def fix_actions(
    uri: str,
    text: str,
    findings: Sequence[Finding],
    params: types.CodeActionParams,
    codec: Any,
) -> list[types.CodeAction]:
    lines = split_lines(text) or [""]  # LSP lines end at \n, \r\n, \r only, as Python's
    only = params.context.only
    findings = [f for f in findings if not f.message.endswith(LAST_GOOD)]
    actions: list[types.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != "resilint" or not isinstance(diagnostic.code, str):
            continue
        finding = next((f for f in findings if _matches(f, diagnostic, lines, codec)), None)
        if finding is not None and finding.fix is not None and wanted(only, types.CodeActionKind.QuickFix):
            fix = finding.fix
            title = f"Fix {finding.code}: {fix.description}" + ("" if fix.safe else " [unsafe]")
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=fix.safe,
                    edit=types.WorkspaceEdit(changes={uri: text_edits(fix.edits, lines, codec)}),
                )
            )
        if wanted(only, EXPLAIN_KIND):
            actions.append(
                types.CodeAction(
                    title=f"Explain {diagnostic.code}",
                    kind=EXPLAIN_KIND,
                    diagnostics=[diagnostic],
                    command=types.Command(title=f"Explain {diagnostic.code}", command=EXPLAIN_COMMAND, arguments=[diagnostic.code, uri]),
                )
            )
    if wanted(only, FIX_ALL) and (only is not None or not params.context.diagnostics):
        action = fix_all(uri, text, findings, lines, codec)
        if action is not None:
            actions.append(action)
    return actions


def fix_all(uri: str, text: str, findings: Sequence[Finding], lines: list[str], codec: Any) -> types.CodeAction | None:
    safe = [f for f in findings if f.fix is not None and f.fix.safe and not f.ai_assisted]
    if not safe:
        return None
    applied = apply_fixes(text, [f.fix for f in safe])  # type: ignore[misc]
    if not applied.changed:
        return None
    locator = Locator(text, {})
    edits = [locator.edit(start, end, new) for start, end, new in applied.edits]
    count = len(applied.applied)
    return types.CodeAction(
        title=f"Fix all safe resilint findings in this file ({count})",
        kind=FIX_ALL,
        edit=types.WorkspaceEdit(changes={uri: text_edits(edits, lines, codec)}),
    )


def explain(code: str, uri: str | None) -> str:
    """``resilint explain CODE`` for the configuration of the document's folder."""
    from pathlib import Path

    from pygls.uris import to_fs_path

    from resilint import api
    from resilint.explain.text import explain_text

    path = to_fs_path(uri) if uri else None
    folder = Path(path).parent if path else Path.cwd()
    ruleset = api.linter_for(api.config_for_folder(folder)).ruleset
    standard = ruleset.standards.get(code) or next((s for s in ruleset.standards.values() if s.name == code), None)
    if standard is None:
        return f"resilint: unknown rule {code}"
    return explain_text(standard, ruleset.kind_of(standard))
