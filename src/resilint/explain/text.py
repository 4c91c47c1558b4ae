"""``resilint explain CODE``: a standard's documentation, from its TOML entry."""

from __future__ import annotations

import textwrap

from resilint.config.standards import Standard


def explain_text(standard: Standard) -> str:
    human = standard.severity_human.label if standard.severity_human else "not reported (AI-only)"
    out = [
        f"{standard.code} {standard.name} ({standard.category})",
        "",
        standard.summary[0].upper() + standard.summary[1:] + ".",
        "",
        f"Severity: {human} on ordinary lines, {standard.severity_ai.label} on AI-assisted lines.",
    ]
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
    out.append(f"\nDefined in {standard.origin} (check kind {standard.check!r}).")
    return "\n".join(out).rstrip() + "\n"
