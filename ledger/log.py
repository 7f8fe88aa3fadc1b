"""Numbering each appended event as the next leaf of the global log, in its own transaction.

Leaf indices have no gaps and follow global positions: a leaf index and a position are taken
together, under one lock, and kept or rolled back together. On PostgreSQL the lock is the row
lock of the leaf counter, taken by the statement that reserves the index before the event's
position is drawn from its sequence, so positions ascend with leaf indices even when writers
race. The lock is held until commit: appenders are serialised, which is what a log's
sequencer does. SQLite lets one writer in at a time already, so there the next index is
simply one past the highest.

On PostgreSQL the event, its leaf and the rows written with it (the case row, the outbox: see
`RowWrite`) go in as one statement, so the log and the projection cost the append no extra
round trip. On SQLite they are separate statements in the same transaction.

Positions may still have gaps (a rolled-back append consumes one); leaf indices never do.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from django.db import connection

from ledger.models import Leaf, LeafCounter

# The stream of the ledger's own events (its signed checkpoints); it opens no case.
LEDGER_STREAM_ID = uuid.UUID("1ed6e500-0000-4000-8000-00000000c4e0")


class _EventPosition:
    def __repr__(self) -> str:
        return "EVENT_POSITION"


# Stands, among a RowWrite's parameters, for the position the event is given as it is inserted.
EVENT_POSITION: Final[Any] = _EventPosition()  # Any: it stands in an integer field


@dataclass(frozen=True)
class RowWrite:
    """An INSERT or UPDATE (no RETURNING) written in the same statement as an event: `sql`
    holds one `%s` per parameter, and a parameter may be EVENT_POSITION."""

    sql: str
    params: Sequence[Any]

    def with_position_as(self, position_sql: str) -> tuple[str, list[Any]]:
        """The statement and its parameters, EVENT_POSITION's placeholders replaced by
        `position_sql`."""
        parts = self.sql.split("%s")
        if len(parts) != len(self.params) + 1:
            raise ValueError(f"{len(parts) - 1} placeholders for {len(self.params)} parameters: {self.sql}")
        sql, params = [parts[0]], []
        for param, following in zip(self.params, parts[1:], strict=True):
            if param is EVENT_POSITION:
                sql.append(position_sql)
            else:
                sql.append("%s")
                params.append(param)
            sql.append(following)
        return "".join(sql), params


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _postgres_sql(event_table: str, columns: tuple[str, ...]) -> tuple[str, str]:
    """The statement's WITH clauses (counter, event) and its main INSERT (the leaf), apart, so
    that the rows written with the event can go between them."""
    counter, leaf = _q(LeafCounter._meta.db_table), _q(Leaf._meta.db_table)
    names = ", ".join(_q(c) for c in columns)
    values = ", ".join(["%s"] * len(columns))
    # An upsert, not an UPDATE: a harness that empties every table takes the counter's row
    # (the migration creates it), and a statement that reserved nothing would still write the
    # rows that go with the event. Its INSERT arm numbers on from the highest leaf.
    with_clauses = (
        f"WITH reserved AS (INSERT INTO {counter} (id, size) "  # noqa: S608 - names from the models
        f"SELECT 1, COALESCE(MAX({_q('index')}), -1) + 2 FROM {leaf} "
        f"ON CONFLICT (id) DO UPDATE SET size = {counter}.size + 1 RETURNING size - 1 AS leaf_index), "
        f"appended AS (INSERT INTO {_q(event_table)} ({names}) SELECT {values} FROM reserved "
        f"RETURNING {_q('position')}, {_q('hash')})"
    )
    main = (
        f"INSERT INTO {leaf} ({_q('index')}, {_q('position')}, event_hash) "  # noqa: S608 - names from the models
        f"SELECT reserved.leaf_index, appended.{_q('position')}, appended.{_q('hash')} FROM reserved, appended "
        f"RETURNING {_q('position')}, {_q('index')}"
    )
    return with_clauses, main


_POSITION_APPENDED = '(SELECT "position" FROM appended)'


@cache
def _sqlite_leaf_sql() -> str:
    leaf = _q(Leaf._meta.db_table)
    return (
        f"INSERT INTO {leaf} ({_q('index')}, {_q('position')}, event_hash) "  # noqa: S608 - names from the model
        f"SELECT COALESCE(MAX({_q('index')}) + 1, 0), %s, %s FROM {leaf} RETURNING {_q('index')}"
    )


def insert_event_as_leaf(
    event_table: str,
    columns: Sequence[str],
    values: Sequence[Any],
    event_hash: str,
    written_with: Sequence[RowWrite] = (),
) -> tuple[int, int]:
    """INSERT the event row (`columns` = `values`), its leaf and the rows `written_with` it;
    return (position, leaf index)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with_clauses, main = _postgres_sql(event_table, tuple(columns))
            sql, params = [with_clauses], list(values)
            for number, write in enumerate(written_with):
                write_sql, write_params = write.with_position_as(_POSITION_APPENDED)
                sql.append(f", written_{number} AS ({write_sql})")
                params += write_params
            sql.append(f" {main}")
            cursor.execute("".join(sql), params)
            position, index = cursor.fetchone()
            return position, index
        names = ", ".join(_q(c) for c in columns)
        cursor.execute(
            f"INSERT INTO {_q(event_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608
            f"RETURNING {_q('position')}",
            list(values),
        )
        position = cursor.fetchone()[0]
        cursor.execute(_sqlite_leaf_sql(), [position, event_hash])
        index = cursor.fetchone()[0]
        for write in written_with:
            cursor.execute(write.sql, [position if param is EVENT_POSITION else param for param in write.params])
        return position, index
