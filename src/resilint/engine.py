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
import io
import tokenize
from collections.abc import Iterable
from pathlib import Path

import libcst as cst

from resilint.blast import ChangeScope, change_scope
from resilint.config import Config
from resilint.context import FileContext
from resilint.model import FileError, FileResult, Finding, Provenance, Span
from resilint.names import NameResolver
from resilint.paths import display_path, relative_to_root
from resilint.policy import effective_severity
from resilint.positions import spans_of
from resilint.provenance import LineProvenance, SourceFile
from resilint.rule import RawFinding, Rule
from resilint.ruleset import Ruleset, ruleset_for
from resilint.standards import Standard
from resilint.suppress import NONE as NO_SUPPRESSIONS
from resilint.suppress import Suppressions, might_suppress, parse_suppressions

SYNTAX_ERROR = "REL001"
RULE_CRASHED = "REL002"
UNJUSTIFIED_SUPPRESSION = "REL903"


class _Traversal(cst.CSTVisitor):
    """One walk over the tree: the name resolver first, then every rule's visitor
    methods. A rule that raises is disabled for the rest of the file and reported
    as REL002; the others carry on."""

    def __init__(self, names: NameResolver, rules: list[Rule]) -> None:
        super().__init__()
        self.names = names
        self.rules = rules
        self.crashes: list[tuple[Rule, BaseException, cst.CSTNode]] = []
        self._table = self._build_table(rules)

    @staticmethod
    def _build_table(rules: Iterable[Rule]) -> dict[str, list[tuple[Rule, object]]]:
        table: dict[str, list[tuple[Rule, object]]] = {}
        for rule in rules:
            for name in rule.visitor_method_names():
                table.setdefault(name, []).append((rule, getattr(rule, name)))
        return table

    def _call(self, prefix: str, node: cst.CSTNode) -> None:
        for rule, method in self._table.get(prefix + type(node).__name__, ()):
            try:
                method(node)  # type: ignore[operator]
            except RecursionError:
                raise
            except Exception as exc:
                self._disable(rule, exc, node)

    def _disable(self, rule: Rule, exc: BaseException, node: cst.CSTNode) -> None:
        self.crashes.append((rule, exc, node))
        self.rules = [r for r in self.rules if r is not rule]
        self._table = self._build_table(self.rules)

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.names.enter(node)
        self._call("visit_", node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._call("leave_", original_node)
        self.names.leave(original_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass  # rules do not use per-attribute hooks; skipping the lookup is measurably faster

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass

    def finish(self) -> None:
        for rule in list(self.rules):
            try:
                rule.finish()
            except Exception as exc:
                self._disable(rule, exc, rule.context.module)


def decode_source(data: bytes) -> str:
    """Decode Python source like the interpreter: BOM, then encoding cookie, else UTF-8.
    Raises ``SyntaxError`` (bad cookie) or ``UnicodeDecodeError``."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


class Engine:
    """Checks sources against the active standards of one configuration."""

    def __init__(self, config: Config, ruleset: Ruleset | None = None) -> None:
        self.config = config
        self.ruleset = ruleset or ruleset_for(config)
        self.provenance_sources = self.ruleset.provenance_sources
        self.today = config.today or dt.date.today()
        for standard in self.ruleset.active:  # run-wide inputs: errors surface before any work
            self.ruleset.kind_of(standard).prepare(standard, config)

    # -- entry points -------------------------------------------------------------

    def check_file(self, file: Path, display: str | None = None, *, changed: frozenset[int] | None = None) -> FileResult:
        shown = display or display_path(file)
        try:
            data = file.read_bytes()
        except IsADirectoryError:
            return FileResult(shown, errors=(FileError(shown, "is a directory, not a Python file"),))
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
        if isinstance(source, bytes):
            try:
                text = decode_source(source)
            except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
                return self._unparseable(path, file, 1, 1, f"cannot decode: {exc}")
        else:
            text = source[1:] if source.startswith("\ufeff") else source
        relpath = relative_to_root(file if file is not None else Path(path), self.config.root)
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            return self._unparseable(path, file, line, 1, "contains null bytes (binary file?)", text)
        suppressions = parse_suppressions(text) if might_suppress(text) else NO_SUPPRESSIONS
        if suppressions.skip_file:
            return FileResult(path)
        standards = self.ruleset.active_for(relpath)
        if not standards:
            return FileResult(path)
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            line, column, message = _syntax_error(text, exc)
            return self._unparseable(path, file, line, column, message, text)
        except RecursionError:
            return self._unparseable(path, file, 1, 1, "too deeply nested to parse", text)
        context = FileContext(
            path=path,
            file=file,
            source=text,
            module=module,
            config=self.config,
            names=NameResolver(module),
            today=self.today,
            changed=changed,
            provenance=LineProvenance(self.provenance_sources, SourceFile(path, file, relpath, text, self.config)),
        )
        rules = [self.ruleset.kind_of(s)(s, context) for s in standards]
        traversal = _Traversal(context.names, rules)
        try:
            module.visit(traversal)
            traversal.finish()
        except RecursionError:
            return FileResult(path, errors=(FileError(path, "too deeply nested to check (recursion limit)"),))
        raw = list(context.findings)
        crash_standard = self.ruleset.standards.get(RULE_CRASHED)
        if crash_standard is not None and crash_standard in standards:
            raw.extend(_crash_finding(crash_standard, rule, exc, node) for rule, exc, node in traversal.crashes)
        return FileResult(path, tuple(self._finalize(raw, context, relpath, suppressions)))

    # -- from raw findings to findings -------------------------------------------

    def _finalize(
        self,
        raw: list[RawFinding],
        context: FileContext,
        relpath: str | None,
        suppressions: Suppressions,
    ) -> list[Finding]:
        if not raw and not suppressions.by_line:
            return []
        provenance = context.provenance or LineProvenance(
            self.provenance_sources,
            SourceFile(context.path, context.file, relpath, context.source, self.config),
        )
        scope: ChangeScope | None = None
        if context.changed is not None:
            is_ai = lambda line: provenance.at(line) is not None  # noqa: E731
            scope = change_scope(context.module, context.changed, is_ai, self.config.diff.ai_scope)
        spans = spans_of(context.module, [r.node for r in raw])
        findings: list[Finding] = []
        unjustified: set[int] = set()
        for item in raw:
            span = spans.get(id(item.node), Span(1, 1, 1, 1))
            if scope is not None and not scope.touches(span):
                continue  # diff mode: not part of the change
            line_provenance = provenance.at(span.line)
            if item.standard.ai_only and line_provenance is None:
                continue
            suppression = suppressions.matching(span.line, item.standard.code)
            if suppression is not None:
                if line_provenance is None or suppression.reason:
                    continue
                unjustified.add(suppression.line)  # on an AI line a bare suppression is not honoured
            findings.append(self._finding(item.standard, span, item.message, relpath, context.path, line_provenance, item.fix))
        unjustified_findings = self._unjustified_suppressions(suppressions, provenance, relpath, context.path)
        findings.extend(f for f in unjustified_findings if scope is None or scope.touches(f.span))
        findings.sort(key=Finding.sort_key)
        return findings

    def _unjustified_suppressions(
        self, suppressions: Suppressions, provenance: LineProvenance, relpath: str | None, path: str
    ) -> Iterable[Finding]:
        standard = self.ruleset.standards.get(UNJUSTIFIED_SUPPRESSION)
        if standard is None or standard not in self.ruleset.active_for(relpath):
            return
        for suppression in suppressions.all():
            if suppression.reason:
                continue
            line_provenance = provenance.at(suppression.line)
            if line_provenance is None:
                continue
            span = Span(suppression.line, suppression.column, suppression.line, suppression.column + len(suppression.comment))
            message = f"suppression {suppression.comment.strip()!r} on an AI-assisted line has no reason; add one after '--'"
            yield self._finding(standard, span, message, relpath, path, line_provenance, None)

    def _finding(
        self,
        standard: Standard,
        span: Span,
        message: str,
        relpath: str | None,
        path: str,
        provenance: Provenance | None,
        fix: object,
    ) -> Finding:
        escalate, _tier = self.ruleset.escalation(relpath)
        severity = effective_severity(
            standard,
            ai_assisted=provenance is not None,
            override=self.ruleset.severity_override(standard.code, relpath),
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
            path=path,
            span=span,
            message=message,
            provenance=provenance,
            fix=fix,  # type: ignore[arg-type]
        )

    def _unparseable(
        self, path: str, file: Path | None, line: int, column: int, message: str, text: str = ""
    ) -> FileResult:
        standard = self.ruleset.standards.get(SYNTAX_ERROR)
        relpath = relative_to_root(file if file is not None else Path(path), self.config.root)
        if standard is None or standard not in self.ruleset.active_for(relpath):
            return FileResult(path, errors=(FileError(path, message),))
        span = Span(line, column, line, column + 1)
        provenance = LineProvenance(self.provenance_sources, SourceFile(path, file, relpath, text, self.config))
        return FileResult(path, (self._finding(standard, span, message, relpath, path, provenance.at(line), None),))


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
