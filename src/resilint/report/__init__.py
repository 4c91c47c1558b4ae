"""Output formats. Each reporter renders a whole :class:`~resilint.model.Report`;
plugins add formats through ``resilint_reporters``."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, ClassVar

from resilint.model import Report

if TYPE_CHECKING:
    from resilint.config.ruleset import Ruleset


class Reporter:
    """Base class of output formats."""

    name: ClassVar[str] = ""

    def __init__(self, *, color: bool = False, ruleset: Ruleset | None = None) -> None:
        self.color = color
        self.ruleset = ruleset

    def render(self, report: Report, out: IO[str]) -> None:
        raise NotImplementedError


class DeferredReporter:
    """A built-in output format, imported when a run renders with it: importing
    all of them cost every run more than the one it uses (the markdown format
    alone pulls in provenance). Called like the class it stands for."""

    def __init__(self, module: str, class_name: str) -> None:
        self.module = module
        self.class_name = class_name

    def load(self) -> type[Reporter]:
        import importlib

        reporter: type[Reporter] = getattr(importlib.import_module(self.module), self.class_name)
        return reporter

    def __call__(self, *, color: bool = False, ruleset: Ruleset | None = None) -> Reporter:
        return self.load()(color=color, ruleset=ruleset)

    def __repr__(self) -> str:
        return f"{self.module}:{self.class_name}"


BUILTIN_REPORTERS: dict[str, DeferredReporter] = {
    "text": DeferredReporter("resilint.report.text", "TextReporter"),
    "full": DeferredReporter("resilint.report.full", "FullReporter"),
    "json": DeferredReporter("resilint.report.json", "JsonReporter"),
    "sarif": DeferredReporter("resilint.report.sarif", "SarifReporter"),
    "github": DeferredReporter("resilint.report.github", "GithubReporter"),
    "gitlab": DeferredReporter("resilint.report.gitlab", "GitlabReporter"),
    "markdown": DeferredReporter("resilint.report.markdown", "MarkdownReporter"),
}
