"""GitHub Actions workflow commands: one annotation per finding.

``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message``, with
``note`` shown as ``notice``. Escaping follows the Actions toolkit: in the
message ``%``, CR and LF are percent-encoded (so a message can never end the
command early or start a new one); in properties also ``:`` and ``,``.
Paths are relative to the repository root, which is where GitHub resolves them.
"""

from __future__ import annotations

from typing import IO

from resilint.model import Report, Severity
from resilint.report import Reporter
from resilint.report._locate import Locator

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


class GithubReporter(Reporter):
    name = "github"

    def render(self, report: Report, out: IO[str]) -> None:
        locator = Locator()
        for f in report.findings:
            span = f.span
            out.write(
                command(
                    COMMANDS[f.severity],
                    f"{f.message} ({f.severity.label})",
                    file=locator.relative(f.path),
                    line=span.line,
                    col=span.column,
                    endLine=span.end_line,
                    endColumn=span.end_column,
                    title=f"{f.code} {f.name}",
                )
                + "\n"
            )
        for error in report.errors:
            where = None if error.path.startswith("<") else locator.relative(error.path)
            out.write(command("error", f"resilint could not check this file: {error.message}", file=where, title="resilint") + "\n")
