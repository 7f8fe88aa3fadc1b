"""The clock worker's watch on the generic time limits: a warning as a deadline nears, and a
breach once it has passed, each recorded at most once per case and target, as the system.

Every kind whose declaration keeps the generic targets (`sla_targets`) is watched; a kind with
a clock of its own opts out and declares it in `clock_checks`. The target running is the
first response until the case's running deadline is its resolution deadline.

Once per case and target, even with several workers: candidates are locked (SELECT … FOR
UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite), and each locked row's own events
are read again inside the transaction before anything is recorded; the unique (stream,
version) constraint refuses what a race could still let through.

A breach escalates: the event raises the case's priority by one step, and its outbox rows
notify the organisation's supervisors. A warning is a reminder: it waits for business hours
(09:00–18:00 on a working day) unless the case's policy says to remind at any hour, and it is
not recorded at all for a target that is already breached (a worker catching up after a stop
records the breach alone).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from accounts.actors import Actor
from cases import sla
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.kinds import KindDeclaration, as_kind, declarations
from cases.models import Case, Priority

logger = logging.getLogger(__name__)

BATCH = 50
WATCHED = (CaseEvent.SLA_BREACHED, CaseEvent.SLA_WARNING)  # breaches first: see the module text


def running_target(case: Case) -> str:
    return sla.RESOLUTION if case.due_at == case.resolution_due_at else sla.FIRST_RESPONSE


def _recorded(event_type: str, target: str) -> Exists:
    return Exists(Event.objects.filter(stream_id=OuterRef("pk"), type=event_type, data__target=target))


def _candidates(declaration: KindDeclaration, event_type: str, now: dt.datetime) -> QuerySet[Case]:
    """Open cases of the kind whose running deadline has passed (breach) or is near (warning),
    with no event of the type for that target yet. Indexed by (organisation, kind, state, due_at)."""
    cases = Case.objects.filter(kind=declaration.kind, state__in=declaration.open_states, due_at__isnull=False)
    if event_type == CaseEvent.SLA_BREACHED:
        cases = cases.filter(due_at__lte=now)
    else:
        cases = cases.filter(due_at__gt=now, due_at__lte=now + dt.timedelta(hours=_longest_lead(declaration.kind)))
    first = ~Q(due_at=F("resolution_due_at")) & ~_recorded(event_type, sla.FIRST_RESPONSE)
    resolution = Q(due_at=F("resolution_due_at")) & ~_recorded(event_type, sla.RESOLUTION)
    return cases.filter(first | resolution)


def _longest_lead(kind: str) -> int:
    leads = list(sla.SlaPolicy.objects.filter(kind=kind).values_list("warning_hours", flat=True))
    return max([sla.declared_targets(kind).warning_hours, *leads])


def _owed(case: Case, event_type: str, now: dt.datetime, targets: sla.Targets) -> dict[str, Any] | None:
    """The event data owed for this locked case now, or None."""
    if case.due_at is None:
        return None
    target = running_target(case)
    already = {
        (kind, data.get("target") if isinstance(data, dict) else None)
        for kind, data in Event.objects.filter(stream_id=case.id, type__in=WATCHED).values_list("type", "data")
    }
    if (event_type, target) in already:
        return None  # once is what the clock promises
    data: dict[str, Any] = {"target": target, "due_at": case.due_at}
    if event_type == CaseEvent.SLA_BREACHED:
        if case.due_at > now:
            return None
        if case.priority < Priority.URGENT:
            data["priority"] = case.priority + 1
        return data
    if (CaseEvent.SLA_BREACHED, target) in already or not (
        case.due_at - dt.timedelta(hours=targets.warning_hours) <= now < case.due_at
    ):
        return None
    if not targets.remind_outside_business_hours and not sla.WorkingCalendar.around(now).in_business_hours(now):
        return None  # no reminder at night, at weekends or on holidays: the next tick in hours sends it
    return data


def _run_batch(declaration: KindDeclaration, event_type: str, now: dt.datetime) -> tuple[int, int]:
    actor = Actor.system(request_id=f"clock-sla-{declaration.kind}")
    policies: dict[int | None, sla.Targets] = {}
    with transaction.atomic():
        candidates = _candidates(declaration, event_type, now)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        batch = list(candidates.order_by("due_at", "id")[:BATCH])
        recorded = 0
        for case in batch:
            case = as_kind(case)
            if case.sla_policy_version not in policies:
                policies[case.sla_policy_version] = sla.case_targets(case)
            data = _owed(case, event_type, now, policies[case.sla_policy_version])
            if data is None:
                continue
            try:
                with transaction.atomic():
                    case.record(event_type, data, actor=actor)
            except IntegrityError:
                logger.info("clock: %s changed meanwhile; next tick", case.reference)
                continue
            recorded += 1
    return (len(batch) if recorded else 0), recorded


def time_limits_tick(*, now: dt.datetime) -> int:
    """Record every warning and breach owed at `now`; return how many were recorded."""
    recorded = 0
    for declaration in declarations():
        if not declaration.sla_targets:
            continue
        for event_type in WATCHED:
            while True:
                found, done = _run_batch(declaration, event_type, now)
                recorded += done
                if found < BATCH:
                    break
    return recorded
