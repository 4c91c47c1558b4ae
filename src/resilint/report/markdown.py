"""``--format markdown``: a review summary for the second reviewer, sized for a
GitHub job summary (``>> $GITHUB_STEP_SUMMARY``) or a pull-request comment.

For a ``--diff``/``--staged`` run (:func:`summarize_changes` fills
``Report.changes``): the AI-assisted share of the change per file, the critical
tiers it touches, findings by severity on AI-assisted and on other lines, the
suppressions on AI-assisted changed lines with their reasons, and the
AI-assisted changes inside critical tiers — the lines a second reviewer must
read. Without a change set, the findings part only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from resilint.engine.suppressions import parse_suppressions
from resilint.model import ChangedFile, Finding, Report, Severity
from resilint.paths import any_glob_matches, display_path, relative_to_root
from resilint.provenance.sources import LineProvenance, SourceFile
from resilint.report import Reporter
from resilint.report.text import plural

if TYPE_CHECKING:
    from resilint.api import Linter
    from resilint.engine.diff import ChangeSet

_SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.NOTE)
_SHOWN = 50  # findings listed in full; the rest are counted


def summarize_changes(
    linter: Linter,
    report: Report,
    paths: Sequence[Path],
    changes: ChangeSet,
    *,
    force_exclude: bool = False,
) -> Report:
    """``report`` with, per changed file checked, its AI-assisted changed lines (the
    same provenance sources as the check), its critical tier and the suppressions
    on those lines."""
    from resilint.engine.diff import Git, read_blobs, select
    from resilint.engine.reading import decode_source

    files, _errors = select(changes, paths, linter.config, force_exclude=force_exclude)
    contents = (
        read_blobs(Git(changes.top), (changes.blobs[f] for f in files))
        if changes.blobs
        else {}
    )
    config = linter.config
    sources = linter.ruleset.provenance_sources
    summary: list[ChangedFile] = []
    for file in files:
        try:
            raw = contents[changes.blobs[file]] if changes.blobs else file.read_bytes()
            text = decode_source(raw)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError, KeyError):
            continue
        text = text.removeprefix("\ufeff")
        shown = display_path(file)
        relpath = relative_to_root(file, config.root)
        lines = LineProvenance(sources, SourceFile(shown, file, relpath, text, config))  # type: ignore[arg-type]
        changed = sorted(changes.lines[file])
        ai = {n: p for n in changed if (p := lines.at(n)) is not None}
        suppressions = parse_suppressions(text)
        on_ai = tuple(
            (s.line, s.comment.strip(), s.reason)
            for s in suppressions.all()
            if s.line in ai
        )
        summary.append(
            ChangedFile(
                path=shown,
                changed=len(changed),
                ai_lines=tuple(sorted(ai)),
                tier=_tier(config.tiers, relpath),
                evidence=tuple(dict.fromkeys(p.detail for p in ai.values())),
                ai_suppressions=tuple(sorted(on_ai)),
            )
        )
    return dataclasses.replace(report, changes=tuple(summary))


def _tier(tiers: Sequence[object], relpath: str | None) -> str | None:
    """The critical tier holding the file (the most escalating one), or None."""
    if relpath is None:
        return None
    matching = [t for t in tiers if any_glob_matches(t.paths, relpath)]  # type: ignore[attr-defined]
    return max(matching, key=lambda t: t.escalate).name if matching else None  # type: ignore[attr-defined]


def ranges(lines: Sequence[int]) -> str:
    """``1-3, 7`` for lines 1, 2, 3, 7."""
    out: list[list[int]] = []
    for line in sorted(lines):
        if out and out[-1][1] == line - 1:
            out[-1][1] = line
        else:
            out.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


class MarkdownReporter(Reporter):
    name = "markdown"

    def render(self, report: Report, out: IO[str]) -> None:
        write = out.write
        write("## resilint review summary\n\n")
        for note in report.notes:
            write(f"{note}\n\n")
        for warning in report.warnings:
            write(f"> [!WARNING]\n> {_cell(warning)}\n\n")
        if report.changes:
            self._change(report, write)
        else:
            write(
                "_No change set: run with `--diff [REF]` or `--staged` for the AI-assisted share of a change._\n\n"
            )
        self._findings(report, write)

    def _change(self, report: Report, emit: Callable[[str], object]) -> None:
        files = report.changes
        changed = sum(f.changed for f in files)
        ai = sum(len(f.ai_lines) for f in files)
        share = f" ({100 * ai / changed:.0f}%)" if changed else ""
        emit(
            f"**{ai} of {plural(changed, 'changed line')} AI-assisted{share}** in {plural(len(files), 'file')}.\n\n"
        )
        tiers = sorted({f.tier for f in files if f.tier})
        if tiers:
            emit(f"Critical tiers touched: {', '.join(_code(t) for t in tiers)}.\n\n")
        else:
            emit("Critical tiers touched: none.\n\n")
        emit(
            "### AI-assisted lines per file\n\n| File | Changed lines | AI-assisted | Share | Tier |\n|---|---:|---:|---:|---|\n"
        )
        for f in sorted(files, key=lambda f: (-len(f.ai_lines), f.path)):
            part = f"{100 * len(f.ai_lines) / f.changed:.0f}%" if f.changed else "–"
            emit(
                f"| {_code(f.path)} | {f.changed} | {len(f.ai_lines)} | {part} | {_code(f.tier) if f.tier else ''} |\n"
            )
        emit("\n")
        critical = [f for f in files if f.tier and f.ai_lines]
        emit("### AI-assisted changes in critical tiers (read these)\n\n")
        if critical:
            for f in critical:
                evidence = "; ".join(f.evidence[:3]) + (
                    " …" if len(f.evidence) > 3 else ""
                )
                emit(
                    f"- {_code(f.path)} (tier {_code(f.tier or '')}): lines {ranges(f.ai_lines)} — {_cell(evidence)}\n"
                )
        else:
            emit("None.\n")
        emit("\n### Suppressions on AI-assisted lines\n\n")
        rows = [
            (f.path, line, comment, reason)
            for f in files
            for line, comment, reason in f.ai_suppressions
        ]
        if rows:
            emit("| Where | Suppression | Reason |\n|---|---|---|\n")
            for path, line, comment, reason in rows:
                emit(
                    f"| {_code(f'{path}:{line}')} | {_code(_cell(comment))} | {_cell(reason) if reason else '**none** (not honoured: REL903)'} |\n"
                )
        else:
            emit("None.\n")
        emit("\n")

    def _findings(self, report: Report, emit: Callable[[str], object]) -> None:
        emit(
            "### Findings by severity\n\n| Severity | AI-assisted lines | Other lines |\n|---|---:|---:|\n"
        )
        for severity in _SEVERITIES:
            on_ai = sum(
                1 for f in report.findings if f.severity == severity and f.ai_assisted
            )
            other = sum(
                1
                for f in report.findings
                if f.severity == severity and not f.ai_assisted
            )
            emit(f"| {severity.label} | {on_ai} | {other} |\n")
        emit("\n")
        if report.findings:
            emit("<details><summary>Findings</summary>\n\n")
            for f in report.findings[:_SHOWN]:
                emit(_finding_line(f))
            if len(report.findings) > _SHOWN:
                emit(f"- … and {len(report.findings) - _SHOWN} more\n")
            emit("\n</details>\n\n")
        for error in report.errors:
            emit(f"- could not check {_code(error.path)}: {_cell(error.message)}\n")


def _finding_line(f: Finding) -> str:
    ai = " (AI-assisted)" if f.ai_assisted else ""
    return f"- {_code(f'{f.path}:{f.line}:{f.column}')} **{f.code}** [{f.severity.label}]{ai} {_cell(f.message)}\n"
