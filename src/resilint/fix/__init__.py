"""Autofixes: check kinds attach a :class:`~resilint.fix.plan.FixPlan` to a finding
(edits anchored on the reported tree's nodes, resolved by the engine into text
edits on the *original* file: the engine may parse a sliced text, a fix never
renders it); :mod:`~resilint.fix.apply` applies them (non-overlapping, re-parsed,
atomically written) and :mod:`~resilint.fix.runner` loops until stable for the CLI,
the pre-commit hook and the editor.

``settings`` holds ``[tool.resilint.fix]`` (the values a fix writes, and whether
the project chose them: a fix is *safe* only then).
"""
