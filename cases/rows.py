"""Plain INSERT and UPDATE statements for the write path of every command.

Every command appends an event, writes the case row and an outbox row. Through the ORM each
of those statements is rebuilt and recompiled on every call, which costs more than the
database takes to run it. Here each statement's SQL is built once per model and column set,
from the model's own fields, and values are prepared by those fields exactly as the ORM would.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, models

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.models import Case


@cache
def _insert_sql(
    model: type[models.Model], columns: tuple[str, ...], returning: str | None, vendor: str, rows: int = 1
) -> str:
    quote = connection.ops.quote_name
    fields = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * rows)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({fields}) VALUES {placeholders}"  # noqa: S608 - names from the model
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


def insert_rows(instances: Sequence[models.Model], names: Sequence[str]) -> None:
    """INSERT the named fields of several new instances of one model in one statement."""
    if not instances:
        return
    model = type(instances[0])._meta.concrete_model
    sql = _insert_sql(model, tuple(names), None, connection.vendor, len(instances))
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for instance in instances for value in _prepared(instance, names)])


def create_row(instance: M) -> M:
    """INSERT every column of a new `instance` whose primary key is already set (a UUID or a
    one-to-one key) and whose automatic dates the caller filled; return it, saved."""
    meta = instance._meta
    insert_row(instance, [f.attname for f in meta.concrete_fields])
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    return instance


def update_row(instance: models.Model, names: Sequence[str]) -> None:
    """UPDATE the named fields of `instance` in its row."""
    if not names:
        return
    model = type(instance)._meta.concrete_model
    sql = _update_sql(model, tuple(names), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_prepared(instance, names), model._meta.pk.get_db_prep_value(instance.pk, connection)])


# --- Loading one case for a command ---------------------------------------------------------

# Stand-ins compiled into the cached statement in place of the caller's organisation and the
# case id; they are swapped for the real values on every call. Neither can be a real value.
_MARKER_ORGANISATION = -7_301_021
_MARKER_CASE_ID = uuid.UUID("7e57ab1e-0000-4000-8000-00000000c0de")


@dataclass(frozen=True)
class _CompiledLoad:
    sql: str
    params: tuple[Any, ...]
    attnames: tuple[str, ...]
    # Column position → the functions the ORM would run on that column's raw value (JSON
    # parsing, SQLite's text dates and UUIDs…), with the expression they expect.
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]

    def row_values(self, row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for position, functions, expression in self.converters:
            for convert in functions:
                values[position] = convert(values[position], expression, connection)
        return values


_compiled_loads: dict[tuple[Any, ...], _CompiledLoad | None] = {}


def _compile_load(model: type[Case], actor: Actor, *, lock: bool) -> _CompiledLoad | None:
    from accounts.actors import Actor

    stand_in = Actor(role=actor.role, organisation_id=_MARKER_ORGANISATION)
    cases = model.objects.for_actor(stand_in).filter(pk=_MARKER_CASE_ID)
    if lock:
        cases = cases.select_for_update()
    compiler = cases.query.get_compiler(DEFAULT_DB_ALIAS)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # this kind of caller may see no case at all
        return None
    columns = [column for column, _sql, _alias in compiler.select]
    attnames = tuple(column.target.attname for column in columns)
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(columns).items()
    )
    return _CompiledLoad(sql=sql, params=tuple(params), attnames=attnames, converters=converters)


def load_case(model: type[Case], actor: Actor, case_id: uuid.UUID, *, lock: bool) -> Case | None:
    """The case `case_id` of `model` if `actor` may see it (Case.objects.for_actor decides),
    optionally locked. The scoped query is compiled once per kind of caller and reused: the
    hot path of every staff command."""
    if actor.is_public:  # the scope depends on how many cases they track: not worth caching
        cases = model.objects.for_actor(actor)
        return (cases.select_for_update() if lock else cases).filter(pk=case_id).first()
    key = (model, actor.role, lock, connection.vendor)
    if key not in _compiled_loads:
        _compiled_loads[key] = _compile_load(model, actor, lock=lock)
    compiled = _compiled_loads[key]
    if compiled is None:
        return None
    pk = model._meta.pk
    marker_id = pk.get_db_prep_value(_MARKER_CASE_ID, connection)
    real_id = pk.get_db_prep_value(case_id, connection)
    params = [
        real_id if p == marker_id else actor.organisation_id if p == _MARKER_ORGANISATION else p
        for p in compiled.params
    ]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        row = cursor.fetchone()
    return model.from_db(DEFAULT_DB_ALIAS, compiled.attnames, compiled.row_values(row)) if row else None
