"""Numbering each appended event as the next leaf of the global log, in its own transaction.

Leaf indices have no gaps and follow global positions: a leaf index and a position are taken
together, under one lock, and kept or rolled back together. On PostgreSQL the lock is the row
lock of the leaf counter, taken by the UPDATE that reserves the index before the event's
position is drawn from its sequence, so positions ascend with leaf indices even when writers
race; the event and its leaf go in with that UPDATE as one statement, so the log costs the
append no extra round trip. The lock is held until commit: appenders are serialised, which is
what a log's sequencer does. SQLite lets one writer in at a time already, so there the next
index is simply one past the highest.

Positions may still have gaps (a rolled-back append consumes one); leaf indices never do.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection

from ledger.models import Leaf, LeafCounter

# The stream of the ledger's own events (its signed checkpoints); it opens no case.
LEDGER_STREAM_ID = uuid.UUID("1ed6e500-0000-4000-8000-00000000c4e0")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _postgres_sql(event_table: str, columns: tuple[str, ...]) -> str:
    counter, leaf = _q(LeafCounter._meta.db_table), _q(Leaf._meta.db_table)
    names = ", ".join(_q(c) for c in columns)
    values = ", ".join(["%s"] * len(columns))
    return (
        f"WITH reserved AS (UPDATE {counter} SET size = size + 1 WHERE id = 1 RETURNING size - 1 AS leaf_index), "  # noqa: S608 - names from the models
        f"appended AS (INSERT INTO {_q(event_table)} ({names}) SELECT {values} FROM reserved "
        f"RETURNING {_q('position')}, {_q('hash')}) "
        f"INSERT INTO {leaf} ({_q('index')}, {_q('position')}, event_hash) "
        f"SELECT reserved.leaf_index, appended.{_q('position')}, appended.{_q('hash')} FROM reserved, appended "
        f"RETURNING {_q('position')}, {_q('index')}"
    )


@cache
def _sqlite_leaf_sql() -> str:
    leaf = _q(Leaf._meta.db_table)
    return (
        f"INSERT INTO {leaf} ({_q('index')}, {_q('position')}, event_hash) "  # noqa: S608 - names from the model
        f"SELECT COALESCE(MAX({_q('index')}) + 1, 0), %s, %s FROM {leaf} RETURNING {_q('index')}"
    )


def _counter_restore(cursor: Any) -> None:
    """Put the counter row back (it is created by the migration; a test harness that empties
    every table removes it), one past the highest leaf."""
    counter, leaf = _q(LeafCounter._meta.db_table), _q(Leaf._meta.db_table)
    cursor.execute(
        f"INSERT INTO {counter} (id, size) SELECT 1, COALESCE(MAX({_q('index')}) + 1, 0) FROM {leaf} "  # noqa: S608
        "ON CONFLICT (id) DO NOTHING"
    )


def insert_event_as_leaf(
    event_table: str, columns: Sequence[str], values: Sequence[Any], event_hash: str
) -> tuple[int, int]:
    """INSERT the event row (`columns` = `values`) and its leaf; return (position, leaf index)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = _postgres_sql(event_table, tuple(columns))
            cursor.execute(sql, list(values))
            row = cursor.fetchone()
            if row is None:
                _counter_restore(cursor)
                cursor.execute(sql, list(values))
                row = cursor.fetchone()
            return row[0], row[1]
        names = ", ".join(_q(c) for c in columns)
        cursor.execute(
            f"INSERT INTO {_q(event_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608
            f"RETURNING {_q('position')}",
            list(values),
        )
        position = cursor.fetchone()[0]
        cursor.execute(_sqlite_leaf_sql(), [position, event_hash])
        return position, cursor.fetchone()[0]
