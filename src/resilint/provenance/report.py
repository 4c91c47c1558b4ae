"""``resilint provenance [PATH...]``: which lines the policy treats as AI-assisted,
and why. A per-file summary (lines, AI-assisted lines, signals) and, with
``--lines``, the ranges with their evidence, in text or JSON — how a team audits
what the stricter policy will apply to before turning it on.

Signals below ``min-confidence`` are listed (``counted: false``) but, as in
``resilint check``, do not make a line AI-assisted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from resilint import __version__
from resilint.api import linter_for
from resilint.config.settings import Config
from resilint.engine.discovery import discover
from resilint.engine.reading import decode_source
from resilint.model import Provenance
from resilint.paths import display_path, relative_to_root
from resilint.provenance.sources import LineProvenance, SourceFile
from resilint.report.text import plural

_THREADS = 8  # the work is git subprocesses: threads overlap their waits


@dataclass(frozen=True)
class Range:
    start: int
    end: int
    provenance: Provenance
    counted: bool  # at or above min-confidence: raises strictness


@dataclass
class FileSummary:
    path: str
    lines: int = 0
    ranges: list[Range] = field(default_factory=list)
    error: str | None = None

    @property
    def ai_lines(self) -> int:
        return sum(r.end - r.start + 1 for r in self.ranges if r.counted)

    @property
    def below_min(self) -> int:
        return sum(r.end - r.start + 1 for r in self.ranges if not r.counted)

    def signals(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for r in self.ranges:
            if r.counted:
                counts[r.provenance.signal] += r.end - r.start + 1
        return dict(sorted(counts.items()))


def summarize(file: Path, config: Config, sources: tuple[object, ...]) -> FileSummary:
    shown = display_path(file)
    try:
        text = decode_source(file.read_bytes())
    except OSError as exc:
        return FileSummary(shown, error=f"cannot read: {exc.strerror or type(exc).__name__}")
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return FileSummary(shown, error=f"cannot decode: {exc}")
    text = text.removeprefix("\ufeff")
    count = len(text.splitlines())
    lines = LineProvenance(sources, SourceFile(shown, file, relative_to_root(file, config.root), text, config))  # type: ignore[arg-type]
    summary = FileSummary(shown, count)
    for number in range(1, count + 1):
        found = lines.at(number)
        counted = found is not None
        if found is None:
            weaker = lines.signals(number)
            found = weaker[0] if weaker else None
        if found is None:
            continue
        last = summary.ranges[-1] if summary.ranges else None
        if last is not None and last.end == number - 1 and last.provenance == found and last.counted == counted:
            summary.ranges[-1] = Range(last.start, number, found, counted)
        else:
            summary.ranges.append(Range(number, number, found, counted))
    return summary


def collect(paths: Sequence[Path], config: Config) -> tuple[list[FileSummary], list[tuple[str, str]]]:
    found = discover(list(paths), config)
    sources = linter_for(config).ruleset.provenance_sources
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        summaries = list(pool.map(lambda f: summarize(f, config, sources), found.files))
    return summaries, list(found.errors)


def warnings(paths: Sequence[Path], config: Config) -> list[str]:
    """What makes the answer incomplete (a shallow clone, grafts, failed blames)."""
    if not (config.git_provenance and config.ai.git) or config.force_ai:
        return []
    from resilint.provenance.repo import warnings_for

    return warnings_for(paths or [Path(".")])


def to_dict(
    summaries: Sequence[FileSummary],
    errors: Sequence[tuple[str, str]],
    config: Config,
    with_lines: bool,
    notices: Sequence[str] = (),
) -> dict[str, Any]:
    files = []
    for s in summaries:
        if s.error is not None:
            continue
        entry: dict[str, Any] = {
            "path": s.path,
            "lines": s.lines,
            "ai_lines": s.ai_lines,
            "signals": s.signals(),
            "below_min_confidence": s.below_min,
        }
        if with_lines:
            entry["ranges"] = [
                {
                    "start": r.start,
                    "end": r.end,
                    "signal": r.provenance.signal,
                    "detail": r.provenance.detail,
                    "confidence": r.provenance.confidence,
                    "counted": r.counted,
                }
                for r in s.ranges
            ]
        files.append(entry)
    all_errors = [{"path": p, "message": m} for p, m in errors]
    all_errors += [{"path": s.path, "message": s.error} for s in summaries if s.error is not None]
    return {
        "tool": {"name": "resilint", "version": __version__},
        "min_confidence": config.ai.min_confidence,
        "files": files,
        "errors": all_errors,
        "warnings": list(notices),
        "summary": {
            "files": len(files),
            "lines": sum(f["lines"] for f in files),
            "ai_lines": sum(f["ai_lines"] for f in files),
        },
    }


def render_text(data: dict[str, Any], out: IO[str], with_lines: bool) -> None:
    for f in data["files"]:
        share = f" ({100 * f['ai_lines'] / f['lines']:.0f}%)" if f["lines"] and f["ai_lines"] else ""
        signals = ", ".join(f"{name} {count}" for name, count in f["signals"].items())
        line = f"{f['path']}: {plural(f['lines'], 'line')}, {f['ai_lines']} AI-assisted{share}"
        if signals:
            line += f" — {signals}"
        if f["below_min_confidence"]:
            line += f"; {f['below_min_confidence']} more below min-confidence {data['min_confidence']}"
        out.write(line + "\n")
        for r in f.get("ranges", []) if with_lines else []:
            where = str(r["start"]) if r["start"] == r["end"] else f"{r['start']}-{r['end']}"
            note = "" if r["counted"] else f"  [{r['confidence']}: below min-confidence, not counted]"
            out.write(f"  {where:>9}  {r['signal']:<12} {r['detail']}{note}\n")
    for warning in data.get("warnings", []):
        out.write(f"warning: {warning}\n")
    total = data["summary"]
    share = f" ({100 * total['ai_lines'] / total['lines']:.0f}%)" if total["lines"] and total["ai_lines"] else ""
    out.write(
        f"{plural(total['files'], 'file')}, {plural(total['lines'], 'line')}, "
        f"{total['ai_lines']} AI-assisted{share}. No signal does not prove a human wrote a line.\n"
    )


def run(paths: Sequence[Path], config: Config, *, fmt: str, with_lines: bool, out: IO[str]) -> dict[str, Any]:
    summaries, errors = collect(paths, config)
    data = to_dict(summaries, errors, config, with_lines, warnings(paths, config))
    if fmt == "json":
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        render_text(data, out, with_lines)
    return data
