"""Writing outbox rows for an event, inside the event's own transaction."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from cases.events import EventType
from cases.rows import insert_rows
from notifications.models import Channel, OutboxMessage

if TYPE_CHECKING:
    from cases.eventstore import Event
    from cases.models import Case

# The complainant hears about these by e-mail when they left an address.
COMPLAINANT_EMAIL_EVENTS = frozenset(
    {
        EventType.COMPLAINT_SUBMITTED,
        EventType.COMPLAINT_ACCEPTED,
        EventType.COMPLAINT_REJECTED,
        EventType.COMPLAINT_INFORMATION_REQUESTED,
        EventType.COMPLAINT_RESOLVED,
        EventType.APPEAL_FILED,
        EventType.APPEAL_UPHELD,
        EventType.APPEAL_OVERTURNED,
    }
)

_QUEUED_FIELDS = [f.attname for f in OutboxMessage._meta.concrete_fields if not f.primary_key]

# Set after each commit that queued something, so an in-process dispatcher wakes at once.
# It is only a wake-up: a dispatcher in another process finds the rows by polling.
outbox_ready = threading.Event()


def outbox_enqueue(*, event: Event, case: Case) -> None:
    now = timezone.now()
    live = {
        "case_id": str(case.id),
        "organisation_id": case.organisation_id,
        "reference": case.reference,
        "position": event.position,
        "version": event.stream_version,
        "event_type": event.type,
        "state": case.state,
    }
    rows = [
        OutboxMessage(
            event_position=event.position,
            stream_id=event.stream_id,
            channel=Channel.LIVE,
            payload=live,
            created_at=now,
            available_at=now,
        )
    ]
    if case.subject_id and event.type in COMPLAINANT_EMAIL_EVENTS:
        rows.append(
            OutboxMessage(
                event_position=event.position,
                stream_id=event.stream_id,
                channel=Channel.EMAIL,
                payload={**live, "subject_id": str(case.subject_id)},
                created_at=now,
                available_at=now,
            )
        )
    insert_rows(rows, _QUEUED_FIELDS)
    transaction.on_commit(outbox_ready.set)
