"""How the product's PostgreSQL connections read values and send statements, where psycopg's
defaults under Django cost more than the database does.

Timestamps. Django registers a loader for `timestamptz` columns on every connection that
derives from psycopg's pure-Python one, so that each value carries the connection's time zone:
each took about 3 µs to read, against 1 µs in C. A case row has nine such columns and a queue
page reads fifty rows; reading them was a twentieth of a staff transition's time. The loader
here hands the text to psycopg's C loader (psycopg-binary) and sets the time zone as Django's
does.

Long statements. psycopg turns a statement's `%s` placeholders into PostgreSQL's `$1, $2…` by
parsing its text, in Python even with its C implementation, and remembers the result only for
statements of up to 4,096 bytes and 50 parameters: it guards its cache of 128 statements
against the endless variety of an ORM's bulk inserts. The statement that writes an event with
its rows (`ledger.log`) is longer: a public filing's, with the case's 28 columns, its filer,
its tracking credential and its outbox rows, was parsed again on every filing, 0.42 of its
5.96 ms in process. The limits are raised so that it is parsed once per process.
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


# Long enough for the longest statement the product repeats (a filing's event with its rows),
# with room; the cache still holds 128 statements at most.
STATEMENT_CACHE_MAX_LENGTH = 16_384
STATEMENT_CACHE_MAX_PARAMS = 256


def remember_long_statements() -> None:
    """Let psycopg keep the conversion of statements up to the limits above (its own are 4,096
    bytes and 50 parameters). A psycopg that no longer has these limits is left as it is."""
    from psycopg import _queries

    for name, limit in (
        ("MAX_CACHED_STATEMENT_LENGTH", STATEMENT_CACHE_MAX_LENGTH),
        ("MAX_CACHED_STATEMENT_PARAMS", STATEMENT_CACHE_MAX_PARAMS),
    ):
        if isinstance(getattr(_queries, name, None), int):
            setattr(_queries, name, max(getattr(_queries, name), limit))
