"""The ``unparsable-sql`` check kind (REL427, a note): SQL a migration runs that neither sqlglot's
parser nor its tokenizer could read, so no lock rule could judge it.

A migration linter that skips what it cannot parse gives a clean bill of health it did not earn:
this note says which statement was not judged. SQL with run-time holes (f-strings, ``%s``
formatting) is not reported: the hole, not the SQL, is what could not be read; nor is SQL for
another database target (SQLite's ``UPDATE OR IGNORE``, ``PRAGMA``), which no lock rule judges.
"""

from __future__ import annotations

import libcst as cst

from resilint.checks.migrations.migration_rule import MigrationRule, SqlPlace
from resilint.checks.migrations.sql_locks import LockStatement


class UnparsableSql(MigrationRule):
    kind = "unparsable-sql"
    description = "SQL run by a migration that could not be parsed, so no lock rule judged it."
    wants_lock_sql = True

    def on_lock_sql(self, call: cst.Call, statement: LockStatement, place: SqlPlace) -> None:
        if statement.kind == "unparsable" and place.holes == 0 and self.database == "postgresql":
            self.report(call, f"{self.written(call)}() runs {statement.sql!r}, which sqlglot cannot parse: the "
                              "migration lock rules did not judge it; review it by hand")
