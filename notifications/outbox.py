"""Writing outbox rows for an event, in the event's own statement (`cases.eventstore.write_with`).

The rows are written before the event has a position: they name it as EVENT_POSITION, and a
live hint's position is taken from its row's `event_position` when it is sent.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from cases.eventstore import write_with
from cases.kinds import declaration_of
from cases.measures import recorded_measures
from cases.rows import insert_statement
from cases.sealing import subject_at_hand
from ledger.log import EVENT_POSITION
from notifications.models import Channel, OutboxMessage

if TYPE_CHECKING:
    from cases.eventstore import Event
    from cases.models import Case

_QUEUED_FIELDS = [f.attname for f in OutboxMessage._meta.concrete_fields if not f.primary_key]

# Set after each commit that queued something, so an in-process dispatcher wakes at once.
# It is only a wake-up: a dispatcher in another process finds the rows by polling.
outbox_ready = threading.Event()


def outbox_enqueue(event: Event, case: Case) -> None:
    """Queue what this event owes: a live hint always; an e-mail to the filer when the case's
    kind says they are told of it; a notice to each account holder a new measure names. Each
    e-mail row names its recipient, so one event may owe several (the filer's decision and
    the account holders' notices of its measures). Staff e-mail follows the inbox
    (notifications.inbox.inbox_record)."""
    now = timezone.now()
    live = _live_payload(event, case)
    rows = [
        OutboxMessage(
            event_position=EVENT_POSITION,
            stream_id=event.stream_id,
            channel=Channel.LIVE,
            payload=live,
            created_at=now,
            available_at=now,
        )
    ]
    recipients: list[dict[str, Any]] = []
    if case.subject_id and event.type in declaration_of(case.kind).filer_notified and _reachable(case):
        recipients.append({"recipient": f"subject:{case.subject_id}", "subject_id": str(case.subject_id)})
    for number, item in enumerate(recorded_measures(event.data), start=1):
        if item["subject_id"]:
            recipients.append(
                {"recipient": f"measure:{number}", "subject_id": str(item["subject_id"]), "measure_number": number}
            )
    rows += [_email_row(event, live, recipient, now) for recipient in recipients]
    write_with(event, insert_statement(rows, _QUEUED_FIELDS))
    transaction.on_commit(outbox_ready.set)


def _live_payload(event: Event, case: Case) -> dict[str, Any]:
    return {
        "case_id": str(case.id),
        "organisation_id": case.organisation_id,
        "counterpart_organisation_id": case.counterpart_organisation_id,
        "reference": case.reference,
        "version": event.stream_version,
        "event_type": event.type,
        "state": case.state,
    }


def staff_mail_enqueue(event: Event, case: Case, notices: dict[int, str]) -> None:
    """Owe an e-mail to each member of staff named (user id → the notice they get), in the
    event's transaction; the dispatcher writes it in their language."""
    now = timezone.now()
    live = _live_payload(event, case)
    rows = [
        _email_row(event, live, {"recipient": f"user:{user}", "staff_user_id": user, "notice": notice}, now)
        for user, notice in sorted(notices.items())
    ]
    write_with(event, insert_statement(rows, _QUEUED_FIELDS))
    transaction.on_commit(outbox_ready.set)


def _email_row(event: Event, live: dict[str, Any], recipient: dict[str, Any], now: Any) -> OutboxMessage:
    return OutboxMessage(
        event_position=EVENT_POSITION,
        stream_id=event.stream_id,
        channel=Channel.EMAIL,
        recipient=recipient["recipient"],
        payload={**live, **{key: value for key, value in recipient.items() if key != "recipient"}},
        created_at=now,
        available_at=now,
    )


def _reachable(case: Case) -> bool:
    """Whether the filer left an address (an anonymous filer has a data subject all the same,
    whose key seals their text) and has not been erased."""
    subject = subject_at_hand(case, case.subject_id) if case.subject_id else None
    return subject is not None and not subject.erased and subject.email_sealed != ""
