"""Imported by the language server's fork server after preload.py (``worker.PRELOAD``):
one check of a small built-in sample through the default configuration, so that
what a process pays on its first check alone -- the regular expressions compiled
on first use (the simple-statement matcher of the guard, the import patterns of
the prefilter, the AI-provenance patterns that a file with findings needs, the
tokenizer's), libcst's first parse -- is paid here, while the server process is
still importing pygls, and not by the first check of the editor's file.

Every worker is forked from the fork server with all of it in memory: the first,
and each restart after a crash or a hang. The sample has a finding on purpose
(the provenance of a finding is looked up only when there is one); tests/test_lsp.py
asserts what this check finds, so a change that silences it does not go unnoticed.
Nothing here may start a thread or a process: the fork server must stay
single-threaded (it forks).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

SAMPLE = '''"""Fetch a resource, retrying a few times."""
import os
import subprocess

import requests


def fetch(session, url, retries=3):
    for attempt in range(retries):
        response = requests.get(url)
        if response.ok:
            return response.json()
    subprocess.run(["true"], check=True, timeout=5)
    return {"env": os.environ.get("ENV", f"dev-{retries}")}  # noqa: REL999 -- not a real code
'''


def rehearse() -> tuple[str, ...]:
    """Check SAMPLE in this process; the codes found (for the test)."""
    from resilint import api

    # the configuration of an empty folder (nothing of the editor's folder is read),
    # no git, no cache; a linter of its own (not kept by api.linter_for)
    with tempfile.TemporaryDirectory(prefix="resilint-rehearsal-") as root:
        config = api.config_for(Path(root), git_provenance=False)
        result = api.Linter(config).check_source(SAMPLE, str(Path(root) / "rehearsal.py"))
    return tuple(f.code for f in result.findings)


try:
    FOUND = rehearse()
except Exception:  # noqa: BLE001 - a broken plugin is reported by the first real check, with its message
    FOUND = ()
