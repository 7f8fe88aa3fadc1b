"""Rebuilding case projections from the event log, or checking them against it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection, transaction

from cases.eventstore import Event, stored_events
from cases.kinds import kind_of_event
from cases.measures import measure_rows, measures_sync
from cases.models import Case, EnforcementMeasure
from cases.projections import apply_event
from cases.stream_workers import PARALLEL_FROM, StreamWorkers, counted, export_snapshot
from ledger.log import LEDGER_STREAM_ID

BATCH_STREAMS = 500
PROJECTED_FIELDS = [(f.attname, f) for f in Case._meta.concrete_fields]
PROJECTED_NAMES = [name for name, _field in PROJECTED_FIELDS]


@dataclass(frozen=True)
class Difference:
    case_id: uuid.UUID
    field: str
    stored: Any
    replayed: Any

    def describe(self) -> str:
        return f"case {self.case_id}: {self.field} is {self.stored!r}, the events say {self.replayed!r}"


def replay(events: list[Any]) -> Case:
    """Build a case projection from its stream alone, through the same apply functions."""
    declaration = kind_of_event(events[0].type)
    if declaration is None:
        raise ValueError(f"stream {events[0].stream_id} starts with {events[0].type}, which opens no case kind")
    case = declaration.model(id=events[0].stream_id)
    for event in events:
        apply_event(case, event)
    return case


def _streams(events: Iterator[Any]) -> Iterator[list[Any]]:
    stream: list[Any] = []
    for event in events:
        if stream and event.stream_id != stream[0].stream_id:
            yield stream
            stream = []
        stream.append(event)
    if stream:
        yield stream


_MEASURE_FIELDS = ("number", "reference", "account", "measure", "taken_at", "ends_at", "reversed_at", "reversed_by")


def _measure_values(rows: list[EnforcementMeasure]) -> list[tuple[object, ...]]:
    return sorted(tuple(getattr(row, name) for name in _MEASURE_FIELDS) for row in rows)


def _compare(
    stored: dict[str, Any] | None, replayed: Case, stored_measures: list[EnforcementMeasure]
) -> list[Difference]:
    if stored is None:
        return [Difference(replayed.id, "(row)", None, "present")]
    differences = []
    # The per-account measure index, against what the replayed details call for.
    if stored_measures or replayed.details.get("measures"):
        wanted, kept = _measure_values(measure_rows(replayed)), _measure_values(stored_measures)
        if wanted != kept:
            differences.append(Difference(replayed.id, "(enforcement measures)", kept, wanted))
    for name, field in PROJECTED_FIELDS:
        stored_value = stored[name]
        replayed_value = getattr(replayed, name)
        # Most values already compare equal as the apply functions set them; the field's own
        # conversion (a date from a string...) is only needed for the others.
        if stored_value != replayed_value:
            replayed_value = field.to_python(replayed_value)
            if stored_value != replayed_value:
                differences.append(Difference(replayed.id, name, stored_value, replayed_value))
    return differences


class ProgressReport(Protocol):
    """Told the events replayed so far and how many there are (`cases.management.progress`)."""

    def __call__(self, done: int, total: int, *, final: bool = False) -> None: ...


def rebuild_projections(
    *, check: bool, progress: ProgressReport | None = None, workers: int | None = None
) -> list[Difference]:
    """Replay every stream; report differences, and unless `check`, write the replayed rows.

    On PostgreSQL, from `PARALLEL_FROM` events on (or with `workers` above one), the streams are
    replayed by one worker process per core (or `workers`), each over a range of stream ids, all
    in this command's snapshot of the log; elsewhere, or inside a transaction someone else
    opened, by this process alone."""

    def report(done: int, total: int, *, final: bool = False) -> None:
        if progress is not None:
            progress(done, total, final=final)

    in_snapshot = not connection.in_atomic_block and connection.vendor == "postgresql"
    with transaction.atomic():
        if in_snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # The ledger's own stream (its signed checkpoints) opens no case.
        total = Event.objects.exclude(stream_id=LEDGER_STREAM_ID).count()
        if workers is None:
            workers = (os.cpu_count() or 1) if total >= PARALLEL_FROM else 1
        if workers > 1 and in_snapshot:
            pool = StreamWorkers(workers, export_snapshot(), replay_streams, check)
            replayed, differences = pool.result(progress=lambda done: report(done, total))
        else:
            replayed, differences = replay_streams(None, None, check, progress=lambda done: report(done, total))
    report(replayed, total, final=True)
    return differences


def replay_streams(
    low: uuid.UUID | None, high: uuid.UUID | None, check: bool, *, progress: Callable[[int], None] | None = None
) -> tuple[int, list[Difference]]:
    """Replay the streams whose ids lie in [low, high) (None: no bound) and compare each with its
    stored row; unless `check`, write the replayed rows that differ, a batch at a time, and
    delete the rows no stream justifies. Returns the events replayed and the differences. (In a
    worker, the `RangeTask` of `rebuild_projections`.)"""
    if progress is not None:
        return _replay(low, high, check, progress)
    with counted() as count:  # in a worker: its progress is the command's
        return _replay(low, high, check, count)


def _replay(
    low: uuid.UUID | None, high: uuid.UUID | None, check: bool, progress: Callable[[int], None]
) -> tuple[int, list[Difference]]:
    seen_events = 0
    seen_cases: set[uuid.UUID] = set()
    differences: list[Difference] = []
    batch: list[Case] = []

    def flush() -> None:
        stored = {
            row["id"]: row for row in Case.objects.filter(pk__in=[case.id for case in batch]).values(*PROJECTED_NAMES)
        }
        measures: dict[uuid.UUID, list[EnforcementMeasure]] = {}
        for row in EnforcementMeasure.objects.filter(case_id__in=[case.id for case in batch]):
            measures.setdefault(row.case_id, []).append(row)
        found = [d for case in batch for d in _compare(stored.get(case.id), case, measures.get(case.id, []))]
        differences.extend(found)
        if found and not check:
            changed = {d.case_id for d in found}
            with transaction.atomic():
                for case in batch:
                    if case.id in changed:
                        case.save(force_insert=case.id not in stored)
                        measures_sync(case)
        batch.clear()

    events = stored_events(by_stream=True, exclude_stream=LEDGER_STREAM_ID, streams=(low, high))
    for stream in _streams(events):
        case = replay(stream)
        batch.append(case)
        seen_cases.add(case.id)
        seen_events += len(stream)
        if len(batch) >= BATCH_STREAMS:
            flush()
            progress(seen_events)
    if batch:
        flush()
    progress(seen_events)

    # A projection row with no events behind it cannot be justified by the log.
    rows = Case.objects.values_list("pk", flat=True)
    if low is not None:
        rows = rows.filter(pk__gte=low)
    if high is not None:
        rows = rows.filter(pk__lt=high)
    orphan_ids = [pk for pk in rows.iterator() if pk not in seen_cases]
    differences.extend(Difference(case_id, "(row)", "present", None) for case_id in orphan_ids)
    if orphan_ids and not check:
        Case.objects.filter(pk__in=orphan_ids).delete()
    return seen_events, differences
