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

from cases.errors import TransitionForbidden
from cases.events import EventType
from cases.models import Case, CaseKind, KindManager, register_kind
from cases.projections import applies, when
from cases.workflows.base import assignment_check, case_transition
from cases.workflows.validation import required_text

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.eventstore import Event


class AppealState(models.TextChoices):
    FILED = "filed", _("Filed")
    UNDER_REVIEW = "under_review", _("Under review")
    UPHELD = "upheld", _("Original decision upheld")
    OVERTURNED = "overturned", _("Original decision overturned")
    CLOSED = "closed", _("Closed")


OPEN_STATES = [AppealState.FILED, AppealState.UNDER_REVIEW]


class AppealTarget(models.TextChoices):
    COMPLAINT_DECISION = "complaint_decision", _("A decision on a complaint")
    MEASURE = "measure", _("An enforcement measure")


MSG_ORIGINAL_DECIDER = _("Someone other than the person who made the original decision must review this appeal.")


def _not_the_original_decider(appeal: Case, actor: Actor) -> None:
    decider = appeal.details.get("original_decider")
    if decider is not None and actor.user_id == decider:
        raise TransitionForbidden(MSG_ORIGINAL_DECIDER)


@register_kind
class Appeal(Case):
    objects = KindManager(CaseKind.APPEAL)
    States = AppealState

    class Meta:
        proxy = True
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    @case_transition(
        source=AppealState.FILED,
        target=AppealState.UNDER_REVIEW,
        event=EventType.APPEAL_REVIEW_STARTED,
        label=_("Start review"),
    )
    def start_review(self, *, actor: Actor) -> dict[str, Any]:
        _not_the_original_decider(self, actor)
        return {}

    @case_transition(
        source=AppealState.UNDER_REVIEW,
        target=AppealState.UPHELD,
        event=EventType.APPEAL_UPHELD,
        label=_("Uphold the original decision"),
    )
    def uphold(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        _not_the_original_decider(self, actor)
        return {"reason": required_text("reason", reason)}

    @case_transition(
        source=AppealState.UNDER_REVIEW,
        target=AppealState.OVERTURNED,
        event=EventType.APPEAL_OVERTURNED,
        label=_("Overturn the original decision"),
    )
    def overturn(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        _not_the_original_decider(self, actor)
        return {"reason": required_text("reason", reason)}

    @case_transition(
        source=[AppealState.UPHELD, AppealState.OVERTURNED],
        target=AppealState.CLOSED,
        event=EventType.APPEAL_CLOSED,
        label=_("Close"),
    )
    def close(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    @case_transition(source=OPEN_STATES, target=None, event=EventType.CASE_ASSIGNED, label=_("Assign"))
    def assign(self, *, actor: Actor, assignee_id: int | None) -> dict[str, Any]:
        return assignment_check(self, assignee_id)


@applies(EventType.APPEAL_FILED)
def _filed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = CaseKind.APPEAL
    case.organisation_id = data["organisation_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["target"]
    case.description = data["statement"]
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


@applies(EventType.APPEAL_REVIEW_STARTED)
def _review_started(case: Case, data: dict[str, Any], event: Event) -> None:
    case.first_responded_at = event.occurred_at
    case.due_at = case.resolution_due_at


def _decided(case: Case, data: dict[str, Any], event: Event) -> None:
    case.resolved_at = event.occurred_at
    case.due_at = None


@applies(EventType.APPEAL_UPHELD)
def _upheld(case: Case, data: dict[str, Any], event: Event) -> None:
    _decided(case, data, event)
    case.outcome = "upheld"


@applies(EventType.APPEAL_OVERTURNED)
def _overturned(case: Case, data: dict[str, Any], event: Event) -> None:
    _decided(case, data, event)
    case.outcome = "overturned"


@applies(EventType.APPEAL_CLOSED)
def _closed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at
