"""The outbox dispatcher: delivers owed messages at least once, and resumes after a crash.

Each batch is leased in a short transaction (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL,
so dispatchers in several processes never take the same rows), then delivered with no lock
held, then marked delivered. A process that dies mid-batch leaves its rows undelivered; once
the lease runs out the next dispatcher sends them again. Deliveries are therefore at least
once and made idempotent: a live message is only a hint, and an e-mail goes through the
delivery ledger (notifications.deliveries), keyed by event and recipient: never sent again
once recorded sent, and sent again with the same Message-ID if its sender died before
recording it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlencode

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from notifications.deliveries import send_once
from notifications.models import Channel, Notice, OutboxMessage
from notifications.outbox import outbox_ready
from notifications.preferences import preferences_of

logger = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=1)
# How long a live hint may take to reach the channel layer before it counts as failed (retried).
LIVE_SEND_SECONDS = 30

T = TypeVar("T")


def case_group(case_id: str) -> str:
    return f"case.{case_id}"


def organisation_group(organisation_id: int) -> str:
    return f"organisation.{organisation_id}"


class _LiveLoop:
    """One event loop, in a thread of its own, that every live hint of this process is sent
    from: the channel layer keeps its Redis connections open on it, where a fresh loop per
    message (`async_to_sync`) would start a thread, a loop and a connection each time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="live-hints", daemon=True).start()
                self._loop = loop
            return self._loop

    def run(self, work: Coroutine[Any, Any, T], *, timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._running_loop()).result(timeout=timeout)


_live_loop = _LiveLoop()


async def _send_to_groups(layer: Any, groups: list[str], payload: dict[str, Any]) -> None:
    # The groups of one hint are sent together, not one after another. Each copy names its
    # group: a server process is one member of every group its sockets follow, and passes a
    # copy to the sockets of the group it was sent to.
    await asyncio.gather(*(layer.group_send(group, {**payload, "group": group}) for group in groups))


def _deliver_live(message: OutboxMessage) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # The row is written before its event has a position (notifications.outbox); older rows
    # carry it in the payload as well.
    payload = {"type": "case.event", **message.payload, "position": message.event_position}
    groups = [case_group(message.payload["case_id"]), organisation_group(message.payload["organisation_id"])]
    # An order or a report is also news to the regulator it is addressed to.
    counterpart = message.payload.get("counterpart_organisation_id")
    if counterpart is not None:
        groups.append(organisation_group(counterpart))
    # Channel layers deliver at most once; the payload is a hint carrying the event position,
    # and a client that notices a gap fetches the history.
    _live_loop.run(_send_to_groups(layer, groups, payload), timeout=LIVE_SEND_SECONDS)


def _deliver_email(message: OutboxMessage) -> None:
    from cases.models import Case, DataSubject

    if "staff_user_id" in message.payload:
        _deliver_staff_email(message)
        return
    subject = DataSubject.objects.filter(pk=message.payload["subject_id"]).first()
    if subject is None or not subject.email or subject.consent_withdrawn_at is not None:
        return  # erased, never gave an address, or withdrew their consent: nothing is owed
    address = subject.email
    case = Case.objects.get(pk=message.payload["case_id"])
    language = subject.language or settings.LANGUAGE_CODE

    def build() -> EmailMessage:
        with translation.override(language):
            if "measure_number" in message.payload:
                context = _measure_notice(message, case)
                template = "notifications/email/measure_notice"
            else:
                context = _case_update(message, case)
                template = "notifications/email/case_update"
            context["language"] = language
            return render_mail(template, context, to=address)

    send_once(recipient=_recipient_of(message), event_position=message.event_position, build=build)


def _recipient_of(message: OutboxMessage) -> str:
    # Rows queued before rows named their recipient carry it in the payload only.
    if message.recipient:
        return message.recipient
    if "measure_number" in message.payload:
        return f"measure:{message.payload['measure_number']}"
    return f"subject:{message.payload['subject_id']}"


