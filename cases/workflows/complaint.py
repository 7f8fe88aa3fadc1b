"""The complaint / report (举报) workflow, and its declaration.

submitted → triaged (or rejected as invalid / duplicate) → investigating ⇄ awaiting the
complainant (SLA clock paused) → resolved with an outcome → closed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import sla
from cases.display import DisplayContext, Fact, Item, choice_field, linked_reference_field, text_field
from cases.errors import CommandInvalid
from cases.events import CaseEvent
from cases.kinds import KindDeclaration, LegalHold, PublicEvent, StateWording, choice_text, register
from cases.measures import Measure, measure_items, measure_reference, measures_in_force, recorded_measures
from cases.models import Case, KindManager, Priority
from cases.personal_data import notice_subject_for
from cases.projections import applies, when
from cases.sealing import sealed_column
from cases.workflows.base import (
    Argument,
    assignment_transition,
    case_transition,
    choices_of,
    perform,
    staff_or_tracking_public,
)
from cases.workflows.validation import choice, optional_text, required_text

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.eventstore import Event

KIND = "complaint"


class ComplaintState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    TRIAGED = "triaged", _("Accepted for handling")
    REJECTED = "rejected", _("Not accepted")
    INVESTIGATING = "investigating", _("Under investigation")
    AWAITING_COMPLAINANT = "awaiting_complainant", _("Waiting for the complainant")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class ComplaintEvent(models.TextChoices):
    SUBMITTED = "complaint.submitted", _("Complaint submitted")
    ACCEPTED = "complaint.accepted", _("Complaint accepted")
    REJECTED = "complaint.rejected", _("Complaint rejected")
    INVESTIGATION_STARTED = "complaint.investigation_started", _("Investigation started")
    INFORMATION_REQUESTED = "complaint.information_requested", _("Information requested")
    INFORMATION_RECEIVED = "complaint.information_received", _("Information received")
    RESOLVED = "complaint.resolved", _("Complaint resolved")
    CLOSED = "complaint.closed", _("Complaint closed")
    MEASURES_REVERSED = "complaint.measures_reversed", _("Measures reversed on appeal")
    REOPENED = "complaint.reopened", _("Complaint reopened on appeal")


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
CATEGORY_PRIORITY: dict[str, Priority] = {
    Category.FACE_VOICE_WITHOUT_CONSENT: Priority.HIGH,
    Category.IMPERSONATION_FRAUD: Priority.HIGH,
}


class RejectionReason(models.TextChoices):
    INVALID = "invalid", _("Not a valid complaint")
    DUPLICATE = "duplicate", _("Duplicate of another complaint")


class Outcome(models.TextChoices):
    VIOLATION = "violation", _("Violation found, measures taken")
    NO_VIOLATION = "no_violation", _("No violation found")
    REJECTED_INVALID = "rejected_invalid", _("Not a valid complaint")
    REJECTED_DUPLICATE = "rejected_duplicate", _("Duplicate of another complaint")


# The outcomes a resolution may have (a rejection records its own).
RESOLUTION_OUTCOMES = (Outcome.VIOLATION, Outcome.NO_VIOLATION)
REJECTION_OUTCOME = {
    RejectionReason.INVALID: Outcome.REJECTED_INVALID,
    RejectionReason.DUPLICATE: Outcome.REJECTED_DUPLICATE,
}


MSG_MEASURES_REQUIRED = _("Name at least one measure taken when a violation was found.")
MSG_NO_MEASURES_WITHOUT_VIOLATION = _("Measures can only be recorded when a violation was found.")
MSG_DUPLICATE_OF_REQUIRED = _("Give the reference of the complaint this one duplicates.")
MSG_DUPLICATE_OF_UNKNOWN = _("No other complaint of this organisation has that reference.")
MSG_OUTCOME_NOT_A_RESOLUTION = _("Choose “violation” or “no_violation”.")


class Complaint(Case):
    objects = KindManager(KIND)  # type: ignore[assignment, misc]  # a narrower manager than Case's
    States = ComplaintState

    class Meta:
        proxy = True
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    @case_transition(
        source=ComplaintState.SUBMITTED,
        target=ComplaintState.TRIAGED,
        event=ComplaintEvent.ACCEPTED,
        label=_("Accept"),
        arguments={"note": Argument(_("Note for the record (optional)"), "long")},
    )
    def accept(self, *, actor: Actor, note: str = "") -> dict[str, Any]:
        return {"note": optional_text("note", note)}

    @case_transition(
        source=ComplaintState.SUBMITTED,
        target=ComplaintState.REJECTED,
        event=ComplaintEvent.REJECTED,
        label=_("Reject"),
        public_label=_("Not accepted"),
        arguments={
            "reason": Argument(_("Reason"), "choice", choices_of(RejectionReason)),
            "explanation": Argument(_("Explanation for the complainant"), "long"),
            "duplicate_of": Argument(
                _("Reference of the original complaint"), "reference", help=_("Only for a duplicate.")
            ),
        },
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
        event=ComplaintEvent.INVESTIGATION_STARTED,
        label=_("Start investigation"),
    )
    def start_investigation(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    @case_transition(
        source=ComplaintState.INVESTIGATING,
        target=ComplaintState.AWAITING_COMPLAINANT,
        event=ComplaintEvent.INFORMATION_REQUESTED,
        label=_("Ask the complainant for information"),
        public_label=_("Information requested from you"),
        arguments={"question": Argument(_("Question for the complainant"), "long")},
    )
    def request_information(self, *, actor: Actor, question: str) -> dict[str, Any]:
        return {"question": required_text("question", question)}

    @case_transition(
        source=ComplaintState.AWAITING_COMPLAINANT,
        target=ComplaintState.INVESTIGATING,
        event=ComplaintEvent.INFORMATION_RECEIVED,
        label=_("Record the complainant's information"),
        public_label=_("Information received"),
        permission=staff_or_tracking_public,
        arguments={"text": Argument(_("The complainant's answer (given by phone or letter)"), "long")},
    )
    def receive_information(self, *, actor: Actor, text: str) -> dict[str, Any]:
        text = required_text("text", text)
        # The clock stood still while the complainant had the case: the deadline moves on by
        # exactly the working time that took, recorded here so that replay moves it the same.
        return {"text": text, **sla.resumption(self, timezone.now()).event_data()}

    @case_transition(
        source=ComplaintState.INVESTIGATING,
        target=ComplaintState.RESOLVED,
        event=ComplaintEvent.RESOLVED,
        label=_("Resolve"),
        arguments={
            "outcome": Argument(_("Outcome"), "choice", choices_of(Outcome, RESOLUTION_OUTCOMES)),
            "measures": Argument(_("Measures taken"), "measures"),
            "summary": Argument(_("Decision and reasons, for the complainant"), "long"),
        },
    )
    def resolve(self, *, actor: Actor, outcome: str, measures: list[Any] | None = None, summary: str) -> dict[str, Any]:
        outcome = choice("outcome", outcome, Outcome)
        if outcome not in RESOLUTION_OUTCOMES:
            raise CommandInvalid.single("outcome", MSG_OUTCOME_NOT_A_RESOLUTION)
        if outcome == Outcome.NO_VIOLATION and measures:
            raise CommandInvalid.single("measures", MSG_NO_MEASURES_WITHOUT_VIOLATION)
        items = measure_items(measures or [])
        if outcome == Outcome.VIOLATION and not items:
            raise CommandInvalid.single("measures", MSG_MEASURES_REQUIRED)
        summary = required_text("summary", summary)
        now = timezone.now()
        recorded = []
        for item in items:
            subject = notice_subject_for(organisation_id=self.organisation_id, email=item.notify_email)
            recorded.append(
                {
                    "measure": item.measure,
                    "account": item.account,
                    "ends_at": now + dt.timedelta(days=item.days) if item.days else None,
                    "subject_id": subject.pk if subject else None,
                }
            )
        return {"outcome": outcome, "measures": recorded, "summary": summary}

    @case_transition(
        source=[ComplaintState.RESOLVED, ComplaintState.REJECTED],
        target=ComplaintState.CLOSED,
        event=ComplaintEvent.CLOSED,
        label=_("Close"),
    )
    def close(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    assign = assignment_transition(OPEN_STATES)

    # The two consequences of an overturned appeal; only the appeal commands take them.

    @case_transition(
        source=[ComplaintState.RESOLVED, ComplaintState.CLOSED],
        target=None,
        event=ComplaintEvent.MEASURES_REVERSED,
        label=_("Reverse measures after a successful appeal"),
        public_label=_("Measures reversed on appeal"),
        arguments={"appeal_reference": Argument(_("Appeal")), "measure_numbers": Argument(_("Measures"))},
    )
    def reverse_measures(self, *, actor: Actor, appeal_reference: str, measure_numbers: list[int]) -> dict[str, Any]:
        return {"appeal_reference": appeal_reference, "measure_numbers": sorted(set(measure_numbers))}

    @case_transition(
        source=[ComplaintState.REJECTED, ComplaintState.RESOLVED, ComplaintState.CLOSED],
        target=ComplaintState.INVESTIGATING,
        event=ComplaintEvent.REOPENED,
        label=_("Reopen after a successful appeal"),
        public_label=_("Reopened on appeal"),
        arguments={"appeal_reference": Argument(_("Appeal"))},
    )
    def reopen(self, *, actor: Actor, appeal_reference: str) -> dict[str, Any]:
        resolution_due_at = sla.case_deadline(self, sla.RESOLUTION, timezone.now())
        return {"appeal_reference": appeal_reference, "resolution_due_at": resolution_due_at}


def undo_decision(complaint: Case, appeal: Case, actor: Actor) -> None:
    """What an overturned appeal does to the complaint: reverse the appealed measure (or every
    measure of the decision), or reopen a complaint that was rejected or found no violation."""
    if complaint.outcome == Outcome.VIOLATION:
        number = appeal.details["measure_number"]
        numbers = [number] if number else list(measures_in_force(complaint))
        perform(complaint, "reverse_measures", actor=actor, appeal_reference=appeal.reference, measure_numbers=numbers)
    else:
        perform(complaint, "reopen", actor=actor, appeal_reference=appeal.reference)


# --- Apply functions ------------------------------------------------------------------------


@applies(ComplaintEvent.SUBMITTED)
def _submitted(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = KIND
    case.organisation_id = data["organisation_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["category"]
    case.priority = data["priority"]
    case.description = sealed_column(data["description"])
    case.details = {"content_urls": data["content_urls"]}
    if data.get("filer_title"):
        case.details["filer_title"] = data["filer_title"]
    case.subject_id = uuid.UUID(data["subject_id"]) if data["subject_id"] else None
    case.first_response_due_at = when(data["first_response_due_at"])
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.first_response_due_at


def _first_response(case: Case, event: Event) -> None:
    case.first_responded_at = event.occurred_at
    case.details = {**case.details, "decided_by": event.metadata["actor"]["user_id"]}


@applies(ComplaintEvent.ACCEPTED)
def _accepted(case: Case, data: dict[str, Any], event: Event) -> None:
    _first_response(case, event)
    case.due_at = case.resolution_due_at


@applies(ComplaintEvent.REJECTED)
def _rejected(case: Case, data: dict[str, Any], event: Event) -> None:
    _first_response(case, event)
    case.outcome = REJECTION_OUTCOME[data["reason"]]
    case.resolved_at = event.occurred_at
    case.due_at = None


@applies(ComplaintEvent.INVESTIGATION_STARTED)
def _investigation_started(case: Case, data: dict[str, Any], event: Event) -> None:
    """Only the state moves (from the event's to_state)."""


@applies(ComplaintEvent.INFORMATION_REQUESTED)
def _information_requested(case: Case, data: dict[str, Any], event: Event) -> None:
    case.paused_at = event.occurred_at
    case.due_at = None


@applies(ComplaintEvent.INFORMATION_RECEIVED)
def _information_received(case: Case, data: dict[str, Any], event: Event) -> None:
    case.paused_at = None
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.resolution_due_at


@applies(ComplaintEvent.RESOLVED)
def _resolved(case: Case, data: dict[str, Any], event: Event) -> None:
    case.outcome = data["outcome"]
    case.resolved_at = event.occurred_at
    case.due_at = None
    case.details = {
        **case.details,
        # Version 1 of this event named measures alone; `recorded_measures` reads both shapes.
        "measures": recorded_measures(data),
        "decided_by": event.metadata["actor"]["user_id"],
        "decided_at": event.occurred_at.isoformat(),
    }


@applies(ComplaintEvent.MEASURES_REVERSED)
def _measures_reversed(case: Case, data: dict[str, Any], event: Event) -> None:
    numbers = set(data["measure_numbers"])
    measures = [
        {**item, "reversed_at": event.occurred_at.isoformat(), "reversed_by": data["appeal_reference"]}
        if number in numbers and not item["reversed_at"]
        else item
        for number, item in enumerate(recorded_measures(case.details), start=1)
    ]
    already = set(case.details.get("reversed_measures", []))
    case.details = {**case.details, "measures": measures, "reversed_measures": sorted(already | numbers)}


@applies(ComplaintEvent.REOPENED)
def _reopened(case: Case, data: dict[str, Any], event: Event) -> None:
    case.outcome = ""
    case.resolved_at = None
    case.closed_at = None
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.resolution_due_at


@applies(ComplaintEvent.CLOSED)
def _closed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at
    case.due_at = None


# --- How it reads ---------------------------------------------------------------------------


def _measure_texts(reference: str, measures: Any) -> list[str]:
    texts = []
    for number, item in enumerate(recorded_measures({"measures": measures}), start=1):
        text = f"{choice_text(Measure, item['measure'])} ({measure_reference(reference, number)})"
        if item["account"]:
            text += " · " + gettext_now("account %(account)s") % {"account": item["account"]}
        if item["ends_at"]:
            text += " · " + gettext_now("until %(moment)s") % {"moment": _short_time(item["ends_at"])}
        texts.append(text)
    return texts


def _short_time(value: str) -> str:
    from cases.display import staff_time

    return staff_time(value)


def _rejected_lines(event: Event, case: Case) -> list[str]:
    return [choice_text(RejectionReason, event.data["reason"]), event.data["explanation"]]


def _question_lines(event: Event, case: Case) -> list[str]:
    return [event.data["question"]]


def _decision_lines(event: Event, case: Case) -> list[str]:
    data = event.data
    return [choice_text(Outcome, data["outcome"]), data["summary"], *_measure_texts(case.reference, data["measures"])]


def _render_measures(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    items = [Item(text) for text in _measure_texts(context.case.reference, value or [])]
    return [Fact(gettext_now("Measures"), items)] if items else []


def _render_measure_numbers(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    items = [Item(measure_reference(context.case.reference, number), style="code") for number in value or []]
    return [Fact(gettext_now("Measures reversed"), items)] if items else []


def _render_reason(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    return [Fact(gettext_now("Reason"), [Item(choice_text(RejectionReason, value))])]


class MeasureDetails(serializers.Serializer):
    measure = serializers.ChoiceField(choices=Measure.choices)
    account = serializers.CharField(allow_blank=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    subject_id = serializers.UUIDField(allow_null=True)
    reversed_at = serializers.DateTimeField(allow_null=True)
    reversed_by = serializers.CharField(allow_blank=True)


class ComplaintDetails(serializers.Serializer):
    content_urls = serializers.ListField(child=serializers.URLField())
    # The title the complainant gave, sealed under their key (`cases.sealing`).
    filer_title = serializers.DictField(child=serializers.CharField(), required=False)
    decided_by = serializers.IntegerField(required=False, allow_null=True)
    decided_at = serializers.DateTimeField(required=False)
    measures = MeasureDetails(many=True, required=False)
    reversed_measures = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


# Records of illegal information found and the measures taken against it are kept six months
# from the decision (Provisions art. 10 keep records; Cybersecurity Law art. 21: six months).
RECORDS_KEPT = dt.timedelta(days=183)


def _legal_hold(complaint: Case, held: Case) -> LegalHold | None:
    """A complaint that found a violation keeps its complainant's data for the six months the
    records of its handling are kept (they may be asked for by the authorities)."""
    if complaint.pk != held.pk or complaint.outcome != Outcome.VIOLATION or complaint.resolved_at is None:
        return None
    return LegalHold(
        _("a violation was found: the records of its handling are kept six months"),
        until=complaint.resolved_at + RECORDS_KEPT,
        reference=complaint.reference,
    )


DECLARATION = register(
    KindDeclaration(
        kind=KIND,
        label=_("Complaint or report"),
        model=Complaint,
        reference_prefix="C",
        order=10,
        events=ComplaintEvent,
        states={
            ComplaintState.SUBMITTED: StateWording(
                staff=_("New, not yet triaged"),
                public=_("Submitted"),
                explanation=_(
                    "We have received your complaint. We will check it and give you a first response by %(due)s."
                ),
            ),
            ComplaintState.TRIAGED: StateWording(
                staff=_("Accepted, investigation not started"),
                public=_("Accepted for handling"),
                explanation=_(
                    "Your complaint has been accepted and is waiting for an investigator. "
                    "We will tell you our decision by %(due)s."
                ),
            ),
            ComplaintState.REJECTED: StateWording(
                staff=_("Rejected"),
                public=_("Not accepted"),
                explanation=_(
                    "Your complaint was not accepted. The reason is shown in the history below. "
                    "If you disagree, you can appeal."
                ),
            ),
            ComplaintState.INVESTIGATING: StateWording(
                staff=_("Under investigation"),
                public=_("Under investigation"),
                explanation=_("We are looking into what you reported. We will tell you our decision by %(due)s."),
            ),
            ComplaintState.AWAITING_COMPLAINANT: StateWording(
                staff=_("Waiting for the complainant (clock paused)"),
                public=_("Waiting for your information"),
                explanation=_(
                    "We need more information from you before we can go on. Please answer the question below. "
                    "The time limit is paused until you answer: the time you take is not counted against us."
                ),
            ),
            ComplaintState.RESOLVED: StateWording(
                staff=_("Resolved"),
                public=_("Resolved"),
                explanation=_(
                    "We have made a decision. You can read it in the history below. If you disagree, you can appeal."
                ),
            ),
            ComplaintState.CLOSED: StateWording(
                staff=_("Closed"),
                public=_("Closed"),
                explanation=_("This complaint is closed. The decision is shown in the history below."),
            ),
        },
        sla_defaults=(sla.Limit(1, sla.TimeUnit.WORKING_DAYS), sla.Limit(15, sla.TimeUnit.WORKING_DAYS)),
        # High priority (a face or voice edited without consent, fraud): within hours.
        sla_high_priority=(sla.Limit(12, sla.TimeUnit.HOURS), sla.Limit(24, sla.TimeUnit.HOURS)),
        public_events={
            ComplaintEvent.SUBMITTED: PublicEvent(_("Complaint received")),
            ComplaintEvent.ACCEPTED: PublicEvent(_("Accepted for handling")),
            ComplaintEvent.REJECTED: PublicEvent(_("Not accepted"), _rejected_lines),
            ComplaintEvent.INVESTIGATION_STARTED: PublicEvent(_("Investigation started")),
            ComplaintEvent.INFORMATION_REQUESTED: PublicEvent(_("We asked you for more information"), _question_lines),
            ComplaintEvent.INFORMATION_RECEIVED: PublicEvent(_("Your information was received")),
            ComplaintEvent.RESOLVED: PublicEvent(_("Decision made"), _decision_lines),
            ComplaintEvent.CLOSED: PublicEvent(_("Closed")),
            ComplaintEvent.MEASURES_REVERSED: PublicEvent(_("Measures reversed on appeal")),
            ComplaintEvent.REOPENED: PublicEvent(_("Reopened on appeal")),
        },
        filer_notified=frozenset(
            {
                ComplaintEvent.SUBMITTED,
                ComplaintEvent.ACCEPTED,
                ComplaintEvent.REJECTED,
                ComplaintEvent.INFORMATION_REQUESTED,
                ComplaintEvent.RESOLVED,
            }
        ),
        details=ComplaintDetails,
        categories=Category,
        category_label=_("Category"),
        outcomes=Outcome,
        field_renders={
            "category": choice_field(_("Category"), Category),
            "reason": _render_reason,
            "outcome": choice_field(_("Outcome"), Outcome),
            "measures": _render_measures,
            "measure_numbers": _render_measure_numbers,
            "duplicate_of": linked_reference_field(_("Duplicate of"), "duplicate_of_case_id"),
            "explanation": text_field(_("Explanation"), style="long"),
            "question": text_field(_("Question"), style="long"),
            "text": text_field(_("Answer"), style="long"),
            "summary": text_field(_("Summary"), style="long"),
            "appeal_reference": text_field(_("Appeal"), style="code"),
        },
        field_order=("category", "outcome", "reason", "measures", "measure_numbers", "duplicate_of"),
        folded_fields=frozenset({"duplicate_of_case_id"}),
        appealable_states=DECIDED_STATES,
        decision_overturned=undo_decision,
        waiting_on_filer_states=frozenset({ComplaintState.AWAITING_COMPLAINANT}),
        open_states=frozenset(OPEN_STATES),
        legal_hold=_legal_hold,
        internal_transitions=frozenset({"reverse_measures", "reopen"}),
        schema_versions={ComplaintEvent.RESOLVED: 2},
        description_heading=_("What was reported"),
        # The complainant's own words; a match of the feature library quotes them.
        personal_text={
            ComplaintEvent.SUBMITTED: ("description", "filer_title"),
            ComplaintEvent.INFORMATION_RECEIVED: ("text",),
            CaseEvent.FEATURE_MATCHED: ("matched",),
        },
        reported_under=_("Article 10: illegal information handled, and the measures taken"),
    )
)
