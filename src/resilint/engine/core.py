"""Parse once, visit once with every active rule batched, collect findings.

A finding's life: a rule calls ``report(node, message)`` during the single
traversal (:class:`_Traversal`); after it, positions are computed for the
reported nodes only (:mod:`resilint.positions`), then suppressions,
provenance and the severity policy turn each raw finding into a
:class:`~resilint.model.Finding`.
"""

from __future__ import annotations

import ast
import datetime as dt
import gc
import io
import json
import stat
import tokenize
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import libcst as cst

from resilint.engine.analysis import Analysis, Located
from resilint.provenance.blast import change_scope, regions_of
from resilint.engine.cache import ResultCache, cache_dir, file_digest, fingerprint
from resilint.config.settings import Config
from resilint.engine.context import FileContext
from resilint.model import FileError, FileResult, Finding, Fix, Provenance, Span
from resilint.engine.names import NameResolver
from resilint.paths import display_path, relative_to_root
from resilint.engine.policy import effective_severity
from resilint.engine.positions import spans_of
from resilint.engine.prefilter import Prefilter, Selection
from resilint.provenance.sources import LineProvenance, SourceFile
from resilint.rule import RawFinding, Rule
from resilint.config.ruleset import Ruleset, ruleset_for
from resilint.engine.slicing import relevant_slice
from resilint.config.standards import Standard
from resilint.engine.suppressions import NONE as NO_SUPPRESSIONS
from resilint.engine.walk import walk
from resilint.engine.suppressions import Suppressions, might_suppress, parse_suppressions, skip_file_marker

# Larger files are reported, not checked: libcst would take minutes on them.
MAX_FILE_BYTES = 20_000_000
# Smaller files are parsed whole: slicing (ast.parse + the closure) would cost more than it saves.
SLICE_MIN_CHARS = 2_000

SYNTAX_ERROR = "REL001"
RULE_CRASHED = "REL002"
UNJUSTIFIED_SUPPRESSION = "REL903"


class _Traversal:
    """One walk over the tree (:func:`resilint.engine.walk.walk`): the name resolver first,
    then every rule's visitor methods. A rule that raises is disabled for the rest
    of the file and reported as REL002; the others carry on."""

    def __init__(self, module: cst.Module, names: NameResolver, rules: list[Rule]) -> None:
        self.names = names
        self.rules = rules
        self.crashes: list[tuple[Rule, BaseException, cst.CSTNode]] = []
        # id(node) -> index of the top-level statement it is in: positions.py then
        # generates code for the statements with findings only.
        self.statement_of: dict[int, int] = {}
        self._statements = {id(statement): index for index, statement in enumerate(module.body)}
        self._current = -1
        self._build_tables()

    def _build_tables(self) -> None:
        by_name: dict[str, list[tuple[Rule, object]]] = {}
        for rule in self.rules:
            for name in rule.visitor_method_names():
                by_name.setdefault(name, []).append((rule, getattr(rule, name)))
        self._by_name = by_name
        # Per node type, filled on first sight: no string building per node.
        self._visits: dict[type, list[tuple[Rule, object]]] = {}
        self._leaves: dict[type, list[tuple[Rule, object]]] = {}

    def _call(self, methods: list[tuple[Rule, object]], node: cst.CSTNode) -> None:
        for rule, method in methods:
            try:
                method(node)  # type: ignore[operator]
            except RecursionError:
                raise
            except Exception as exc:
                self._disable(rule, exc, node)

    def _disable(self, rule: Rule, exc: BaseException, node: cst.CSTNode) -> None:
        self.crashes.append((rule, exc, node))
        self.rules = [r for r in self.rules if r is not rule]
        self._build_tables()

    def enter(self, node: cst.CSTNode) -> None:
        self._current = self._statements.get(id(node), self._current)
        if self._current >= 0:
            self.statement_of[id(node)] = self._current
        self.names.enter(node)
        node_type = type(node)
        methods = self._visits.get(node_type)
        if methods is None:
            methods = self._visits[node_type] = self._by_name.get("visit_" + node_type.__name__, [])
        if methods:
            self._call(methods, node)

    def leave(self, node: cst.CSTNode) -> None:
        node_type = type(node)
        methods = self._leaves.get(node_type)
        if methods is None:
            methods = self._leaves[node_type] = self._by_name.get("leave_" + node_type.__name__, [])
        if methods:
            self._call(methods, node)
        self.names.leave(node)
        if id(node) in self._statements:
            self._current = -1  # the module's header and footer comments follow the body

    def finish(self) -> None:
        for rule in list(self.rules):
            try:
                rule.finish()
            except Exception as exc:
                self._disable(rule, exc, rule.context.module)


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


