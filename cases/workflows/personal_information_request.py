"""Personal-information requests (PIPL articles 44-47 and 50), and their declaration.

A person who filed a case asks what is held about them (access), for a copy of it, for a
correction of their contact details, for deletion, or withdraws their consent. They file it
from their case's tracking page (the private link proves who they are), or staff open it from
that case when the request reaches them another way. Its data subject is the filer of that
case: the request is about the same person, never about anyone the case names.

received → in progress → fulfilled → closed, or → refused (with a stated reason, appealable;
an appeal that overturns the refusal reopens the request). What fulfilling does depends on the
request type and is taken by `cases.commands.personal_information`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import sla
from cases.display import (
    DisplayContext,
    Fact,
    case_url,
    choice_field,
    fact,
    linked_reference_field,
    staff_time,
    text_field,
)
from cases.errors import CommandInvalid
from cases.kinds import KindDeclaration, Opening, PublicEvent, StateWording, register
from cases.links import LinkType
from cases.models import Case, KindManager
from cases.projections import applies, when
from cases.sealing import sealed_column
from cases.workflows.base import Argument, Condition, assignment_transition, case_transition, choices_of, perform
from cases.workflows.validation import choice, optional_text, required_text

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation
    from cases.eventstore import Event

KIND = "personal_information_request"

MAX_REQUEST_TEXT = 5000
MAX_REASON = 5000


class RequestState(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    FULFILLED = "fulfilled", _("Fulfilled")
    REFUSED = "refused", _("Refused")
    CLOSED = "closed", _("Closed")


class RequestEvent(models.TextChoices):
    FILED = "pi_request.filed", _("Personal-information request received")
    STARTED = "pi_request.started", _("Handling of the request started")
    CORRECTION_RECORDED = "pi_request.correction_recorded", _("Correction of contact details recorded")
    FULFILLED = "pi_request.fulfilled", _("Request fulfilled")
    REFUSED = "pi_request.refused", _("Request refused")
    REOPENED = "pi_request.reopened", _("Request reopened on appeal")
    CLOSED = "pi_request.closed", _("Request closed")


class RequestType(models.TextChoices):
    """What the person asks (PIPL articles 44-47): the category of the case."""

    ACCESS = "access", _("Tell me what personal information you hold about me")
    COPY = "copy", _("Give me a copy of my personal information")
    CORRECTION = "correction", _("Correct my personal information")
    DELETION = "deletion", _("Delete my personal information")
    WITHDRAWAL = "withdrawal", _("I withdraw my consent to the processing of my personal information")


class RequestOutcome(models.TextChoices):
    FULFILLED = "fulfilled", _("Fulfilled")
    REFUSED = "refused", _("Refused")


class CorrectedDetail(models.TextChoices):
    """Which contact detail a correction changes; the new value is kept with the person's
    other data, never in the event."""

    NAME = "name", _("Name")
    EMAIL = "email", _("E-mail address")
    PHONE = "phone", _("Phone number")


# Requests that produce an export of everything held about the person once fulfilled.
EXPORTING_TYPES = frozenset({RequestType.ACCESS, RequestType.COPY})

OPEN_STATES = [RequestState.RECEIVED, RequestState.IN_PROGRESS]

MSG_NO_SUBJECT = _(
    "No contact details were given with this case, so no personal information is held about its filer through it."
)
MSG_ONE_CASE = _("A personal-information request is made from exactly one case.")
MSG_NOT_A_CORRECTION = _("Only a request to correct personal information records a correction.")


def export_available(case: Case) -> bool:
    """Whether the request produced an export of what is held about its subject."""
    return case.category in EXPORTING_TYPES and case.outcome == RequestOutcome.FULFILLED


def _downloads(case: Case) -> list[tuple[Any, str]]:
    if not export_available(case):
        return []
    return [
        (_("Your personal information, as a page"), reverse("web:track_export", kwargs={"reference": case.reference})),
        (
            _("Your personal information, as a JSON file"),
            reverse("web:track_export_json", kwargs={"reference": case.reference}),
        ),
    ]


def is_correction(case: Case) -> bool:
    return case.category == RequestType.CORRECTION


class PersonalInformationRequest(Case):
    objects = KindManager(KIND)  # type: ignore[assignment, misc]  # a narrower manager than Case's
    States = RequestState

    class Meta:
        proxy = True
        verbose_name = _("personal-information request")
        verbose_name_plural = _("personal-information requests")

    @case_transition(
        source=RequestState.RECEIVED,
        target=RequestState.IN_PROGRESS,
        event=RequestEvent.STARTED,
        label=_("Start handling"),
        public_label=_("Handling started"),
    )
    def start(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    @case_transition(
        source=RequestState.IN_PROGRESS,
        target=None,
        event=RequestEvent.CORRECTION_RECORDED,
        label=_("Record a correction"),
        public_label=_("Correction recorded"),
        arguments={
            "detail": Argument(_("Detail to correct"), "choice", choices=choices_of(CorrectedDetail)),
            "value": Argument(_("Corrected value"), help=_("As the person asked; leave empty to remove the detail.")),
        },
        conditions=[Condition(lambda case: is_correction(case), MSG_NOT_A_CORRECTION)],
    )
    def record_correction(self, *, actor: Actor, detail: str, value: str) -> dict[str, Any]:
        """Checks the step; the command writes the new value to the person's data."""
        return {"detail": choice("detail", detail, CorrectedDetail)}

    @case_transition(
        source=RequestState.IN_PROGRESS,
        target=RequestState.FULFILLED,
        event=RequestEvent.FULFILLED,
        label=_("Fulfil the request"),
        public_label=_("Fulfilled"),
        arguments={"note": Argument(_("Note to the requester"), "long", help=_("Optional."))},
    )
    def fulfil(self, *, actor: Actor, note: str = "") -> dict[str, Any]:
        return {"note": optional_text("note", note, max_length=MAX_REASON)}

    @case_transition(
        source=[RequestState.RECEIVED, RequestState.IN_PROGRESS],
        target=RequestState.REFUSED,
        event=RequestEvent.REFUSED,
        label=_("Refuse the request"),
        public_label=_("Refused"),
        arguments={
            "reason": Argument(
                _("Reason, for the requester"), "long", help=_("The legal ground for refusing, in plain words.")
            )
        },
    )
    def refuse(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        return {"reason": required_text("reason", reason, max_length=MAX_REASON)}

    @case_transition(
        source=RequestState.REFUSED,
        target=RequestState.IN_PROGRESS,
        event=RequestEvent.REOPENED,
        label=_("Reopen after a successful appeal"),
        public_label=_("Reopened on appeal"),
        arguments={"appeal_reference": Argument(_("Appeal"))},
    )
    def reopen(self, *, actor: Actor, appeal_reference: str) -> dict[str, Any]:
        resolution_due_at = sla.case_deadline(self, sla.RESOLUTION, timezone.now())
        return {"appeal_reference": appeal_reference, "resolution_due_at": resolution_due_at}

    @case_transition(
        source=RequestState.FULFILLED,
        target=RequestState.CLOSED,
        event=RequestEvent.CLOSED,
        label=_("Close"),
    )
    def close(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    assign = assignment_transition(OPEN_STATES)


# --- Apply functions ------------------------------------------------------------------------


@applies(RequestEvent.FILED)
def _filed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = KIND
    case.organisation_id = data["organisation_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["request_type"]
    case.description = sealed_column(data["request_text"])
    case.subject_id = uuid.UUID(data["subject_id"])
    # Not `related_case`: that names the decision an appeal is against.
    case.details = {
        "source_case_id": data["source_case_id"],
        "source_reference": data["source_reference"],
        "decided_by": None,
        "corrected": [],
    }
    case.first_response_due_at = when(data["first_response_due_at"])
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.first_response_due_at


@applies(RequestEvent.STARTED)
def _started(case: Case, data: dict[str, Any], event: Event) -> None:
    case.first_responded_at = event.occurred_at
    case.due_at = case.resolution_due_at


@applies(RequestEvent.CORRECTION_RECORDED)
def _correction_recorded(case: Case, data: dict[str, Any], event: Event) -> None:
    corrected = list(case.details.get("corrected") or [])
    if data["detail"] not in corrected:
        corrected.append(data["detail"])
    case.details = {**case.details, "corrected": corrected}


def _decided(case: Case, event: Event, outcome: str) -> None:
    if case.first_responded_at is None:
        case.first_responded_at = event.occurred_at
    case.resolved_at = event.occurred_at
    case.due_at = None
    case.outcome = outcome
    # The appeal against the decision is reviewed by someone else.
    case.details = {**case.details, "decided_by": event.metadata["actor"]["user_id"]}


@applies(RequestEvent.FULFILLED)
def _fulfilled(case: Case, data: dict[str, Any], event: Event) -> None:
    _decided(case, event, RequestOutcome.FULFILLED)


@applies(RequestEvent.REFUSED)
def _refused(case: Case, data: dict[str, Any], event: Event) -> None:
    _decided(case, event, RequestOutcome.REFUSED)


@applies(RequestEvent.REOPENED)
def _reopened(case: Case, data: dict[str, Any], event: Event) -> None:
    case.resolved_at = None
    case.outcome = ""
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.resolution_due_at


@applies(RequestEvent.CLOSED)
def _closed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at


# --- Opening --------------------------------------------------------------------------------


def request_data(*, source: Case, request_type: str, request_text: str) -> dict[str, Any]:
    """The kind's data of a new request about the filer of `source`, from either side."""
    if source.subject_id is None:
        raise CommandInvalid.single("request_type", MSG_NO_SUBJECT)
    request_type = choice("request_type", request_type, RequestType)
    return {
        "title": str(RequestType(request_type).label)[:200],
        "request_type": request_type,
        "request_text": optional_text("request_text", request_text, max_length=MAX_REQUEST_TEXT),
        "source_case_id": str(source.id),
        "source_reference": source.reference,
        "subject_id": str(source.subject_id),
    }


def _open(
    case: Case,
    *,
    actor: Actor,
    organisation: Organisation,
    sources: list[Case],
    request_type: str,
    request_text: str = "",
) -> dict[str, Any]:
    """A request staff record for the filer of the case they open it from (received by post,
    by phone, at the counter)."""
    if len(sources) != 1:
        raise CommandInvalid.single("also_from", MSG_ONE_CASE)
    return request_data(source=sources[0], request_type=request_type, request_text=request_text)


def undo_refusal(case: Case, appeal: Case, actor: Actor) -> None:
    """An appeal that overturns the refusal sends the request back to be handled."""
    perform(case, "reopen", actor=actor, appeal_reference=appeal.reference)


# --- How it reads ---------------------------------------------------------------------------


def _reason_lines(event: Event, case: Case) -> list[str]:
    return [event.data["reason"]]


def _note_lines(event: Event, case: Case) -> list[str]:
    return [event.data["note"]] if event.data.get("note") else []


def _correction_lines(event: Event, case: Case) -> list[str]:
    return [str(CorrectedDetail(event.data["detail"]).label)]


def _facts(case: Case) -> list[Fact]:
    facts = [fact(_("Made from"), case.details["source_reference"], href=case_url(case.details["source_case_id"]))]
    corrected = case.details.get("corrected") or []
    if corrected:
        facts.append(fact(_("Details corrected"), ", ".join(str(CorrectedDetail(d).label) for d in corrected)))
    if case.resolved_at and case.category in EXPORTING_TYPES and case.outcome == RequestOutcome.FULFILLED:
        facts.append(fact(_("Export available since"), staff_time(case.resolved_at)))
    return facts


def _render_request_text(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    # The person's own words are personal data: shown, once revealed, above the history only.
    return [fact(_("What the person asks"), _("given (see above)"))] if value else []


def _further_limits() -> list[tuple[Any, Any]]:
    return [(_("Appeal against a refusal"), _("at any time after the refusal, from the request's tracking page"))]


class RequestDetails(serializers.Serializer):
    source_case_id = serializers.UUIDField()
    source_reference = serializers.CharField()
    decided_by = serializers.IntegerField(allow_null=True)
    corrected = serializers.ListField(child=serializers.ChoiceField(choices=CorrectedDetail.choices))


DECLARATION = register(
    KindDeclaration(
        kind=KIND,
        label=_("Personal-information request"),
        model=PersonalInformationRequest,
        reference_prefix="P",
        order=25,
        events=RequestEvent,
        states={
            RequestState.RECEIVED: StateWording(
                staff=_("Received, not yet started"),
                public=_("Received"),
                explanation=_(
                    "We have received your request about your personal information. "
                    "We will start handling it by %(due)s."
                ),
            ),
            RequestState.IN_PROGRESS: StateWording(
                staff=_("In progress"),
                public=_("In progress"),
                explanation=_("We are handling your request. We will answer it by %(due)s."),
            ),
            RequestState.FULFILLED: StateWording(
                staff=_("Fulfilled"),
                public=_("Fulfilled"),
                explanation=_(
                    "We have done what you asked. If you asked what we hold or for a copy, "
                    "you can download it from this page."
                ),
            ),
            RequestState.REFUSED: StateWording(
                staff=_("Refused"),
                public=_("Refused"),
                explanation=_(
                    "We refused your request. The reason is shown in the history below. "
                    "If you disagree, you can appeal."
                ),
            ),
            RequestState.CLOSED: StateWording(
                staff=_("Closed"),
                public=_("Closed"),
                explanation=_("This request is closed. What was done is shown in the history below."),
            ),
        },
        # PIPL article 50: requests are answered promptly; 15 working days is the published limit.
        sla_defaults=(sla.Limit(5, sla.TimeUnit.WORKING_DAYS), sla.Limit(15, sla.TimeUnit.WORKING_DAYS)),
        public_events={
            RequestEvent.FILED: PublicEvent(_("Request received")),
            RequestEvent.STARTED: PublicEvent(_("Handling started")),
            RequestEvent.CORRECTION_RECORDED: PublicEvent(_("Your details were corrected"), _correction_lines),
            RequestEvent.FULFILLED: PublicEvent(_("Request fulfilled"), _note_lines),
            RequestEvent.REFUSED: PublicEvent(_("Request refused"), _reason_lines),
            RequestEvent.REOPENED: PublicEvent(_("Reopened on appeal")),
            RequestEvent.CLOSED: PublicEvent(_("Closed")),
        },
        filer_notified=frozenset({RequestEvent.FILED, RequestEvent.FULFILLED, RequestEvent.REFUSED}),
        details=RequestDetails,
        categories=RequestType,
        category_label=_("Request"),
        outcomes=RequestOutcome,
        field_renders={
            "request_type": choice_field(_("Request"), RequestType),
            "source_reference": linked_reference_field(_("Made from"), "source_case_id"),
            "detail": choice_field(_("Detail corrected"), CorrectedDetail),
            "reason": text_field(_("Reason"), style="long"),
            "note": text_field(_("Note"), style="long"),
            "request_text": _render_request_text,
            "appeal_reference": text_field(_("Appeal"), style="code"),
        },
        field_order=("request_type", "source_reference", "detail", "reason"),
        folded_fields=frozenset({"source_case_id"}),
        open_states=frozenset(OPEN_STATES),
        appealable_states=frozenset({RequestState.REFUSED}),
        internal_transitions=frozenset({"reopen"}),
        description_heading=_("What the person asks"),
        opening=Opening(
            label=_("Personal-information request"),
            event=RequestEvent.FILED,
            state=RequestState.RECEIVED,
            body=_open,
            link=LinkType.PERSONAL_INFORMATION_OF,
            from_kinds=frozenset({"complaint", "appeal"}),
            standalone=False,
            filer_form="web:personal_information_request_new",
            hint=_(
                "Record a request the filer of this case made by other means (letter, phone, in person). "
                "The request is about this case's filer and no one else."
            ),
            arguments={
                "request_type": Argument(_("The person asks"), "choice", choices=choices_of(RequestType)),
                "request_text": Argument(
                    _("What the person asks, in their words"), "long", help=_("What to correct and to what, if so.")
                ),
            },
        ),
        facts=_facts,
        further_limits=_further_limits,
        decision_overturned=undo_refusal,
        filer_downloads=_downloads,
        personal_description=True,
        personal_text={RequestEvent.FILED: ("request_text",)},
    )
)
