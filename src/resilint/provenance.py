"""Which lines are AI-assisted, and the evidence.

Sources are pluggable (``resilint_provenance_sources``) and consulted from the
most explicit signal to the least: command-line flags, configured paths,
in-file markers, then git history. For each line the first source that fires
is kept as the evidence. Sources are asked lazily, only for files that have
something to decide (a finding, an AI-only rule, a suppression).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from resilint.config import Config
from resilint.model import Provenance
from resilint.paths import any_glob_matches

CONFIDENCE = {"low": 0, "medium": 1, "high": 2}
MARKER_LINES = 30  # a whole-file marker must appear in the first lines
_WHOLE_FILE_MARKER = re.compile(r"#\s*resilint:\s*ai-assisted\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class SourceFile:
    """What a provenance source may look at."""

    path: str  # display path
    file: Path | None  # the real file, if any
    relpath: str | None  # relative to the config root
    text: str
    config: Config


@dataclass(frozen=True)
class FileProvenance:
    """A source's answer for one file: the whole file, or some lines."""

    whole: Provenance | None = None
    lines: Mapping[int, Provenance] = field(default_factory=lambda: MappingProxyType({}))

    def at(self, line: int) -> Provenance | None:
        return self.whole or self.lines.get(line)


class ProvenanceSource(Protocol):
    """A signal that marks lines AI-assisted. Optionally it also has a cheap
    ``may_have_ai_lines(source) -> bool``; the engine skips AI-only rules (and so
    may skip parsing) for files no source could mark. Without it: "maybe"."""

    name: str
    order: int  # lower is consulted first (more explicit)

    def file_provenance(self, source: SourceFile) -> FileProvenance | None: ...


class FlagSource:
    """``--ai-assisted``, ``RESILINT_AI_ASSISTED=1`` and ``--ai-path GLOB``."""

    name = "flag"
    order = 10

    def may_have_ai_lines(self, source: SourceFile) -> bool:
        return self.file_provenance(source) is not None

    def file_provenance(self, source: SourceFile) -> FileProvenance | None:
        if source.config.force_ai:
            return FileProvenance(whole=Provenance("flag", "--ai-assisted"))
        if os.environ.get("RESILINT_AI_ASSISTED", "").strip().lower() in ("1", "true", "yes"):
            return FileProvenance(whole=Provenance("flag", "RESILINT_AI_ASSISTED=1"))
        for pattern in source.config.ai_cli_paths:
            if any_glob_matches([pattern], source.path) or (
                source.relpath is not None and any_glob_matches([pattern], source.relpath)
            ):
                return FileProvenance(whole=Provenance("flag", f"--ai-path {pattern}"))
        return None


class ConfigPathSource:
    """``[tool.resilint.ai] paths = [globs]``, relative to the config file."""

    name = "config"
    order = 20

    def may_have_ai_lines(self, source: SourceFile) -> bool:
        return self.file_provenance(source) is not None

    def file_provenance(self, source: SourceFile) -> FileProvenance | None:
        if source.relpath is None:
            return None
        for pattern in source.config.ai.paths:
            if any_glob_matches([pattern], source.relpath):
                return FileProvenance(whole=Provenance("config", f"[tool.resilint.ai] paths: {pattern}"))
        return None


class MarkerSource:
    """``# resilint: ai-assisted`` in the first lines marks the whole file."""

    name = "marker"
    order = 30

    def may_have_ai_lines(self, source: SourceFile) -> bool:
        return "ai-assisted" in source.text

    def file_provenance(self, source: SourceFile) -> FileProvenance | None:
        if "ai-assisted" not in source.text:
            return None
        head = "\n".join(source.text.splitlines()[:MARKER_LINES])
        match = _WHOLE_FILE_MARKER.search(head)
        if match:
            line = head.count("\n", 0, match.start()) + 1
            return FileProvenance(whole=Provenance("marker", f"# resilint: ai-assisted (line {line})"))
        return None


BUILTIN_SOURCES: tuple[ProvenanceSource, ...] = (FlagSource(), ConfigPathSource(), MarkerSource())


class LineProvenance:
    """Combines the sources for one file, lazily: nothing is asked until a line is."""

    def __init__(self, sources: tuple[ProvenanceSource, ...], source: SourceFile) -> None:
        self._sources = sources
        self._file = source
        self._answers: list[FileProvenance] | None = None
        self._min = CONFIDENCE.get(source.config.ai.min_confidence, 1)

    def at(self, line: int) -> Provenance | None:
        if self._answers is None:
            self._answers = []
            for src in self._sources:
                try:
                    answer = src.file_provenance(self._file)
                except Exception:  # a broken source means "unknown", never a crash
                    answer = None
                if answer is not None:
                    self._answers.append(answer)
        for answer in self._answers:
            found = answer.at(line)
            if found is not None and CONFIDENCE.get(found.confidence, 2) >= self._min:
                return found
        return None
