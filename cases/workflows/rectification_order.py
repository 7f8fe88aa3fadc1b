"""The rectification order (整改) of article 21, and its declaration: a case with two parties.

A regulator's officer issues an order to a provider in the regulator's jurisdiction, with the
legal basis, the findings, the measures required (among them the suspensions article 21
allows: of information updates, of user registration, of other named services) and a deadline.
The order belongs to the provider (its staff work it in their queue) and is addressed to the
regulator (`Case.counterpart_organisation`), whose officers see it and nothing else of the
provider's.

issued → (provider acknowledges) in progress → (provider submits its rectification) submitted
→ (regulator) accepted, or rejected with reasons, back to in progress for a new submission.
The regulator may extend the deadline or withdraw the order while it is open. Once the
deadline passes while the provider still owes a submission, the clock worker records that the
order is overdue, once per deadline, and raises its priority: both sides see it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import sla
from cases.display import DisplayContext, Fact, Item, choice_field, fact, staff_time, text_field
from cases.errors import CommandInvalid
from cases.kinds import REGULATOR_SIDE, ClockCheck, KindDeclaration, LegalHold, Opening, StateWording, register
from cases.models import Case, KindManager, Priority
from cases.projections import applies, when
from cases.scope import supervised_providers
from cases.workflows.base import (
    Argument,
    assignment_transition,
    case_transition,
    choices_of,
    regulator_of_case,
    staff_of_case_organisation,
)
from cases.workflows.validation import choice, optional_moment, optional_text, required_text
from ledger.checkpoints import latest_checkpoint

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation
    from cases.eventstore import Event

KIND = "rectification_order"

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_SERVICES = 500


class OrderState(models.TextChoices):
    ISSUED = "issued", _("Issued")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OrderEvent(models.TextChoices):
    ISSUED = "order.issued", _("Rectification order issued")
    ACKNOWLEDGED = "order.acknowledged", _("Order acknowledged")
    PROGRESS = "order.progress_recorded", _("Progress recorded")
    SUBMITTED = "order.submitted", _("Rectification submitted")
    REJECTED = "order.rejected", _("Rectification rejected")
    ACCEPTED = "order.accepted", _("Rectification accepted")
    EXTENDED = "order.deadline_extended", _("Deadline extended")
    WITHDRAWN = "order.withdrawn", _("Order withdrawn")
    OVERDUE = "order.overdue", _("Deadline passed without a submission")


# The provider owes a submission in these states; the deadline runs.
OWING = [OrderState.ISSUED, OrderState.IN_PROGRESS]
OPEN_STATES = [OrderState.ISSUED, OrderState.IN_PROGRESS, OrderState.SUBMITTED]


class LegalBasis(models.TextChoices):
    """The article of the Provisions the finding rests on (article 21 empowers the order)."""

    ARTICLE_6 = "article_6", _("Article 6: illegal and harmful information")
    ARTICLE_7 = "article_7", _("Article 7: management systems and emergency handling")
    ARTICLE_10 = "article_10", _("Article 10: review of content and the feature library")
    ARTICLE_11 = "article_11", _("Article 11: refuting rumors")
    ARTICLE_12 = "article_12", _("Article 12: complaints, appeals and their time limits")
    ARTICLE_14 = "article_14", _("Article 14: consent to editing faces and voices")
    ARTICLE_16 = "article_16", _("Articles 16-18: labelling synthetic content")
    ARTICLE_21 = "article_21", _("Article 21: information security risk found in an inspection")


class Suspension(models.TextChoices):
    """The suspensions article 21 allows a regulator to require."""

    INFORMATION_UPDATES = "information_updates", _("Suspend information updates")
    USER_REGISTRATION = "user_registration", _("Suspend user registration")


class YesNo(models.TextChoices):
    NO = "no", _("No")
    YES = "yes", _("Yes")


MSG_NOT_SUPERVISED = _("Choose a provider your regulator supervises.")
MSG_DEADLINE_PAST = _("The deadline must be in the future.")
MSG_DEADLINE_NOT_LATER = _("The new deadline must be later than the current one (%(current)s).")
MSG_NOT_OVERDUE = _("The deadline has not passed, or it was already recorded as passed.")


def provider_choices(actor: Actor) -> list[tuple[str, str]]:
    """The providers an officer may issue an order to, by short name."""
    return [(slug, name) for slug, name in supervised_providers(actor).values_list("slug", "name")]


def _future_moment(field: str, value: dt.datetime | str | None, *, after: dt.datetime) -> dt.datetime:
    moment = optional_moment(field, value)
    if moment is None:
        raise CommandInvalid.single(field, _("This field is required."))
    if moment <= after:
        raise CommandInvalid.single(field, MSG_DEADLINE_PAST)
    return moment


def suspensions_of(details: dict[str, Any]) -> list[str]:
    """The suspensions an order requires, in words."""
    found = [str(Suspension(value).label) for value in details.get("suspensions", [])]
    if details.get("suspended_services"):
        found.append(str(_("Suspend: %(services)s")) % {"services": details["suspended_services"]})
    return found


def overdue(case: Case, now: dt.datetime) -> bool:
    """The provider still owes a submission, the deadline has passed, and the worker has not
    recorded it for this deadline yet."""
    if case.state not in OWING:
        return False
    deadline = when(case.details.get("deadline"))
    return deadline is not None and deadline <= now and case.details.get("overdue_for") != case.details["deadline"]


def _only_the_clock(case: Case, actor: Actor) -> bool:
    return actor.is_system


class RectificationOrder(Case):
    objects = KindManager(KIND)  # type: ignore[assignment, misc]  # a narrower manager than Case's
    States = OrderState

    class Meta:
        proxy = True
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")

    # --- The provider's steps -----------------------------------------------------------

    @case_transition(
        source=OrderState.ISSUED,
        target=OrderState.IN_PROGRESS,
        event=OrderEvent.ACKNOWLEDGED,
        label=_("Acknowledge the order"),
        permission=staff_of_case_organisation,
        arguments={"note": Argument(_("Note to the regulator"), "long", help=_("Optional."))},
    )
    def acknowledge(self, *, actor: Actor, note: str = "") -> dict[str, Any]:
        return {"note": optional_text("note", note, max_length=MAX_TEXT)}

    @case_transition(
        source=OrderState.IN_PROGRESS,
        target=None,
        event=OrderEvent.PROGRESS,
        label=_("Record progress"),
        permission=staff_of_case_organisation,
        arguments={"progress": Argument(_("What has been done so far"), "long")},
    )
    def record_progress(self, *, actor: Actor, progress: str) -> dict[str, Any]:
        return {"progress": required_text("progress", progress, max_length=MAX_TEXT)}

    @case_transition(
        source=OrderState.IN_PROGRESS,
        target=OrderState.SUBMITTED,
        event=OrderEvent.SUBMITTED,
        label=_("Submit the rectification"),
        permission=staff_of_case_organisation,
        arguments={
            "summary": Argument(_("What was rectified, and how"), "long"),
            "evidence_urls": Argument(
                _("Evidence of the rectification"),
                "urls",
                help=_("Addresses where the regulator can check it, one per line. Optional."),
            ),
            "attachments": Argument(_("Files showing the rectification (optional)"), "files"),
        },
    )
    def submit(
        self, *, actor: Actor, summary: str, evidence_urls: list[str] | None = None, attachments: Any = ()
    ) -> dict[str, Any]:
        # `attachments` are kept as the case's files after this step (`files_apart`).
        from cases.workflows.validation import web_addresses

        return {
            "summary": required_text("summary", summary, max_length=MAX_TEXT),
            "evidence_urls": web_addresses("evidence_urls", evidence_urls or []),
            "submission": int(self.details.get("submissions", 0)) + 1,
            # The regulator keeps it: any later checkpoint must be proven to extend it.
            "checkpoint": latest_checkpoint(),
        }

    # --- The regulator's steps ----------------------------------------------------------

    @case_transition(
        source=OrderState.SUBMITTED,
        target=OrderState.ACCEPTED,
        event=OrderEvent.ACCEPTED,
        label=_("Accept the rectification"),
        permission=regulator_of_case,
        arguments={"reasons": Argument(_("Reasons"), "long")},
    )
    def accept(self, *, actor: Actor, reasons: str) -> dict[str, Any]:
        return {"reasons": required_text("reasons", reasons, max_length=MAX_TEXT)}

    @case_transition(
        source=OrderState.SUBMITTED,
        target=OrderState.IN_PROGRESS,
        event=OrderEvent.REJECTED,
        label=_("Reject the rectification"),
        permission=regulator_of_case,
        arguments={
            "reasons": Argument(_("Why it is not enough, and what is still required"), "long"),
            "new_deadline": Argument(
                _("New deadline"),
                "moment",
                help=_("Beijing time. Leave empty to keep the current deadline."),
            ),
        },
    )
    def reject(self, *, actor: Actor, reasons: str, new_deadline: dt.datetime | str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"reasons": required_text("reasons", reasons, max_length=MAX_TEXT), "deadline": None}
        if new_deadline not in (None, ""):
            data["deadline"] = _future_moment("new_deadline", new_deadline, after=timezone.now())
        return data

    @case_transition(
        source=OPEN_STATES,
        target=None,
        event=OrderEvent.EXTENDED,
        label=_("Extend the deadline"),
        permission=regulator_of_case,
        arguments={
            "new_deadline": Argument(_("New deadline"), "moment", help=_("Beijing time.")),
            "reason": Argument(_("Why it is extended"), "long"),
        },
    )
    def extend(self, *, actor: Actor, new_deadline: dt.datetime | str, reason: str) -> dict[str, Any]:
        current = when(self.details["deadline"])
        assert current is not None
        moment = _future_moment("new_deadline", new_deadline, after=timezone.now())
        if moment <= current:
            raise CommandInvalid.single("new_deadline", MSG_DEADLINE_NOT_LATER % {"current": staff_time(current)})
        return {"deadline": moment, "previous_deadline": current, "reason": required_text("reason", reason)}

    @case_transition(
        source=OPEN_STATES,
        target=OrderState.WITHDRAWN,
        event=OrderEvent.WITHDRAWN,
        label=_("Withdraw the order"),
        permission=regulator_of_case,
        arguments={"reason": Argument(_("Why it is withdrawn"), "long")},
    )
    def withdraw(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        return {"reason": required_text("reason", reason, max_length=MAX_TEXT)}

    # Taken by the clock worker only, once per deadline that passes without a submission.
    @case_transition(
        source=OWING,
        target=None,
        event=OrderEvent.OVERDUE,
        label=_("Record that the deadline passed"),
        permission=_only_the_clock,
    )
    def record_overdue(self, *, actor: Actor, now: dt.datetime) -> dict[str, Any]:
        if not overdue(self, now):
            raise CommandInvalid.single("deadline", MSG_NOT_OVERDUE)
        return {"deadline": self.details["deadline"], "priority": int(Priority.URGENT)}

    assign = assignment_transition(OPEN_STATES)


# --- Apply functions ------------------------------------------------------------------------


def _refresh_due(case: Case) -> None:
    """The deadline runs while the provider owes a submission."""
    case.due_at = when(case.details["deadline"]) if case.state in OWING else None


@applies(OrderEvent.ISSUED)
def _issued(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = KIND
    case.organisation_id = data["organisation_id"]
    case.counterpart_organisation_id = data["regulator_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["legal_basis"]
    case.priority = Priority.HIGH
    case.description = data["findings"]
    case.details = {
        "regulator_name": data["regulator_name"],
        "required_measures": data["required_measures"],
        "suspensions": data["suspensions"],
        "suspended_services": data["suspended_services"],
        "deadline": data["deadline"],
        "issued_deadline": data["deadline"],
        "overdue_for": None,
        "submissions": 0,
        "rejections": 0,
    }
    case.first_response_due_at = when(data["first_response_due_at"])
    case.resolution_due_at = when(data["resolution_due_at"])
    _refresh_due(case)


@applies(OrderEvent.ACKNOWLEDGED)
def _acknowledged(case: Case, data: dict[str, Any], event: Event) -> None:
    case.first_responded_at = event.occurred_at
    _refresh_due(case)


@applies(OrderEvent.PROGRESS)
def _progress(case: Case, data: dict[str, Any], event: Event) -> None:
    """Only the history grows."""


@applies(OrderEvent.SUBMITTED)
def _submitted(case: Case, data: dict[str, Any], event: Event) -> None:
    case.details = {**case.details, "submissions": data["submission"]}
    _refresh_due(case)


@applies(OrderEvent.REJECTED)
def _rejected(case: Case, data: dict[str, Any], event: Event) -> None:
    details = {**case.details, "rejections": case.details.get("rejections", 0) + 1}
    if data.get("deadline"):
        details.update(deadline=data["deadline"], overdue_for=None)
    case.details = details
    case.resolution_due_at = when(details["deadline"])
    _refresh_due(case)


@applies(OrderEvent.ACCEPTED)
def _accepted(case: Case, data: dict[str, Any], event: Event) -> None:
    case.resolved_at = case.closed_at = event.occurred_at
    case.outcome = "accepted"
    _refresh_due(case)


@applies(OrderEvent.EXTENDED)
def _extended(case: Case, data: dict[str, Any], event: Event) -> None:
    # A new deadline is a new chance: the overdue flag of the old one no longer applies.
    case.details = {**case.details, "deadline": data["deadline"], "overdue_for": None}
    case.resolution_due_at = when(data["deadline"])
    _refresh_due(case)


@applies(OrderEvent.WITHDRAWN)
def _withdrawn(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at
    case.outcome = "withdrawn"
    _refresh_due(case)


@applies(OrderEvent.OVERDUE)
def _overdue(case: Case, data: dict[str, Any], event: Event) -> None:
    case.details = {**case.details, "overdue_for": data["deadline"]}
    case.priority = data["priority"]
    _refresh_due(case)


def is_overdue(case: Case) -> bool:
    """Recorded as overdue for the deadline that runs now (both sides' dashboards say so)."""
    return case.state in OWING and case.details.get("overdue_for") == case.details.get("deadline")


# --- The clock ------------------------------------------------------------------------------


def _overdue_candidates(cases: QuerySet[Any], now: dt.datetime) -> QuerySet[Any]:
    # While a submission is owed the deadline is the case's due_at (see _refresh_due); once
    # recorded, `overdue_for` holds it until a new deadline clears it.
    return cases.filter(state__in=OWING, due_at__lte=now, details__overdue_for=None)


# --- How it reads ---------------------------------------------------------------------------


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Rectification accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn by the regulator")


def _render_moment(label: Any) -> Any:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, staff_time(value))] if value else []

    return render


