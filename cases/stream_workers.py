"""Walking every case's stream with several processes, in one snapshot of the log.

On PostgreSQL, a command (`verify_ledger`, `rebuild_projections`) exports its snapshot and
hands the streams out to worker processes by ranges of their ids. Each worker imports that
snapshot, so all of them read the log as it was at one moment: what they find together is what
one walk would have found. `verify_ledger` walks the global log meanwhile, in the same snapshot.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.sharedctypes import Synchronized
from typing import TYPE_CHECKING, Any

from django.db import connection

# A spawned worker imports this module before Django is set up: nothing here may need the
# app registry at import time.
if TYPE_CHECKING:
    from cases.eventstore import ChainBreak

# Below this many events, starting the workers (a new interpreter and Django each) costs more
# than it saves.
PARALLEL_FROM = 200_000
_COUNT_EVERY = 1000
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+-[0-9A-Fa-f]+(-[0-9]+)?")

_done: Synchronized[int] | None = None  # in a worker: the events walked, shared with the command


# What a worker runs over the streams whose ids lie in [low, high), given them and the
# command's arguments: it returns the events it walked and what it found in them. A
# module-level function, so that a worker can import it.
RangeTask = Callable[..., tuple[int, list[Any]]]


def stream_ranges(parts: int) -> list[tuple[uuid.UUID | None, uuid.UUID | None]]:
    """`parts` ranges [low, high) of stream ids that cover every id; random (version 4) ids
    fall into them evenly. PostgreSQL orders UUIDs by their bytes, as their integers do."""
    step = (1 << 128) // parts
    bounds: list[uuid.UUID | None] = [None, *(uuid.UUID(int=step * n) for n in range(1, parts)), None]
    return list(itertools.pairwise(bounds))


def export_snapshot() -> str:
    """The id of this transaction's snapshot, for other sessions to read the same data. The
    transaction must be REPEATABLE READ and stay open while they import it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        return cursor.fetchone()[0]


class StreamWorkers:
    """`processes` workers, started at once, each running `task` over its range of stream ids in
    the snapshot `snapshot`; `arguments` go to every task."""

    def __init__(self, processes: int, snapshot: str, task: RangeTask, *arguments: Any) -> None:
        context = multiprocessing.get_context("spawn")  # a fork would share this process's connection
        self._done = context.Value("q", 0)
        self._pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._done, os.environ["DJANGO_SETTINGS_MODULE"], connection.settings_dict["NAME"]),
        )
        self._futures: list[Future[tuple[int, list[Any]]]] = [
            self._pool.submit(_in_snapshot, snapshot, task, low, high, *arguments)
            for low, high in stream_ranges(processes)
        ]

    def done(self) -> int:
        """How many events the workers have walked so far (in steps of a thousand)."""
        return int(self._done.value)

    def result(self, progress: Callable[[int], None]) -> tuple[int, list[Any]]:
        """The events walked and what the workers found, in stream order, once all are done."""
        try:
            while not all(future.done() for future in self._futures):
                progress(self.done())
                time.sleep(0.2)
            walked, found = 0, []
            for future in self._futures:
                count, items = future.result()
                walked += count
                found += items
            return walked, found
        finally:
            self._pool.shutdown(cancel_futures=True)


def _start_worker(done: Synchronized[int], settings_module: str, database_name: str) -> None:
    global _done
    _done = done
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    # The command's own database, which under a test runner is not the one the settings name.
    connection.settings_dict["NAME"] = database_name


def _in_snapshot(
    snapshot: str, task: RangeTask, low: uuid.UUID | None, high: uuid.UUID | None, *arguments: Any
) -> tuple[int, list[Any]]:
    from django.db import transaction

    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # SET takes no parameters; the id was checked above.
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        return task(low, high, *arguments)


@contextmanager
def counted() -> Iterator[Callable[[int], None]]:
    """In a worker: a function to call with the events walked so far, which the command shows
    as its progress (shared in steps of a thousand, and in full once the task is done)."""
    assert _done is not None, "only in a worker process"
    shared = 0
    walked = 0

    def count(so_far: int) -> None:
        nonlocal shared, walked
        walked = so_far
        if walked - shared >= _COUNT_EVERY:
            with _done.get_lock():
                _done.value += walked - shared
            shared = walked

    yield count
    with _done.get_lock():
        _done.value += walked - shared


def verify_streams(low: uuid.UUID | None, high: uuid.UUID | None) -> tuple[int, list[ChainBreak]]:
    """Every chain whose stream id lies in [low, high) (a `RangeTask` of `verify_ledger`)."""
    from cases.eventstore import ChainBreak, stored_events, verify_chain

    checked, breaks = 0, []
    with counted() as count:
        for item in verify_chain(stored_events(by_stream=True, streams=(low, high))):
            checked += 1
            if isinstance(item, ChainBreak):
                breaks.append(item)
            count(checked)
    return checked, breaks
