"""django-safemigrate's ``safe`` marker, as the installed version reads it.

django-safemigrate runs, before a deploy (``manage.py safemigrate``), only the
migrations that are safe while the old code still serves; the others run with
``migrate`` once the new code is live. What a migration's ``safe`` attribute
means, and what an unmarked migration means, changed between versions
(HISTORY.rst of aspiredu/django-safemigrate):

=========  ===============================================  ========================
version    ``safe`` values                                   unmarked migration
=========  ===============================================  ========================
1.x        ``True`` (before deploy), ``False`` (after)      ``True``: before deploy
2.0-4.x    ``Safe.before_deploy``/``after_deploy``/``always``  ``Safe.after_deploy``
           (``True``/``False`` rejected: the command aborts)
5.0+       ``Safe.before_deploy()``/``after_deploy()``/      ``Safe.always``
           ``always()`` (called)
=========  ===============================================  ========================

:func:`effective_marker` turns what a migration file says (django.py's
``DjangoMigration.safe``: a ``Safe`` member, or ``"true"``/``"false"`` for a
bare boolean) into ``"after_deploy"``, ``"before_deploy"``, ``"always"`` or
None (no marker the checks can rely on). Only an after-deploy migration silences
anything: REL401-REL403 and REL426 (the kinds with ``after_deploy_safe``), whose
hazard is the old code still using the dropped or renamed column.

A bare boolean and the default for unmarked migrations count only when the
project declares django-safemigrate among its dependencies (``safe = False``
without it is any class attribute); the default only when the declared version
is known (a pin, a lock, or a lower bound), since it flipped twice.
"""

from __future__ import annotations

from pathlib import Path

from resilint.checks.migrations.project import declared_version
from resilint.config.project import project_info

DISTRIBUTION = "django-safemigrate"
MARKERS = frozenset({"after_deploy", "before_deploy", "always"})
LEGACY = {"false": "after_deploy", "true": "before_deploy"}  # 1.x booleans


def effective_marker(written: str | None, root: Path) -> str | None:
    """What django-safemigrate does with a migration whose ``safe`` is ``written``
    (None: no ``safe`` attribute), for the project at ``root``."""
    if written in MARKERS:
        return written  # Safe.* resolved through its import: every version means the same
    if project_info(root).get(DISTRIBUTION) is None:
        return None
    version = declared_version(root, DISTRIBUTION)
    if written in LEGACY:
        if version is not None and version >= (2, 0):
            return None  # 2.0 rejects booleans ("invalid safe properties"): nothing runs as marked
        return LEGACY[written]
    if version is None:
        return None
    if version < (2, 0):
        return "before_deploy"
    if version < (5, 0):
        return "after_deploy"
    return "always"
