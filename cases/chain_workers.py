"""Verifying every case's hash chain with several processes, in one snapshot of the log.

On PostgreSQL, `verify_ledger` exports its snapshot and hands the streams out to worker
processes by ranges of their ids. Each worker imports that snapshot, so all of them read the
log as it was at one moment: what they find together is what one walk would have found. The
command walks the global log meanwhile, in the same snapshot.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.sharedctypes import Synchronized
from typing import TYPE_CHECKING

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

_checked: Synchronized[int] | None = None  # in a worker: the events checked, shared with the command


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


class ChainWorkers:
    """`processes` workers verifying the chains of the streams in one snapshot, started at once."""

    def __init__(self, processes: int, snapshot: str) -> None:
        context = multiprocessing.get_context("spawn")  # a fork would share this process's connection
        self._checked = context.Value("q", 0)
        self._pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._checked, os.environ["DJANGO_SETTINGS_MODULE"], connection.settings_dict["NAME"]),
        )
        self._futures: list[Future[tuple[int, list[ChainBreak]]]] = [
            self._pool.submit(_verify_streams, snapshot, low, high) for low, high in stream_ranges(processes)
        ]

    def checked(self) -> int:
        """How many events the workers have checked so far (in steps of a thousand)."""
        return int(self._checked.value)

    def result(self, progress: Callable[[int], None]) -> tuple[int, list[ChainBreak]]:
        """The events checked and the chain breaks, in stream order, once every worker is done."""
        try:
            while not all(future.done() for future in self._futures):
                progress(self.checked())
                time.sleep(0.2)
            checked, breaks = 0, []
            for future in self._futures:
                count, found = future.result()
                checked += count
                breaks += found
            return checked, breaks
        finally:
            self._pool.shutdown(cancel_futures=True)


def _start_worker(checked: Synchronized[int], settings_module: str, database_name: str) -> None:
    global _checked
    _checked = checked
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    # The command's own database, which under a test runner is not the one the settings name.
    connection.settings_dict["NAME"] = database_name


def _verify_streams(snapshot: str, low: uuid.UUID | None, high: uuid.UUID | None) -> tuple[int, list[ChainBreak]]:
    from django.db import transaction

    from cases.eventstore import ChainBreak, stored_events, verify_chain

    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    assert _checked is not None
    checked, breaks = 0, []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # SET takes no parameters; the id was checked above.
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        for item in verify_chain(stored_events(by_stream=True, streams=(low, high))):
            checked += 1
            if isinstance(item, ChainBreak):
                breaks.append(item)
            if checked % _COUNT_EVERY == 0:
                with _checked.get_lock():
                    _checked.value += _COUNT_EVERY
    with _checked.get_lock():
        _checked.value += checked % _COUNT_EVERY
    return checked, breaks
