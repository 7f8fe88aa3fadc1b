"""Querysets compiled to SQL once, then run again with other values.

Building a queryset's SQL (resolving its lookups, its select list, quoting every name) costs
more than the database takes to answer the small queries of the write path: about a
millisecond for a query of cases, with their 28 columns, against half that for the round trip
and the answer. A `CompiledQuery` builds its queryset once, from stand-in values no real value
can equal, keeps the SQL, and on each run puts the caller's values where the stand-ins were.
The queryset is still written with the ORM, so its rules (scoping, lookups) are said once.

`build` must use each value it is given as it is, in a lookup (`field=value`): a value it
transforms first (adds a day to, say) cannot be found again in the SQL. The query is compiled
from two sets of stand-ins to catch that, and refused. A queryset the ORM answers without
asking the database (one that can match nothing) is left to the ORM on every run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper


def _stand_in(kind: type, number: int) -> Any:
    """The `number`th stand-in of a type: values no caller passes."""
    if kind is int:
        # Positive and small enough for any integer column: a value out of a field's range
        # makes the ORM give up on the query (EmptyResultSet) rather than compile it.
        return 32_101 + number
    if kind is uuid.UUID:
        return uuid.UUID(int=0x7E57AB1E_0000_4000_8000_00000000C0DE + number)
    if kind is str:
        return f"\x1fstand-in {number}\x1f"
    if kind is dt.date:
        return dt.date(1901, 2, 3) + dt.timedelta(days=number)
    raise TypeError(f"No stand-in for {kind.__name__}")


def _preparation(param: Any, stand_in: Any) -> Callable[[Any], Any] | None:
    """How a real value becomes what the compiled SQL took for `stand_in`, if `param` is
    that stand-in as the backend prepared it: as it is, in a subtype that says how to bind it
    (psycopg's Int2, Int4… under server-side binding), or as text (SQLite's UUIDs and dates)."""
    if isinstance(param, type(stand_in)) and param == stand_in:
        return _as_it_is if type(param) is type(stand_in) else type(param)
    if isinstance(stand_in, uuid.UUID) and param == stand_in.hex:
        return _uuid_hex
    if isinstance(stand_in, dt.date) and param == stand_in.isoformat():
        return _date_text
    return None


def _as_it_is(value: Any) -> Any:
    return value


def _uuid_hex(value: uuid.UUID) -> str:
    return value.hex


def _date_text(value: dt.date) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Parameter position → the value's name and how it is prepared for that position.
    slots: tuple[tuple[int, str, Callable[[Any], Any]], ...]
    # Column position → the functions the ORM would run on its raw value (JSON parsing,
    # SQLite's text dates and UUIDs…), with the expression they expect.
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    model: type[models.Model] | None  # instances of it; None: tuples (values_list)
    attnames: tuple[str, ...]
    width: int  # the columns asked for (ordering may add more)
    flat: bool


class CompiledQuery:
    """`build(**values)` compiled once per database backend; `rows(**values)` runs it.

    `parameters` names each value `build` takes and its type (int, str, UUID or date).
    What a run returns follows the queryset: model instances, or tuples for `values_list`
    (single values with `flat=True`)."""

    def __init__(self, build: Callable[..., models.QuerySet[Any]], **parameters: type) -> None:
        self.build = build
        self.parameters = parameters
        self._by_vendor: dict[str, _Compiled | None] = {}

    def rows(self, **values: Any) -> list[Any]:
        if set(values) != set(self.parameters):
            raise TypeError(f"Expected the values {sorted(self.parameters)}, got {sorted(values)}")
        # The connection itself: the `connection` proxy looks it up again on every use.
        database = connections[DEFAULT_DB_ALIAS]
        vendor = database.vendor
        if vendor not in self._by_vendor:
            self._by_vendor[vendor] = self._compile()
        compiled = self._by_vendor[vendor]
        if compiled is None:  # the ORM compiles no SQL for it (it can match nothing): ask it
            return list(self.build(**values))
        params = list(compiled.params)
        for position, name, prepare in compiled.slots:
            value = values[name]
            if value is None:  # it would have been compiled as IS NULL, not `= %s`
                raise ValueError(f"{name} may not be None")
            params[position] = prepare(value)
        with database.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchall()
        return [self._result(compiled, row, database) for row in found]

    def first(self, **values: Any) -> Any:
        found = self.rows(**values)
        return found[0] if found else None

    @staticmethod
    def _result(compiled: _Compiled, row: Sequence[Any], database: BaseDatabaseWrapper) -> Any:
        values = list(row[: compiled.width])
        for position, functions, expression in compiled.converters:
            for convert in functions:
                values[position] = convert(values[position], expression, database)
        if compiled.model is not None:
            return compiled.model.from_db(DEFAULT_DB_ALIAS, compiled.attnames, values)
        return values[0] if compiled.flat else tuple(values)

    def _compile(self) -> _Compiled | None:
        # Compiled twice, from two sets of stand-ins: the SQL must not change with the values,
        # and the parameters may differ only where a stand-in was found.
        first, second = (
            {name: _stand_in(kind, offset + number) for number, (name, kind) in enumerate(self.parameters.items())}
            for offset in (0, 100)
        )
        queryset = self.build(**first)
        compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
        try:
            sql, params = compiler.as_sql()
            other_sql, other_params = self.build(**second).query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
        except EmptyResultSet:
            return None
        slots = [
            (position, name, prepare)
            for position, param in enumerate(params)
            for name, stand_in in first.items()
            if (prepare := _preparation(param, stand_in)) is not None
        ]
        if sql != other_sql or len(params) != len(other_params):
            raise ValueError("The query's SQL changes with its values: it cannot be compiled once")
        found = {position for position, _name, _prepare in slots}
        changed = {at for at, (one, other) in enumerate(zip(params, other_params, strict=True)) if one != other}
        if changed != found:
            raise ValueError("A value is used in a form the compiled query cannot find again (transformed?)")
        columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        iterable = queryset._iterable_class  # what kind of rows the queryset gives
        model: type[models.Model] | None = None
        attnames: tuple[str, ...] = ()
        if iterable is ModelIterable:
            if compiler.klass_info is None or compiler.klass_info.get("related_klass_infos"):
                raise ValueError("Only querysets of one model's rows can be compiled (no select_related)")
            model = queryset.model
            attnames = tuple(column.target.attname for column in columns)
        elif iterable not in (ValuesListIterable, FlatValuesListIterable):
            raise ValueError("Only querysets of model instances or of values_list can be compiled")
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(columns).items()
        )
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            converters=converters,
            model=model,
            attnames=attnames,
            width=len(columns),
            flat=iterable is FlatValuesListIterable,
        )
