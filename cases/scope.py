"""The one place that decides what a caller may read: cases, their events, evidence and contact
details, enforcement measures, and the colleagues a case can go to.

A regulator's officer sees only the cases addressed to their regulator (the orders it issued,
the reports sent to it): never a provider's other cases, nor contact details or measures.

Every read for a member of staff (web pages, the staff API, live sockets, the admin) starts
here. Cases are the root: an event, a file, a person or a measure is visible exactly when the
case it belongs to is. A case of another organisation simply does not exist for the caller.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.models import PROVIDER_ROLES

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation, User
    from cases.eventstore import Event
    from cases.models import Case, DataSubject, EnforcementMeasure, Evidence


def visible_cases(actor: Actor) -> QuerySet[Case]:
    """The cases `actor` may see at all."""
    from cases.models import Case

    return scoped_cases(Case.objects.all(), actor)


def scoped_cases(cases: QuerySet[Case], actor: Actor) -> QuerySet[Case]:
    """`cases` narrowed to what `actor` may see: staff, their organisation's; a regulator's
    officer, those addressed to their regulator; the public, the cases they hold tracking
    access to; the system, every case; anyone else, none.
    (`Case.objects.for_actor` and every kind's manager apply this.)"""
    if actor.is_system:
        return cases
    if actor.is_public:
        return cases.filter(pk__in=actor.tracked_case_ids)
    if actor.may_use_staff_workspace:
        return cases.filter(organisation_id=actor.organisation_id)
    if actor.is_regulator_officer:
        return cases.filter(counterpart_organisation_id=actor.organisation_id)
    return cases.none()


def visible_case_events(actor: Actor, case_id: uuid.UUID) -> QuerySet[Event]:
    """A case's events, in order, if the case is visible (none otherwise)."""
    from cases.eventstore import Event

    # One query: the case's visibility is a condition of the same statement.
    visible = visible_cases(actor).filter(pk=case_id).values("pk")
    return Event.objects.filter(stream_id=case_id, stream_id__in=visible).order_by("stream_version")


def visible_evidence(actor: Actor, case_id: uuid.UUID) -> QuerySet[Evidence]:
    """The files of a case (evidence, an order's attachments), if its staff or the regulator it
    is addressed to may see the case (the public never downloads)."""
    from cases.models import Evidence

    if not actor.may_use_workspace:
        return Evidence.objects.none()
    # The visibility of this one case, not of every case of the organisation: the database
    # would otherwise be free to read them all to answer it.
    visible = visible_cases(actor).filter(pk=case_id).values("pk")
    return Evidence.objects.filter(case_id=case_id, case__in=visible).order_by("created_at")


def visible_contact(actor: Actor, case: Case) -> DataSubject | None:
    """The filer's contact details: for staff of the case's organisation only."""
    from cases.models import DataSubject

    if case.subject_id is None or not actor.may_use_staff_workspace or not actor.works_for(case.organisation_id):
        return None
    return DataSubject.objects.filter(pk=case.subject_id, organisation_id=case.organisation_id).first()


def visible_measures(actor: Actor) -> QuerySet[EnforcementMeasure]:
    """The enforcement measures taken on cases the actor may see."""
    from cases.models import EnforcementMeasure

    if not actor.may_use_staff_workspace:
        return EnforcementMeasure.objects.none()
    # The organisation condition repeats what the case scope says; it is what lets the
    # per-account index (organisation, account, taken_at) serve the query.
    return EnforcementMeasure.objects.filter(
        organisation_id=actor.organisation_id, case__in=visible_cases(actor).values("pk")
    )


def supervised_providers(actor: Actor) -> QuerySet[Organisation]:
    """The providers in the jurisdiction of the officer's regulator (none for anyone else)."""
    from accounts.models import Organisation

    if not actor.is_regulator_officer:
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=Organisation.Kind.PROVIDER, regulators__pk=actor.organisation_id)


def supervising_regulators(organisation_id: int) -> QuerySet[Organisation]:
    """The regulators whose jurisdiction includes the provider."""
    from accounts.models import Organisation

    return Organisation.objects.filter(kind=Organisation.Kind.REGULATOR, supervised_providers__pk=organisation_id)


def colleagues(actor: Actor) -> QuerySet[User]:
    """The active staff of the actor's organisation, whom its cases may be assigned to."""
    users = get_user_model().objects
    if not actor.may_use_staff_workspace:
        return users.none()
    return users.filter(organisation_id=actor.organisation_id, role__in=PROVIDER_ROLES, is_active=True).order_by(
        "username"
    )
