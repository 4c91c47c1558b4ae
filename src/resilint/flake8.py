"""The flake8 plugin (entry point ``REL`` in ``flake8.extension``).

A thin shell over the engine: flake8 hands us the file's ``lines`` (so stdin
and editors work) and a ``tree`` we never use (flake8 needs the parameter to
classify the plugin as a tree plugin; the engine parses with libcst). We find
``[tool.resilint]`` in the nearest pyproject.toml ourselves, yield findings at
or above ``--resilint-min-severity`` with 0-based columns, and leave ``# noqa``
to flake8 (so ``--disable-noqa`` works and nothing is suppressed twice).

flake8 imports every plugin at start-up, so this module imports only the
standard library; the engine (libcst) is imported on the first file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from resilint import __version__

if TYPE_CHECKING:
    from resilint.api import Linter

SEVERITIES = ("note", "warning", "error")
_STDIN_NAMES = ("stdin", "-", "")


def _linter_for(folder: Path) -> Linter:
    from resilint.api import config_for_folder, linter_for

    return linter_for(config_for_folder(folder), noqa=False)


class ResilintChecker:
    """flake8 calls ``run()`` once per file; each item is (line, col0, text, type)."""

    name: ClassVar[str] = "resilint"
    version: ClassVar[str] = __version__
    min_severity: ClassVar[str] = "warning"

    def __init__(self, tree: Any, lines: list[str], filename: str) -> None:
        del tree  # required by flake8's plugin classification; the engine parses `lines`
        self.lines = lines
        self.filename = filename
        self.is_stdin = filename in _STDIN_NAMES
        self.file = None if self.is_stdin else Path(filename)
        # The configuration is resolved here, not in run(): flake8 wraps this call, so a
        # broken [tool.resilint] is reported as a plugin failure naming file and key.
        folder = Path.cwd() if self.file is None else self.file.parent
        self.linter = _linter_for(folder)

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.add_option(
            "--resilint-min-severity",
            default="warning",
            choices=SEVERITIES,
            parse_from_config=True,
            help=(
                "report resilint findings whose effective severity is at least this "
                "(note, warning, error; default: %(default)s). Findings on AI-assisted "
                "lines are stricter, so a note on a human line is a warning there."
            ),
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        """Validate our option once, in the main process: a bad value (from a config
        file, where flake8 does not apply ``choices``) is one line naming the option,
        not a traceback from every worker."""
        raw = getattr(options, "resilint_min_severity", "warning") or "warning"
        value = str(raw).strip().lower()
        if value not in SEVERITIES:
            from flake8.exceptions import ExecutionError

            raise ExecutionError(f"--resilint-min-severity: expected one of {', '.join(SEVERITIES)}, got {raw!r}")
        cls.min_severity = value

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from resilint.model import Severity

        real_file = self.file if self.file is not None and self.file.is_file() else None
        shown = "stdin" if self.is_stdin else self.filename
        result = self.linter.check_source("".join(self.lines), shown, file=real_file)
        threshold = Severity.parse(self.min_severity)
        for finding in result.findings:
            if finding.severity < threshold:
                continue
            text = f"{finding.code} [{finding.severity.label}] {finding.message} ({finding.name})"
            yield finding.span.line, max(0, finding.span.column - 1), text, type(self)
        for error in result.errors:  # the file was not checked: say so rather than stay silent
            yield 1, 0, f"REL003 [warning] {error.message} (not-analysed)", type(self)


__all__ = ["ResilintChecker"]
