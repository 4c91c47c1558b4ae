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


def _builtin() -> dict[str, type[Reporter]]:
    from resilint.report.full import FullReporter
    from resilint.report.github import GithubReporter
    from resilint.report.gitlab import GitlabReporter
    from resilint.report.json import JsonReporter
    from resilint.report.markdown import MarkdownReporter
    from resilint.report.sarif import SarifReporter
    from resilint.report.text import TextReporter

    return {
        "text": TextReporter,
        "full": FullReporter,
        "json": JsonReporter,
        "sarif": SarifReporter,
        "github": GithubReporter,
        "gitlab": GitlabReporter,
        "markdown": MarkdownReporter,
    }


BUILTIN_REPORTERS = _builtin()
