"""Imported by the language server's fork server after preload.py (``worker.PRELOAD``):
the rehearsal check of engine/rehearsal.py through the default configuration of an
empty folder, so that what a process pays on its first check alone is paid here,
while the server process is still importing pygls, and not by the first check of
the editor's file. Every worker is forked from the fork server with all of it in
memory: the first, and each restart after a crash or a hang. tests/test_lsp.py
asserts what this check finds. Nothing here may start a thread or a process: the
fork server must stay single-threaded (it forks).
"""

from __future__ import annotations

import tempfile
from pathlib import Path


def rehearse() -> tuple[str, ...]:
    """Check the sample in this process; the codes found (for the test)."""
    from resilint import api
    from resilint.engine.rehearsal import rehearse as check_sample

    # the configuration of an empty folder (nothing of the editor's folder is read),
    # no git, no cache; a linter of its own (not kept by api.linter_for)
    with tempfile.TemporaryDirectory(prefix="resilint-rehearsal-") as root:
        config = api.config_for(Path(root), git_provenance=False)
        return check_sample(api.Linter(config).engine)


try:
    FOUND = rehearse()
except Exception:  # noqa: BLE001 - a broken plugin is reported by the first real check, with its message
    FOUND = ()
