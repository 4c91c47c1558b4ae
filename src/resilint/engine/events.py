"""What the engine itself can report about a file, by event name.

The engine knows no rule code: when a file cannot be decoded or parsed, or a rule
crashes, it reports the *event*, and the active standard whose check kind handles
that event (:attr:`resilint.rule.Rule.event`, e.g. REL001 for ``syntax-error`` in
``rules/engine.toml``) turns it into a finding. A configuration that deselects
the standard silences the event like any other rule.
"""

from __future__ import annotations

SYNTAX_ERROR = "syntax-error"  # the file is not valid Python (or cannot be decoded)
RULE_CRASHED = "rule-crashed"  # a check kind raised; the other rules' findings stand
NOT_ANALYSED = "not-analysed"  # valid Python the parser cannot be trusted with (depth, size, time)

EVENTS = (SYNTAX_ERROR, RULE_CRASHED, NOT_ANALYSED)
