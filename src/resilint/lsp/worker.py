"""The language server's checker process: it runs the engine so the server's
event loop never does, and so a file that crashes native code costs a worker
restart, not the editor session. Imports nothing of pygls: spawning it stays
cheap, and it unpickles only what it needs.

The worker keeps its configurations by folder; ``generation`` goes up when the
server learns a configuration file changed, which drops them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from resilint.config.settings import Config
from resilint.model import Finding

_generation = -1
_configs: dict[Path, Config] = {}


@dataclass(frozen=True)
class Outcome:
    """What comes back (picklable): findings with their doc links, or why not."""

    findings: tuple[tuple[Finding, str | None], ...] = ()
    config_error: str | None = None
    crash: str | None = None


def warm_up() -> None:
    """Import the engine ahead of the first check (libcst's import is the slow part)."""
    import resilint.api  # noqa: F401


def check(text: str, path: str, generation: int) -> Outcome:
    global _generation
    from resilint.api import check_source, engine_for
    from resilint.config.settings import load_config
    from resilint.errors import ResilintError
    from resilint.explain.links import doc_url_for

    if generation != _generation:
        _configs.clear()
        _generation = generation
    folder = Path(path).parent
    try:
        config = _configs.get(folder)
        if config is None:
            config = _configs[folder] = load_config(folder)
        findings = check_source(text, path, config)
        standards = engine_for(config).ruleset.standards
    except ResilintError as exc:  # ConfigError included: not picklable as is, so sent as text
        return Outcome(config_error=str(exc))
    except Exception as exc:  # a bug must cost one check, not the editor session
        return Outcome(crash=f"{type(exc).__name__}: {exc}")
    links = {code: doc_url_for(s) for code, s in standards.items()}
    return Outcome(tuple((f, links.get(f.code)) for f in findings))
