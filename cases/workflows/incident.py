"""The incident (应急处置) workflow of article 7, and its declaration.

Staff open an incident with a grade (特别重大, 重大, 较大 or 一般): first response →
contained → resolved → post-incident review (causes, measures) → closed. It may be regraded
while open.

An incident graded relatively major or above owes a report to the regulator within hours:
the reporting clock starts when the grade is recorded (at opening, or by a regrade upward
when no clock ran), and the first report recorded stops it. The deadline is computed when
the event is recorded and written into it, so replay never reads the clock or the settings.
If the deadline passes without a report, the clock worker records that once
(`cases.commands.clock`). An incident whose clock started cannot be closed before the report.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import serializers

from cases import sla
from cases.display import DisplayContext, Fact, Item, choice_field, fact, staff_time, text_field
from cases.errors import CommandInvalid
from cases.kinds import ClockCheck, KindDeclaration, LegalHold, Opening, StateWording, register
from cases.models import Case, KindManager, Priority
from cases.projections import applies, when
from cases.workflows.base import (
    Argument,
    Condition,
    assignment_transition,
    case_transition,
    choices_of,
    perform,
)
from cases.workflows.validation import choice, optional_moment, optional_text, required_text

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation
    from cases.eventstore import Event

KIND = "incident"

MAX_SERVICE = 200
MAX_AUTHORITY = 200
MAX_REPORT_REFERENCE = 100
# A report's time may be a little ahead of the server's clock (the reporter's watch), no more.
REPORT_CLOCK_SKEW = dt.timedelta(minutes=5)


class IncidentState(models.TextChoices):
    RESPONDING = "responding", _("Responding")
    CONTAINED = "contained", _("Contained")
    RESOLVED = "resolved", _("Resolved")
    REVIEWED = "reviewed", _("Reviewed")
    CLOSED = "closed", _("Closed")


class IncidentEvent(models.TextChoices):
    OPENED = "incident.opened", _("Incident opened")
    REGRADED = "incident.regraded", _("Incident regraded")
    CONTAINED = "incident.contained", _("Incident contained")
    RESOLVED = "incident.resolved", _("Incident resolved")
    REVIEWED = "incident.reviewed", _("Post-incident review recorded")
    REPORTED = "incident.reported", _("Report to the regulator recorded")
    REPORT_OVERDUE = "incident.report_overdue", _("Reporting deadline missed")
    CLOSED = "incident.closed", _("Incident closed")


OPEN_STATES = [IncidentState.RESPONDING, IncidentState.CONTAINED, IncidentState.RESOLVED, IncidentState.REVIEWED]


class Grade(models.TextChoices):
    ESPECIALLY_MAJOR = "especially_major", _("Especially major")
    MAJOR = "major", _("Major")
    RELATIVELY_MAJOR = "relatively_major", _("Relatively major")
    GENERAL = "general", _("General")


# Relatively major and above owe the regulator a report.
REPORTABLE_GRADES = frozenset({Grade.ESPECIALLY_MAJOR, Grade.MAJOR, Grade.RELATIVELY_MAJOR})

GRADE_PRIORITY = {
    Grade.ESPECIALLY_MAJOR: Priority.URGENT,
    Grade.MAJOR: Priority.URGENT,
    Grade.RELATIVELY_MAJOR: Priority.HIGH,
    Grade.GENERAL: Priority.NORMAL,
}


class ReportClock(models.TextChoices):
    OFF = "off", _("Not running: no report is owed at this grade")
    RUNNING = "running", _("Running")
    OVERDUE = "overdue", _("Deadline missed: the report is still owed")
    STOPPED = "stopped", _("Stopped: the report was recorded")


# While a report is owed, its deadline is the one that matters now.
OWED = frozenset({ReportClock.RUNNING, ReportClock.OVERDUE})

MAX_DESCRIPTION = 5000
MAX_TITLE = 200

MSG_NOT_A_PROVIDER = _("Incidents are opened by a service provider.")
MSG_SAME_GRADE = _("The incident already has this grade.")
MSG_REPORT_OWED = _("the report to the regulator must be recorded before the incident is closed.")
MSG_REPORTED_IN_FUTURE = _("The time of the report cannot be in the future.")
MSG_NOT_OVERDUE = _("The reporting deadline has not passed, or the report was recorded.")


def report_clock_start(organisation: Organisation, now: dt.datetime) -> dict[str, Any]:
    """The reporting clock started now: its deadline and the hours it gives. An operator of
    critical information infrastructure has less time."""
    critical = organisation.critical_infrastructure
    hours = settings.INCIDENT_REPORT_HOURS_CII if critical else settings.INCIDENT_REPORT_HOURS
    return {"report_due_at": now + dt.timedelta(hours=hours), "report_hours": hours}


def report_owed(case: Case) -> bool:
    return case.details.get("report_clock") in OWED


def report_overdue(case: Case, now: dt.datetime) -> bool:
    """The clock runs and its deadline has passed, and the worker has not recorded it yet."""
    if case.details.get("report_clock") != ReportClock.RUNNING:
        return False
    due = when(case.details.get("report_due_at"))
    return due is not None and due <= now


def _not_owing_a_report(case: Case) -> bool:
    return not report_owed(case)


def _only_the_clock(case: Case, actor: Actor) -> bool:
    return actor.is_system


class Incident(Case):
    objects = KindManager(KIND)  # type: ignore[assignment, misc]  # a narrower manager than Case's
    States = IncidentState

    class Meta:
        proxy = True
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    @case_transition(
        source=IncidentState.RESPONDING,
        target=IncidentState.CONTAINED,
        event=IncidentEvent.CONTAINED,
        label=_("Record that it is contained"),
        public_label=_("Contained"),
        arguments={"containment": Argument(_("How the incident was contained"), "long")},
    )
    def contain(self, *, actor: Actor, containment: str) -> dict[str, Any]:
        return {"containment": required_text("containment", containment)}

    @case_transition(
        source=IncidentState.CONTAINED,
        target=IncidentState.RESOLVED,
        event=IncidentEvent.RESOLVED,
        label=_("Record that it is resolved"),
        public_label=_("Resolved"),
        arguments={"resolution": Argument(_("How it was resolved and service restored"), "long")},
    )
    def resolve(self, *, actor: Actor, resolution: str) -> dict[str, Any]:
        return {"resolution": required_text("resolution", resolution)}

    @case_transition(
        source=IncidentState.RESOLVED,
        target=IncidentState.REVIEWED,
        event=IncidentEvent.REVIEWED,
        label=_("Record the post-incident review"),
        public_label=_("Post-incident review"),
        arguments={
            "causes": Argument(_("Causes"), "long"),
            "corrective_measures": Argument(_("Measures against a recurrence"), "long"),
        },
    )
    def review(self, *, actor: Actor, causes: str, corrective_measures: str) -> dict[str, Any]:
        return {
            "causes": required_text("causes", causes),
            "corrective_measures": required_text("corrective_measures", corrective_measures),
        }

    @case_transition(
        source=IncidentState.REVIEWED,
        target=IncidentState.CLOSED,
        event=IncidentEvent.CLOSED,
        label=_("Close"),
        conditions=[Condition(_not_owing_a_report, MSG_REPORT_OWED)],
    )
    def close(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    @case_transition(
        source=OPEN_STATES,
        target=None,
        event=IncidentEvent.REGRADED,
        label=_("Regrade"),
        arguments={
            "grade": Argument(_("New grade"), "choice", choices_of(Grade)),
            "reason": Argument(_("Why the grade changes"), "long"),
        },
    )
    def regrade(self, *, actor: Actor, grade: str, reason: str) -> dict[str, Any]:
        grade = choice("grade", grade, Grade)
        if grade == self.category:
            raise CommandInvalid.single("grade", MSG_SAME_GRADE)
        data: dict[str, Any] = {
            "grade": grade,
            "previous_grade": self.category,
            "priority": int(GRADE_PRIORITY[Grade(grade)]),
            "reason": required_text("reason", reason),
            "report_due_at": None,
            "report_hours": None,
        }
        # Once started, the clock stops only with the report: a regrade down does not stop it,
        # and a regrade up after a report does not start it again.
        if grade in REPORTABLE_GRADES and self.details.get("report_clock") == ReportClock.OFF:
            data.update(report_clock_start(self.organisation, timezone.now()))
        return data

    @case_transition(
        source=OPEN_STATES,
        target=None,
        event=IncidentEvent.REPORTED,
        label=_("Record a report to the regulator"),
        public_label=_("Report to the regulator recorded"),
        arguments={
            "authority": Argument(
                _("Authority reported to"), help=_("For example the provincial cyberspace administration.")
            ),
            "reported_at": Argument(
                _("When it was reported"), "moment", help=_("Beijing time. Leave empty if it was just now.")
            ),
            "report_reference": Argument(
                _("The regulator's reference for the report"), help=_("If the regulator gave one.")
            ),
        },
    )
    def report(
        self,
        *,
        actor: Actor,
        authority: str,
        reported_at: dt.datetime | str | None = None,
        report_reference: str = "",
    ) -> dict[str, Any]:
        now = timezone.now()
        moment = optional_moment("reported_at", reported_at) or now
        if moment > now + REPORT_CLOCK_SKEW:
            raise CommandInvalid.single("reported_at", MSG_REPORTED_IN_FUTURE)
        return {
            "authority": required_text("authority", authority, max_length=MAX_AUTHORITY),
            "reported_at": moment,
            "report_reference": optional_text("report_reference", report_reference, max_length=MAX_REPORT_REFERENCE),
        }

    # Taken by the clock worker only, once the deadline has passed without a report.
    @case_transition(
        source=OPEN_STATES,
        target=None,
        event=IncidentEvent.REPORT_OVERDUE,
        label=_("Record that the reporting deadline was missed"),
        public_label=_("Reporting deadline missed"),
        permission=_only_the_clock,
    )
    def record_report_overdue(self, *, actor: Actor, now: dt.datetime) -> dict[str, Any]:
        if not report_overdue(self, now):
            raise CommandInvalid.single("report_due_at", MSG_NOT_OVERDUE)
        return {"report_due_at": self.details["report_due_at"]}

    assign = assignment_transition(OPEN_STATES)


# --- Apply functions ------------------------------------------------------------------------


def _refresh_due(case: Case) -> None:
    """The deadline that matters now: the report while one is owed, else containment while
    responding, else resolution while contained; none once resolved."""
    if report_owed(case):
        case.due_at = when(case.details["report_due_at"])
    elif case.state == IncidentState.RESPONDING:
        case.due_at = case.first_response_due_at
    elif case.state == IncidentState.CONTAINED:
        case.due_at = case.resolution_due_at
    else:
        case.due_at = None


def _clock_from(data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("report_due_at"):
        return {}
    return {
        "report_clock": ReportClock.RUNNING,
        "report_due_at": data["report_due_at"],
        "report_hours": data["report_hours"],
    }


@applies(IncidentEvent.OPENED)
def _opened(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = KIND
    case.organisation_id = data["organisation_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["grade"]
    case.priority = data["priority"]
    case.description = data["description"]
    case.details = {
        "service": data["service"],
        "first_response": data["first_response"],
        "critical_infrastructure": data["critical_infrastructure"],
        "report_clock": ReportClock.OFF,
        "report_due_at": None,
        "report_hours": None,
        "report_overdue_at": None,
        "reported_at": None,
        "reports": [],
        **_clock_from(data),
    }
    case.first_response_due_at = when(data["first_response_due_at"])
    case.resolution_due_at = when(data["resolution_due_at"])
    _refresh_due(case)


@applies(IncidentEvent.REGRADED)
def _regraded(case: Case, data: dict[str, Any], event: Event) -> None:
    case.category = data["grade"]
    case.priority = data["priority"]
    case.details = {**case.details, **_clock_from(data)}
    _refresh_due(case)


@applies(IncidentEvent.CONTAINED)
def _contained(case: Case, data: dict[str, Any], event: Event) -> None:
    case.first_responded_at = event.occurred_at
    _refresh_due(case)


@applies(IncidentEvent.RESOLVED)
def _resolved(case: Case, data: dict[str, Any], event: Event) -> None:
    case.resolved_at = event.occurred_at
    _refresh_due(case)


@applies(IncidentEvent.REVIEWED)
def _reviewed(case: Case, data: dict[str, Any], event: Event) -> None:
    """Only the state moves; the causes and measures are read from the event."""


@applies(IncidentEvent.REPORTED)
def _reported(case: Case, data: dict[str, Any], event: Event) -> None:
    report = {
        "authority": data["authority"],
        "reported_at": data["reported_at"],
        "report_reference": data["report_reference"],
    }
    details = {**case.details, "reports": [*case.details.get("reports", []), report]}
    if details.get("report_clock") in OWED:
        details.update(report_clock=ReportClock.STOPPED, reported_at=data["reported_at"])
    case.details = details
    _refresh_due(case)


@applies(IncidentEvent.REPORT_OVERDUE)
def _report_overdue(case: Case, data: dict[str, Any], event: Event) -> None:
    case.details = {
        **case.details,
        "report_clock": ReportClock.OVERDUE,
        "report_overdue_at": event.occurred_at.isoformat(),
    }
    _refresh_due(case)


@applies(IncidentEvent.CLOSED)
def _closed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at
    _refresh_due(case)


# --- The clock ------------------------------------------------------------------------------


def _overdue_candidates(cases: QuerySet[Any], now: dt.datetime) -> QuerySet[Any]:
    # While a report is owed its deadline is the case's due_at (see _refresh_due), so the
    # running clocks past their deadline are exactly these rows.
    return cases.filter(state__in=OPEN_STATES, details__report_clock=ReportClock.RUNNING, due_at__lte=now)


def _reports_owed(cases: QuerySet[Any]) -> QuerySet[Any]:
    return cases.filter(state__in=OPEN_STATES, details__report_clock__in=list(OWED))


def _report_sent(case: Case, report: Case, actor: Actor) -> None:
    """A report sent through the tracker is the report the clock waits for."""
    if case.state in OPEN_STATES:
        perform(
            case,
            "report",
            actor=actor,
            authority=report.details["regulator_name"][:MAX_AUTHORITY],
            report_reference=report.reference,
        )


# --- How it reads ---------------------------------------------------------------------------


def _report_hours_text(hours: int) -> str:
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def _render_report_hours(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    return [fact(_("Time allowed for the report"), _report_hours_text(value))] if value else []


def _render_critical(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    if not value:
        return []
    return [fact(_("Operator of critical information infrastructure"), _("yes"))]


def _render_moment(label: Any) -> Any:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, staff_time(value))] if value else []

    return render


def _report_text(report: dict[str, Any]) -> str:
    text = f"{staff_time(report['reported_at'])} · {report['authority']}"
    if report["report_reference"]:
        text += f" · {report['report_reference']}"
    return text


def _facts(case: Case) -> list[Fact]:
    details = case.details
    facts = [fact(_("Affected service"), details["service"])]
    if details.get("critical_infrastructure"):
        facts.append(fact(_("Operator of critical information infrastructure"), _("yes")))
    clock = details.get("report_clock", ReportClock.OFF)
    facts.append(fact(_("Reporting clock"), ReportClock(clock).label))
    due = when(details.get("report_due_at"))
    if due is not None:
        # While it is owed, "Due now" counts it down; here it stays as a fact of the case.
        facts.append(fact(_("Report to the regulator due"), staff_time(due)))
    if details.get("reported_at"):
        facts.append(fact(_("Reported to the regulator at"), staff_time(details["reported_at"])))
    reports = details.get("reports") or []
    if reports:
        facts.append(Fact(str(_("Reports to the regulator")), [Item(_report_text(r)) for r in reports]))
    if details.get("first_response"):
        facts.append(fact(_("First response measures"), details["first_response"], style="long"))
    return facts


def _deadline_label(case: Case) -> Any:
    return _("Report to the regulator") if report_owed(case) else ""


def _further_limits() -> list[tuple[Any, Any]]:
    return [
        (
            _("Report to the regulator within"),
            _(
                "%(hours)s, for incidents graded relatively major or above "
                "(%(cii_hours)s for operators of critical information infrastructure)"
            )
            % {
                "hours": _report_hours_text(settings.INCIDENT_REPORT_HOURS),
                "cii_hours": _report_hours_text(settings.INCIDENT_REPORT_HOURS_CII),
            },
        )
    ]


class ReportDetails(serializers.Serializer):
    authority = serializers.CharField()
    reported_at = serializers.DateTimeField()
    report_reference = serializers.CharField(allow_blank=True)


class IncidentDetails(serializers.Serializer):
    service = serializers.CharField()
    first_response = serializers.CharField(allow_blank=True)
    critical_infrastructure = serializers.BooleanField()
    report_clock = serializers.ChoiceField(choices=ReportClock.choices)
    report_due_at = serializers.DateTimeField(allow_null=True)
    report_hours = serializers.IntegerField(min_value=1, allow_null=True)
    report_overdue_at = serializers.DateTimeField(allow_null=True)
    reported_at = serializers.DateTimeField(allow_null=True)
    reports = ReportDetails(many=True)


def _default_title(service: str, description: str) -> str:
    first_line = description.splitlines()[0] if description else ""
    line = first_line[:60] + ("…" if len(first_line) > 60 else "")
    return f"{service}: {line}"[:MAX_TITLE]


def _open(
    case: Case,
    *,
    actor: Actor,
    organisation: Organisation,
    sources: list[Case],
    grade: str,
    service: str,
    description: str,
    first_response: str = "",
    title: str = "",
) -> dict[str, Any]:
    """An incident of the organisation. Graded relatively major or above, it starts the clock
    for the report to the regulator, its deadline recorded in the event."""
    if organisation.kind != "provider":
        raise CommandInvalid.single("organisation", MSG_NOT_A_PROVIDER)
    grade = choice("grade", grade, Grade)
    service = required_text("service", service, max_length=MAX_SERVICE)
    description = required_text("description", description, max_length=MAX_DESCRIPTION)
    first_response = optional_text("first_response", first_response, max_length=MAX_DESCRIPTION)
    title = optional_text("title", title, max_length=MAX_TITLE) or _default_title(service, description)
    clock = report_clock_start(organisation, timezone.now()) if grade in REPORTABLE_GRADES else {}
    return {
        "title": title,
        "grade": grade,
        "priority": int(GRADE_PRIORITY[Grade(grade)]),
        "service": service,
        "description": description,
        "first_response": first_response,
        "critical_infrastructure": organisation.critical_infrastructure,
        "report_due_at": clock.get("report_due_at"),
        "report_hours": clock.get("report_hours"),
    }


def _legal_hold(incident: Case, held: Case) -> LegalHold | None:
    """An incident still being handled keeps the personal data of the cases it involves."""
    if incident.state not in OPEN_STATES:
        return None
    return LegalHold(_("an open incident involves this case"), reference=incident.reference)


DECLARATION = register(
    KindDeclaration(
        kind=KIND,
        label=_("Incident"),
        model=Incident,
        reference_prefix="I",
        order=35,
        events=IncidentEvent,
        states={
            IncidentState.RESPONDING: StateWording(
                staff=_("First response under way"),
                public=_("Responding"),
                explanation=_("The incident is being responded to. It is to be contained by %(due)s."),
            ),
            IncidentState.CONTAINED: StateWording(
                staff=_("Contained, not yet resolved"),
                public=_("Contained"),
                explanation=_("The incident is contained. It is to be resolved by %(due)s."),
            ),
            IncidentState.RESOLVED: StateWording(
                staff=_("Resolved, review pending"),
                public=_("Resolved"),
                explanation=_("The incident is resolved; its causes are being reviewed."),
            ),
            IncidentState.REVIEWED: StateWording(
                staff=_("Reviewed, ready to close"),
                public=_("Reviewed"),
                explanation=_("The post-incident review has recorded the causes and the measures taken."),
            ),
            IncidentState.CLOSED: StateWording(
                staff=_("Closed"),
                public=_("Closed"),
                explanation=_("This incident is closed."),
            ),
        },
        # First response: contained; decision: resolved.
        sla_defaults=(sla.Limit(24, sla.TimeUnit.HOURS), sla.Limit(5, sla.TimeUnit.WORKING_DAYS)),
        # Its deadline is the reporting clock (`clock_checks`), not the generic targets.
        sla_targets=False,
        # Incidents are opened by staff: nobody outside follows them.
        public_events={},
        filer_notified=frozenset(),
        details=IncidentDetails,
        categories=Grade,
        category_label=_("Grade"),
        field_renders={
            "grade": choice_field(_("Grade"), Grade),
            "previous_grade": choice_field(_("Previous grade"), Grade),
            "service": text_field(_("Affected service")),
            "first_response": text_field(_("First response measures"), style="long"),
            "critical_infrastructure": _render_critical,
            "report_due_at": _render_moment(_("Report to the regulator due")),
            "report_hours": _render_report_hours,
            "containment": text_field(_("Containment"), style="long"),
            "resolution": text_field(_("Resolution"), style="long"),
            "causes": text_field(_("Causes"), style="long"),
            "corrective_measures": text_field(_("Measures against a recurrence"), style="long"),
            "reason": text_field(_("Reason"), style="long"),
            "authority": text_field(_("Authority reported to")),
            "reported_at": _render_moment(_("Reported at")),
            "report_reference": text_field(_("The regulator's reference"), style="code"),
        },
        field_order=(
            "grade",
            "previous_grade",
            "service",
            "report_due_at",
            "report_hours",
            "critical_infrastructure",
            "authority",
            "reported_at",
            "report_reference",
        ),
        open_states=frozenset(OPEN_STATES),
        legal_hold=_legal_hold,
        internal_transitions=frozenset({"record_report_overdue"}),
        description_heading=_("What happened"),
        opening=Opening(
            label=_("Open an incident"),
            event=IncidentEvent.OPENED,
            state=IncidentState.RESPONDING,
            body=_open,
            hint=_("An incident graded relatively major or above starts the clock for reporting it to the regulator."),
            arguments={
                "grade": Argument(_("Grade"), "choice", choices_of(Grade)),
                "service": Argument(_("Affected service")),
                "description": Argument(_("What happened"), "long"),
                "first_response": Argument(_("First response taken so far"), "long"),
                "title": Argument(
                    _("Title"), help=_("Leave empty to use the service and the first line of what happened.")
                ),
            },
        ),
        clock_checks=(
            ClockCheck(
                action="record_report_overdue",
                event=IncidentEvent.REPORT_OVERDUE,
                candidates=_overdue_candidates,
                due=report_overdue,
            ),
        ),
        facts=_facts,
        deadline_label=_deadline_label,
        further_limits=_further_limits,
        reported_under=_("Article 7: an incident graded relatively major or above"),
        reports_owed=_reports_owed,
        report_sent=_report_sent,
    )
)
