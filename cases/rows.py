"""Plain INSERT and UPDATE statements for the write path of every command.

Every command appends an event, writes the case row and an outbox row. Through the ORM each
of those statements is rebuilt and recompiled on every call, which costs more than the
database takes to run it. Here each statement's SQL is built once per model and column set,
from the model's own fields, and values are prepared by those fields exactly as the ORM would.
A statement can be run at once (`insert_rows`, `update_row`) or written with an event
(`insert_statement`, `update_statement`, and `cases.eventstore.write_with`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from cases.compiled_queries import CompiledQuery
from ledger.log import EVENT_POSITION, RowWrite

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.models import Case


@cache
def _insert_sql(
    model: type[models.Model],
    columns: tuple[str, ...],
    returning: str | None,
    vendor: str,
    rows: int = 1,
    skip_conflicts: bool = False,
) -> str:
    quote = connection.ops.quote_name
    fields = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * rows)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({fields}) VALUES {placeholders}"  # noqa: S608 - names from the model
    if skip_conflicts:  # both PostgreSQL and SQLite (3.24 and later) say it this way
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(model._meta.get_field(returning).column)}"
    return sql


@cache
def _update_sql(model: type[models.Model], columns: tuple[str, ...], vendor: str) -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in columns)
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    return f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - names come from the model


def _prepared(instance: models.Model, names: Sequence[str]) -> list[Any]:
    meta = instance._meta
    # The connection itself, not the `connection` proxy, which would look it up again for
    # every field that asks it how to store a value.
    database = connections[DEFAULT_DB_ALIAS]
    values = []
    for name in names:
        value = getattr(instance, name)
        # The position is not known until the event is inserted: see `ledger.log.RowWrite`.
        values.append(value if value is EVENT_POSITION else meta.get_field(name).get_db_prep_save(value, database))
    return values


def prepared_values(instance: models.Model, names: Sequence[str]) -> list[Any]:
    """The named fields of `instance` as the database takes them, prepared as the ORM would."""
    return _prepared(instance, names)


def insert_row(instance: models.Model, names: Sequence[str], *, returning: str | None = None) -> Any:
    """INSERT the named fields of `instance`; return the `returning` column's new value."""
    sql = _insert_sql(type(instance)._meta.concrete_model, tuple(names), returning, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, _prepared(instance, names))
        if returning:
            return cursor.fetchone()[0]
    return None


M = TypeVar("M", bound=models.Model)


def insert_statement(
    instances: Sequence[models.Model], names: Sequence[str], *, skip_conflicts: bool = False
) -> RowWrite:
    """The INSERT of the named fields of several new instances of one model, as one statement;
    with `skip_conflicts`, a row that would break a unique constraint is left out."""
    model = type(instances[0])._meta.concrete_model
    sql = _insert_sql(model, tuple(names), None, connection.vendor, len(instances), skip_conflicts)
    return RowWrite(sql, [value for instance in instances for value in _prepared(instance, names)])


def insert_rows(instances: Sequence[models.Model], names: Sequence[str]) -> None:
    """INSERT the named fields of several new instances of one model in one statement."""
    if instances:
        _run(insert_statement(instances, names))


def plan_statements_once() -> None:
    """Let the statements of the transaction just opened keep one plan each, on PostgreSQL.

    The connection plans a prepared statement for its values on every run (`plan_cache_mode`
    in the settings): a queue page's best plan depends on the kind or the assignee it asks
    for. A command's statements read and write rows by key, where one plan suits every value,
    and planning them again took about half of their time on the server (0.24 of 0.51 ms per
    staff transition, its COMMIT aside). The setting lasts until the transaction ends: the
    command's own, or the caller's that the command runs within."""
    if connection.vendor != "postgresql" or connection.get_autocommit():
        return
    from psycopg import pq
    from psycopg.errors import error_from_result

    session = connection.connection
    setting = b"SET LOCAL plan_cache_mode = auto"
    status = session.pgconn.transaction_status
    if status == pq.TransactionStatus.INTRANS:
        statement = setting
    elif status == pq.TransactionStatus.IDLE and (session.isolation_level, session.read_only) == (None, None):
        # The transaction's BEGIN, which psycopg would send on its own before the first query,
        # goes with the setting: no round trip more.
        statement = b"BEGIN; " + setting
    else:
        # A transaction psycopg opens with options of its own (an isolation level), or one that
        # failed (its next statement reports why): left to plan for values.
        return
    result = session.pgconn.exec_(statement)
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise error_from_result(result, encoding=session.info.encoding)


def _run(write: RowWrite) -> None:
    with connection.cursor() as cursor:
        cursor.execute(write.sql, write.params)


def create_row(instance: M) -> M:
    """INSERT every column of a new `instance` whose primary key is already set (a UUID or a
    one-to-one key) and whose automatic dates the caller filled; return it, saved."""
    meta = instance._meta
    insert_row(instance, [f.attname for f in meta.concrete_fields])
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    return instance


def creation_statement(instance: models.Model) -> RowWrite:
    """The INSERT of every column of a new `instance` whose primary key is already set, to be
    written with an event (`create_row`'s statement); the instance counts as saved from now."""
    write = insert_statement([instance], [f.attname for f in instance._meta.concrete_fields])
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    return write


def update_statement(instance: models.Model, names: Sequence[str]) -> RowWrite:
    """The UPDATE of the named fields of `instance` in its row."""
    model = type(instance)._meta.concrete_model
    sql = _update_sql(model, tuple(names), connection.vendor)
    return RowWrite(sql, [*_prepared(instance, names), model._meta.pk.get_db_prep_value(instance.pk, connection)])


def update_row(instance: models.Model, names: Sequence[str]) -> None:
    """UPDATE the named fields of `instance` in its row."""
    if names:
        _run(update_statement(instance, names))


# --- Loading one case for a command ---------------------------------------------------------

_scoped_loads: dict[tuple[Any, ...], CompiledQuery] = {}


def _scoped_load(model: type[Case], role: str, *, lock: bool) -> CompiledQuery:
    from accounts.actors import Actor

    def build(organisation_id: int, case_id: uuid.UUID) -> models.QuerySet[Case]:
        cases = model.objects.for_actor(Actor(role=role, organisation_id=organisation_id)).filter(pk=case_id)
        return cases.select_for_update() if lock else cases

    return CompiledQuery(build, organisation_id=int, case_id=uuid.UUID)


def load_case(model: type[Case], actor: Actor, case_id: uuid.UUID, *, lock: bool) -> Case | None:
    """The case `case_id` of `model` if `actor` may see it (Case.objects.for_actor decides),
    optionally locked. The scoped query is compiled once per kind of caller and reused: the
    hot path of every staff command."""
    # The public's scope depends on how many cases they track, and a caller of no organisation
    # is rare: neither is worth compiling.
    if actor.is_public or actor.organisation_id is None:
        cases = model.objects.for_actor(actor)
        return (cases.select_for_update() if lock else cases).filter(pk=case_id).first()
    key = (model, actor.role, lock)
    if key not in _scoped_loads:
        _scoped_loads[key] = _scoped_load(model, actor.role, lock=lock)
    return _scoped_loads[key].first(organisation_id=actor.organisation_id, case_id=case_id)
