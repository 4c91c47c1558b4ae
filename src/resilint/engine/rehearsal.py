"""One check of a small built-in sample, before the checks that matter.

What a process pays on its first check alone -- the regular expressions compiled
on first use by the guard, the prefilter, suppressions and provenance; the check
kinds the common triggers import; libcst's first parse -- is paid here once: by the
parent of ``--jobs N`` before it forks its workers (runner.py), and by the language
server's fork server before it forks checker workers (lsp/rehearsal.py). The forked
processes inherit all of it. The sample has findings on purpose (the provenance of
a finding, and its patterns, are looked up only when there is one) and no SQL
string (its parser, sqlglot, ~0.2 s, loads only where a file needs it); the tests
assert what it finds, so a change that silences it does not go unnoticed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resilint.engine.core import Engine

SAMPLE = '''"""A module with the usual suspects."""
import subprocess
import time

import requests


def fetch(url, retries=3):
    for attempt in range(retries):
        response = requests.get(url)
        if response.ok:
            return response.json()
        time.sleep(2 ** attempt)
    subprocess.run(["true"], check=True, timeout=5)
    while True:
        try:
            return requests.post(url, timeout=None)
        except Exception:  # noqa: REL999 -- a reviewed suppression
            pass
'''


def rehearse(engine: Engine) -> tuple[str, ...]:
    """Check :data:`SAMPLE` with ``engine``, past its result cache (nothing of it is
    written); the codes found, none if it failed (whatever fails here fails again,
    reported, on a real file)."""
    cache, engine.cache = engine.cache, None
    try:
        result = engine.check_source(SAMPLE, "resilint-rehearsal.py")
    except Exception:  # noqa: BLE001
        return ()
    finally:
        engine.cache = cache
    return tuple(f.code for f in result.findings)
