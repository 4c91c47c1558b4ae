"""Check kinds about feature-flag evaluations (REL301-REL305).

Which calls are evaluations, and where their key and default are, is decided
by :func:`resilint.flags.recognize` (SDK facts in ``rules/data/flag-sdks.toml``,
in-house evaluators from ``[tool.resilint.flags]``). Every finding is reported
at the evaluation call.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from resilint.checks._util import source_of
from resilint.config import Config
from resilint.flag_manifest import Manifest, manifest_for
from resilint.flags import FlagEvaluation, FlagKey, literal_type, recognize, sdk_modules, static_key
from resilint.names import NameResolver
from resilint.paths import display_path
from resilint.rule import Param, Rule
from resilint.standards import Standard

_MAX_DEPTH = 8


class _FlagRule(Rule):
    """Shared visitor: recognise the evaluation, then let the subclass judge it."""

    sliceable = True  # see Rule.sliceable

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


class FlagRequiresFallback(_FlagRule):
    """An evaluation whose API takes an optional fallback must pass one."""

    kind = "flag-requires-fallback"
    description = "A flag evaluation must pass an explicit safe default or fallback."
    parameters = {
        "behaviour": Param(dict, doc="per SDK: what happens without the fallback (for messages)"),
    }

    def check(self, evaluation: FlagEvaluation) -> None:
        if not evaluation.missing_fallback:
            return
        behaviour = self.param("behaviour").get(evaluation.sdk, "")
        what = f"{evaluation.default_keyword}=" if evaluation.default_keyword else "its default argument"
        message = f"{self.written(evaluation)}({self.key_text(evaluation)}) evaluates a flag without {what}"
        if evaluation.default is None and _passes_none(evaluation):
            message += " (None is no fallback)"
        self.report(evaluation.call, f"{message}; {behaviour}" if behaviour else message)


class FlagDefaultType(_FlagRule):
    """A typed getter's literal default must be of the getter's type."""

    kind = "flag-default-type"
    description = "A typed flag getter's literal default must have the getter's type."
    parameters = {
        "accepted": Param(dict, doc="flag type -> literal types accepted as its default, e.g. float = ['float', 'int']"),
    }

    def check(self, evaluation: FlagEvaluation) -> None:
        if evaluation.value_type is None or evaluation.default is None:
            return
        accepted = self.param("accepted").get(evaluation.value_type)
        if accepted is None:
            return
        found = _literal_type(evaluation.default, self.names)
        if found is None or found in accepted:
            return
        default = source_of(self.context.module, evaluation.default, 30)
        self.report(
            evaluation.call,
            f"{self.written(evaluation)}() default {default} is {_article(found)} {found}, not {_article(evaluation.value_type)} "
            f"{evaluation.value_type} ({' or '.join(accepted)}): callers get this value whenever the flag cannot be evaluated",
        )


class FlagKeyStatic(_FlagRule):
    """A flag key must be a string literal or a constant bound to one."""

    kind = "flag-key-static"
    description = "A flag key must be a string literal or a module-level constant bound to one."

    def check(self, evaluation: FlagEvaluation) -> None:
        key = static_key(evaluation, self.names)
        if key is None or key.kind != "dynamic":
            return
        self.report(
            evaluation.call,
            f"{self.written(evaluation)}() is given a computed flag key ({self.key_text(evaluation)}); "
            "a key that is not a literal cannot be checked against the manifest, found by search, or cleaned up",
        )


class _ManifestRule(_FlagRule):
    """Rules that compare literal keys with the manifest; silent without one."""

    @classmethod
    def prepare(cls, standard: Standard, config: Config) -> None:
        manifest_for(config)  # a malformed manifest ends the run (exit 2), once

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


class FlagKeyInManifest(_ManifestRule):
    """A literal flag key must be listed in the manifest."""

    kind = "flag-key-in-manifest"
    description = "A literal flag key must be listed in the flag manifest."

    def check(self, evaluation: FlagEvaluation) -> None:
        key = self.literal_key(evaluation)
        assert self.manifest is not None
        if key is None or self.manifest.get(key.value) is not None:  # type: ignore[arg-type]
            return
        message = f"flag {key.value!r} is not in the manifest {self.manifest_name(self.manifest)}"
        suggestion = self.manifest.closest(key.value)  # type: ignore[arg-type]
        if suggestion is not None:
            message += f"; did you mean {suggestion!r}?"
        else:
            message += " (a typo, or a flag nobody declared)"
        self.report(evaluation.call, message)


class FlagKeyNotExpired(_ManifestRule):
    """A flag whose manifest ``expires`` date has passed must be removed or renewed."""

    kind = "flag-key-not-expired"
    description = "A flag whose manifest expiry date has passed is still evaluated."

    def check(self, evaluation: FlagEvaluation) -> None:
        key = self.literal_key(evaluation)
        assert self.manifest is not None
        if key is None:
            return
        entry = self.manifest.get(key.value)  # type: ignore[arg-type]
        if entry is None or not entry.expired(self.context.today):
            return
        owner = f", owner {entry.owner}" if entry.owner else ""
        self.report(
            evaluation.call,
            f"flag {key.value!r} expired on {entry.expires}{owner} ({self.manifest_name(self.manifest)}); "
            "remove the flag and its dead branch, or extend its expiry",
        )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _passes_none(evaluation: FlagEvaluation) -> bool:
    keyword = evaluation.default_keyword
    return any(
        arg.keyword is not None and arg.keyword.value == keyword and isinstance(arg.value, cst.Name) and arg.value.value == "None"
        for arg in evaluation.call.args
    )


def _literal_type(node: cst.BaseExpression, names: NameResolver, depth: int = 0) -> str | None:
    """The literal type of ``node``, following names bound to a literal (``DEFAULT = "off"``)."""
    found = literal_type(node)
    if found is not None or depth > _MAX_DEPTH or not isinstance(node, cst.Name):
        return found
    binding = names.lookup(node.value)
    if binding is None or binding.qualname is not None or binding.value is None:
        return None
    return _literal_type(binding.value, names, depth + 1)
