"""The engine: one file's check, in the order data flows.

``check_file`` -> :mod:`~resilint.engine.reading` (bytes, text) ->
:mod:`~resilint.engine.prefilter` (which rules' triggers occur; none: no libcst
parse) -> :mod:`~resilint.engine.slicing` (definitions no triggered rule can look
at are blanked) -> :mod:`~resilint.engine.parsing` -> one walk
(:mod:`~resilint.engine.traversal`) with every triggered rule ->
:mod:`~resilint.engine.positions` for the reported nodes only -> an
:class:`~resilint.engine.analysis.Analysis` (content only: what the cache stores)
-> :mod:`~resilint.engine.findings` (suppressions, provenance, severity policy).

The engine knows no rule code: it reports engine events
(:mod:`~resilint.engine.events`) through the standards whose kinds handle them.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from resilint.config.ruleset import Ruleset, build_ruleset
from resilint.config.settings import Config
from resilint.config.standards import Standard
from resilint.engine.analysis import Analysis, Located
from resilint.engine.cache import ResultCache, cache_dir, file_digest, fingerprint, related_digest
from resilint.engine.events import NOT_ANALYSED, RULE_CRASHED, SYNTAX_ERROR
from resilint.engine.findings import FindingBuilder
from resilint.engine.parsing import ParseFailure, parse, refusal_failure, syntax_problem_without_libcst
from resilint.engine.prefilter import Prefilter, Selection
from resilint.engine.reading import FILE_START, ReadFailure, read_file, read_text
from resilint.engine.suppressions import skip_file_marker
from resilint.model import FileError, FileResult, Span
from resilint.paths import display_path, relative_to_root
from resilint.provenance.sources import LineProvenance, SourceFile
from resilint.rule import RawFinding

if TYPE_CHECKING:
    from resilint.engine.revisions import Revisions

class NeedsIsolation(Exception):
    """Raised by :meth:`Engine.check_file` / :meth:`Engine.check_source` when the
    engine's ``inprocess_seconds`` is set and the guard estimates the parse of
    this file above it: the caller (runner.py) checks the file in an isolated
    worker with a time budget instead. Never raised otherwise."""

    def __init__(self, estimate: float) -> None:
        super().__init__(f"estimated parse time {estimate:.1f} s")
        self.estimate = estimate


# An unparsed file larger than this is not tokenized for its comments (see _unparsed_view).
UNPARSED_COMMENTS_MAX_CHARS = 100_000

# Smaller files are parsed whole: slicing (ast.parse + the closure) would cost more than it saves.
SLICE_MIN_CHARS = 2_000


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while one file is analysed: parsing
    allocates a tree of ~100 objects per line, and every full collection would walk
    all of them (a 1,000-line check: 143 ms -> 122 ms). The trees hold no cycles,
    so reference counting frees them; collection resumes (as it was) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def not_analysed_message(reason: str) -> str:
    """The not-analysed finding's message: the cause, and the remedy for generated code."""
    return f"not analysed: {reason}; if the file is generated, exclude it (`exclude` in [tool.resilint])"


