"""Check kinds about feature-flag evaluations (REL301-REL305).

Which calls are evaluations, and where their key and default are, is decided
by :func:`resilint.checks.flags.sdks.recognize` (SDK facts in ``rules/data/flag-sdks.toml``,
in-house evaluators from ``[tool.resilint.flags]``). Every finding is reported
at the evaluation call.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.checks.flags.manifest import Manifest, manifest_for
from resilint.checks.flags.sdks import (
    FlagEvaluation,
    FlagKey,
    recognize,
    sdk_modules,
    static_key,
)
from resilint.config.settings import Config
from resilint.config.standards import Standard
from resilint.paths import display_path
from resilint.rule import Rule

MAX_DEPTH = 8


class FlagRule(Rule):
    """Shared visitor: recognise the evaluation, then let the subclass judge it."""

    sliceable = True  # see Rule.sliceable
    config_section = "flags"  # evaluators add trigger modules; a manifest is prepared

    @classmethod
    def triggers_for(cls, standard: Standard, config: Config) -> Iterable[str] | None:
        # Every recognised evaluation needs an import from an SDK or a configured
        # evaluator's package (its top-level module name is then in the text).
        return sdk_modules(config)

    def visit_Call(self, node: cst.Call) -> None:
        evaluation = self.evaluation(node)
        if evaluation is not None:
            self.check(evaluation)

    def evaluation(self, node: cst.Call) -> FlagEvaluation | None:
        """``recognize(node)``, once per call for all flag rules of this file (they visit
        the same call at the same point of the walk, so the answer is the same)."""
        memo: dict[int, tuple[cst.Call, FlagEvaluation | None]] | None = getattr(self.context, "_flag_evaluations", None)
        if memo is None:
            memo = {}
            self.context._flag_evaluations = memo  # type: ignore[attr-defined]
        hit = memo.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        evaluation = recognize(node, self.names, self.context.config)
        memo[id(node)] = (node, evaluation)
        return evaluation

    def check(self, evaluation: FlagEvaluation) -> None:
        raise NotImplementedError

    def written(self, evaluation: FlagEvaluation) -> str:
        return source_of(self.context.module, evaluation.call.func)

    def key_text(self, evaluation: FlagEvaluation) -> str:
        return source_of(self.context.module, evaluation.key) if evaluation.key is not None else "?"


class ManifestRule(FlagRule):
    """Rules that compare literal keys with the manifest; silent without one."""

    @classmethod
    def prepare(cls, standard: Standard, config: Config) -> None:
        manifest_for(config)  # a malformed manifest ends the run (exit 2), once

    @classmethod
    def input_files(cls, standard: Standard, config: Config) -> Iterable[Path]:
        return (config.flags.manifest,) if config.flags.manifest is not None else ()

    def __init__(self, standard: Standard, context: object) -> None:
        super().__init__(standard, context)  # type: ignore[arg-type]
        self.manifest = manifest_for(self.context.config)

    def visit_Call(self, node: cst.Call) -> None:
        if self.manifest is not None:
            super().visit_Call(node)

    def literal_key(self, evaluation: FlagEvaluation) -> FlagKey | None:
        key = static_key(evaluation, self.names)
        return key if key is not None and key.kind == "literal" and key.value is not None else None

    def manifest_name(self, manifest: Manifest) -> str:
        return display_path(manifest.path)
