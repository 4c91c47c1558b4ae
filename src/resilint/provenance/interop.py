"""Provenance written down by other tools: Agent Trace records and AI-DECLARATION.md.

**Agent Trace** (https://github.com/cursor/agent-trace, spec 0.1.0): JSON trace
records, one per line of ``.agent-trace/traces.jsonl`` at the repository root
(where the reference implementation appends them). A record names files
(``path`` from the repository root) and, per conversation, a ``contributor``
(``ai``, ``mixed``, ``human``, ``unknown``; a range may override it) and line
``ranges`` "at the recorded revision" (``vcs.revision``). Lines are mapped the
way the spec says (§6.5), through the blame resilint already uses: a committed
line counts when a record of *its* commit — or of that commit's parent, which
is what the reference hook records (``HEAD`` at the time of the edit, before the
commit) — has a range holding the line's number in that commit; an uncommitted
line counts when a record of the current ``HEAD`` (or a record without ``vcs``)
holds its current number. ``ai`` is high confidence, ``mixed`` (human-edited AI
output, AI-edited human code) medium; ``human`` and ``unknown`` mark nothing.
Content hashes are not used (the spec leaves their algorithm open).

**AI-DECLARATION.md** (https://github.com/DimwitLabs/AI-DECLARATION.md): YAML
front matter with a project ``level``, optional ``processes`` and optional
``components`` (file or folder paths with their own level), levels ``none <
hint < assist < pair < copilot < auto``. A file under a component takes the
most specific component's level; any other file takes ``processes.implementation``
when processes are declared (an unlisted process is ``none``), else ``none`` when
components are declared (the project level is their maximum, not a default),
else the project ``level``. Levels at or above ``[tool.resilint.ai]
declaration-level`` (default ``assist``; ``off`` ignores the file) make the whole
file AI-assisted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from resilint.model import Provenance
from resilint.provenance import repo as repomod

if TYPE_CHECKING:
    from resilint.provenance.sources import FileProvenance, SourceFile

TRACES = Path(".agent-trace") / "traces.jsonl"
DECLARATION = "AI-DECLARATION.md"
LEVELS = ("none", "hint", "assist", "pair", "copilot", "auto")
_CONFIDENCE = {"ai": "high", "mixed": "medium"}


def _root(source: SourceFile) -> tuple[Path | None, repomod.Repo | None]:
    """Where the records live: the git work tree, else the configuration root."""
    if source.file is not None:
        try:
            repo = repomod.source_repo(source)
        except (OSError, RuntimeError):
            repo = None
        if repo is not None:
            return repo.top, repo
    return source.config.root, None


def _relpath(source: SourceFile, root: Path) -> str | None:
    if source.file is None:
        return source.relpath
    try:
        return repomod.resolved_file(source).relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return None


_cache: dict[Path, tuple[tuple[int, int], Any]] = {}


def _read_cached(path: Path, parse: Any) -> Any:
    """``parse(text)`` of a file, re-read only when its size or time changes."""
    try:
        info = path.stat()
    except OSError:
        return None
    stamp = (info.st_mtime_ns, info.st_size)
    known = _cache.get(path)
    if known is None or known[0] != stamp:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        known = _cache[path] = (stamp, parse(text))
    return known[1]


# -- Agent Trace ----------------------------------------------------------------------


@dataclass(frozen=True)
class TraceRange:
    revision: str | None  # vcs.revision (git), or None
    start: int
    end: int
    contributor: str  # "ai" | "mixed"
    who: str  # tool and model, for people
    record: str  # the record's id


def parse_traces(text: str) -> dict[str, tuple[TraceRange, ...]]:
    """``path -> AI ranges`` of every well-formed record (other lines are skipped)."""
    found: dict[str, list[TraceRange]] = {}
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or not isinstance(record.get("files"), list):
            continue
        vcs = record.get("vcs") if isinstance(record.get("vcs"), dict) else {}
        revision = (
            str(vcs["revision"])
            if vcs.get("type") == "git" and vcs.get("revision")
            else None
        )
        tool = record.get("tool") if isinstance(record.get("tool"), dict) else {}
        for entry in record["files"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            for conversation in entry.get("conversations") or ():
                if not isinstance(conversation, dict):
                    continue
                default = (
                    conversation.get("contributor")
                    if isinstance(conversation.get("contributor"), dict)
                    else {}
                )
                for span in conversation.get("ranges") or ():
                    if not isinstance(span, dict):
                        continue
                    who = (
                        span.get("contributor")
                        if isinstance(span.get("contributor"), dict)
                        else default
                    )
                    kind = str(who.get("type", ""))
                    start, end = span.get("start_line"), span.get("end_line")
                    if (
                        kind not in _CONFIDENCE
                        or not isinstance(start, int)
                        or not isinstance(end, int)
                        or end < start
                    ):
                        continue
                    names = [
                        str(x) for x in (tool.get("name"), who.get("model_id")) if x
                    ]
                    found.setdefault(entry["path"].removeprefix("./"), []).append(
                        TraceRange(
                            revision,
                            start,
                            end,
                            kind,
                            " ".join(names) or "an agent",
                            str(record.get("id", ""))[:8],
                        )
                    )
    return {path: tuple(ranges) for path, ranges in found.items()}


class AgentTraceSource:
    """Line-level provenance from ``.agent-trace/traces.jsonl``."""

    name = "agent-trace"
    order = 35  # after in-file markers, before git history

    def _ranges(
        self, source: SourceFile
    ) -> tuple[Path | None, repomod.Repo | None, dict[str, tuple[TraceRange, ...]]]:
        root, repo = _root(source)
        if root is None:
            return None, None, {}
        traces = _read_cached(root / TRACES, parse_traces)
        return root, repo, traces or {}

    def may_have_ai_lines(self, source: SourceFile) -> bool:
        """Only files the records name (a file renamed since its record still gets its
        lines through the blame; only the AI-only rules are skipped for it)."""
        root, _repo, traces = self._ranges(source)
        return (
            bool(traces)
            and root is not None
            and bool(traces.get(_relpath(source, root) or ""))
        )

    def file_provenance(self, source: SourceFile) -> FileProvenance | None:
        from resilint.provenance.sources import FileProvenance

        root, repo, traces = self._ranges(source)
        if not traces or root is None:
            return None
        relpath = _relpath(source, root)
        if relpath is None:
            return None
        lines: dict[int, Provenance] = {}
        count = len(source.text.splitlines())
        if repo is None or not (source.config.git_provenance and source.config.ai.git):
            for number in range(1, count + 1):
                found = _match(traces.get(relpath, ()), {None}, number, relpath)
                if found is not None:
                    lines[number] = found
            return FileProvenance(lines=MappingProxyType(lines)) if lines else None
        from resilint.provenance import git as gitmod  # blame: only for a file the records name

        blamed = gitmod.resolved_blame(repo, relpath, source.text) or {}
        head = repomod.run_git(["rev-parse", "-q", "--verify", "HEAD"], repo.top)
        head_sha = head.decode().strip() if head else None
        parents = _parents(
            repo, {b.sha for b in blamed.values() if b.sha != gitmod.ZERO_SHA}
        )
        for number in range(1, count + 1):
            line = blamed.get(number)
            if line is None or line.sha == gitmod.ZERO_SHA:
                found = _match(
                    traces.get(relpath, ()), {head_sha, None}, number, relpath
                )
            else:
                found = _match(
                    traces.get(line.filename, ()),
                    {line.sha, *parents.get(line.sha, ())},
                    line.orig_line,
                    line.filename,
                )
            if found is not None:
                lines[number] = found
        return FileProvenance(lines=MappingProxyType(lines)) if lines else None


def _match(
    ranges: tuple[TraceRange, ...], revisions: set[str | None], line: int, path: str
) -> Provenance | None:
    best: Provenance | None = None
    for span in ranges:
        if span.revision in revisions and span.start <= line <= span.end:
            where = (
                f"line {span.start}"
                if span.start == span.end
                else f"lines {span.start}-{span.end}"
            )
            at = f" at {span.revision[:7]}" if span.revision else ""
            found = Provenance(
                "agent-trace",
                f"Agent Trace: {span.who}, {where} of {path}{at} (record {span.record})",
                _CONFIDENCE[span.contributor],
            )
            if best is None or (
                best.confidence != "high" and found.confidence == "high"
            ):
                best = found
    return best


_parent_cache: dict[tuple[Path, str], tuple[str, ...]] = {}


def _parents(repo: repomod.Repo, shas: set[str]) -> dict[str, tuple[str, ...]]:
    missing = sorted(s for s in shas if (repo.git_dir, s) not in _parent_cache)
    if missing:
        out = repomod.run_git(
            ["log", "--no-walk=unsorted", "--stdin", "--format=%H %P"],
            repo.top,
            "\n".join(missing).encode() + b"\n",
        )
        for row in (out or b"").decode().splitlines():
            sha, *parents = row.split()
            _parent_cache[(repo.git_dir, sha)] = tuple(parents)
    return {s: _parent_cache.get((repo.git_dir, s), ()) for s in shas}


# -- AI-DECLARATION.md ------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    level: str
    processes: tuple[tuple[str, str], ...]
    components: tuple[tuple[str, str], ...]


_KEY = re.compile(
    r"""^(?P<indent>\s*)(?P<key>"[^"]*"|'[^']*'|[^:#]+?)\s*:\s*(?P<value>.*?)\s*(?:#.*)?$"""
)


