"""``resilint check --fix`` / ``--fix-diff``: fix the reported findings file by file.

Only the findings of the report are fixed (``--diff``/``--staged``: the changed
lines; the baseline's findings are not reported, so not fixed). With ``--staged``
the check read the staged blobs: a file whose working copy differs from its staged
version (unstaged changes) is not fixed (pre-commit stashes them first, so the
hook always can).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from resilint.fix.apply import ChangedOnDisk, write_atomically
from resilint.fix.runner import FileFix, FixOptions, engine_check, fix_text
from resilint.model import FileError, Finding, Report

if TYPE_CHECKING:
    from resilint.api import Linter


@dataclass(frozen=True)
class FixRun:
    report: Report  # the findings that remain (lines of the new files), with notes
    files: tuple[FileFix, ...]
    errors: tuple[FileError, ...] = ()

    @property
    def fixed(self) -> int:
        return sum(len(f.fixed) for f in self.files)

    @property
    def changed(self) -> tuple[FileFix, ...]:
        return tuple(f for f in self.files if f.changed)


def run_fixes(
    linter: Linter,
    report: Report,
    options: FixOptions,
    *,
    write: bool,
    staged: bool = False,
    diff_mode: bool = False,
    jobs: int | None = None,
) -> FixRun:
    """Fix the findings of ``report``; the returned report holds what remains: the
    findings not fixed, at their lines in the new text (``--diff``/``--staged``: on the
    changed lines). Each fix's result parsed; a file is checked again between passes
    only when a fix waited for the next one (benchmarks/fix.py checks on real code
    that fixed findings are gone and no new ones appear)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_path.setdefault(finding.path, []).append(finding)
    results: list[FileFix] = []
    errors: list[FileError] = []
    findings: list[Finding] = []
    work: list[tuple[str, bytes, list[Finding]]] = []
    for shown, file_findings in sorted(by_path.items()):
        if not any(options.eligible(f) for f in file_findings):
            findings.extend(file_findings)
            continue
        file = Path(shown)
        try:
            data = file.read_bytes()
        except OSError as exc:
            errors.append(FileError(shown, f"not fixed: cannot read: {exc.strerror}"))
            findings.extend(file_findings)
            continue
        if staged and not _same_as_staged(file, data):
            errors.append(FileError(shown, "not fixed: it has unstaged changes (stage or stash them, then run again)"))
            findings.extend(file_findings)
            continue
        work.append((shown, data, file_findings))
    for (shown, data, file_findings), result in zip(work, _fix_all(linter, work, options, jobs)):
        file = Path(shown)
        if write and result.changed:
            try:
                write_atomically(file, result.after, data)
            except (ChangedOnDisk, OSError) as exc:
                errors.append(FileError(shown, f"not fixed: {exc}"))
                findings.extend(file_findings)
                continue
        results.append(result)
        findings.extend(_explained(result, _remaining(linter, file, shown, result, write=write, diff_mode=diff_mode)))
    findings.sort(key=Finding.sort_key)
    run = FixRun(dataclasses.replace(report, findings=tuple(findings)), tuple(results), tuple(errors))
    note = summary(run, report, options, write=write)
    return dataclasses.replace(
        run, report=dataclasses.replace(run.report, notes=(*run.report.notes, note), errors=(*report.errors, *errors))
    )


def _remaining(linter: Linter, file: Path, shown: str, result: FileFix, *, write: bool, diff_mode: bool) -> Sequence[Finding]:
    if diff_mode or not result.changed:
        return result.kept
    return result.remaining  # the findings not fixed, moved to their new lines


# -- fixing many files: in this process, or a pool of workers like the check's ------------

_worker: Linter | None = None
_worker_options: FixOptions | None = None
PARALLEL_THRESHOLD = 4  # files; fewer are fixed in this process


def _fix_all(linter: Linter, work: Sequence[tuple[str, bytes, list[Finding]]], options: FixOptions, jobs: int | None) -> list[FileFix]:
    from resilint.engine.runner import default_jobs

    jobs = jobs or default_jobs()
    if jobs < 2 or len(work) < PARALLEL_THRESHOLD:
        return [fix_text(data, shown, found, engine_check(linter, Path(shown), shown), options, verify=False) for shown, data, found in work]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    initargs = (linter.config, linter.cache, linter.noqa, options)
    with ProcessPoolExecutor(max_workers=min(jobs, len(work)), mp_context=context, initializer=_init_worker, initargs=initargs) as pool:
        return list(pool.map(_fix_one, work, chunksize=1))


def _init_worker(config: object, cache: bool, noqa: bool, options: FixOptions) -> None:
    global _worker, _worker_options
    from resilint.api import linter_for

    _worker = linter_for(config, cache=cache, noqa=noqa)  # type: ignore[arg-type]
    _worker.engine.inprocess_seconds = None
    _worker_options = options


def _fix_one(item: tuple[str, bytes, list[Finding]]) -> FileFix:
    assert _worker is not None and _worker_options is not None
    shown, data, found = item
    return fix_text(data, shown, found, engine_check(_worker, Path(shown), shown), _worker_options, verify=False)


def _explained(result: FileFix, remaining: Sequence[Finding]) -> list[Finding]:
    """The findings left in a fixed file; one whose fix was left out says why."""
    why = {(f.code, f.message): reason for f, reason in result.failed}
    out = []
    for finding in remaining:
        reason = why.get((finding.code, finding.message))
        if reason is not None:
            finding = dataclasses.replace(finding, message=f"{finding.message} [fix not applied: {reason}]")
        out.append(finding)
    return out


def _same_as_staged(file: Path, data: bytes) -> bool:
    from resilint.git import git_output

    staged = git_output(["show", f":./{file.name}"], file.resolve().parent)
    return staged == data  # not comparable (git failed, not in the index): not the same, never written


def summary(run: FixRun, before: Report, options: FixOptions, *, write: bool) -> str:
    fixed = run.fixed
    remaining = len(run.report.findings)
    verb = "Fixed" if write else "Would fix"
    files = len(run.changed)
    text = f"{verb} {fixed} finding{'' if fixed == 1 else 's'}"
    if files:
        text += f" in {files} file{'' if files == 1 else 's'}"
    applied = sum(f.applied for f in run.files)
    if applied > fixed:  # REL903's fix writes the reason placeholder: its finding stays until a person writes why
        text += f" ({applied} fixes applied; a <reason> placeholder keeps its finding until the reason is written)"
    text += f"; {remaining} remain{'s' if remaining == 1 else ''}."
    hints = hidden_fixes(run.report.findings, options)
    return f"{text} {hints}".rstrip()


def hidden_fixes(findings: Sequence[Finding], options: FixOptions) -> str:
    """What more could be fixed with other options (for the summary)."""
    unsafe = sum(1 for f in findings if f.fix is not None and not f.fix.safe and not options.unsafe and (f.provenance is None or options.ai))
    ai = sum(1 for f in findings if f.fix is not None and f.provenance is not None and not options.ai and (f.fix.safe or options.unsafe))
    parts = []
    if unsafe:
        parts.append(f"{unsafe} more with --unsafe-fixes")
    if ai:
        parts.append(f"{ai} on AI-assisted lines with --fix-ai (review them first)")
    return f"({'; '.join(parts)})" if parts else ""


def print_diffs(run: FixRun) -> None:
    for result in run.files:
        sys.stdout.write(result.diff())