def _render_suspensions(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    if not value:
        return []
    return [Fact(str(_("Suspensions required")), [Item(str(Suspension(v).label)) for v in value])]


def _render_urls(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    if not value:
        return []
    return [Fact(str(_("Evidence of the rectification")), [Item(url, href=url, style="url") for url in value])]


def _render_count(label: Any) -> Any:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, value)] if value else []

    return render


def _render_priority(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    return [fact(_("Priority raised to"), Priority(value).label)] if value else []


def _facts(case: Case) -> list[Fact]:
    details = case.details
    facts = [
        fact(_("Issued by"), details["regulator_name"]),
        fact(_("Measures required"), details["required_measures"], style="long"),
    ]
    suspensions = suspensions_of(details)
    if suspensions:
        facts.append(Fact(str(_("Suspensions required")), [Item(text) for text in suspensions]))
    facts.append(fact(_("Deadline"), staff_time(details["deadline"])))
    if details.get("issued_deadline") and details["issued_deadline"] != details["deadline"]:
        facts.append(fact(_("Deadline when issued"), staff_time(details["issued_deadline"])))
    if is_overdue(case):
        facts.append(fact(_("Overdue"), _("The deadline passed without a submission.")))
    if details.get("submissions"):
        facts.append(fact(_("Submissions so far"), details["submissions"]))
    if details.get("rejections"):
        facts.append(fact(_("Submissions rejected"), details["rejections"]))
    return facts


def _deadline_label(case: Case) -> Any:
    return _("Rectification due") if case.state in OWING else ""


def _suspending(orders: QuerySet[Any]) -> QuerySet[Any]:
    """The orders that suspend something (what `suspensions_of` finds words for): most suspend
    nothing, and need not be read for the notice of every workspace page."""
    return orders.filter(
        Q(details__suspensions__0__isnull=False)
        | (Q(details__suspended_services__isnull=False) & ~Q(details__suspended_services=""))
    )


def _workspace_notice(case: Case) -> Any:
    """While an order that suspends services is open, every page of the provider's workspace
    says what is suspended and under which order."""
    suspensions = suspensions_of(case.details)
    if case.state not in OPEN_STATES or not suspensions:
        return ""
    return _("Under order %(reference)s of %(regulator)s: %(suspensions)s, until the order is closed.") % {
        "reference": case.reference,
        "regulator": case.details["regulator_name"],
        "suspensions": "; ".join(suspensions),
    }


class OrderDetails(serializers.Serializer):
    regulator_name = serializers.CharField()
    required_measures = serializers.CharField()
    suspensions = serializers.ListField(child=serializers.ChoiceField(choices=Suspension.choices))
    suspended_services = serializers.CharField(allow_blank=True)
    deadline = serializers.DateTimeField()
    issued_deadline = serializers.DateTimeField()
    overdue_for = serializers.DateTimeField(allow_null=True)
    submissions = serializers.IntegerField(min_value=0)
    rejections = serializers.IntegerField(min_value=0)


def _issue(
    case: Case,
    *,
    actor: Actor,
    organisation: Organisation,
    sources: list[Case],
    provider: str,
    legal_basis: str,
    title: str,
    findings: str,
    required_measures: str,
    deadline: dt.datetime | str,
    suspend_information_updates: str = YesNo.NO,
    suspend_user_registration: str = YesNo.NO,
    suspend_other_services: str = "",
    attachments: Any = (),
) -> dict[str, Any]:
    """An order of the officer's regulator to a provider in its jurisdiction; the case belongs
    to the provider and is addressed to the regulator. `attachments` (the inspection record)
    are kept as the order's files once it is issued."""
    issued_to = supervised_providers(actor).filter(slug=provider).first()
    if issued_to is None:
        raise CommandInvalid.single("provider", MSG_NOT_SUPERVISED)
    suspensions = []
    if choice("suspend_information_updates", suspend_information_updates or YesNo.NO, YesNo) == YesNo.YES:
        suspensions.append(Suspension.INFORMATION_UPDATES.value)
    if choice("suspend_user_registration", suspend_user_registration or YesNo.NO, YesNo) == YesNo.YES:
        suspensions.append(Suspension.USER_REGISTRATION.value)
    return {
        "organisation_id": issued_to.pk,
        "regulator_id": organisation.pk,
        "regulator_name": organisation.name,
        "provider_name": issued_to.name,
        "legal_basis": choice("legal_basis", legal_basis, LegalBasis),
        "title": required_text("title", title, max_length=MAX_TITLE),
        "findings": required_text("findings", findings, max_length=MAX_TEXT),
        "required_measures": required_text("required_measures", required_measures, max_length=MAX_TEXT),
        "suspensions": suspensions,
        "suspended_services": optional_text("suspend_other_services", suspend_other_services, max_length=MAX_SERVICES),
        "deadline": (moment := _future_moment("deadline", deadline, after=timezone.now())),
        # The regulator's deadline is the resolution deadline; acknowledging it is the first
        # response, within the kind's usual time (see `sla_defaults`).
        "resolution_due_at": moment,
    }


def _legal_hold(order: Case, held: Case) -> LegalHold | None:
    """An open order keeps the personal data of every case it involves: the regulator may
    still ask for them."""
    if order.state not in OPEN_STATES:
        return None
    return LegalHold(_("an open rectification order involves this case"), reference=order.reference)


DECLARATION = register(
    KindDeclaration(
        kind=KIND,
        label=_("Rectification order"),
        model=RectificationOrder,
        reference_prefix="Z",
        order=50,
        events=OrderEvent,
        states={
            OrderState.ISSUED: StateWording(
                staff=_("Issued, awaiting acknowledgement"),
                public=_("Issued"),
                explanation=_("The order has been issued; the provider is to rectify by %(due)s."),
            ),
            OrderState.IN_PROGRESS: StateWording(
                staff=_("Being rectified"),
                public=_("In progress"),
                explanation=_("The provider is rectifying; it is to submit its rectification by %(due)s."),
            ),
            OrderState.SUBMITTED: StateWording(
                staff=_("Submitted, awaiting the regulator"),
                public=_("Submitted"),
                explanation=_("The rectification has been submitted and awaits the regulator's decision."),
            ),
            OrderState.ACCEPTED: StateWording(
                staff=_("Accepted, closed"),
                public=_("Accepted"),
                explanation=_("The regulator accepted the rectification; the order is closed."),
            ),
            OrderState.WITHDRAWN: StateWording(
                staff=_("Withdrawn, closed"),
                public=_("Withdrawn"),
                explanation=_("The regulator withdrew the order."),
            ),
        },
        # First response: acknowledged within a working day; the rectification has the
        # deadline the regulator sets (this default is only a fallback).
        sla_defaults=(sla.Limit(1, sla.TimeUnit.WORKING_DAYS), sla.Limit(15, sla.TimeUnit.WORKING_DAYS)),
        # Orders are between a regulator and a provider: the public follows none.
        public_events={},
        filer_notified=frozenset(),
        details=OrderDetails,
        categories=LegalBasis,
        category_label=_("Legal basis"),
        outcomes=Outcome,
        field_renders={
            "regulator_name": text_field(_("Issued by")),
            "provider_name": text_field(_("Issued to")),
            "legal_basis": choice_field(_("Legal basis"), LegalBasis),
            "findings": text_field(_("Findings"), style="long"),
            "required_measures": text_field(_("Measures required"), style="long"),
            "suspensions": _render_suspensions,
            "suspended_services": text_field(_("Other services to suspend")),
            "deadline": _render_moment(_("Deadline")),
            "previous_deadline": _render_moment(_("Previous deadline")),
            "note": text_field(_("Note"), style="long"),
            "progress": text_field(_("Progress"), style="long"),
            "summary": text_field(_("What was rectified"), style="long"),
            "evidence_urls": _render_urls,
            "submission": _render_count(_("Submission number")),
            "reasons": text_field(_("Reasons"), style="long"),
            "reason": text_field(_("Reason"), style="long"),
            "priority": _render_priority,
            "checkpoint": text_field(_("Signed checkpoint of the log"), style="code"),
        },
        field_order=(
            "regulator_name",
            "provider_name",
            "legal_basis",
            "findings",
            "required_measures",
            "suspensions",
            "suspended_services",
            "deadline",
            "previous_deadline",
        ),
        folded_fields=frozenset({"regulator_id"}),
        open_states=frozenset(OPEN_STATES),
        legal_hold=_legal_hold,
        internal_transitions=frozenset({"record_overdue"}),
        description_heading=_("Findings"),
        opening=Opening(
            label=_("Issue a rectification order"),
            event=OrderEvent.ISSUED,
            state=OrderState.ISSUED,
            body=_issue,
            opened_by=REGULATOR_SIDE,
            hint=_("The provider's staff see the order at once; its deadline runs until they submit."),
            arguments={
                "provider": Argument(_("Provider"), "choice", choices_for=provider_choices),
                "legal_basis": Argument(_("Legal basis"), "choice", choices_of(LegalBasis)),
                "title": Argument(_("Title")),
                "findings": Argument(_("Findings of the inspection"), "long"),
                "required_measures": Argument(_("Measures required"), "long"),
                "deadline": Argument(_("Deadline"), "moment", help=_("Beijing time.")),
                "suspend_information_updates": Argument(
                    _("Suspend information updates meanwhile"), "choice", choices_of(YesNo)
                ),
                "suspend_user_registration": Argument(
                    _("Suspend user registration meanwhile"), "choice", choices_of(YesNo)
                ),
                "suspend_other_services": Argument(
                    _("Other services to suspend meanwhile"), help=_("Name them; leave empty for none.")
                ),
                "attachments": Argument(_("Attachments (optional)"), "files"),
            },
        ),
        clock_checks=(
            ClockCheck(
                action="record_overdue",
                event=OrderEvent.OVERDUE,
                candidates=_overdue_candidates,
                due=overdue,
                repeatable=True,
            ),
        ),
        facts=_facts,
        addressed_to_regulator=True,
        # The regulator's deadline (an order), or none (a report): not the generic targets.
        sla_targets=False,
        deadline_label=_deadline_label,
        workspace_notice=_workspace_notice,
        workspace_notice_holders=_suspending,
    )
)