def decode_source(data: bytes) -> str:
    """Decode Python source like the interpreter: BOM, then encoding cookie, else UTF-8.
    Raises ``SyntaxError`` (bad cookie) or ``UnicodeDecodeError``."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


class Engine:
    """Checks sources against the active standards of one configuration.

    ``check_source`` = read the text -> :meth:`analyze` (content-only, cacheable:
    prefilter, parse, one traversal, spans) -> :meth:`_finalize` (suppressions,
    provenance, severity policy).
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
        # noqa=False: ``# noqa`` comments are left to the host (flake8 applies them
        # itself, and --disable-noqa must work); ``# resilint: ignore`` still applies
        # and a bare noqa on an AI-assisted line is still REL903.
        self.noqa = noqa
        self.ruleset = ruleset or ruleset_for(config)
        self.provenance_sources = self.ruleset.provenance_sources
        self.today = config.today or dt.date.today()
        self.prefilter = prefilter
        self.cache = ResultCache(cache_dir(config.root), self._fingerprint()) if cache else None
        self._triggers: dict[tuple[str, ...], Selection[str]] = {}
        self._slice_filters: dict[tuple[str, ...], Prefilter] = {}
        self.slice_min_chars = SLICE_MIN_CHARS
        for standard in self.ruleset.active:  # run-wide inputs: errors surface before any work
            self.ruleset.kind_of(standard).prepare(standard, config)

    # -- entry points -------------------------------------------------------------

    def check_file(self, file: Path, display: str | None = None, *, changed: frozenset[int] | None = None) -> FileResult:
        """Check one file; never raises: an unexpected failure is an error naming the file."""
        shown = display or display_path(file)
        try:
            return self._check_file(file, shown, changed)
        except Exception as exc:  # a bug of ours must cost one file, not the run
            return FileResult(shown, errors=(FileError(shown, f"internal error while checking: {type(exc).__name__}: {exc}"),))

    def _check_file(self, file: Path, shown: str, changed: frozenset[int] | None) -> FileResult:
        try:
            info = file.stat()
            if stat.S_ISDIR(info.st_mode):
                return FileResult(shown, errors=(FileError(shown, "is a directory, not a Python file"),))
            if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
                return FileResult(shown, errors=(FileError(shown, "not a regular file"),))
            if info.st_size > MAX_FILE_BYTES:
                size = info.st_size / 1_000_000
                limit = MAX_FILE_BYTES // 1_000_000
                return FileResult(shown, errors=(FileError(shown, f"too large to check ({size:.0f} MB; the limit is {limit} MB)"),))
            data = file.read_bytes()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return FileResult(shown, errors=(FileError(shown, f"cannot read: {reason}"),))
        return self.check_source(data, shown, file=file, changed=changed)

    def check_source(
        self, source: str | bytes, path: str, *, file: Path | None = None, changed: frozenset[int] | None = None
    ) -> FileResult:
        """Check one file's contents. ``path`` is how it is shown; ``file`` the real
        file, if any (for the config root, provenance and git). ``changed``: in
        ``--diff``/``--staged`` mode, the changed lines; only findings on them (or,
        for AI-assisted changes, on their blast radius) are kept."""
        relpath = relative_to_root(file if file is not None else Path(path), self.config.root)
        text, problem = _read_text(source)
        src = SourceFile(path, file, relpath, text, self.config)
        if problem is not None:
            return self._finalize(Analysis((problem,)), src)
        if "skip-file" in text and skip_file_marker(text):
            return FileResult(path)
        standards = self.ruleset.active_for(relpath)
        if any(s.ai_only for s in standards) and not self._may_be_ai(src):
            standards = tuple(s for s in standards if not s.ai_only)
        if changed is None:
            with _collector_paused():
                analysis = self.analyze(src, standards)
            return self._finalize(analysis, src)
        # Diff mode bypasses the cache: REL306 and the blast radius depend on the
        # changed lines and their provenance, not on the content alone.
        provenance = LineProvenance(self.provenance_sources, src)
        with _collector_paused():
            analysis = self._analyze(src, standards, changed, provenance)
        return self._finalize(analysis, src, provenance, changed)

    def analyze(self, src: SourceFile, standards: tuple[Standard, ...]) -> Analysis:
        """The content-only part of a check, through the cache when there is one."""
        if self.cache is None:
            return self._analyze(src, standards)
        extra = (self.ruleset.kind_of(s).file_cache_inputs(s, self.config, src.file) for s in standards)
        key = self.cache.key(src.text, src.relpath, (*(s.code for s in standards), *(e for e in extra if e)))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        analysis = self._analyze(src, standards)
        self.cache.put(key, analysis)
        return analysis

    # -- analysis -------------------------------------------------------------------

    def _analyze(
        self,
        src: SourceFile,
        standards: tuple[Standard, ...],
        changed: frozenset[int] | None = None,
        provenance: LineProvenance | None = None,
    ) -> Analysis:
        text = src.text
        codes = {s.code for s in standards}
        if not standards:
            return Analysis()
        if self.prefilter and changed is None:
            # Only the rules whose triggers occur can fire (prefilter.py): the others
            # are not run, and with none left libcst is skipped, but a file that does
            # not parse is still reported (CPython's parser is ~10x cheaper than libcst's).
            standards = self._triggered(text, standards)
            if not standards:
                problem = _cpython_syntax_error(text) if SYNTAX_ERROR in codes else None
                if problem is not None and _may_be_newer_syntax(problem) and _libcst_accepts(text):
                    problem = None  # newer syntax than this Python's (t-strings on 3.11): libcst reads it
                return Analysis((problem,) if problem else ())
        module, parsed_text, tree = None, text, None
        if self.prefilter and changed is None:
            module, parsed_text, tree = self._parse_slice(text, standards)
        try:
            module = module or cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            return Analysis((_syntax_finding(text, exc),) if SYNTAX_ERROR in codes else ())
        except RecursionError:
            return Analysis(errors=("too deeply nested to parse",))
        except Exception as exc:  # libcst itself failing (e.g. CSTLogicError on syntax newer than it knows)
            problem = _cpython_syntax_error(text) or Located(
                SYNTAX_ERROR, _FILE_START, f"libcst cannot parse this file ({type(exc).__name__}: {exc})"
            )
            return Analysis((problem,)) if SYNTAX_ERROR in codes else Analysis(errors=(problem.message,))
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
        )
        rules = [self.ruleset.kind_of(s)(s, context) for s in standards]
        traversal = _Traversal(module, context.names, rules)
        try:
            walk(module, traversal.enter, traversal.leave)
            traversal.finish()
        except RecursionError:
            return Analysis(errors=("too deeply nested to check (recursion limit)",), parsed=True)
        raw = list(context.findings)
        if RULE_CRASHED in codes:
            crashed = self.ruleset.standards[RULE_CRASHED]
            raw.extend(_crash_finding(crashed, rule, exc, node) for rule, exc, node in traversal.crashes)
        try:
            spans = spans_of(module, [r.node for r in raw], statement_of=traversal.statement_of, text=parsed_text, tree=tree)
        except RecursionError:  # libcst's code generation recurses per nesting level
            return Analysis(errors=("too deeply nested to locate findings (recursion limit)",), parsed=True)
        located = (Located(r.standard.code, spans.get(id(r.node), _FILE_START), r.message, r.fix) for r in raw)
        regions = None
        if changed and self.config.diff.ai_scope == "function" and provenance is not None:
            if any(provenance.at(line) is not None for line in changed):
                regions = regions_of(module)  # an AI-assisted change: its blast radius is needed
        return Analysis(tuple(located), parsed=True, regions=regions)

    def _triggered(self, text: str, standards: tuple[Standard, ...]) -> tuple[Standard, ...]:
        """The standards whose triggers occur in ``text`` (prefilter.py)."""
        key = tuple(s.code for s in standards)
        selection = self._triggers.get(key)
        if selection is None:
            declared = [(s.code, self.ruleset.kind_of(s).triggers_for(s, self.config)) for s in standards]
            selection = self._triggers[key] = Selection.compile(declared)
        codes = selection.matching(text)
        return tuple(s for s in standards if s.code in codes)

    def _parse_slice(
        self, text: str, standards: tuple[Standard, ...]
    ) -> tuple[cst.Module | None, str, ast.Module | None]:
        """The file parsed without the definitions none of ``standards`` can look at
        (slicing.py): the module (None when a rule is not sliceable, nothing can be
        left out, or the file does not parse: the full parse then decides), the text
        it was parsed from, and the file's ``ast`` (for positions.py) if it was made."""
        if len(text) < self.slice_min_chars or not all(self.ruleset.kind_of(s).sliceable_in(text) for s in standards):
            return None, text, None
        key = tuple(s.code for s in standards)
        prefilter = self._slice_filters.get(key)
        if prefilter is None:
            triggers = (t for s in standards for t in self.ruleset.kind_of(s).triggers_for(s, self.config) or ())
            prefilter = self._slice_filters[key] = Prefilter.compile(triggers, per_definition=True)
        try:
            tree = ast.parse(text)
        except Exception:  # SyntaxError, RecursionError, MemoryError: the full parse reports it
            return None, text, None
        try:
            sliced = relevant_slice(text, tree, prefilter)
            return (cst.parse_module(sliced), sliced, tree) if sliced is not None else (None, text, tree)
        except Exception:  # libcst's errors: the full parse decides
            return None, text, tree

    def _may_be_ai(self, src: SourceFile) -> bool:
        """Whether any provenance source could mark a line of this file AI-assisted.
        Sources answer cheaply with ``may_have_ai_lines``; one without it means "maybe"."""
        for source in self.provenance_sources:
            check = getattr(source, "may_have_ai_lines", None)
            try:
                if check is None or check(src):
                    return True
            except Exception:
                return True
        return False

    def _fingerprint(self) -> str:
        parts = [f"{k}={v}" for k, v in sorted(self.ruleset.plugin_versions.items())]
        parts.append(getattr(cst, "__version__", "?"))
        parts.append(self.today.isoformat())
        for code in sorted(self.ruleset.standards):
            standard = self.ruleset.standards[code]
            kind = self.ruleset.kind_of(standard)
            parts.append(json.dumps([code, standard.check, dict(standard.params)], sort_keys=True, default=str))
            parts.append(kind.cache_inputs(standard, self.config))
        parts.append(json.dumps(self.config.flags.evaluators, sort_keys=True, default=str))
        parts.append(file_digest(self.config.flags.manifest))
        for name in ("pyproject.toml", "uv.lock", "poetry.lock", *sorted(p.name for p in self.config.root.glob("requirements*.txt"))):
            parts.append(f"{name}:{file_digest(self.config.root / name)}")
        return fingerprint(parts)

    # -- from an analysis to findings -------------------------------------------------

    def _finalize(
        self,
        analysis: Analysis,
        src: SourceFile,
        provenance: LineProvenance | None = None,
        changed: frozenset[int] | None = None,
    ) -> FileResult:
        errors = tuple(FileError(src.path, e) for e in analysis.errors)
        # Suppressions matter only for findings, or for REL903 on AI-assisted lines;
        # tokenizing for comments is skipped otherwise.
        if not might_suppress(src.text):
            if not analysis.findings:
                return FileResult(src.path, errors=errors)
            suppressions = NO_SUPPRESSIONS
        elif analysis.findings or self._rel903_possible(src):
            suppressions = parse_suppressions(src.text)
        else:
            return FileResult(src.path, errors=errors)
        provenance = provenance if provenance is not None else LineProvenance(self.provenance_sources, src)
        scope = None
        if changed is not None:
            scope = change_scope(analysis.regions, changed, lambda line: provenance.at(line) is not None)
        findings: list[Finding] = []
        for item in analysis.findings:
            standard = self.ruleset.standards.get(item.code)
            if standard is None:
                continue
            if scope is not None and item.code != SYNTAX_ERROR and not scope.touches(item.span):
                continue  # diff mode: not part of the change (a file that does not parse always is)
            line_provenance = provenance.at(item.span.line)
            if standard.ai_only and line_provenance is None:
                continue
            suppression = suppressions.matching(item.span.line, standard.code)
            if suppression is not None and not self.noqa and suppression.is_noqa:
                suppression = None
            if suppression is not None and (line_provenance is None or suppression.reason):
                continue  # on an AI line a bare suppression is not honoured (REL903 below)
            findings.append(self._finding(standard, item.span, item.message, src, line_provenance, item.fix))
        unjustified = self._unjustified_suppressions(suppressions, provenance, src)
        findings.extend(f for f in unjustified if scope is None or scope.touches(f.span))
        findings.sort(key=Finding.sort_key)
        return FileResult(src.path, tuple(findings), errors)

    def _rel903_possible(self, src: SourceFile) -> bool:
        standard = self.ruleset.standards.get(UNJUSTIFIED_SUPPRESSION)
        return standard is not None and standard in self.ruleset.active_for(src.relpath) and self._may_be_ai(src)

    def _unjustified_suppressions(self, suppressions: Suppressions, provenance: LineProvenance, src: SourceFile) -> Iterable[Finding]:
        standard = self.ruleset.standards.get(UNJUSTIFIED_SUPPRESSION)
        if standard is None or standard not in self.ruleset.active_for(src.relpath):
            return
        for suppression in suppressions.all():
            if suppression.reason:
                continue
            line_provenance = provenance.at(suppression.line)
            if line_provenance is None:
                continue
            span = Span(suppression.line, suppression.column, suppression.line, suppression.column + len(suppression.comment))
            message = f"suppression {suppression.comment.strip()!r} on an AI-assisted line has no reason; add one after '--'"
            yield self._finding(standard, span, message, src, line_provenance, None)

    def _finding(
        self,
        standard: Standard,
        span: Span,
        message: str,
        src: SourceFile,
        provenance: Provenance | None,
        fix: Fix | None,
    ) -> Finding:
        escalate, _tier = self.ruleset.escalation(src.relpath)
        severity = effective_severity(
            standard,
            ai_assisted=provenance is not None,
            override=self.ruleset.severity_override(standard.code, src.relpath),
            escalate=escalate,
        )
        if provenance is not None:
            message = f"{message} [AI-assisted: {provenance.detail}]"
        return Finding(
            code=standard.code,
            name=standard.name,
            category=standard.category,
            severity=severity,
            base_severity=standard.base_severity,
            path=src.path,
            span=span,
            message=message,
            provenance=provenance,
            fix=fix,
        )


