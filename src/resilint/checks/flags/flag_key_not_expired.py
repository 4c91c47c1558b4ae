"""The ``flag-key-not-expired`` check kind (REL305).

A flag whose manifest ``expires`` date has passed must be removed or renewed.
"""

from __future__ import annotations

from resilint.checks.flags.flag_rule import ManifestRule
from resilint.checks.flags.sdks import FlagEvaluation


class FlagKeyNotExpired(ManifestRule):
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
