"""resilint: a linter for reliability standards, stricter on AI-assisted code.

The public API is small and shared by every front end (CLI, flake8, LSP)::

    from resilint import load_config, check_source, check_paths

    config = load_config(Path("."))
    findings = check_source(text, "svc/client.py", config)
    report = check_paths([Path("src")], config)
"""

from __future__ import annotations

__version__ = "0.1.0"

from resilint.api import check_paths, check_source, load_config
from resilint.model import Finding, Report, Severity

__all__ = [
    "Finding",
    "Report",
    "Severity",
    "__version__",
    "check_paths",
    "check_source",
    "load_config",
]
