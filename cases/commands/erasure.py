"""Erasing a data subject: their key is destroyed, and each of their cases records it.

What was encrypted under the key (contact details, the filer's own text sealed in events and
projections) can never be read again; no event changes, so every hash chain still verifies
and replay rebuilds the same projections. Refused while a legal hold applies to any of the
subject's cases (the kinds declare them: `KindDeclaration.legal_hold`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import PUBLIC
from accounts.models import Role
from cases.commands.common import command, load_for_update
from cases.errors import CommandInvalid, TransitionForbidden
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.evidence import remove_evidence
from cases.holds import CaseHold, case_holds
from cases.kinds import as_kind
from cases.models import Case, DataSubject, Evidence
from cases.workflows.validation import required_text

if TYPE_CHECKING:
    from accounts.actors import Actor

MAX_REASON = 500

MSG_NOT_ALLOWED = _("Only a supervisor of the case's organisation may erase personal data.")
MSG_UNKNOWN_SUBJECT = _("No data subject of your organisation has that id.")
MSG_ALREADY_ERASED = _("This person's personal data has already been erased.")
MSG_HELD = _("Personal data under a legal hold cannot be erased yet: %(holds)s")


@dataclass(frozen=True)
class Erasure:
    subject_id: uuid.UUID
    erased_at: object
    case_references: list[str]


class ErasureRefused(CommandInvalid):
    """Erasure refused while legal holds apply; `holds` says which and until when."""

    def __init__(self, holds: list[CaseHold]) -> None:
        self.holds = holds
        super().__init__({"subject": [MSG_HELD % {"holds": "; ".join(h.describe() for h in holds)}]})


def subject_cases(subject_id: uuid.UUID) -> list[Case]:
    return list(Case.objects.filter(subject_id=subject_id).order_by("created_at"))


def _may_erase(actor: Actor, subject: DataSubject) -> bool:
    if actor.is_system:
        return True
    return actor.role in (Role.SUPERVISOR, Role.ADMINISTRATOR) and actor.organisation_id == subject.organisation_id


@command
def erase_subject(actor: Actor, subject_id: uuid.UUID, *, reason: str) -> Erasure:
    """Destroy the subject's key and record `case.subject_erased` (no personal data in it) on
    each of their cases. Raises ErasureRefused while a legal hold applies."""
    reason = required_text("reason", reason, max_length=MAX_REASON)
    subject = DataSubject.objects.select_for_update().filter(pk=subject_id).first()
    if subject is None or not (actor.is_system or actor.organisation_id == subject.organisation_id):
        raise CommandInvalid.single("subject", MSG_UNKNOWN_SUBJECT)
    if not _may_erase(actor, subject):
        raise TransitionForbidden(MSG_NOT_ALLOWED)
    if subject.erased:
        raise CommandInvalid.single("subject", MSG_ALREADY_ERASED)
    cases = subject_cases(subject.pk)
    holds = [hold for case in cases for hold in case_holds(case)]
    if holds:
        raise ErasureRefused(holds)
    now = timezone.now()
    # Destroying the wrapped key is the erasure; the ciphertexts go too, having nothing to open them.
    subject.wrapped_key = subject.key_id = ""
    subject.name_sealed = subject.email_sealed = subject.phone_sealed = ""
    subject.erased_at = now
    subject.__dict__.pop("_data_key", None)
    subject.save(update_fields=["wrapped_key", "key_id", "name_sealed", "email_sealed", "phone_sealed", "erased_at"])
    # A file's name may say who sent it.
    Evidence.objects.filter(case__in=[c.pk for c in cases]).update(original_name="erased")
    _erase_files_sent_by(cases)
    system = actor
    for case in cases:
        locked = as_kind(load_for_update(Case, case_id=case.pk, actor=system, expected_version=None))
        locked.record(CaseEvent.SUBJECT_ERASED, {"subject_id": str(subject.pk), "erasure_reason": reason}, actor=actor)
    return Erasure(subject_id=subject.pk, erased_at=now, case_references=[c.reference for c in cases])


def _erase_files_sent_by(cases: list[Case]) -> None:
    """Delete the files the person sent with their cases (a photograph or a recording of them
    is their personal data); files staff added stay. The events keep each file's SHA-256, so the
    history still verifies; the row stays, with no file behind it. The files go once the erasure
    has committed: an erasure that rolls back deletes nothing."""
    sent = {
        str(event.data.get("evidence_id"))
        for event in Event.objects.filter(stream_id__in=[c.pk for c in cases], type=CaseEvent.EVIDENCE_ADDED)
        if (event.metadata.get("actor") or {}).get("role") == PUBLIC
    }
    theirs = Evidence.objects.filter(pk__in=sent).exclude(storage_path="")
    paths = list(theirs.values_list("storage_path", flat=True))
    theirs.update(storage_path="")
    transaction.on_commit(lambda: _remove_files(paths))


def _remove_files(paths: list[str]) -> None:
    for path in paths:
        remove_evidence(path)
