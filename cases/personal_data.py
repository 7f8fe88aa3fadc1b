"""Personal data, kept apart from the immutable event log and encrypted per subject.

Events refer to a person only by the opaque `DataSubject.id`. Names, e-mail addresses and
phone numbers live here, encrypted under the subject's own data key (`cases.vault`), as is
the personal free text of events about the subject (`cases.sealing`). Erasing a subject
destroys that key: what was encrypted under it is unreadable for good, and no event changes.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import vault


class DataSubject(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    # Ciphertexts under the subject's key; read and written through `name`, `email`, `phone`.
    name_sealed = models.TextField(_("name (encrypted)"), blank=True, editable=False)
    email_sealed = models.TextField(_("e-mail (encrypted)"), blank=True, editable=False)
    phone_sealed = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    # The subject's data key, wrapped under the master key `key_id`; empty once erased.
    wrapped_key = models.TextField(blank=True, editable=False)
    key_id = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
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

    # --- The data key ---------------------------------------------------------------------

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def data_key(self) -> bytes | None:
        """The subject's data key, unwrapped (made on first use); None once erased.

        Raises `cases.vault.VaultError` when the master key that wrapped it is missing or
        wrong: that is a fault to fix, never to be read as an erased subject."""
        if self.erased:
            return None
        key: bytes | None = self.__dict__.get("_data_key")
        if key is None:
            if self.wrapped_key:
                key = vault.unwrap_key(self.wrapped_key, self.id, self.key_id)
            else:
                key, self.wrapped_key, self.key_id = vault.new_subject_key(self.id)
                if not self._state.adding:
                    # A stored subject without a key yet: keep the new one at once, or
                    # what it sealed could never be opened.
                    DataSubject.objects.filter(pk=self.pk, wrapped_key="").update(
                        wrapped_key=self.wrapped_key, key_id=self.key_id
                    )
            self.__dict__["_data_key"] = key
        return key

    def encrypt(self, purpose: str, text: str) -> str:
        key = self.data_key()
        if key is None:
            raise vault.VaultError("the subject is erased: nothing more can be kept about them")
        return vault.encrypt(key, self.id, purpose, text)

    def decrypt(self, purpose: str, sealed: str) -> str | None:
        """The text, or None once the subject is erased."""
        key = self.data_key()
        return None if key is None else vault.decrypt(key, self.id, purpose, sealed)

    def _read(self, field: str) -> str:
        sealed = getattr(self, f"{field}_sealed")
        if not sealed or self.erased:
            return ""
        return self.decrypt(field, sealed) or ""

    def _write(self, field: str, value: str | None) -> None:
        setattr(self, f"{field}_sealed", self.encrypt(field, value) if value else "")

    # The rest of the code reads and writes contact details as if they were plain fields.
    @property
    def name(self) -> str:
        return self._read("name")

    @name.setter
    def name(self, value: str | None) -> None:
        self._write("name", value)

    @property
    def email(self) -> str:
        return self._read("email")

    @email.setter
    def email(self, value: str | None) -> None:
        self._write("email", value)

    @property
    def phone(self) -> str:
        return self._read("phone")

    @phone.setter
    def phone(self, value: str | None) -> None:
        self._write("phone", value)

    def contact_details(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "phone": self.phone}


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
    subject = DataSubject(organisation_id=organisation_id, language=get_language() or "", created_at=timezone.now())
    subject.email = email
    subject.save(force_insert=True)
    return subject
