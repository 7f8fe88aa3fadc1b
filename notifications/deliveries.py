"""The delivery ledger: each e-mail sent once per (event or digest, recipient), as far as the
recipient can tell.

An SMTP server cannot take a message back, and a process can die between the server's
"250 accepted" and the write that records it. So a delivery is written "sending" before the
SMTP transaction and "sent" after it, and its Message-ID comes from the key of the delivery
(what it is about and whom it is for), not from the outbox row or the attempt:
- a row that says "sent" is never sent again, whatever re-queues or replays it;
- a row left "sending" is sent again (at least once to the server), with the same
  Message-ID, so the recipient's mail system files the repeat as the same message.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from notifications.models import Digest, MailDelivery


def message_id_for(*, recipient: str, event_position: int | None = None, digest_id: int | None = None) -> str:
    """The Message-ID of the delivery with this key: the same for every attempt. An HMAC of
    the key, so it names neither the person nor the case."""
    about = f"event:{event_position}" if event_position is not None else f"digest:{digest_id}"
    digest = salted_hmac("notifications.message-id", f"{about}/{recipient}", algorithm="sha256").hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<{digest}@{domain}>"


def _ledger_row(*, recipient: str, event_position: int | None, digest: Digest | None) -> MailDelivery:
    lookup = {"recipient": recipient}
    if digest is not None:
        lookup["digest"] = digest  # type: ignore[assignment]
    else:
        lookup["event_position"] = event_position  # type: ignore[assignment]
    found = MailDelivery.objects.filter(**lookup).first()
    if found is not None:
        return found
    row = MailDelivery(
        **lookup,
        message_id=message_id_for(
            recipient=recipient, event_position=event_position, digest_id=digest.pk if digest else None
        ),
        state=MailDelivery.State.SENDING,
        first_attempt_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # written meanwhile by another attempt at the same delivery
        return MailDelivery.objects.get(**lookup)
    return row


def send_once(
    *,
    recipient: str,
    build: Callable[[], EmailMessage],
    event_position: int | None = None,
    digest: Digest | None = None,
) -> bool:
    """Send the mail `build()` makes, with the delivery's Message-ID, unless the ledger says
    this delivery was sent; return whether it was sent now. The caller holds the lease on the work (an outbox row, a
    digest), so no two processes attempt the same delivery at once."""
    row = _ledger_row(recipient=recipient, event_position=event_position, digest=digest)
    if row.state == MailDelivery.State.SENT:
        return False
    mail = build()
    mail.extra_headers["Message-ID"] = row.message_id
    MailDelivery.objects.filter(pk=row.pk).update(state=MailDelivery.State.SENDING, attempts=F("attempts") + 1)
    mail.send()
    _die_here_if_asked()
    MailDelivery.objects.filter(pk=row.pk).update(state=MailDelivery.State.SENT, sent_at=timezone.now())
    return True


def _die_here_if_asked() -> None:
    """For the test that a dispatcher killed between the SMTP send and the ledger's "sent"
    resends the same message: the process kills itself exactly there. Honoured only when the
    test-only setting MAIL_TEST_KILL_AFTER_SEND is on, which needs DEBUG as well (see
    tracker/settings.py); production never reads it."""
    if settings.DEBUG and getattr(settings, "MAIL_TEST_KILL_AFTER_SEND", False):
        os.kill(os.getpid(), signal.SIGKILL)