_FILE_START = Span(1, 1, 1, 1)


def _read_text(source: str | bytes) -> tuple[str, Located | None]:
    """Decode like the interpreter (BOM, then encoding cookie, else UTF-8); a file
    that cannot be decoded or holds null bytes is one REL001 finding."""
    if isinstance(source, bytes):
        try:
            text = decode_source(source)
        except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
            return "", Located(SYNTAX_ERROR, Span(1, 1, 1, 2), f"cannot decode: {exc}")
    else:
        text = source[1:] if source.startswith("\ufeff") else source
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return text, Located(SYNTAX_ERROR, Span(line, 1, line, 2), "contains null bytes (binary file?)")
    return text, None


def _cpython_syntax_error(text: str) -> Located | None:
    try:
        ast.parse(text)
    except SyntaxError as err:
        line, column = err.lineno or 1, max(1, err.offset or 1)
        return Located(SYNTAX_ERROR, Span(line, column, line, column + 1), f"cannot parse: {err.msg}")
    except (ValueError, RecursionError, MemoryError) as err:
        return Located(SYNTAX_ERROR, _FILE_START, f"cannot parse: {type(err).__name__}")
    return None


def _may_be_newer_syntax(problem: Located) -> bool:
    """A plain syntax error, not a parser limit (``too many nested parentheses``,
    recursion, memory): only then is libcst asked (on pathological nesting it would
    be slow, and fail the same way)."""
    message = problem.message
    return not any(limit in message for limit in ("too many", "too deeply", "RecursionError", "MemoryError", "ValueError"))


