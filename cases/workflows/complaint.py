"""The complaint / report (举报) workflow.

submitted → triaged (or rejected as invalid / duplicate) → investigating ⇄ awaiting the
complainant (SLA clock paused) → resolved with an outcome → closed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.errors import CommandInvalid
from cases.events import EventType
from cases.models import Case, CaseKind, KindManager, Priority, register_kind
from cases.projections import applies, when
from cases.workflows.base import assignment_check, case_transition, staff_or_tracking_public
from cases.workflows.validation import choice, optional_text, required_text

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.eventstore import Event


class ComplaintState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    TRIAGED = "triaged", _("Accepted for handling")
    REJECTED = "rejected", _("Not accepted")
    INVESTIGATING = "investigating", _("Under investigation")
    AWAITING_COMPLAINANT = "awaiting_complainant", _("Waiting for your information")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATES = [
    ComplaintState.SUBMITTED,
    ComplaintState.TRIAGED,
    ComplaintState.INVESTIGATING,
    ComplaintState.AWAITING_COMPLAINANT,
]

# A complaint in these states carries a decision that can be appealed.
DECIDED_STATES = frozenset({ComplaintState.REJECTED, ComplaintState.RESOLVED, ComplaintState.CLOSED})


class Category(models.TextChoices):
    UNLABELLED_SYNTHETIC = "unlabelled_synthetic", _("Synthetic content without a label")
    LABEL_REMOVED = "label_removed", _("Synthetic-content label removed or altered")
    FACE_VOICE_WITHOUT_CONSENT = "face_voice_without_consent", _("My face or voice was edited without consent")
    IMPERSONATION_FRAUD = "impersonation_fraud", _("Impersonation or fraud")
    FALSE_INFORMATION = "false_information", _("False news or rumor")
    ILLEGAL_HARMFUL = "illegal_harmful", _("Other illegal or harmful content")
    OTHER = "other", _("Other")


# Article 14: editing a person's face or voice needs their separate consent; such complaints
# and fraud go to the front of the queue.
CATEGORY_PRIORITY = {
    Category.FACE_VOICE_WITHOUT_CONSENT: Priority.HIGH,
    Category.IMPERSONATION_FRAUD: Priority.HIGH,
}


class RejectionReason(models.TextChoices):
    INVALID = "invalid", _("Not a valid complaint")
    DUPLICATE = "duplicate", _("Duplicate of another complaint")


class Outcome(models.TextChoices):
    VIOLATION = "violation", _("Violation found, measures taken")
    NO_VIOLATION = "no_violation", _("No violation found")


class Measure(models.TextChoices):
    """Measures of article 10: on the content and against the user who published it."""

    CONTENT_REMOVED = "content_removed", _("Content removed")
    LABEL_ADDED = "label_added", _("Synthetic-content label added")
    WARNING = "warning", _("User warned")
    FUNCTION_RESTRICTED = "function_restricted", _("Functions restricted")
    SERVICE_SUSPENDED = "service_suspended", _("Service suspended")
    ACCOUNT_CLOSED = "account_closed", _("Account closed")


MSG_MEASURES_REQUIRED = _("Name at least one measure taken when a violation was found.")
MSG_NO_MEASURES_WITHOUT_VIOLATION = _("Measures can only be recorded when a violation was found.")
MSG_DUPLICATE_OF_REQUIRED = _("Give the reference of the complaint this one duplicates.")
MSG_DUPLICATE_OF_UNKNOWN = _("No other complaint of this organisation has that reference.")


@register_kind
class Complaint(Case):
    objects = KindManager(CaseKind.COMPLAINT)
    States = ComplaintState

    class Meta:
        proxy = True
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    @case_transition(
        source=ComplaintState.SUBMITTED,
        target=ComplaintState.TRIAGED,
        event=EventType.COMPLAINT_ACCEPTED,
        label=_("Accept"),
    )
    def accept(self, *, actor: Actor, note: str = "") -> dict[str, Any]:
        return {"note": optional_text("note", note)}

    @case_transition(
        source=ComplaintState.SUBMITTED,
        target=ComplaintState.REJECTED,
        event=EventType.COMPLAINT_REJECTED,
        label=_("Reject"),
        public_label=_("Not accepted"),
    )
    def reject(self, *, actor: Actor, reason: str, explanation: str, duplicate_of: str = "") -> dict[str, Any]:
        reason = choice("reason", reason, RejectionReason)
        data = {"reason": reason, "explanation": required_text("explanation", explanation)}
        if reason == RejectionReason.DUPLICATE:
            duplicate_of = (duplicate_of or "").strip().upper()
            if not duplicate_of:
                raise CommandInvalid.single("duplicate_of", MSG_DUPLICATE_OF_REQUIRED)
            original = (
                Complaint.objects.filter(organisation_id=self.organisation_id, reference=duplicate_of)
                .exclude(pk=self.pk)
                .values_list("pk", flat=True)
                .first()
            )
            if original is None:
                raise CommandInvalid.single("duplicate_of", MSG_DUPLICATE_OF_UNKNOWN)
            data.update(duplicate_of=duplicate_of, duplicate_of_case_id=str(original))
        return data

    @case_transition(
        source=ComplaintState.TRIAGED,
        target=ComplaintState.INVESTIGATING,
        event=EventType.COMPLAINT_INVESTIGATION_STARTED,
        label=_("Start investigation"),
    )
    def start_investigation(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    @case_transition(
        source=ComplaintState.INVESTIGATING,
        target=ComplaintState.AWAITING_COMPLAINANT,
        event=EventType.COMPLAINT_INFORMATION_REQUESTED,
        label=_("Ask the complainant for information"),
        public_label=_("Information requested from you"),
    )
    def request_information(self, *, actor: Actor, question: str) -> dict[str, Any]:
        return {"question": required_text("question", question)}

    @case_transition(
        source=ComplaintState.AWAITING_COMPLAINANT,
        target=ComplaintState.INVESTIGATING,
        event=EventType.COMPLAINT_INFORMATION_RECEIVED,
        label=_("Record the complainant's information"),
        public_label=_("Information received"),
        permission=staff_or_tracking_public,
    )
    def receive_information(self, *, actor: Actor, text: str) -> dict[str, Any]:
        text = required_text("text", text)
        # The clock stood still while the complainant had the case: push the deadline back
        # by exactly that long.
        paused_for = timezone.now() - self.paused_at if self.paused_at else dt.timedelta(0)
        resolution_due_at = self.resolution_due_at + paused_for if self.resolution_due_at else None
        return {"text": text, "resolution_due_at": resolution_due_at}

    @case_transition(
        source=ComplaintState.INVESTIGATING,
        target=ComplaintState.RESOLVED,
        event=EventType.COMPLAINT_RESOLVED,
        label=_("Resolve"),
    )
    def resolve(self, *, actor: Actor, outcome: str, measures: list[str] | None = None, summary: str) -> dict[str, Any]:
        outcome = choice("outcome", outcome, Outcome)
        measures = list(dict.fromkeys(measures or []))
        for measure in measures:
            choice("measures", measure, Measure)
        if outcome == Outcome.VIOLATION and not measures:
            raise CommandInvalid.single("measures", MSG_MEASURES_REQUIRED)
        if outcome == Outcome.NO_VIOLATION and measures:
            raise CommandInvalid.single("measures", MSG_NO_MEASURES_WITHOUT_VIOLATION)
        return {"outcome": outcome, "measures": measures, "summary": required_text("summary", summary)}

    @case_transition(
        source=[ComplaintState.RESOLVED, ComplaintState.REJECTED],
        target=ComplaintState.CLOSED,
        event=EventType.COMPLAINT_CLOSED,
        label=_("Close"),
    )
    def close(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    @case_transition(source=OPEN_STATES, target=None, event=EventType.CASE_ASSIGNED, label=_("Assign"))
    def assign(self, *, actor: Actor, assignee_id: int | None) -> dict[str, Any]:
        return assignment_check(self, assignee_id)

    # The two consequences of an overturned appeal; only the appeal commands take them.

    @case_transition(
        source=[ComplaintState.RESOLVED, ComplaintState.CLOSED],
        target=None,
        event=EventType.COMPLAINT_MEASURES_REVERSED,
        label=_("Reverse measures after a successful appeal"),
        public_label=_("Measures reversed on appeal"),
    )
    def reverse_measures(self, *, actor: Actor, appeal_reference: str, measure_numbers: list[int]) -> dict[str, Any]:
        return {"appeal_reference": appeal_reference, "measure_numbers": sorted(set(measure_numbers))}

    @case_transition(
        source=[ComplaintState.REJECTED, ComplaintState.RESOLVED, ComplaintState.CLOSED],
        target=ComplaintState.INVESTIGATING,
        event=EventType.COMPLAINT_REOPENED,
        label=_("Reopen after a successful appeal"),
        public_label=_("Reopened on appeal"),
    )
    def reopen(self, *, actor: Actor, appeal_reference: str) -> dict[str, Any]:
        _first, resolution_due_at = sla.deadlines_for(CaseKind.COMPLAINT, timezone.now())
        return {"appeal_reference": appeal_reference, "resolution_due_at": resolution_due_at}

    # --- Measures and their references ------------------------------------------------------

    def measures_in_force(self) -> dict[int, str]:
        """Measure number (1-based, as in its reference) → measure, for measures not reversed."""
        reversed_numbers = set(self.details.get("reversed_measures", []))
        return {
            number: measure
            for number, measure in enumerate(self.details.get("measures", []), start=1)
            if number not in reversed_numbers
        }


def measure_reference(complaint_reference: str, number: int) -> str:
    """The reference printed on the notice of a measure: C-7K4M-9QHX's second measure is M-7K4M-9QHX-2."""
    return f"M{complaint_reference[1:]}-{number}"


