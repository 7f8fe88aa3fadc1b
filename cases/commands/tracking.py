"""A new private tracking link for a filer who lost theirs, sent to the address they gave.

Whoever asks gets the same answer whether or not the reference and the address match, so the
form tells nobody which references exist or who filed them. The new link replaces the old one
the first time it is used (`cases.selectors.replacement_used`); unused, it lapses. The token
is sent once and stored only as a hash: it is not put in the outbox, whose rows are kept.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import DataSubject, TrackingCredential
from cases.references import new_tracking_token, normalise_reference, token_hash

logger = logging.getLogger(__name__)


def tracking_link_recover(*, reference: str, email: str) -> None:
    """Send a new private link for the case `reference` to `email`, if that is the address
    its filer gave; otherwise do nothing. Returns nothing either way."""
    credential = (
        TrackingCredential.objects.select_related("case").filter(case__reference=normalise_reference(reference)).first()
    )
    subject = (
        DataSubject.objects.filter(pk=credential.case.subject_id).first()
        if credential is not None and credential.case.subject_id
        else None
    )
    given = email.strip().casefold()
    if subject is None or not subject.email or not given or subject.email.strip().casefold() != given:
        return
    token = new_tracking_token()
    with transaction.atomic():
        TrackingCredential.objects.filter(pk=credential.pk).update(  # type: ignore[union-attr]
            replacement_hash=token_hash(token), replacement_issued_at=timezone.now()
        )
        mail = _link_mail(credential.case, subject, token)  # type: ignore[union-attr]
        # Sent after the commit and beside the request, so that the answer takes the same
        # time whether or not a mail goes out.
        transaction.on_commit(lambda: threading.Thread(target=_send, args=(mail,), daemon=True).start())


def tracking_link(reference: str, token: str) -> str:
    """A case's private tracking link. The token sits in the fragment, which browsers never send
    to a server, so it stays out of access logs and Referer headers."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('web:track', kwargs={'reference': reference})}#{token}"


def _link_mail(case: object, subject: DataSubject, token: str) -> EmailMultiAlternatives:
    reference = case.reference  # type: ignore[attr-defined]
    context = {
        "reference": reference,
        "link": tracking_link(reference, token),
        "hours": settings.TRACKING_RECOVERY_HOURS,
        "language": subject.language or settings.LANGUAGE_CODE,
    }
    with translation.override(context["language"]):
        title = " ".join(render_to_string("notifications/email/tracking_link_subject.txt", context).split())
        body = render_to_string("notifications/email/tracking_link.txt", context)
        html = render_to_string("notifications/email/tracking_link.html", {**context, "subject": title})
    mail = EmailMultiAlternatives(subject=title, body=body, to=[subject.email])
    mail.attach_alternative(html, "text/html")
    return mail


def _send(mail: EmailMultiAlternatives) -> None:
    try:
        mail.send()
    except Exception:  # the filer may ask again; nothing else depends on it
        logger.exception("the new tracking link could not be sent")
