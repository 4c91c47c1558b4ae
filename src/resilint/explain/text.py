"""``resilint explain CODE``: a standard's documentation, from its TOML entry."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

from resilint.config.standards import Standard
from resilint.rule import Rule

_PACKAGE = Path(__file__).resolve().parents[1]  # src/resilint (or site-packages/resilint)


def kind_location(kind: type[Rule]) -> str:
    """Where a check kind's code lives: ``src/resilint/checks/...py`` for a built-in
    (relative to the checkout), else its import path (``module:Class``)."""
    try:
        source = Path(inspect.getfile(kind)).resolve()
        relative = source.relative_to(_PACKAGE)
    except (TypeError, ValueError, OSError):
        return f"{kind.__module__}:{kind.__qualname__}"
    return f"src/resilint/{relative.as_posix()} ({kind.__qualname__})"


def standard_location(standard: Standard) -> str:
    """Where a standard is defined: ``rules/<family>.toml`` for a built-in (relative
    to the checkout), else the configuration file or plugin file that defines it."""
    origin = Path(standard.origin)
    if origin.parent.name == "rules" and origin.parent.parent in (_PACKAGE, _PACKAGE.parents[1]):
        return f"rules/{origin.name}"
    return standard.origin


def explain_text(standard: Standard, kind: type[Rule] | None = None) -> str:
    human = standard.severity_human.label if standard.severity_human else "not reported (AI-only)"
    out = [
        f"{standard.code} {standard.name} ({standard.category})",
        "",
        standard.summary[0].upper() + standard.summary[1:] + ".",
        "",
        f"Severity: {human} on ordinary lines, {standard.severity_ai.label} on AI-assisted lines.",
    ]
    if standard.opt_in:
        out.append(f'Opt-in: reported only when selected by its code (extend-select = ["{standard.code}"]).')
    if standard.rationale:
        out += ["", "Why", *textwrap.wrap(" ".join(standard.rationale.split()), 88)]
    if standard.fix:
        out += ["", "Fix", *textwrap.wrap(" ".join(standard.fix.split()), 88)]
    for name, text in standard.example_files.items():
        out += ["", f"With {name}", textwrap.indent(text.strip("\n"), "    ")]
    if standard.invalid:
        out += ["", "Flagged"]
        for example in standard.invalid:
            out += [textwrap.indent(example.strip("\n"), "    "), ""]
    if standard.valid:
        out += ["", "Not flagged"] if not standard.invalid else ["Not flagged"]
        for example in standard.valid:
            out += [textwrap.indent(example.strip("\n"), "    "), ""]
    if standard.references:
        out += ["", "References", *(f"  {ref}" for ref in standard.references)]
    out += ["", f"Standard: {standard_location(standard)}", f"Check kind: {standard.check!r}"]
    if kind is not None:
        out.append(f"Code: {kind_location(kind)}")
    return "\n".join(out).rstrip() + "\n"
