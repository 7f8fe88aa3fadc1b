"""The daily digest: one e-mail a day to each member of staff who asked for it, listing their
unread notices (those they want by e-mail) since their previous digest, at most a day back.

The clock worker calls `digests_send_due` on every tick; `manage.py send_digests` calls it
once. Each person's digest of a day is one row, unique per (user, day in Beijing time), made
at or after settings.STAFF_DIGEST_HOUR: two workers, or one restarted, make one digest. The
row is claimed for sending by a conditional update (one worker at a time, and another after
the claim runs out), and the mail goes through the delivery ledger, so a worker killed after
sending and before recording sends the same message again, never a second one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from notifications.deliveries import send_once
from notifications.models import Digest, InboxItem, Notice, StaffMailSettings
from notifications.preferences import MailPreferences, preferences_of_users

logger = logging.getLogger(__name__)

DAY = dt.timedelta(days=1)


def _today(now: dt.datetime) -> tuple[dt.date, bool]:
    """The day (Beijing time) and whether its digests are due yet."""
    from cases.sla import CHINA_TIME

    local = now.astimezone(CHINA_TIME)
    return local.date(), local.hour >= settings.STAFF_DIGEST_HOUR


def _unread_for_digest(user_id: int, preferences: MailPreferences, since: dt.datetime, now: dt.datetime) -> list[int]:
    from accounts.actors import Actor
    from accounts.models import User
    from cases.scope import visible_cases

    person = User.objects.get(pk=user_id)
    wanted = [notice for notice in Notice.values if preferences.in_digest(notice)]
    items = InboxItem.objects.filter(
        user_id=user_id,
        read_at__isnull=True,
        created_at__gt=since,
        created_at__lte=now,
        notice__in=wanted,
        case__in=visible_cases(Actor.for_user(person)).values("pk"),
    ).order_by("created_at", "event_position")
    return list(items.values_list("pk", flat=True))


def digests_make(*, now: dt.datetime) -> int:
    """Make today's digest of everyone who wants one and has none yet (all at once: a worker
    that made some already leaves them be); return how many were wanted."""
    day, due = _today(now)
    if not due:
        return 0
    wanting = list(
        StaffMailSettings.objects.filter(daily_digest=True, user__is_active=True)
        .exclude(user__email="")
        .exclude(user_id__in=Digest.objects.filter(day=day).values("user_id"))
        .values_list("user_id", flat=True)
    )
    if not wanting:
        return 0
    chosen = preferences_of_users(wanting)
    previous = dict(
        Digest.objects.filter(user_id__in=wanting, created_at__gt=now - DAY)
        .order_by("user_id", "created_at")
        .values_list("user_id", "created_at")
    )
    digests = [
        Digest(
            user_id=user,
            day=day,
            items=_unread_for_digest(user, chosen[user], previous.get(user, now - DAY), now),
            created_at=now,
        )
        for user in wanting
    ]
    # Another worker may have made some of them meanwhile: the unique (user, day) keeps one.
    made = Digest.objects.bulk_create(digests, ignore_conflicts=True)
    return len(made)


def digests_send_due(*, now: dt.datetime | None = None) -> int:
    """Make the digests due and send every digest not sent yet; return how many mails went."""
    now = now or timezone.now()
    digests_make(now=now)
    sent = 0
    claimable = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    for digest in Digest.objects.filter(claimable, sent_at__isnull=True).order_by("created_at", "id"):
        lease = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        if not Digest.objects.filter(claimable, pk=digest.pk, sent_at__isnull=True).update(claimed_until=lease):
            continue  # another worker took it
        try:
            sent += _send(digest)
        except Exception as exc:  # noqa: BLE001 - the claim runs out and the next tick retries
            logger.warning("digest %s failed: %s", digest.pk, type(exc).__name__)
            continue
        Digest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
    return sent


def _send(digest: Digest) -> int:
    from accounts.models import User

    person = User.objects.filter(pk=digest.user_id, is_active=True).exclude(email="").first()
    items = list(
        InboxItem.objects.filter(pk__in=digest.items, user_id=digest.user_id)
        .select_related("case")
        .order_by("created_at", "event_position")
    )
    if person is None or not items:
        return 0  # nothing to tell, or nobody to tell it to: the digest is done
    address = person.email
    language = preferences_of_users([person.pk])[person.pk].mail_language

    def build() -> EmailMessage:
        from notifications.dispatch import render_mail

        with translation.override(language):
            return render_mail("notifications/email/digest", _context(digest, items, language), to=address)

    return int(send_once(recipient=f"user:{person.pk}", digest=digest, build=build))


def _context(digest: Digest, items: list[InboxItem], language: str) -> dict[str, Any]:
    from cases.kinds import kind_label
    from cases.sla import CHINA_TIME

    base = settings.PUBLIC_BASE_URL
    return {
        "language": language,
        "day": digest.day.isoformat(),
        "count": len(items),
        "rows": [
            {
                "reference": item.case.reference,
                "kind": kind_label(item.case.kind),
                "notice": str(Notice(item.notice).label) if item.notice in Notice.values else item.notice,
                "when": item.created_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M"),
                "url": base + reverse("web:staff_case", kwargs={"case_id": item.case_id}),
            }
            for item in items
        ],
        "inbox_url": base + reverse("web:staff_inbox"),
        "settings_url": base + reverse("web:staff_inbox_settings"),
    }
