"""Personal data, kept apart from the immutable event log.

Events refer to a person only by the opaque `DataSubject.id`. Names, e-mail addresses and
phone numbers live here, so they can later be encrypted per subject and erased without
touching the history.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataSubject(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("preferred language"), max_length=10, blank=True)
    consented_at = models.DateTimeField(_("consent to processing given at"), null=True, blank=True)
    # Set when the person withdraws their consent (a personal-information request): nothing
    # more is sent to them, and their data is processed only as the law still requires.
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("data subject")
        verbose_name_plural = _("data subjects")

    def __str__(self) -> str:
        return str(self.id)


MSG_NOTICE_EMAIL_INVALID = _("Enter a valid e-mail address for the account holder's notice.")


def notice_subject_for(*, organisation_id: int, email: str) -> DataSubject | None:
    """The account holder a measure notice goes to, from the address on record that staff
    give; None without one. Kept here, never in the event, so that it can be erased."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.utils import timezone
    from django.utils.translation import get_language

    from cases.errors import CommandInvalid

    email = (email or "").strip()
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CommandInvalid.single("measures", MSG_NOTICE_EMAIL_INVALID) from exc
    return DataSubject.objects.create(
        organisation_id=organisation_id, email=email, language=get_language() or "", created_at=timezone.now()
    )
