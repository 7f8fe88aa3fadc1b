"""The appeal (申诉) workflow.

An appeal is against an enforcement measure or against a complaint decision. filed → under
review by someone other than the original decider → upheld or overturned (overturning
reverses the measure, or reopens the complaint) → closed.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import sla
from cases.display import (
    DisplayContext,
    Fact,
    choice_field,
    event_data,
    fact,
    linked_reference_field,
    person_field,
    text_field,
)
from cases.errors import TransitionForbidden
from cases.kinds import KindDeclaration, PublicEvent, StateWording, register
from cases.measures import Measure, measure_reference
from cases.models import Case, KindManager
from cases.projections import applies, when
from cases.sealing import sealed_column
from cases.workflows.base import Argument, assignment_transition, case_transition
from cases.workflows.validation import required_text

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.eventstore import Event


KIND = "appeal"


class AppealState(models.TextChoices):
    FILED = "filed", _("Filed")
    UNDER_REVIEW = "under_review", _("Under review")
    UPHELD = "upheld", _("Original decision upheld")
    OVERTURNED = "overturned", _("Original decision overturned")
    CLOSED = "closed", _("Closed")


class AppealEvent(models.TextChoices):
    FILED = "appeal.filed", _("Appeal filed")
    REVIEW_STARTED = "appeal.review_started", _("Appeal review started")
    UPHELD = "appeal.upheld", _("Original decision upheld")
    OVERTURNED = "appeal.overturned", _("Original decision overturned")
    CLOSED = "appeal.closed", _("Appeal closed")


OPEN_STATES = [AppealState.FILED, AppealState.UNDER_REVIEW]


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Original decision upheld")
    OVERTURNED = "overturned", _("Original decision overturned")


class AppealTarget(models.TextChoices):
    # Against the decision on a case one filed (a complaint, a personal-information request).
    COMPLAINT_DECISION = "complaint_decision", _("A decision on a case you filed")
    MEASURE = "measure", _("An enforcement measure")


MSG_ORIGINAL_DECIDER = _("Someone other than the person who made the original decision must review this appeal.")


def _someone_else_decided(appeal: Case, actor: Actor) -> bool:
    decider = appeal.details.get("original_decider")
    return decider is None or actor.user_id != decider


def _not_the_original_decider(appeal: Case, actor: Actor) -> None:
    if not _someone_else_decided(appeal, actor):
        raise TransitionForbidden(MSG_ORIGINAL_DECIDER)


class Appeal(Case):
    objects = KindManager(KIND)  # type: ignore[assignment, misc]  # a narrower manager than Case's
    States = AppealState

    class Meta:
        proxy = True
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    @case_transition(
        source=AppealState.FILED,
        target=AppealState.UNDER_REVIEW,
        event=AppealEvent.REVIEW_STARTED,
        label=_("Start review"),
    )
    def start_review(self, *, actor: Actor) -> dict[str, Any]:
        _not_the_original_decider(self, actor)
        return {}

    @case_transition(
        source=AppealState.UNDER_REVIEW,
        target=AppealState.UPHELD,
        event=AppealEvent.UPHELD,
        label=_("Uphold the original decision"),
        arguments={"reason": Argument(_("Reasons, for the appellant"), "long")},
    )
    def uphold(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        _not_the_original_decider(self, actor)
        return {"reason": required_text("reason", reason)}

    @case_transition(
        source=AppealState.UNDER_REVIEW,
        target=AppealState.OVERTURNED,
        event=AppealEvent.OVERTURNED,
        label=_("Overturn the original decision"),
        arguments={"reason": Argument(_("Reasons, for the appellant"), "long")},
    )
    def overturn(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        _not_the_original_decider(self, actor)
        return {"reason": required_text("reason", reason)}

    @case_transition(
        source=[AppealState.UPHELD, AppealState.OVERTURNED],
        target=AppealState.CLOSED,
        event=AppealEvent.CLOSED,
        label=_("Close"),
    )
    def close(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    assign = assignment_transition(OPEN_STATES)


@applies(AppealEvent.FILED)
def _filed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = KIND
    case.organisation_id = data["organisation_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["target"]
    case.description = sealed_column(data["statement"])
    case.related_case_id = uuid.UUID(data["appealed_case_id"])
    case.details = {
        "target": data["target"],
        "appealed_reference": data["appealed_reference"],
        "measure_number": data["measure_number"],
        "measure": data["measure"],
        "original_decider": data["original_decider"],
    }
    case.subject_id = uuid.UUID(data["subject_id"]) if data["subject_id"] else None
    case.first_response_due_at = when(data["first_response_due_at"])
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.first_response_due_at


@applies(AppealEvent.REVIEW_STARTED)
def _review_started(case: Case, data: dict[str, Any], event: Event) -> None:
    case.first_responded_at = event.occurred_at
    case.due_at = case.resolution_due_at


def _decided(case: Case, data: dict[str, Any], event: Event) -> None:
    case.resolved_at = event.occurred_at
    case.due_at = None


@applies(AppealEvent.UPHELD)
def _upheld(case: Case, data: dict[str, Any], event: Event) -> None:
    _decided(case, data, event)
    case.outcome = AppealOutcome.UPHELD


@applies(AppealEvent.OVERTURNED)
def _overturned(case: Case, data: dict[str, Any], event: Event) -> None:
    _decided(case, data, event)
    case.outcome = AppealOutcome.OVERTURNED


@applies(AppealEvent.CLOSED)
def _closed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at


# --- How it reads ---------------------------------------------------------------------------


def _reason_lines(event: Event, case: Case) -> list[str]:
    return [event.data["reason"]]


def _render_measure_number(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    if not value:
        return []
    appealed = event_data(event).get("appealed_reference") or context.case.reference
    return [fact(_("Measure appealed"), measure_reference(appealed, value), style="code")]


class AppealDetails(serializers.Serializer):
    target = serializers.ChoiceField(choices=AppealTarget.choices)
    appealed_reference = serializers.CharField()
    measure_number = serializers.IntegerField(min_value=1, allow_null=True)
    measure = serializers.ChoiceField(choices=Measure.choices, allow_null=True)
    original_decider = serializers.IntegerField(allow_null=True)


DECLARATION = register(
    KindDeclaration(
        kind=KIND,
        label=_("Appeal"),
        model=Appeal,
        reference_prefix="A",
        order=20,
        events=AppealEvent,
        states={
            AppealState.FILED: StateWording(
                staff=_("Filed, review not started"),
                public=_("Filed"),
                explanation=_(
                    "We have received your appeal. It will be reviewed by someone who did not take the original "
                    "decision. You will have a first response by %(due)s."
                ),
            ),
            AppealState.UNDER_REVIEW: StateWording(
                staff=_("Under review"),
                public=_("Under review"),
                explanation=_(
                    "Your appeal is being reviewed by someone who did not take the original decision. "
                    "We will tell you the result by %(due)s."
                ),
            ),
            AppealState.UPHELD: StateWording(
                staff=_("Original decision upheld"),
                public=_("Original decision upheld"),
                explanation=_("The review kept the original decision. The reasons are shown in the history below."),
            ),
            AppealState.OVERTURNED: StateWording(
                staff=_("Original decision overturned"),
                public=_("Original decision overturned"),
                explanation=_(
                    "The review overturned the original decision, and it has been undone. "
                    "The reasons are shown in the history below."
                ),
            ),
            AppealState.CLOSED: StateWording(
                staff=_("Closed"),
                public=_("Closed"),
                explanation=_("This appeal is closed. The result is shown in the history below."),
            ),
        },
        sla_defaults=(sla.Limit(24, sla.TimeUnit.HOURS), sla.Limit(10, sla.TimeUnit.WORKING_DAYS)),
        public_events={
            AppealEvent.FILED: PublicEvent(_("Appeal received")),
            AppealEvent.REVIEW_STARTED: PublicEvent(_("Review started")),
            AppealEvent.UPHELD: PublicEvent(_("Original decision upheld"), _reason_lines),
            AppealEvent.OVERTURNED: PublicEvent(_("Original decision overturned"), _reason_lines),
            AppealEvent.CLOSED: PublicEvent(_("Closed")),
        },
        filer_notified=frozenset({AppealEvent.FILED, AppealEvent.UPHELD, AppealEvent.OVERTURNED}),
        details=AppealDetails,
        categories=AppealTarget,
        category_label=_("What is appealed"),
        outcomes=AppealOutcome,
        field_renders={
            "target": choice_field(_("What is appealed"), AppealTarget),
            "outcome": choice_field(_("Outcome"), AppealOutcome),
            "appealed_reference": linked_reference_field(_("Appeal against"), "appealed_case_id"),
            "measure_number": _render_measure_number,
            "measure": choice_field(_("Measure"), Measure),
            "original_decider": person_field(_("Original decision by")),
            "statement": text_field(_("Statement"), style="long"),
            "reason": text_field(_("Reason"), style="long"),
        },
        field_order=("target", "appealed_reference", "measure_number", "measure", "original_decider", "reason"),
        folded_fields=frozenset({"appealed_case_id"}),
        person_fields=frozenset({"original_decider"}),
        open_states=frozenset(OPEN_STATES),
        appeals_decisions=True,
        handler_rule=_someone_else_decided,
        may_not_handle_message=MSG_ORIGINAL_DECIDER,
        description_heading=_("The appellant's statement"),
        personal_text={AppealEvent.FILED: ("statement",)},
    )
)