def parse_measure_reference(text: str) -> tuple[str, int] | None:
    """(complaint reference, measure number) for a measure reference, however it was typed."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(compact) < 10 or compact[0] != "M" or not compact[9:].isdigit():
        return None
    body = compact[1:9]
    return f"C-{body[:4]}-{body[4:]}", int(compact[9:])


# --- Apply functions ------------------------------------------------------------------------


@applies(EventType.COMPLAINT_SUBMITTED)
def _submitted(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = CaseKind.COMPLAINT
    case.organisation_id = data["organisation_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["category"]
    case.priority = data["priority"]
    case.description = data["description"]
    case.details = {"content_urls": data["content_urls"]}
    case.subject_id = uuid.UUID(data["subject_id"]) if data["subject_id"] else None
    case.first_response_due_at = when(data["first_response_due_at"])
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.first_response_due_at


def _first_response(case: Case, event: Event) -> None:
    case.first_responded_at = event.occurred_at
    case.details = {**case.details, "decided_by": event.metadata["actor"]["user_id"]}


@applies(EventType.COMPLAINT_ACCEPTED)
def _accepted(case: Case, data: dict[str, Any], event: Event) -> None:
    _first_response(case, event)
    case.due_at = case.resolution_due_at


@applies(EventType.COMPLAINT_REJECTED)
def _rejected(case: Case, data: dict[str, Any], event: Event) -> None:
    _first_response(case, event)
    case.outcome = "rejected_" + data["reason"]
    case.resolved_at = event.occurred_at
    case.due_at = None


@applies(EventType.COMPLAINT_INFORMATION_REQUESTED)
def _information_requested(case: Case, data: dict[str, Any], event: Event) -> None:
    case.paused_at = event.occurred_at
    case.due_at = None


@applies(EventType.COMPLAINT_INFORMATION_RECEIVED)
def _information_received(case: Case, data: dict[str, Any], event: Event) -> None:
    case.paused_at = None
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.resolution_due_at


@applies(EventType.COMPLAINT_RESOLVED)
def _resolved(case: Case, data: dict[str, Any], event: Event) -> None:
    case.outcome = data["outcome"]
    case.resolved_at = event.occurred_at
    case.due_at = None
    case.details = {
        **case.details,
        "measures": data["measures"],
        "decided_by": event.metadata["actor"]["user_id"],
    }


@applies(EventType.COMPLAINT_MEASURES_REVERSED)
def _measures_reversed(case: Case, data: dict[str, Any], event: Event) -> None:
    already = set(case.details.get("reversed_measures", []))
    case.details = {**case.details, "reversed_measures": sorted(already | set(data["measure_numbers"]))}


@applies(EventType.COMPLAINT_REOPENED)
def _reopened(case: Case, data: dict[str, Any], event: Event) -> None:
    case.outcome = ""
    case.resolved_at = None
    case.closed_at = None
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.resolution_due_at


@applies(EventType.COMPLAINT_CLOSED)
def _closed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at
    case.due_at = None