def render_mail(template: str, context: dict[str, Any], *, to: str) -> EmailMessage:
    """The mail `template` makes: its subject on one line, plain text, and HTML when the
    template has an HTML version. Rendered in the active language."""
    title = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", {**context, "subject": title})
    html = _html_version(template, {**context, "subject": title})
    mail = EmailMultiAlternatives(subject=title, body=body, to=[to])
    if html:
        mail.attach_alternative(html, "text/html")
    return mail


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
        "track_url": settings.PUBLIC_BASE_URL + reverse("web:track", kwargs={"reference": case.reference}),
    }


def _deliver_staff_email(message: OutboxMessage) -> None:
    """A notice to a member of staff (the one their inbox has, when they chose e-mail), in the
    language they chose for their mail; to their own address only, while they may still see
    the case."""
    from accounts.actors import Actor
    from accounts.models import User
    from cases.scope import visible_cases

    person = User.objects.filter(pk=message.payload["staff_user_id"], is_active=True).exclude(email="").first()
    if person is None:
        return  # left, or has no address: nothing is owed
    if not visible_cases(Actor.for_user(person)).filter(pk=message.payload["case_id"]).exists():
        return  # moved to another organisation, or the case is no longer theirs to see
    address = person.email
    language = preferences_of(person.pk).mail_language

    def build() -> EmailMessage:
        with translation.override(language):
            context = {**staff_notice_context(message), "language": language}
            return render_mail("notifications/email/staff_notice", context, to=address)

    send_once(recipient=_recipient_of_staff(message), event_position=message.event_position, build=build)


def _recipient_of_staff(message: OutboxMessage) -> str:
    return message.recipient or f"user:{message.payload['staff_user_id']}"


def staff_notice_context(message: OutboxMessage) -> dict[str, Any]:
    """What a member of staff reads of a notice: why they are told, the case, and for a time
    limit which one and when it is due."""
    from cases.eventstore import Event
    from cases.kinds import kind_label
    from cases.models import Case
    from cases.sla import CHINA_TIME
    from cases.web.staff_history import target_text

    case = Case.objects.get(pk=message.payload["case_id"])
    event = Event.objects.get(position=message.event_position, stream_id=message.stream_id)
    due = parse_datetime(event.data["due_at"]) if isinstance(event.data.get("due_at"), str) else None
    notice = message.payload["notice"]
    return {
        "case": case,
        "kind": kind_label(case.kind),
        "notice": notice,
        "notice_label": str(Notice(notice).label) if notice in Notice.values else notice,
        "target": target_text(event.data["target"]) if event.data.get("target") else "",
        "due": due.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if due else "",
        "url": settings.PUBLIC_BASE_URL + reverse("web:staff_case", kwargs={"case_id": case.id}),
        "settings_url": settings.PUBLIC_BASE_URL + reverse("web:staff_inbox_settings"),
    }


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
        "appeal_url": settings.PUBLIC_BASE_URL
        + reverse("web:appeal_new")
        + "?"
        + urlencode({"measure_reference": reference}),
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


_ADDRESS = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")


def dispatch_batch(*, limit: int = 100) -> int:
    """Deliver up to `limit` due messages; return how many were attempted."""
    batch = _claim(limit)
    for message in batch:
        message.attempts += 1
        try:
            DELIVERERS[message.channel](message)
        except Exception as exc:  # noqa: BLE001 - a failed delivery is retried, not fatal
            # Kept for staff, without any address a mail server's refusal quotes: the row
            # outlives the erasure of the person it was for.
            message.last_error = _ADDRESS.sub("<address>", f"{type(exc).__name__}: {exc}")[:2000]
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
        # Cleared before looking, not after waiting: a commit landing while this pass runs sets
        # it again and the wait below returns at once, where clearing after the wait would
        # leave that commit to the next poll.
        outbox_ready.clear()
        try:
            while dispatch_batch() and not stop.is_set():
                pass
        except Exception:  # the database may be briefly away; keep the loop alive
            logger.exception("outbox dispatch failed; retrying")
        outbox_ready.wait(poll_seconds)
