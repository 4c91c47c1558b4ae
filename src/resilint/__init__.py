"""resilint: a linter for reliability standards, stricter on AI-assisted code.

The public API is small and shared by every front end (CLI, flake8, LSP)::

    from resilint import load_config, check_source, check_paths

    config = load_config(Path("."))
    findings = check_source(text, "svc/client.py", config)
    report = check_paths([Path("src")], config)

Importing ``resilint`` is cheap: the engine (and libcst) load on first use,
because flake8 imports every plugin at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resilint import lazy as _lazy  # noqa: F401  (defers libcst and sqlglot before any module imports them)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from resilint.api import check_paths, check_source, load_config
    from resilint.model import Finding, Report, Severity

_LAZY = {
    "check_paths": "resilint.api",
    "check_source": "resilint.api",
    "load_config": "resilint.api",
    "Finding": "resilint.model",
    "Report": "resilint.model",
    "Severity": "resilint.model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'resilint' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = ["Finding", "Report", "Severity", "__version__", "check_paths", "check_source", "load_config"]