class Engine:
    """Checks sources against the active standards of one configuration.

    Build it through :class:`resilint.api.Linter`, which owns the configuration,
    the ruleset and the engine and reuses them across calls.
    """

    def __init__(
        self,
        config: Config,
        ruleset: Ruleset | None = None,
        *,
        cache: bool = False,
        prefilter: bool = True,
        noqa: bool = True,
    ) -> None:
        self.config = config
        self.ruleset = ruleset or build_ruleset(config)
        self.provenance_sources = self.ruleset.provenance_sources
        self.today = config.today or dt.date.today()
        self.prefilter = prefilter
        self.builder = FindingBuilder(self.ruleset, noqa=noqa)
        self._standard_inputs: dict[str, tuple[str, ...]] = {}
        self.cache = ResultCache(cache_dir(config.root), self._fingerprint()) if cache else None
        self._triggers: dict[tuple[str, ...], Selection[str]] = {}
        self._slice_filters: dict[tuple[str, ...], Prefilter] = {}
        self.slice_min_chars = SLICE_MIN_CHARS
        # Set by the runner for in-process checks: a file whose estimated parse time is
        # above it raises NeedsIsolation instead of being parsed here (None: parse all).
        self.inprocess_seconds: float | None = None
        # Set for a diff-mode run (diff.check_changes): rules read the change's other files through it.
        self.revisions: Revisions | None = None
        self._last_ai_answer: tuple[SourceFile | None, bool] = (None, False)  # see _may_be_ai
        self.ruleset.prepare()  # run-wide inputs: errors surface before any work

    # -- entry points -------------------------------------------------------------

    def check_file(self, file: Path, display: str | None = None, *, changed: frozenset[int] | None = None) -> FileResult:
        """Check one file; never raises: an unexpected failure is an error naming the file."""
        shown = display or display_path(file)
        try:
            data = read_file(file)
            if isinstance(data, ReadFailure):
                return FileResult(shown, errors=(FileError(shown, data.reason),))
            return self.check_source(data, shown, file=file, changed=changed)
        except NeedsIsolation:
            raise
        except Exception as exc:  # a bug of ours must cost one file, not the run
            return FileResult(shown, errors=(FileError(shown, f"internal error while checking: {type(exc).__name__}: {exc}"),))

    def check_source(
        self, source: str | bytes, path: str, *, file: Path | None = None, changed: frozenset[int] | None = None
    ) -> FileResult:
        """Check one file's contents. ``path`` is how it is shown; ``file`` the real
        file, if any (for the config root, provenance and git). ``changed``: in
        ``--diff``/``--staged`` mode, the changed lines; only findings on them (or,
        for AI-assisted changes, on their blast radius) are kept."""
        try:
            return self._check_source(source, path, file=file, changed=changed)
        except RecursionError:  # whatever recursed, the file is not analysed; the run goes on
            return self._recursion_result(path, file, changed)

    def _check_source(
        self, source: str | bytes, path: str, *, file: Path | None, changed: frozenset[int] | None
    ) -> FileResult:
        relpath = relative_to_root(file if file is not None else Path(path), self.config.root)
        text, problem = read_text(source)
        src = SourceFile(path, file, relpath, text, self.config)
        standards = self.ruleset.active_for(relpath)
        if problem is not None:
            return self._result(Analysis(self._events((problem,), standards)), src)
        if "skip-file" in text and skip_file_marker(text):
            return FileResult(path)
        if any(s.ai_only for s in standards) and not self._may_be_ai(src):
            standards = tuple(s for s in standards if not s.ai_only)
        if changed is None:
            with _collector_paused():
                analysis = self.analyze(src, standards)
            return self._result(analysis, self._unparsed_view(analysis, src))
        # Diff mode bypasses the cache: REL306 and the blast radius depend on the
        # changed lines and their provenance, not on the content alone.
        provenance = LineProvenance(self.provenance_sources, src)
        with _collector_paused():
            analysis = self._analyze(src, standards, changed, provenance)
        return self._result(analysis, self._unparsed_view(analysis, src), provenance, changed)

    @staticmethod
    def _unparsed_view(analysis: Analysis, src: SourceFile) -> SourceFile:
        """A large file that was not parsed (refused by the guard, or a syntax error)
        is not tokenized for suppressions and markers either: Python's tokenizer
        would spend longer on a refused file than the whole time budget."""
        if analysis.parsed or not analysis.findings or len(src.text) <= UNPARSED_COMMENTS_MAX_CHARS:
            return src
        return dataclasses.replace(src, text="")

    def analyze(self, src: SourceFile, standards: tuple[Standard, ...]) -> Analysis:
        """The content-only part of a check, through the cache when there is one."""
        if self.cache is None:
            return self._analyze(src, standards)
        # Besides the text, a result depends on what the rules that can fire read: the
        # inputs of the triggered standards' kinds (an untriggered kind never runs).
        triggered = self._triggered(src.text, standards) if self.prefilter else standards
        inputs = (*(s.code for s in standards), *self._kind_inputs(triggered), *self._file_inputs(src, triggered))
        key = self.cache.key(src.text, src.relpath, inputs)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        analysis = self._analyze(src, standards, triggered=triggered)
        self.cache.put(key, analysis)
        return analysis

    # -- analysis -------------------------------------------------------------------

    def _analyze(
        self,
        src: SourceFile,
        standards: tuple[Standard, ...],
        changed: frozenset[int] | None = None,
        provenance: LineProvenance | None = None,
        *,
        triggered: tuple[Standard, ...] | None = None,
    ) -> Analysis:
        """``triggered``: the standards whose triggers occur in the text, when the
        caller already knows them."""
        text = src.text
        if not standards:
            return Analysis()
        if self.prefilter and changed is None:
            # Only the rules whose triggers occur can fire (prefilter.py): the others
            # are not run, and with none left libcst is skipped, but a file that does
            # not parse is still reported (CPython's parser is ~10x cheaper than libcst's).
            if triggered is None:
                triggered = self._triggered(text, standards)
            if not triggered:
                wants_syntax = self._event_code(SYNTAX_ERROR, standards) is not None
                problem = syntax_problem_without_libcst(text) if wants_syntax else None  # guarded
                return Analysis(self._events((problem,) if problem else (), standards))
        else:
            triggered = standards
        # The guard before any libcst parse, whole or sliced (a slice only blanks whole
        # definitions of this text, so what the guard accepts here it would accept there).
        # It loads with the first triggered file, like the rest of the parse stage.
        from resilint.engine.guard import estimated_seconds, scan

        verdict = scan(text)
        if verdict.refusal is not None:
            return self._parse_failure(refusal_failure(text, verdict.refusal), standards)
        if self.inprocess_seconds is not None:
            estimate = estimated_seconds(len(text), verdict)
            if estimate > self.inprocess_seconds:
                raise NeedsIsolation(estimate)
        try:
            return self._analyze_parsed(src, text, standards, triggered, changed, provenance)
        except RecursionError:  # names, rules or positions recursing on a deep tree
            return self._not_analysed("too deeply nested to check (recursion limit)", standards)

    def _analyze_parsed(
        self,
        src: SourceFile,
        text: str,
        standards: tuple[Standard, ...],
        triggered: tuple[Standard, ...],
        changed: frozenset[int] | None,
        provenance: LineProvenance | None,
    ) -> Analysis:
        # The modules from here on load with the first file that triggers a rule: a run
        # whose files trigger none never imports them (nor libcst).
        from resilint.engine.context import FileContext
        from resilint.engine.names import NameResolver
        from resilint.engine.positions import spans_of
        from resilint.engine.traversal import Traversal
        from resilint.engine.walk import walk
        from resilint.fix.plan import Locator, planned_nodes, resolved
        from resilint.provenance.blast import regions_of

        module, parsed_text, tree = None, text, None
        if self.prefilter and changed is None:
            module, parsed_text, tree = self._parse_slice(text, triggered)
        if module is None:
            parsed = parse(text)
            if isinstance(parsed, ParseFailure):
                return self._parse_failure(parsed, standards)
            module = parsed
        context = FileContext(
            path=src.path,
            file=src.file,
            source=text,
            module=module,
            config=self.config,
            names=NameResolver(module),
            today=self.today,
            changed=changed,
            provenance=provenance,
            revisions=self.revisions if changed is not None else None,
        )
        rules = [self.ruleset.kind_of(s)(s, context) for s in triggered]
        traversal = Traversal(module, context.names, rules)
        try:
            walk(module, traversal.enter, traversal.leave)
            traversal.finish()
        except RecursionError:
            return self._not_analysed("too deeply nested to check (recursion limit)", standards)
        raw = list(context.findings)
        crashed = self._event_code(RULE_CRASHED, standards)
        if crashed is not None:
            standard = self.ruleset.standards[crashed]
            raw.extend(RawFinding(standard, c.node, c.message()) for c in traversal.crashes)
        # Fixes are planned on nodes and resolved here into edits of the original text
        # (resilint.fix.plan): the tree may be a slice, its positions are the file's.
        planned = planned_nodes(r.fix for r in raw)
        try:
            spans = spans_of(
                module, [*(r.node for r in raw), *planned], statement_of=traversal.statement_of, text=parsed_text, tree=tree
            )
        except RecursionError:  # libcst's code generation recurses per nesting level
            return self._not_analysed("too deeply nested to locate findings (recursion limit)", standards)
        locator = Locator(text, spans)
        located = (Located(r.standard.code, spans.get(id(r.node), FILE_START), r.message, resolved(r.fix, locator)) for r in raw)
        regions = None
        if changed and self.config.diff.ai_scope == "function" and provenance is not None:
            if any(provenance.at(line) is not None for line in changed):
                regions = regions_of(module)  # an AI-assisted change: its blast radius is needed
        return Analysis(tuple(located), parsed=True, regions=regions)

    def _parse_failure(self, failure: ParseFailure, standards: tuple[Standard, ...]) -> Analysis:
        if failure.problem is not None:
            return Analysis(self._events((failure.problem,), standards))
        return self._not_analysed(failure.error or "the parser failed", standards, failure.line)

    def _not_analysed(self, reason: str, standards: tuple[Standard, ...], line: int = 1) -> Analysis:
        """Valid Python the engine could not analyse: the not-analysed event when its
        standard is active, else an error line (the file must not look clean)."""
        if self._event_code(NOT_ANALYSED, standards) is None:
            return Analysis(errors=(f"not analysed: {reason}",))
        span = Span(line, 1, line, 1) if line > 1 else FILE_START
        return Analysis(self._events((Located(NOT_ANALYSED, span, not_analysed_message(reason)),), standards))

    def not_analysed_result(self, file: Path, reason: str, display: str | None = None) -> FileResult:
        """The result of a file whose check failed outside this process (a worker
        crashed, ran out of memory or past the time budget: runner.py): the
        not-analysed finding naming ``reason``, never findings of a partial check."""
        shown = display or display_path(file)
        relpath = relative_to_root(file, self.config.root)
        analysis = self._not_analysed(reason, self.ruleset.active_for(relpath))
        if analysis.errors:
            return FileResult(shown, errors=tuple(FileError(shown, e) for e in analysis.errors))
        return self._result(analysis, SourceFile(shown, file, relpath, "", self.config))

    def _recursion_result(self, path: str, file: Path | None, changed: frozenset[int] | None) -> FileResult:
        """A RecursionError outside the analysis proper (suppressions, provenance,
        findings): the file is reported as not analysed, never the run."""
        reason = "too deeply nested to check (recursion limit)"
        relpath = relative_to_root(file if file is not None else Path(path), self.config.root)
        analysis = self._not_analysed(reason, self.ruleset.active_for(relpath))
        if not analysis.errors:
            try:
                return self._result(analysis, SourceFile(path, None, relpath, "", self.config), None, None)
            except RecursionError:
                pass
        return FileResult(path, errors=(FileError(path, f"not analysed: {reason}"),))

    def _event_code(self, event: str, standards: Iterable[Standard]) -> str | None:
        """The code of the active standard whose kind reports ``event``, if any."""
        for standard in standards:
            if self.ruleset.event_of(standard) == event:
                return standard.code
        return None

    def _events(self, items: Iterable[Located], standards: tuple[Standard, ...]) -> tuple[Located, ...]:
        """Engine events (``Located.code`` an event name) as findings of the standards
        that report them; events no active standard reports are dropped."""
        out = []
        for item in items:
            code = self._event_code(item.code, standards)
            if code is not None:
                out.append(Located(code, item.span, item.message, item.fix))
        return tuple(out)

    def _triggered(self, text: str, standards: tuple[Standard, ...]) -> tuple[Standard, ...]:
        """The standards whose triggers occur in ``text`` (prefilter.py)."""
        key = tuple(s.code for s in standards)
        selection = self._triggers.get(key)
        if selection is None:
            declared = [(s.code, self.ruleset.triggers(s)) for s in standards]
            selection = self._triggers[key] = Selection.compile(declared)
        codes = selection.matching(text)
        return tuple(s for s in standards if s.code in codes)

    def warm_up(self) -> None:
        """Compile the prefilter tables of the active standards (with and without the
        AI-only ones: most files' sets), now rather than on first use: the runner calls
        it before forking workers, which then inherit the tables instead of compiling
        them once each (files under per-path overrides compile theirs on first use)."""
        standards = self.ruleset.active
        self._triggered("", standards)
        self._triggered("", tuple(s for s in standards if not s.ai_only))

    def _parse_slice(
        self, text: str, standards: tuple[Standard, ...]
    ) -> tuple[cst.Module | None, str, ast.Module | None]:
        """The file parsed without the definitions none of ``standards`` can look at
        (slicing.py): the module (None when a rule is not sliceable, nothing can be
        left out, or the file does not parse: the full parse then decides), the text
        it was parsed from, and the file's ``ast`` (for positions.py) if it was made."""
        from resilint.engine import ast_cache

        try:
            return self._sliced(text, standards)
        finally:
            ast_cache.forget()

    def _sliced(self, text: str, standards: tuple[Standard, ...]) -> tuple[cst.Module | None, str, ast.Module | None]:
        from resilint.engine import ast_cache  # a kind's sliceable_in may have parsed this text's tree
        from resilint.engine.slicing import relevant_slice

        if len(text) < self.slice_min_chars or not all(self.ruleset.kind_of(s).sliceable_in(text) for s in standards):
            return None, text, None
        key = tuple(s.code for s in standards)
        prefilter = self._slice_filters.get(key)
        if prefilter is None:
            triggers = (t for s in standards for t in self.ruleset.triggers(s) or ())
            prefilter = self._slice_filters[key] = Prefilter.compile(triggers, per_definition=True)
        try:
            tree = ast_cache.parse(text)
        except Exception:  # SyntaxError, RecursionError, MemoryError: the full parse reports it
            return None, text, None
        try:
            sliced = relevant_slice(text, tree, prefilter)
            return (cst.parse_module(sliced), sliced, tree) if sliced is not None else (None, text, tree)
        except Exception:  # libcst's errors: the full parse decides
            return None, text, tree

    def _may_be_ai(self, src: SourceFile) -> bool:
        """Whether any provenance source could mark a line of this file AI-assisted.
        Sources answer cheaply with ``may_have_ai_lines``; one without it means "maybe".
        Asked before the analysis and again for the findings: answered once per file."""
        last = self._last_ai_answer
        if last[0] is src:
            return last[1]
        answer = self._ask_may_be_ai(src)
        self._last_ai_answer = (src, answer)
        return answer

    def _ask_may_be_ai(self, src: SourceFile) -> bool:
        for source in self.provenance_sources:
            check = getattr(source, "may_have_ai_lines", None)
            try:
                if check is None or check(src):
                    return True
            except Exception:
                return True
        return False

    # -- what a cached result depends on ---------------------------------------------

    def _fingerprint(self) -> str:
        """Run-wide inputs: plugin versions, the date (expiry rules), the configuration
        file, every standard with its parameters. What the kinds read besides (and
        libcst's version) is part of a file's key only when the file triggers them
        (:meth:`_kind_inputs`): a run whose files trigger nothing imports no kind."""
        parts = [f"{k}={v}" for k, v in sorted(self.ruleset.plugin_versions.items())]
        parts.append(self.today.isoformat())
        parts.append(f"config:{file_digest(self.config.path)}")
        for code in sorted(self.ruleset.standards):
            standard = self.ruleset.standards[code]
            parts.append(json.dumps([code, standard.check, dict(standard.params)], sort_keys=True, default=str))
        return fingerprint(parts)

    def _kind_inputs(self, triggered: tuple[Standard, ...]) -> list[str]:
        """Run-wide inputs of the triggered standards' kinds (Rule.cache_inputs and the
        digests of Rule.input_files), once per standard per run, and libcst's version."""
        if not triggered:
            return []
        parts = [f"libcst={getattr(cst, '__version__', '?')}"]
        for standard in triggered:
            inputs = self._standard_inputs.get(standard.code)
            if inputs is None:
                kind = self.ruleset.kind_of(standard)
                inputs = (
                    standard.code,
                    kind.cache_inputs(standard, self.config),
                    *(f"{path}:{file_digest(path)}" for path in kind.input_files(standard, self.config)),
                )
                self._standard_inputs[standard.code] = inputs
            parts.extend(inputs)
        return parts

    def _file_inputs(self, src: SourceFile, standards: tuple[Standard, ...]) -> list[str]:
        """Per-file inputs of the triggered kinds: declared strings and the contents of
        the related files (the file's result depends on them)."""
        parts: list[str] = []
        related: dict[Path, None] = {}  # many migration standards name the same siblings: hash each once
        for standard in standards:
            kind = self.ruleset.kind_of(standard)
            extra = kind.file_cache_inputs(standard, self.config, src.file)
            if extra:
                parts.append(extra)
            related.update(dict.fromkeys(kind.related_files(standard, self.config, src.file)))
        parts.extend(f"{path}:{related_digest(path)}" for path in related)
        return parts

    # -- from an analysis to findings -------------------------------------------------

    def _result(
        self,
        analysis: Analysis,
        src: SourceFile,
        provenance: LineProvenance | None = None,
        changed: frozenset[int] | None = None,
    ) -> FileResult:
        def provenance_for() -> LineProvenance:
            return provenance if provenance is not None else LineProvenance(self.provenance_sources, src)

        return self.builder.result(analysis, src, provenance_for, lambda: self._may_be_ai(src), changed)