def _libcst_accepts(text: str) -> bool:
    try:
        cst.parse_module(text)
    except Exception:
        return False
    return True


def _syntax_finding(text: str, exc: cst.ParserSyntaxError) -> Located:
    line, column, message = _syntax_error(text, exc)
    return Located(SYNTAX_ERROR, Span(line, column, line, column + 1), message)


def _syntax_error(text: str, exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """Where and why a file does not parse. CPython's parser (``ast.parse`` only
    parses, it never executes) gives the precise position and a readable message;
    libcst's own error is the fallback when CPython accepts what libcst cannot."""
    try:
        ast.parse(text)
    except SyntaxError as err:
        line = err.lineno or 1
        return line, max(1, err.offset or 1), f"cannot parse: {err.msg}"
    except (ValueError, RecursionError, MemoryError):
        pass
    first = str(exc.message).strip().splitlines()[0]
    return exc.editor_line, exc.editor_column, f"cannot parse: {first}"


def _crash_finding(standard: Standard, rule: Rule, exc: BaseException, node: cst.CSTNode) -> RawFinding:
    crashed = rule.standard
    message = (
        f"rule {crashed.code} ({crashed.name}, check {crashed.check!r}) crashed: "
        f"{type(exc).__name__}: {exc} (it was stopped for this file; the other rules' findings stand)"
    )
    return RawFinding(standard, node, message)
