"""Imported by the language server's fork server before it forks checker
workers (``worker.PRELOAD``), so that every worker (the first, and each restart
after a crash or a hang) starts with the engine, libcst, every check kind and
the built-in standards already in memory. libcst is deferred everywhere
(resilint/lazy.py): importing the engine alone would not load it.
"""

from __future__ import annotations

import resilint.engine.core  # noqa: F401
import resilint.lsp.worker  # noqa: F401
from resilint.checks import builtin_kinds
from resilint.lazy import load

load("libcst")
builtin_kinds()  # the engine imports a kind when a file first needs it: here, all of them, once
try:
    # Plugins and built-in standards: what every configuration's ruleset starts
    # from (the workspace's own configuration is read by worker.warm_up).
    from resilint.config.plugins import default_registry

    default_registry()
except Exception:  # noqa: BLE001, S110 - a broken plugin is reported by the first check, with its message
    pass
