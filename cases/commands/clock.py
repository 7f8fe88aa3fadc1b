"""The clock worker's command: records, once per case, that a watched deadline passed.

Besides each kind's own `clock_checks`, every tick runs `cases.commands.time_limits`: the
generic first-response and resolution targets, warned of and marked breached once each.

Each kind declares the deadlines it watches (`KindDeclaration.clock_checks`). A tick finds the
cases whose deadline has passed, locks them, asks again of each locked row whether it is still
due and whether its event is not already in its history, and takes the kind's internal
transition as the system. Several workers may tick at once: on PostgreSQL the candidates are
locked with SELECT … FOR UPDATE SKIP LOCKED, so two workers never hold the same case, and the
re-check inside the transaction sees what a worker that held it before committed; SQLite
takes the write lock when the transaction begins, so ticks there run one after another.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.actors import Actor
from cases.eventstore import Event
from cases.kinds import ClockCheck, KindDeclaration, as_kind, declarations
from cases.workflows.base import perform
from ledger.checkpoints import checkpoint_if_due

logger = logging.getLogger(__name__)

# How many cases one transaction records at most; the next batch follows in the same tick.
BATCH = 50

# Work other apps give the clock worker, each run on every tick with the tick's time (the
# staff digests of notifications). Cases know nothing of what they do.
_tick_jobs: list[Callable[..., object]] = []


def on_clock_tick(job: Callable[..., object]) -> None:
    """Run `job(now=...)` on every tick of the clock worker, after the deadlines."""
    if job not in _tick_jobs:
        _tick_jobs.append(job)


def clock_jobs_run(*, now: dt.datetime | None = None) -> None:
    """Run every registered job once; one that fails does not keep the others from running."""
    now = now or timezone.now()
    for job in list(_tick_jobs):
        try:
            job(now=now)
        except Exception:
            logger.exception("clock job %s failed; retrying next tick", getattr(job, "__name__", job))


def clock_tick(*, now: dt.datetime | None = None) -> int:
    """Record every watched deadline that has passed by `now` (default: the current time) and
    was not recorded yet; return how many events were recorded."""
    now = now or timezone.now()
    recorded = 0
    for declaration in declarations():
        for check in declaration.clock_checks:
            while True:
                found, done = _run_batch(declaration, check, now)
                recorded += done
                if found < BATCH:
                    break
    # The generic time limits of every kind that keeps them: warnings and breaches.
    from cases.commands.time_limits import time_limits_tick

    return recorded + time_limits_tick(now=now)


def _run_batch(declaration: KindDeclaration, check: ClockCheck, now: dt.datetime) -> tuple[int, int]:
    """(candidates locked, events recorded) for one batch, in one transaction."""
    actor = Actor.system(request_id=f"clock-{declaration.kind}")
    with transaction.atomic():
        candidates = check.candidates(declaration.model.objects.all(), now)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        batch = list(candidates.order_by("due_at", "id")[:BATCH])
        recorded = 0
        for case in batch:
            case = as_kind(case)
            if not check.due(case, now):
                continue
            if not check.repeatable and Event.objects.filter(stream_id=case.id, type=check.event).exists():
                continue  # recorded once already: once is what the clock promises
            try:
                with transaction.atomic():
                    perform(case, check.action, actor=actor, now=now)
            except IntegrityError:
                # A staff command appended to this case meanwhile (it does not wait for the
                # row lock); the case is still a candidate, and the next tick records it.
                logger.info("clock: %s changed meanwhile; next tick", case.reference)
                continue
            recorded += 1
    # A candidate that is no longer due would come back in every batch: stop at the first
    # batch that recorded nothing.
    return (len(batch) if recorded else 0), recorded


def erase_due_personal_data_if_due() -> None:
    from cases.commands.retention import erase_due_personal_data_if_due as run

    run()


def clock_forever(*, stop: threading.Event, poll_seconds: float | None = None) -> None:
    """Tick until `stop` is set, every `poll_seconds` (default: settings.CLOCK_POLL_SECONDS)."""
    interval = settings.CLOCK_POLL_SECONDS if poll_seconds is None else poll_seconds
    while not stop.is_set():
        try:
            recorded = clock_tick()
            if recorded:
                logger.info("clock recorded %s passed deadlines", recorded)
            clock_jobs_run()
            # A signed checkpoint of the log every LEDGER_CHECKPOINT_SECONDS, when it has grown.
            checkpoint_if_due()
            # Personal data past its retention period, once an hour.
            erase_due_personal_data_if_due()
        except Exception:  # the database may be briefly away; keep the loop alive
            logger.exception("clock tick failed; retrying")
        stop.wait(interval)
