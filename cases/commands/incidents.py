"""Commands of the incident workflow: opening one (its steps go through `case_act`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.commands.common import command, issue_reference
from cases.commands.opening import opening_command
from cases.errors import CommandInvalid
from cases.workflows.incident import (
    GRADE_PRIORITY,
    KIND,
    MAX_SERVICE,
    REPORTABLE_GRADES,
    Grade,
    Incident,
    IncidentEvent,
    report_clock_start,
)
from cases.workflows.validation import choice, optional_text, required_text

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation

MAX_DESCRIPTION = 5000
MAX_TITLE = 200

MSG_NOT_A_PROVIDER = _("Incidents are opened by a service provider.")


def _default_title(service: str, description: str) -> str:
    first_line = description.splitlines()[0] if description else ""
    line = first_line[:60] + ("…" if len(first_line) > 60 else "")
    return f"{service}: {line}"[:MAX_TITLE]


@opening_command(KIND)
@command
def incident_open(
    *,
    organisation: Organisation,
    actor: Actor,
    grade: str,
    service: str,
    description: str,
    first_response: str = "",
    title: str = "",
) -> Incident:
    """Open an incident of the organisation. Graded relatively major or above, it starts the
    clock for the report to the regulator, its deadline recorded in the event."""
    if organisation.kind != "provider":
        raise CommandInvalid.single("organisation", MSG_NOT_A_PROVIDER)
    grade = choice("grade", grade, Grade)
    service = required_text("service", service, max_length=MAX_SERVICE)
    description = required_text("description", description, max_length=MAX_DESCRIPTION)
    first_response = optional_text("first_response", first_response, max_length=MAX_DESCRIPTION)
    title = optional_text("title", title, max_length=MAX_TITLE) or _default_title(service, description)
    now = timezone.now()
    first_response_due_at, resolution_due_at = sla.deadlines_for(KIND, now)
    clock = report_clock_start(organisation, now) if grade in REPORTABLE_GRADES else {}
    incident = Incident(id=uuid.uuid4())
    incident.record(
        IncidentEvent.OPENED,
        {
            "organisation_id": organisation.pk,
            "reference": issue_reference(KIND),
            "title": title,
            "grade": grade,
            "priority": int(GRADE_PRIORITY[Grade(grade)]),
            "service": service,
            "description": description,
            "first_response": first_response,
            "critical_infrastructure": organisation.critical_infrastructure,
            "report_due_at": clock.get("report_due_at"),
            "report_hours": clock.get("report_hours"),
            "first_response_due_at": first_response_due_at,
            "resolution_due_at": resolution_due_at,
            "to_state": Incident.States.RESPONDING,
        },
        actor=actor,
    )
    return incident