def parse_declaration(text: str) -> Declaration | None:
    """The front matter's ``level``, ``processes`` and ``components`` (the small YAML
    subset the specification uses: scalars and one level of mappings)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    try:
        end = next(
            i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")
        )
    except StopIteration:
        return None
    top: dict[str, str] = {}
    tables: dict[str, list[tuple[str, str]]] = {"processes": [], "components": []}
    current: str | None = None
    for raw in lines[1:end]:
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _KEY.match(raw)
        if match is None:
            continue
        key = match["key"].strip().strip("\"'")
        value = match["value"].strip().strip("\"'").lower()
        if not match["indent"]:
            current = key if key in tables and not value else None
            top[key] = value
        elif current is not None and value:
            tables[current].append((key, value))
    level = top.get("level", "")
    if level not in LEVELS:
        return None
    return Declaration(level, tuple(tables["processes"]), tuple(tables["components"]))


def declared_level(declaration: Declaration, relpath: str) -> tuple[str, str]:
    """``(level, where it comes from)`` for one file."""
    best: tuple[int, str, str] | None = None
    for path, level in declaration.components:
        clean = path.strip("/").removeprefix("./")
        inside = relpath == clean or relpath.startswith(clean + "/") or clean in ("", ".")
        if inside and (best is None or len(clean) > best[0]):
            best = (len(clean), level, f"components {path}: {level}")
    if best is not None:
        return best[1], best[2]
    if declaration.processes:
        level = dict(declaration.processes).get("implementation", "none")
        return level, f"processes implementation: {level}"
    if declaration.components:
        return "none", "not a declared component"
    return declaration.level, f"level: {declaration.level}"


class DeclarationSource:
    """Path-level provenance from ``AI-DECLARATION.md`` at the repository root."""

    name = "ai-declaration"
    order = 25  # a team's written declaration: after flags and configured paths

    def may_have_ai_lines(self, source: SourceFile) -> bool:
        return self.file_provenance(source) is not None

    def file_provenance(self, source: SourceFile) -> FileProvenance | None:
        from resilint.provenance.sources import FileProvenance

        threshold = source.config.ai.declaration_level
        if threshold == "off":
            return None
        root, _repo = _root(source)
        if root is None:
            return None
        declaration = _read_cached(root / DECLARATION, parse_declaration)
        relpath = _relpath(source, root)
        if declaration is None or relpath is None:
            return None
        level, where = declared_level(declaration, relpath)
        if level not in LEVELS or LEVELS.index(level) < LEVELS.index(threshold):
            return None
        return FileProvenance(
            whole=Provenance("ai-declaration", f"{DECLARATION}: {where}")
        )
