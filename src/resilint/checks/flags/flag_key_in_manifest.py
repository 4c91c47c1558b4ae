"""The ``flag-key-in-manifest`` check kind (REL304).

A literal flag key must be listed in the manifest.
"""

from __future__ import annotations

from resilint.checks.flags.flag_rule import ManifestRule
from resilint.checks.flags.sdks import FlagEvaluation


class FlagKeyInManifest(ManifestRule):
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
