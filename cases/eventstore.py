"""The append-only, hash-chained event table and the only code that writes to it.

Each stream (one case) is a chain: an event's hash is SHA-256 over a canonical JSON encoding
of its content and the previous event's hash, so changing or removing any event breaks every
later link. Database triggers (see `cases.immutability`) refuse UPDATE and DELETE outright;
the chain makes tampering that bypasses them evident.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.errors import ConcurrencyConflict
from cases.rows import prepared_values
from ledger.log import RowWrite, insert_event_as_leaf

GENESIS_HASH = "0" * 64
STREAM_VERSION_CONSTRAINT = "event_stream_version_unique"


class Event(models.Model):
    position = models.BigAutoField(_("position"), primary_key=True)
    stream_id = models.UUIDField(_("stream"))
    stream_version = models.PositiveIntegerField(_("version in stream"))
    type = models.CharField(_("type"), max_length=80)
    schema_version = models.PositiveSmallIntegerField(_("schema version"))
    data = models.JSONField(_("data"))
    metadata = models.JSONField(_("metadata"))
    occurred_at = models.DateTimeField(_("occurred at"))
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        db_table = "cases_event"
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["stream_id", "stream_version"], name=STREAM_VERSION_CONSTRAINT),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.type} ({self.stream_id} v{self.stream_version})"

    def computed_hash(self) -> str:
        return hash_of(self)


class _NoFloatsEncoder(DjangoJSONEncoder):
    def iterencode(self, o: Any, _one_shot: bool = False) -> Iterator[str]:
        _reject_floats(o)
        return super().iterencode(o, _one_shot)


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("Event data may not contain floats; use a string or an integer.")
    if isinstance(value, dict):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)


def to_json_value(value: Any) -> Any:
    """Turn dates, UUIDs, lazy strings… into the plain JSON the database will hand back."""
    return json.loads(json.dumps(value, cls=_NoFloatsEncoder))


def canonical_encoding(
    *,
    stream_id: uuid.UUID,
    stream_version: int,
    type: str,  # noqa: A002
    schema_version: int,
    data: Any,
    metadata: Any,
    occurred_at: dt.datetime,
    previous_hash: str,
) -> bytes:
    """The exact bytes an event's hash covers: sorted keys, no spaces, UTF-8, UTC time."""
    document = {
        "stream_id": str(stream_id),
        "stream_version": stream_version,
        "type": type,
        "schema_version": schema_version,
        "data": data,
        "metadata": metadata,
        "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "previous_hash": previous_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def hash_of(event: Event | StoredEvent) -> str:
    """The hash an event's stored content gives (compared with its stored hash to verify it)."""
    return event_hash(
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        type=event.type,
        schema_version=event.schema_version,
        data=event.data,
        metadata=event.metadata,
        occurred_at=event.occurred_at,
        previous_hash=event.previous_hash,
    )


def event_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical_encoding(**fields)).hexdigest()


def stream_head(stream_id: uuid.UUID) -> tuple[int, str]:
    """The version and hash of a stream's last event, or (0, genesis) for a new stream."""
    head = (
        Event.objects.filter(stream_id=stream_id)
        .order_by("-stream_version")
        .values_list("stream_version", "hash")
        .first()
    )
    return head if head else (0, GENESIS_HASH)


def new_event(
    *,
    stream_id: uuid.UUID,
    expected_version: int,
    type: str,  # noqa: A002
    data: dict[str, Any],
    metadata: dict[str, Any],
    schema_version: int = 1,
    occurred_at: dt.datetime | None = None,
    head: tuple[int, str] | None = None,
) -> Event:
    """The next event of a stream, hashed onto its chain but not yet written (`write`),
    refused unless the stream is at `expected_version`.

    `head` is the stream's (version, last hash) when the caller already holds them, from the
    case row that is written with every event; otherwise they are read from the table. Until
    it is written the event has no position: rows that name it are written with it
    (`write_with`).
    """
    current_version, previous_hash = head if head is not None else stream_head(stream_id)
    if current_version != expected_version:
        raise ConcurrencyConflict(
            stream_id=stream_id, expected_version=expected_version, current_version=current_version
        )
    event = Event(
        stream_id=stream_id,
        stream_version=current_version + 1,
        type=type,
        schema_version=schema_version,
        data=to_json_value(data),
        metadata=to_json_value(metadata),
        occurred_at=occurred_at or timezone.now(),
        previous_hash=previous_hash,
    )
    event.hash = event.computed_hash()
    event.written_with = []  # type: ignore[attr-defined]  # see write_with
    return event


def write_with(event: Event, row_write: RowWrite) -> None:
    """Write `row_write` in the same statement as `event` (on PostgreSQL; on SQLite right after
    it, in the same transaction). Its parameters may name the event's position as
    `ledger.log.EVENT_POSITION`."""
    if not event._state.adding:
        raise ValueError(f"{event} is already written")
    event.written_with.append(row_write)  # type: ignore[attr-defined]


def write(event: Event) -> Event:
    """Write a `new_event`, with its leaf of the global log (`ledger.log`) and the rows to be
    written with it, in one statement.

    Call inside the command's transaction. Two writers that both pass the version check are
    stopped by the unique (stream, version) constraint; `cases.commands.command` turns that
    IntegrityError into a ConcurrencyConflict once the transaction has rolled back.
    """
    event.position, leaf_index = insert_event_as_leaf(
        Event._meta.db_table,
        _APPENDED_FIELDS,
        prepared_values(event, _APPENDED_FIELDS),
        event.hash,
        written_with=getattr(event, "written_with", ()),
    )
    event.leaf_index = leaf_index  # type: ignore[attr-defined]  # known once appended, not a column
    event.written_with = ()  # type: ignore[attr-defined]
    event._state.adding = False
    event._state.db = DEFAULT_DB_ALIAS
    return event


