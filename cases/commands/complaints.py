"""Commands of the complaint / report workflow."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.commands.common import (
    Contact,
    Submission,
    UploadedFile,
    answers_filer_questions,
    attach_evidence,
    command,
    filer_subject,
    inspect_evidence,
    issue_reference,
    issue_tracking_token,
    load_for_update,
    transition_command,
)
from cases.commands.features import feature_matches_record
from cases.commands.openings import link_on_intake
from cases.errors import CommandInvalid
from cases.feature_matching import Intake
from cases.models import Evidence, Priority
from cases.workflows.base import perform
from cases.workflows.complaint import CATEGORY_PRIORITY, KIND, Category, Complaint, ComplaintEvent
from cases.workflows.validation import choice, optional_text, required_text, web_addresses

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation

MAX_DESCRIPTION = 5000
MAX_TITLE = 200

MSG_NOT_A_PROVIDER = _("Complaints can only be filed with a service provider.")


def _clean_urls(urls: Sequence[str]) -> list[str]:
    return web_addresses("content_urls", urls)


def _default_title(category: str) -> str:
    # Never made from the description: that is the complainant's own text, kept sealed.
    return str(Category(category).label)


@command
def complaint_submit(
    *,
    organisation: Organisation,
    actor: Actor,
    category: str,
    description: str,
    content_urls: Sequence[str] = (),
    title: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    consent: bool = False,
    evidence: Sequence[UploadedFile] = (),
) -> Submission:
    """File a complaint or report. Anonymous filing is allowed; contact details need consent."""
    if organisation.kind != "provider":
        raise CommandInvalid.single("organisation", MSG_NOT_A_PROVIDER)
    category = choice("category", category, Category)
    description = required_text("description", description, max_length=MAX_DESCRIPTION)
    given_title = optional_text("title", title, max_length=MAX_TITLE)
    urls = _clean_urls(content_urls)
    files = inspect_evidence(evidence)
    complaint = Complaint(id=uuid.uuid4())
    # Both written with the complaint's first event.
    subject = filer_subject(
        organisation=organisation,
        contact=Contact(name=contact_name, email=contact_email, phone=contact_phone, consent=consent),
        case=complaint,
    )
    tracking_token = issue_tracking_token(complaint)
    priority = int(CATEGORY_PRIORITY.get(category, Priority.NORMAL))
    time_limits = sla.time_limits(KIND, timezone.now(), priority=priority)
    complaint.record(
        ComplaintEvent.SUBMITTED,
        {
            "organisation_id": organisation.pk,
            "reference": issue_reference(KIND),
            "category": category,
            "title": _default_title(category),
            "description": description,
            # A title the complainant gave is their own text: sealed like the description.
            **({"filer_title": given_title} if given_title else {}),
            "content_urls": urls,
            "priority": priority,
            "subject_id": subject.pk,
            **time_limits,
            "to_state": Complaint.States.SUBMITTED,
        },
        actor=actor,
    )
    attach_evidence(complaint, files, actor=actor)
    # A claim already refuted at one of its addresses: link the two now, so that the
    # complainant is shown the refutation from the start.
    link_on_intake(complaint, request_id=actor.request_id)
    # Article 10: what was filed is checked against the feature library as it comes in.
    stored = Evidence.objects.filter(case=complaint).values_list("id", "sha256") if files else []
    # A title made from the description is not matched twice.
    intake = Intake(
        title=given_title, description=description, content_urls=urls, files=[(str(i), sha) for i, sha in stored]
    )
    feature_matches_record(complaint, intake, request_id=actor.request_id)
    return Submission(case=complaint, tracking_token=tracking_token)


@answers_filer_questions(KIND)
@command
def complaint_receive_information(
    *,
    case_id: uuid.UUID,
    actor: Actor,
    expected_version: int,
    text: str,
    evidence: Sequence[UploadedFile] = (),
) -> Complaint:
    """The complainant's answer to a question (or staff recording one given by phone)."""
    files = inspect_evidence(evidence)
    complaint = load_for_update(Complaint, case_id=case_id, actor=actor, expected_version=expected_version)
    perform(complaint, "receive_information", actor=actor, text=text)
    attach_evidence(complaint, files, actor=actor)
    return complaint


complaint_accept = transition_command(Complaint, "accept")
complaint_reject = transition_command(Complaint, "reject")
complaint_start_investigation = transition_command(Complaint, "start_investigation")
complaint_request_information = transition_command(Complaint, "request_information")
complaint_resolve = transition_command(Complaint, "resolve")
complaint_close = transition_command(Complaint, "close")
complaint_assign = transition_command(Complaint, "assign")

COMPLAINT_COMMANDS: dict[str, Callable[..., Complaint]] = {
    "accept": complaint_accept,
    "reject": complaint_reject,
    "start_investigation": complaint_start_investigation,
    "request_information": complaint_request_information,
    "receive_information": complaint_receive_information,
    "resolve": complaint_resolve,
    "close": complaint_close,
    "assign": complaint_assign,
}
