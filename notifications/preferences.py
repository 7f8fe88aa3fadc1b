"""How each member of staff wants to be told: per kind of notice, by inbox, e-mail, both or
not at all; a daily digest instead of one e-mail each; the language of their mail.

One mechanism for every staff notice: the inbox and staff e-mail both follow from who an
event concerns (`notifications.inbox.recipients`) and these settings. A person who never
chose has the defaults below: everything in the inbox, and by e-mail too what cannot wait
(a time limit near or missed, an order or report addressed to their organisation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from cases.errors import CommandInvalid
from notifications.models import Delivery, Notice, StaffMailSettings

DEFAULT_DELIVERIES: dict[str, str] = {
    Notice.ASSIGNED: Delivery.INBOX,
    Notice.FILER_ANSWERED: Delivery.INBOX,
    Notice.DEADLINE_NEAR: Delivery.BOTH,
    Notice.DEADLINE_PASSED: Delivery.BOTH,
    Notice.ADDRESSED: Delivery.BOTH,
}

IN_INBOX = frozenset({Delivery.INBOX, Delivery.BOTH})
BY_EMAIL = frozenset({Delivery.EMAIL, Delivery.BOTH})

MSG_DELIVERY_INVALID = _("Choose inbox, e-mail, both or not at all.")
MSG_NOTICE_UNKNOWN = _("There is no such kind of notice.")
MSG_LANGUAGE_INVALID = _("Choose one of the languages offered.")
MSG_NOT_STAFF = _("Only a member of staff has notification settings.")


@dataclass(frozen=True)
class MailPreferences:
    deliveries: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_DELIVERIES))
    daily_digest: bool = False
    language: str = ""

    def delivery(self, notice: str) -> str:
        return self.deliveries.get(notice, DEFAULT_DELIVERIES.get(notice, Delivery.INBOX))

    def in_inbox(self, notice: str) -> bool:
        """Whether the notice goes into the inbox. With the daily digest, a notice wanted by
        e-mail goes there too: the digest is written from the inbox."""
        delivery = self.delivery(notice)
        return delivery in IN_INBOX or (self.daily_digest and delivery in BY_EMAIL)

    def mailed_at_once(self, notice: str) -> bool:
        """Whether the notice is e-mailed on its own (not with the daily digest)."""
        return not self.daily_digest and self.delivery(notice) in BY_EMAIL

    def in_digest(self, notice: str) -> bool:
        return self.daily_digest and self.delivery(notice) in BY_EMAIL

    @property
    def mail_language(self) -> str:
        return self.language or settings.LANGUAGE_CODE


def _from_row(row: StaffMailSettings | None) -> MailPreferences:
    if row is None:
        return MailPreferences()
    stored = row.deliveries if isinstance(row.deliveries, dict) else {}
    deliveries = {
        notice: (stored[notice] if stored.get(notice) in Delivery.values else default)
        for notice, default in DEFAULT_DELIVERIES.items()
    }
    return MailPreferences(deliveries=deliveries, daily_digest=row.daily_digest, language=row.language)


def preferences_of_users(user_ids: Iterable[int]) -> dict[int, MailPreferences]:
    """The preferences of each person named, defaults for those who never chose (one query)."""
    ids = set(user_ids)
    rows = {row.user_id: row for row in StaffMailSettings.objects.filter(user_id__in=ids)} if ids else {}
    return {user_id: _from_row(rows.get(user_id)) for user_id in ids}


def preferences_of(user_id: int) -> MailPreferences:
    return _from_row(StaffMailSettings.objects.filter(user_id=user_id).first())


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def staff_mail_settings_update(
    *, actor: Actor, deliveries: Mapping[str, Any], daily_digest: bool, language: str
) -> MailPreferences:
    """Store the person's choices: a delivery for every kind of notice named (the others keep
    theirs), the daily digest, and the language of their mail ("" for the site's). Nothing is
    stored unless all of it is valid."""
    if actor.user_id is None or not actor.may_use_workspace:
        raise CommandInvalid({"__all__": [str(MSG_NOT_STAFF)]})
    errors: dict[str, list[str]] = {}
    for notice, delivery in deliveries.items():
        if notice not in Notice.values:
            errors.setdefault(f"deliveries.{str(notice)[:40]}", []).append(str(MSG_NOTICE_UNKNOWN))
        elif delivery not in Delivery.values:
            errors.setdefault(f"deliveries.{notice}", []).append(str(MSG_DELIVERY_INVALID))
    if language not in ["", *language_codes()]:
        errors.setdefault("language", []).append(str(MSG_LANGUAGE_INVALID))
    if errors:
        raise CommandInvalid(errors)
    row = StaffMailSettings.objects.select_for_update().filter(user_id=actor.user_id).first()
    current = _from_row(row)
    chosen = {notice: deliveries.get(notice, current.delivery(notice)) for notice in DEFAULT_DELIVERIES}
    if row is None:
        row = StaffMailSettings(user_id=actor.user_id)
    row.deliveries = chosen
    row.daily_digest = bool(daily_digest)
    row.language = language
    row.full_clean(exclude=["user"])
    row.save()
    return _from_row(row)