def append(
    *,
    stream_id: uuid.UUID,
    expected_version: int,
    type: str,  # noqa: A002
    data: dict[str, Any],
    metadata: dict[str, Any],
    schema_version: int = 1,
    occurred_at: dt.datetime | None = None,
    head: tuple[int, str] | None = None,
) -> Event:
    """Append one event to a stream, refusing it unless the stream is at `expected_version`:
    `new_event` and `write` with nothing written beside it."""
    return write(
        new_event(
            stream_id=stream_id,
            expected_version=expected_version,
            type=type,
            schema_version=schema_version,
            data=data,
            metadata=metadata,
            occurred_at=occurred_at,
            head=head,
        )
    )


_APPENDED_FIELDS = (
    "stream_id",
    "stream_version",
    "type",
    "schema_version",
    "data",
    "metadata",
    "occurred_at",
    "previous_hash",
    "hash",
)


def stream_events(stream_id: uuid.UUID) -> models.QuerySet[Event]:
    return Event.objects.filter(stream_id=stream_id).order_by("stream_version")


# --- Reading the whole log ------------------------------------------------------------------


class StoredEvent(NamedTuple):
    """An event as plain values, for reading the whole log: a model instance per event costs
    more than the checks and the replay made of it. Has what `verify_chain` and the apply
    functions read of an `Event`."""

    position: int
    stream_id: uuid.UUID
    stream_version: int
    type: str
    schema_version: int
    data: Any
    metadata: Any
    occurred_at: dt.datetime
    previous_hash: str
    hash: str

    def computed_hash(self) -> str:
        return hash_of(self)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LOG_BATCH = 5000


def stored_events(
    *,
    by_stream: bool,
    exclude_stream: uuid.UUID | None = None,
    content: bool = True,
    streams: tuple[uuid.UUID | None, uuid.UUID | None] = (None, None),
) -> Iterator[Event | StoredEvent]:
    """Every event, by (stream, version) or by position, read in batches.

    On PostgreSQL through a server-side cursor as plain values (times as whole microseconds,
    exact); elsewhere through the ORM. Without `content`, data and metadata are left out
    (None) on PostgreSQL: for a walk that needs only where each event is and its hashes.
    `streams` keeps the streams whose ids lie in [low, high) (None: no bound).
    """
    order = ("stream_id", "stream_version") if by_stream else ("position",)
    low, high = streams
    if connection.vendor != "postgresql":
        events = Event.objects.order_by(*order)
        if exclude_stream is not None:
            events = events.exclude(stream_id=exclude_stream)
        if low is not None:
            events = events.filter(stream_id__gte=low)
        if high is not None:
            events = events.filter(stream_id__lt=high)
        yield from events.iterator(chunk_size=2000)
        return
    conditions: list[str] = []
    parameters: list[uuid.UUID] = []
    for condition, value in (("stream_id <> %s", exclude_stream), ("stream_id >= %s", low), ("stream_id < %s", high)):
        if value is not None:
            conditions.append(condition)
            parameters.append(value)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    documents = "data::text, metadata::text" if content else "NULL, NULL"
    sql = (
        f"SELECT position, stream_id, stream_version, type, schema_version, {documents}, "  # noqa: S608
        "(EXTRACT(EPOCH FROM occurred_at) * 1000000)::bigint, previous_hash, hash "
        f"FROM {Event._meta.db_table} {where} ORDER BY {', '.join(order)}"
    )
    loads = json.loads
    delta = dt.timedelta
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, parameters)
        while rows := cursor.fetchmany(LOG_BATCH):
            for position, stream, version, kind, schema, data, metadata, micros, previous, digest in rows:
                yield StoredEvent(
                    position,
                    stream,
                    version,
                    kind,
                    schema,
                    loads(data) if content else None,
                    loads(metadata) if content else None,
                    _EPOCH + delta(microseconds=micros),
                    previous,
                    digest,
                )


# --- Verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    event: Event | StoredEvent
    reason: str

    def describe(self) -> str:
        e = self.event
        return f"event #{e.position} (stream {e.stream_id}, version {e.stream_version}, {e.type}): {self.reason}"


def verify_chain(events: Iterator[Any]) -> Iterator[ChainBreak | Any]:
    """Walk events ordered by (stream, version); yield each event, or a ChainBreak at the
    first event of a stream that does not verify (later events of that stream are skipped)."""
    stream: uuid.UUID | None = None
    expected_version = 1
    expected_previous = GENESIS_HASH
    broken_stream: uuid.UUID | None = None
    for event in events:
        if event.stream_id != stream:
            stream, expected_version, expected_previous = event.stream_id, 1, GENESIS_HASH
        if event.stream_id == broken_stream:
            continue
        reason = None
        if event.stream_version != expected_version:
            reason = f"expected version {expected_version}, found {event.stream_version} (an event is missing)"
        elif event.previous_hash != expected_previous:
            reason = "its previous hash does not match the event before it"
        elif event.computed_hash() != event.hash:
            reason = "its content does not match its hash (altered)"
        if reason:
            broken_stream = event.stream_id
            yield ChainBreak(event, reason)
            continue
        expected_version += 1
        expected_previous = event.hash
        yield event
