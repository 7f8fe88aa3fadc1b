"""The outbox dispatcher: delivers owed messages at least once, and resumes after a crash.

Each batch is leased in a short transaction (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL,
so dispatchers in several processes never take the same rows), then delivered with no lock
held, then marked delivered. A process that dies mid-batch leaves its rows undelivered; once
the lease runs out the next dispatcher sends them again. Deliveries are therefore at least
once and made idempotent: a live message is only a hint, and an e-mail carries a Message-ID
derived from the outbox row, so mail systems recognise a repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any
from urllib.parse import urlencode

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from notifications.models import Channel, OutboxMessage
from notifications.outbox import outbox_ready

logger = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=1)


def case_group(case_id: str) -> str:
    return f"case.{case_id}"


def organisation_group(organisation_id: int) -> str:
    return f"organisation.{organisation_id}"


def _deliver_live(message: OutboxMessage) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    payload = {"type": "case.event", **message.payload}
    # Channel layers deliver at most once; the payload is a hint carrying the event position,
    # and a client that notices a gap fetches the history.
    async_to_sync(layer.group_send)(case_group(message.payload["case_id"]), payload)
    async_to_sync(layer.group_send)(organisation_group(message.payload["organisation_id"]), payload)
    # An order or a report is also news to the regulator it is addressed to.
    counterpart = message.payload.get("counterpart_organisation_id")
    if counterpart is not None:
        async_to_sync(layer.group_send)(organisation_group(counterpart), payload)


def _deliver_email(message: OutboxMessage) -> None:
    from cases.models import Case, DataSubject

    if "staff" in message.payload:
        _deliver_staff_email(message)
        return
    subject = DataSubject.objects.filter(pk=message.payload["subject_id"]).first()
    if subject is None or not subject.email or subject.consent_withdrawn_at is not None:
        return  # erased, never gave an address, or withdrew their consent: nothing is owed
    case = Case.objects.get(pk=message.payload["case_id"])
    language = subject.language or settings.LANGUAGE_CODE
    with translation.override(language):
        if "measure_number" in message.payload:
            context = _measure_notice(message, case)
            template = "notifications/email/measure_notice"
        else:
            context = _case_update(message, case)
            template = "notifications/email/case_update"
        context["language"] = language
        title = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", {**context, "subject": title})
        html = _html_version(template, {**context, "subject": title})
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    mail = EmailMultiAlternatives(
        subject=title,
        body=body,
        to=[subject.email],
        headers={"Message-ID": f"<outbox-{message.pk}@{domain}>"},
    )
    if html:
        mail.attach_alternative(html, "text/html")
    mail.send()


def _html_version(template: str, context: dict[str, Any]) -> str:
    try:
        return render_to_string(f"{template}.html", context)
    except TemplateDoesNotExist:
        return ""


def _case_update(message: OutboxMessage, case: Any) -> dict[str, Any]:
    """What the filer is told of an event on their case: the event as their tracking page
    shows it (the question asked, the decision and its reasons, the measures), what the state
    means for them and by when, and whether they may answer or appeal. The address of their
    case's page goes without the private token: mail is stored and forwarded."""
    from cases.eventstore import Event
    from cases.kinds import as_kind
    from cases.selectors import decision_appealable, public_events_of, waiting_on_filer
    from cases.web.public_text import state_explanation

    case = as_kind(case)
    event = Event.objects.get(position=message.event_position, stream_id=message.stream_id)
    shown = public_events_of(case.kind).get(event.type)
    return {
        "case": case,
        "title": str(shown.title) if shown else case.public_state_label,
        "lines": [str(line) for line in shown.lines(event, case) if line] if shown else [],
        "explanation": state_explanation(case),
        "waiting": waiting_on_filer(case),
        "appeal": decision_appealable(case),
        "track_url": f"{settings.PUBLIC_BASE_URL}/track/{case.reference}/",
    }


