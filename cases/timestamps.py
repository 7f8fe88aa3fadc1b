"""Timestamps read from PostgreSQL by psycopg's C code, in the time zone Django expects.

Django registers a loader for `timestamptz` columns on every connection that derives from
psycopg's pure-Python one, so that each value carries the connection's time zone: each took
about 3 µs to read, against 1 µs in C. A case row has nine such columns and a queue page reads
fifty rows; reading them was a twentieth of a staff transition's time. The loader here hands
the text to psycopg's C loader (psycopg-binary) and sets the time zone as Django's does.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import psycopg
from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.pq import Format

_TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
# psycopg's own loader: in C, unless psycopg runs without its C implementation.
_PSYCOPG_LOADER = adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)
_IN_C = psycopg.pq.__impl__ != "python" and _PSYCOPG_LOADER is not None


class CTimestampLoader(Loader):
    timezone: dt.tzinfo  # the connection's: Django registers its own loader where they differ

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._load = _PSYCOPG_LOADER(oid, context).load  # type: ignore[misc]  # registered by psycopg

    def load(self, data: Any) -> dt.datetime:
        return self._load(data).replace(tzinfo=self.timezone)


@cache
def _loader_in(timezone: dt.tzinfo) -> type[CTimestampLoader]:
    return type("CTimestampLoader", (CTimestampLoader,), {"timezone": timezone, "__module__": __name__})


def read_timestamps_in_c(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new (or reused) PostgreSQL connection of Django's, read timestamps in C."""
    if connection.vendor != "postgresql" or connection.timezone is None or not _IN_C:
        return
    loader = _loader_in(connection.timezone)
    context = connection.connection.adapters
    if context.get_loader(_TIMESTAMPTZ_OID, Format.TEXT) is not loader:
        context.register_loader("timestamptz", loader)
