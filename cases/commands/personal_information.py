"""Commands of personal-information requests: filing one from a case's tracking page, and the
steps that change the person's data (a correction, a withdrawal of consent, an erasure).

Every change to the person's data happens in the same transaction as the event that records
it; the event itself never holds the new values.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.commands.common import (
    MSG_EMAIL_INVALID,
    MSG_PHONE_INVALID,
    Submission,
    command,
    issue_reference,
    issue_tracking_token,
    load_for_update,
)
from cases.commands.erasure import erase_subject
from cases.commands.staff import link_both, step_command
from cases.errors import CaseNotFound, CommandInvalid
from cases.kinds import as_kind
from cases.links import LinkType
from cases.models import Case, DataSubject
from cases.workflows.base import perform
from cases.workflows.personal_information_request import (
    DECLARATION,
    KIND,
    OPEN_STATES,
    CorrectedDetail,
    PersonalInformationRequest,
    RequestEvent,
    RequestState,
    RequestType,
    request_data,
)
from cases.workflows.validation import optional_text

if TYPE_CHECKING:
    from accounts.actors import Actor

MSG_ALREADY_REQUESTED = _("A request of this type about this case is already being handled (%(reference)s).")
MSG_NOT_FROM_THIS_KIND = _("A personal-information request is made from a complaint or an appeal you filed.")

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@command
def personal_information_request_file(
    *, case_id: uuid.UUID, actor: Actor, request_type: str, request_text: str = ""
) -> Submission:
    """The filer of a case asks about their personal information, from that case's tracking
    page (holding its private link is what proves who they are). They get a reference and a
    private link of their own for the request."""
    source = as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=None))
    opening = DECLARATION.opening
    if opening is None or source.kind not in opening.from_kinds:
        raise CommandInvalid.single("request_type", MSG_NOT_FROM_THIS_KIND)
    data = request_data(source=source, request_type=request_type, request_text=request_text)
    pending = (
        PersonalInformationRequest.objects.filter(
            details__source_case_id=str(source.id), category=data["request_type"], state__in=OPEN_STATES
        )
        .values_list("reference", flat=True)
        .first()
    )
    if pending is not None:
        raise CommandInvalid.single("request_type", MSG_ALREADY_REQUESTED % {"reference": pending})
    request = PersonalInformationRequest(id=uuid.uuid4())
    tracking_token = issue_tracking_token(request)  # written with the request's first event
    request.record(
        RequestEvent.FILED,
        {
            "organisation_id": source.organisation_id,
            "reference": issue_reference(KIND),
            **sla.time_limits(KIND, timezone.now()),
            **data,
            "to_state": RequestState.RECEIVED,
        },
        actor=actor,
    )
    link_both(request, source, link=LinkType.PERSONAL_INFORMATION_OF, actor=actor)
    return Submission(case=request, tracking_token=tracking_token)


def _subject_of(request: Case) -> DataSubject:
    subject = (
        DataSubject.objects.select_for_update().filter(pk=request.subject_id).first()
        if request.subject_id is not None
        else None
    )
    if subject is None:
        raise CaseNotFound()
    return subject


def _corrected_value(detail: str, value: str) -> str:
    value = optional_text("value", value, max_length=100 if detail == CorrectedDetail.NAME else 254)
    if value and detail == CorrectedDetail.EMAIL and not _EMAIL.match(value):
        raise CommandInvalid.single("value", MSG_EMAIL_INVALID)
    if value and detail == CorrectedDetail.PHONE and not _PHONE.match(value):
        raise CommandInvalid.single("value", MSG_PHONE_INVALID)
    return value


@step_command(KIND, "record_correction")
@command
def personal_information_request_record_correction(
    *, case_id: uuid.UUID, actor: Actor, expected_version: int, detail: str, value: str
) -> PersonalInformationRequest:
    """Correct one of the person's contact details as they asked: the event says which detail
    was corrected, the new value goes to their data only."""
    request = load_for_update(
        PersonalInformationRequest, case_id=case_id, actor=actor, expected_version=expected_version
    )
    perform(request, "record_correction", actor=actor, detail=detail, value=value)
    corrected = _corrected_value(detail, value)
    subject = _subject_of(request)
    setattr(subject, detail, corrected)
    subject.full_clean(exclude=["organisation"])
    subject.save(update_fields=[f"{detail}_sealed"])
    return request


@step_command(KIND, "fulfil")
@command
def personal_information_request_fulfil(
    *, case_id: uuid.UUID, actor: Actor, expected_version: int, note: str = ""
) -> PersonalInformationRequest:
    """Fulfil the request as its type says: an access or copy request makes the export
    available to the requester; a withdrawal of consent is recorded on the person (no more
    mail is sent to them); a deletion erases the person's data."""
    request = load_for_update(
        PersonalInformationRequest, case_id=case_id, actor=actor, expected_version=expected_version
    )
    perform(request, "fulfil", actor=actor, note=note)
    if request.category == RequestType.WITHDRAWAL:
        subject = _subject_of(request)
        if subject.consent_withdrawn_at is None:
            subject.consent_withdrawn_at = timezone.now()
            subject.save(update_fields=["consent_withdrawn_at"])
    elif request.category == RequestType.DELETION:
        assert request.subject_id is not None  # every request has its subject
        erase_subject(actor, request.subject_id, reason=f"{request.reference}: deletion asked by the person")
    return request
