"""Database triggers that make the event table append-only, for PostgreSQL and SQLite.

Installed by a migration. On PostgreSQL the triggers are ENABLE ALWAYS, so a session that sets
`session_replication_role = replica` (which silently skips ordinary triggers) is refused too.
In production the application's role should also lack UPDATE and DELETE grants on the table.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "cases_event"
APPEND_ONLY_MESSAGE = "cases_event is append-only: events cannot be changed or removed"

_POSTGRES_INSTALL = f"""
CREATE OR REPLACE FUNCTION cases_event_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_event_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION cases_event_refuse_change();
CREATE TRIGGER cases_event_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION cases_event_refuse_change();
CREATE TRIGGER cases_event_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION cases_event_refuse_change();
ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER cases_event_no_update;
ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER cases_event_no_delete;
ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER cases_event_no_truncate;
"""

_POSTGRES_REMOVE = f"""
DROP TRIGGER IF EXISTS cases_event_no_update ON {TABLE};
DROP TRIGGER IF EXISTS cases_event_no_delete ON {TABLE};
DROP TRIGGER IF EXISTS cases_event_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS cases_event_refuse_change();
"""

# SQLite has no TRUNCATE; a DELETE without WHERE is refused by the DELETE trigger.
_SQLITE_INSTALL = [
    f"""CREATE TRIGGER cases_event_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;""",
    f"""CREATE TRIGGER cases_event_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;""",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS cases_event_no_update;",
    "DROP TRIGGER IF EXISTS cases_event_no_delete;",
]


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return [_POSTGRES_INSTALL if install else _POSTGRES_REMOVE]
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    raise NotImplementedError(f"No append-only triggers for the {connection.vendor} database")


def install_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True):
            cursor.execute(statement)


def remove_triggers(connection: BaseDatabaseWrapper) -> None:
    """Only for the migration's reverse and for test harnesses that must empty the table."""
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)
