"""Imported by the language server's fork server before it forks checker
workers (``worker.PRELOAD``), so that every worker (the first, and each restart
after a crash or a hang) starts with the engine and libcst already in memory.
libcst is deferred everywhere (resilint/lazy.py): importing the engine alone
would not load it.
"""

from __future__ import annotations

import resilint.engine.core  # noqa: F401
import resilint.lsp.worker  # noqa: F401
from resilint.lazy import load

load("libcst")
