"""The ``blocking-statement`` check kind (REL420): maintenance SQL that locks a table for its
whole duration, run by a migration.

``VACUUM FULL`` and ``CLUSTER`` rewrite the table under an ACCESS EXCLUSIVE lock (reads and
writes wait until the copy is done; squawk's ``prefer-repack``); ``LOCK TABLE`` in a mode that
blocks writes (``SHARE`` and stronger; the default is ACCESS EXCLUSIVE) holds the lock until the
migration's transaction ends. ``VACUUM (FULL false)``, ``VACUUM ANALYZE`` and ``LOCK ... IN ROW
EXCLUSIVE MODE`` are not reported.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.sql_locks import LockStatement
from resilint.rule import Param


class BlockingStatement(MigrationRule):
    kind = "blocking-statement"
    description = "Maintenance SQL (VACUUM FULL, CLUSTER, LOCK TABLE) that locks a table for its whole run."
    wants_lock_sql = True
    parameters = {
        "sql": Param(list, doc="statement classes, e.g. ['vacuum-full', 'cluster', 'lock-table']"),
        "advice": Param(dict, doc="statement class -> what to do instead"),
    }

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        if self.database != "postgresql" or statement.kind not in self.param("sql"):
            return
        if statement.table is not None and statement.table in place.created:
            return
        if statement.kind == "lock-table":
            what = (f"takes a {statement.detail} lock that blocks writes until the migration's transaction ends"
                    if place.in_transaction else f"takes a {statement.detail} lock that blocks writes")
        else:
            what = "rewrites the table under an ACCESS EXCLUSIVE lock: every read and write waits until it finishes"
        self.report(call, f"{self.written(call)}() runs {statement.sql!r}, which {what}; "
                          f"{self.param('advice').get(statement.kind, '')}".rstrip("; "))