def _deliver_staff_email(message: OutboxMessage) -> None:
    """A time limit nearly reached (to the case's handler) or missed (to the organisation's
    supervisors), in the project's language: staff read the staff workspace in it."""
    from accounts.models import Role, User
    from cases.eventstore import Event
    from cases.models import Case
    from cases.sla import CHINA_TIME

    case = Case.objects.get(pk=message.payload["case_id"])
    people = User.objects.filter(is_active=True).exclude(email="")
    if message.payload["staff"] == "supervisors":
        people = people.filter(organisation_id=case.organisation_id, role=Role.SUPERVISOR)
    else:
        people = people.filter(pk=message.payload["user_id"], organisation_id=case.organisation_id)
    addresses = sorted(people.values_list("email", flat=True))
    if not addresses:
        return
    event = Event.objects.get(position=message.event_position, stream_id=message.stream_id)
    due = parse_datetime(event.data["due_at"]) if isinstance(event.data.get("due_at"), str) else None
    context = {
        "case": case,
        "breached": message.payload["staff"] == "supervisors",
        "target": event.data.get("target"),
        "due": due.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if due else "",
        "url": f"{settings.PUBLIC_BASE_URL}/staff/cases/{case.id}/",
    }
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("notifications/email/time_limit.txt", context)
        title = render_to_string("notifications/email/time_limit_subject.txt", context).strip()
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    EmailMessage(
        subject=title, body=body, to=addresses, headers={"Message-ID": f"<outbox-{message.pk}@{domain}>"}
    ).send()


def _measure_notice(message: OutboxMessage, case: Any) -> dict[str, Any]:
    """What the account holder is told of a measure against their account: the measure, how
    long it lasts, the reason given, its reference and how to appeal it.

    Read from the event that took the measure (the one that queued this message), through the
    event store: the reason is the decision's own summary, and a later decision on the same
    case does not change what this one said."""
    from cases.eventstore import Event
    from cases.measures import TIMED_MEASURES, Measure, measure_reference, recorded_measures
    from cases.sla import CHINA_TIME

    number = message.payload["measure_number"]
    decision = Event.objects.get(position=message.event_position, stream_id=message.stream_id)
    item = recorded_measures(decision.data)[number - 1]
    ends_at = parse_datetime(item["ends_at"]) if item["ends_at"] else None
    reference = measure_reference(case.reference, number)
    measure = item["measure"]
    return {
        "measure": Measure(measure).label if measure in Measure.values else measure,
        "account": item["account"],
        "ends_at": ends_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if ends_at else "",
        "days": round((ends_at - decision.occurred_at) / dt.timedelta(days=1)) if ends_at else None,
        "until_lifted": ends_at is None and measure in TIMED_MEASURES,
        "reason": str(decision.data.get("summary") or "").strip(),
        "reference": reference,
        "appeal_url": f"{settings.PUBLIC_BASE_URL}/appeals/new/?{urlencode({'measure_reference': reference})}",
    }


DELIVERERS = {Channel.LIVE: _deliver_live, Channel.EMAIL: _deliver_email}


def _claim(limit: int) -> list[OutboxMessage]:
    """Lease due messages in a short transaction, so no lock is held while delivering.

    A dispatcher that dies holding a lease simply lets it expire; the next one delivers."""
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True, available_at__lte=now)
            .order_by("id")[:limit]
        )
        lease_until = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(available_at=lease_until)
    return batch


def dispatch_batch(*, limit: int = 100) -> int:
    """Deliver up to `limit` due messages; return how many were attempted."""
    batch = _claim(limit)
    for message in batch:
        message.attempts += 1
        try:
            DELIVERERS[message.channel](message)
        except Exception as exc:  # noqa: BLE001 - a failed delivery is retried, not fatal
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.available_at = timezone.now() + min(dt.timedelta(seconds=2**message.attempts), MAX_BACKOFF)
            # The kind of failure only: a mail server's refusal quotes the recipient's address,
            # and logs carry no personal data (the message row keeps the detail for staff).
            logger.warning(
                "outbox message %s failed (attempt %s): %s", message.pk, message.attempts, type(exc).__name__
            )
            message.save(update_fields=["attempts", "last_error", "available_at"])
        else:
            message.delivered_at = timezone.now()
            message.save(update_fields=["attempts", "delivered_at"])
    return len(batch)


def dispatch_forever(*, stop: threading.Event, poll_seconds: float = 1.0) -> None:
    """Deliver until `stop` is set, waking on a local commit or every `poll_seconds`."""
    while not stop.is_set():
        try:
            while dispatch_batch() and not stop.is_set():
                pass
        except Exception:  # the database may be briefly away; keep the loop alive
            logger.exception("outbox dispatch failed; retrying")
        outbox_ready.wait(poll_seconds)
        outbox_ready.clear()
