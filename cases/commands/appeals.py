"""Commands of the appeal workflow, including what an overturned appeal does to the complaint."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.commands.common import (
    Contact,
    Submission,
    command,
    data_subject_for,
    filer_subject,
    files_decision_appeals,
    issue_reference,
    issue_tracking_token,
    load_for_update,
    transition_command,
)
from cases.commands.staff import step_command
from cases.errors import CommandInvalid
from cases.kinds import as_kind
from cases.measures import measure_reference, measures_in_force, normalise_measure_reference, recorded_measures
from cases.models import Case, EnforcementMeasure
from cases.selectors import open_appeal
from cases.workflows.appeal import KIND, Appeal, AppealEvent, AppealTarget
from cases.workflows.base import perform
from cases.workflows.complaint import Complaint, Outcome
from cases.workflows.validation import required_text

if TYPE_CHECKING:
    from accounts.actors import Actor

MAX_STATEMENT = 5000

MSG_NOT_DECIDED = _("This case has no decision to appeal yet.")
MSG_ALREADY_APPEALED = _("An appeal against this is already being handled (%(reference)s).")
MSG_UNKNOWN_MEASURE = _("No enforcement measure has that reference. Check the notice you received.")
MSG_MEASURE_REVERSED = _("That measure has already been reversed.")


def _file(
    *,
    complaint: Case,
    actor: Actor,
    target: str,
    measure_number: int | None,
    statement: str,
    contact: Contact,
) -> Submission:
    statement = required_text("statement", statement, max_length=MAX_STATEMENT)
    existing = open_appeal(complaint, measure_number=measure_number)
    if existing is not None:
        raise CommandInvalid.single("appeal", MSG_ALREADY_APPEALED % {"reference": existing.reference})
    appeal = Appeal(id=uuid.uuid4())
    # A data subject made here and the tracking credential are written with the appeal's first event.
    subject = data_subject_for(organisation=complaint.organisation, contact=contact, case=appeal)
    if subject is None and target == AppealTarget.COMPLAINT_DECISION and complaint.subject_id:
        subject_id = complaint.subject_id  # the complainant appeals; their details are on file
    else:
        # The appellant's statement is sealed under their own key, even with no contact details.
        subject_id = (subject or filer_subject(organisation=complaint.organisation, contact=contact, case=appeal)).pk
    tracking_token = issue_tracking_token(appeal)
    time_limits = sla.time_limits(KIND, timezone.now())
    measure = recorded_measures(complaint.details)[measure_number - 1]["measure"] if measure_number else None
    title = (
        _("Appeal against measure %(reference)s")
        % {"reference": measure_reference(complaint.reference, measure_number)}
        if measure_number
        else _("Appeal against the decision on %(reference)s") % {"reference": complaint.reference}
    )
    appeal.record(
        AppealEvent.FILED,
        {
            "organisation_id": complaint.organisation_id,
            "reference": issue_reference(KIND),
            "title": str(title),
            "target": target,
            "appealed_case_id": complaint.id,
            "appealed_reference": complaint.reference,
            "measure_number": measure_number,
            "measure": measure,
            "original_decider": complaint.details.get("decided_by"),
            "statement": statement,
            "subject_id": subject_id,
            **time_limits,
            "to_state": Appeal.States.FILED,
        },
        actor=actor,
    )
    return Submission(case=appeal, tracking_token=tracking_token)


@files_decision_appeals
@command
def appeal_file_against_decision(
    *,
    case_id: uuid.UUID,
    actor: Actor,
    statement: str,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    consent: bool = False,
) -> Submission:
    """The filer appeals the decision on their case (from its tracking page): a complaint's, or
    that of any kind whose declaration makes its decisions appealable (`appealable_states`)."""
    complaint = as_kind(load_for_update(Case, case_id=case_id, actor=actor, expected_version=None))
    if complaint.state not in complaint.declaration.appealable_states:
        raise CommandInvalid.single("complaint", MSG_NOT_DECIDED)
    return _file(
        complaint=complaint,
        actor=actor,
        target=AppealTarget.COMPLAINT_DECISION,
        measure_number=None,
        statement=statement,
        contact=Contact(name=contact_name, email=contact_email, phone=contact_phone, consent=consent),
    )


@command
def appeal_file_against_measure(
    *,
    measure_reference: str,
    actor: Actor,
    statement: str,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    consent: bool = False,
) -> Submission:
    """A user appeals an enforcement measure, by the reference on the notice they received."""
    reference = normalise_measure_reference(measure_reference)
    found = EnforcementMeasure.objects.filter(reference=reference).values_list("case_id", "number").first()
    complaint = None
    if found is not None:
        case_id, number = found
        # The kind's manager yields Complaints; its queryset is typed for any case.
        complaint = cast(
            "Complaint | None",
            Complaint.objects.select_for_update().filter(pk=case_id, outcome=Outcome.VIOLATION).first(),
        )
    if complaint is None:
        raise CommandInvalid.single("measure_reference", MSG_UNKNOWN_MEASURE)
    if number not in measures_in_force(complaint):
        raise CommandInvalid.single("measure_reference", MSG_MEASURE_REVERSED)
    return _file(
        complaint=complaint,
        actor=actor,
        target=AppealTarget.MEASURE,
        measure_number=number,
        statement=statement,
        contact=Contact(name=contact_name, email=contact_email, phone=contact_phone, consent=consent),
    )


@step_command(KIND, "overturn")
@command
def appeal_overturn(*, case_id: uuid.UUID, actor: Actor, expected_version: int, reason: str) -> Appeal:
    """Overturn the original decision and undo it, in the same transaction, as the appealed
    case's kind declares (`decision_overturned`): a complaint's measures are reversed or the
    complaint reopened, a refused request reopened."""
    appeal = load_for_update(Appeal, case_id=case_id, actor=actor, expected_version=expected_version)
    perform(appeal, "overturn", actor=actor, reason=reason)
    assert appeal.related_case_id is not None  # an appeal is always filed against a decision
    appealed = as_kind(load_for_update(Case, case_id=appeal.related_case_id, actor=actor, expected_version=None))
    undo = appealed.declaration.decision_overturned
    if undo is not None:
        undo(appealed, appeal, actor)
    return appeal


appeal_start_review = transition_command(Appeal, "start_review")
appeal_uphold = transition_command(Appeal, "uphold")
appeal_close = transition_command(Appeal, "close")
appeal_assign = transition_command(Appeal, "assign")

APPEAL_COMMANDS: dict[str, Callable[..., Appeal]] = {
    "start_review": appeal_start_review,
    "uphold": appeal_uphold,
    "overturn": appeal_overturn,
    "close": appeal_close,
    "assign": appeal_assign,
}
