"""``resilint check --show-settings``: the effective configuration of a run, the
built-in defaults included (the test-code override, every standard's state)."""

from __future__ import annotations

from resilint.api import Linter


def render_settings(linter: Linter) -> str:
    config, ruleset = linter.config, linter.ruleset
    out = [
        f"configuration: {config.source}",
        f"root: {config.root}",
        f"select: {', '.join(config.select) if config.select is not None else '(every standard)'}",
        f"extend-select: {', '.join(config.extend_select) or '(none)'}",
        f"ignore: {', '.join(config.ignore) or '(none)'}",
        f"exclude: {', '.join(config.exclude) or '(none)'}",
        f"baseline: {config.baseline or '(none)'}",
        f"severity: {', '.join(f'{k} = {v.label}' for k, v in sorted(config.severity.items())) or '(defaults)'}",
        f"ai-assisted: {'every line (--ai-assisted)' if config.force_ai else 'from provenance'}"
        + (f"; paths {', '.join(config.ai.paths + config.ai_cli_paths)}" if config.ai.paths or config.ai_cli_paths else "")
        + ("" if config.git_provenance and config.ai.git else "; git provenance off"),
        f"flags: manifest {config.flags.manifest or '(none)'}; {len(config.flags.evaluators)} in-house evaluators",
        f"diff: ai-scope = {config.diff.ai_scope}",
        "",
        "overrides (in order; a later one wins):",
    ]
    for override in ruleset.overrides:
        parts = [f"paths {', '.join(override.paths)}"]
        if override.select:
            parts.append(f"select {', '.join(override.select)}")
        if override.ignore:
            parts.append(f"ignore {', '.join(override.ignore)}")
        if override.severity:
            parts.append("severity " + ", ".join(f"{k} = {v.label}" for k, v in override.severity.items()))
        out.append(f"  [{override.origin or 'configuration'}] " + "; ".join(parts))
    if not ruleset.overrides:
        out.append("  (none)")
    out += ["", "tiers:"]
    out += [f"  {tier.name}: {', '.join(tier.paths)} (+{tier.escalate})" for tier in config.tiers] or ["  (none)"]
    out += ["", "standards (code, enabled, human / AI severity, check kind):"]
    for code in sorted(ruleset.standards):
        standard = ruleset.standards[code]
        human = standard.severity_human.label if standard.severity_human else "-"
        enabled = "on " if standard in ruleset.active else ("opt-in" if standard.opt_in else "off")
        out.append(f"  {code} {enabled} {human} / {standard.severity_ai.label}  {standard.check}  ({standard.origin})")
    if ruleset.plugin_errors:
        out += ["", "plugin errors:", *(f"  {e}" for e in ruleset.plugin_errors)]
    return "\n".join(out) + "\n"
