"""Plain INSERT and UPDATE statements for the write path of every command.

Every command appends an event, writes the case row and an outbox row. Through the ORM each
of those statements is rebuilt and recompiled on every call, which costs more than the
database takes to run it. Here each statement's SQL is built once per model and column set,
from the model's own fields, and values are prepared by those fields exactly as the ORM would.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection, models


@cache
def _insert_sql(model: type[models.Model], columns: tuple[str, ...], returning: str | None, vendor: str) -> str:
    quote = connection.ops.quote_name
    fields = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({fields}) VALUES ({placeholders})"  # noqa: S608 - names from the model
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
    return [meta.get_field(name).get_db_prep_save(getattr(instance, name), connection) for name in names]


def insert_row(instance: models.Model, names: Sequence[str], *, returning: str | None = None) -> Any:
    """INSERT the named fields of `instance`; return the `returning` column's new value."""
    sql = _insert_sql(type(instance)._meta.concrete_model, tuple(names), returning, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, _prepared(instance, names))
        if returning:
            return cursor.fetchone()[0]
    return None


def update_row(instance: models.Model, names: Sequence[str]) -> None:
    """UPDATE the named fields of `instance` in its row."""
    if not names:
        return
    model = type(instance)._meta.concrete_model
    sql = _update_sql(model, tuple(names), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_prepared(instance, names), model._meta.pk.get_db_prep_value(instance.pk, connection)])
