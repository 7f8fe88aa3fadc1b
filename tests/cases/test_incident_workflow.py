"""Incidents (article 7): opened by staff with a grade, and the clock for reporting serious ones
to the regulator, computed when the event is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import commands
from cases.errors import CommandInvalid, TransitionNotAllowed
from cases.eventstore import Event
from cases.models import Case, Priority
from cases.sla import CHINA_TIME
from cases.workflows.incident import MSG_REPORT_OWED, MSG_SAME_GRADE, IncidentEvent

pytestmark = pytest.mark.django_db

TEN_O_CLOCK = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TIME)


def beijing(hour: int, minute: int = 0) -> dt.datetime:
    return TEN_O_CLOCK.replace(hour=hour, minute=minute)


@pytest.fixture
def clock(monkeypatch):
    """The current time, frozen where the test sets it."""

    class Frozen:
        now = TEN_O_CLOCK

        def set(self, moment: dt.datetime) -> None:
            self.now = moment

    frozen = Frozen()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


def open_incident(provider, agent, grade: str = "major", **overrides) -> Case:
    arguments = {
        "grade": grade,
        "service": "Voice cloning",
        "description": "Cloned voices were generated without the speaker's consent check.",
    }
    arguments.update(overrides)
    return commands.case_open(kind="incident", actor=agent, arguments=arguments)


def act(case: Case, actor, action: str, **arguments) -> Case:
    version = Case.objects.values_list("version", flat=True).get(pk=case.id)
    return commands.case_act(case_id=case.id, actor=actor, expected_version=version, action=action, arguments=arguments)


def opening_event(case: Case) -> Event:
    return Event.objects.get(stream_id=case.id, stream_version=1)


def test_a_major_incident_opened_at_ten_is_due_for_its_report_at_two(provider, agent, clock):
    incident = open_incident(provider, agent, grade="major")

    stored = Case.objects.get(pk=incident.id)
    assert stored.reference.startswith("I-")
    assert (stored.kind, stored.state, stored.category) == ("incident", "responding", "major")
    assert stored.priority == Priority.URGENT
    assert stored.details["report_clock"] == "running"
    assert stored.due_at == beijing(14)
    # The deadline is in the event itself: replay never reads the clock or the settings.
    data = opening_event(incident).data
    assert dt.datetime.fromisoformat(data["report_due_at"].replace("Z", "+00:00")) == beijing(14)
    assert data["report_hours"] == 4


def test_an_operator_of_critical_information_infrastructure_has_one_hour(provider, agent, clock):
    provider.critical_infrastructure = True
    provider.save()

    incident = open_incident(provider, agent, grade="relatively_major")

    assert Case.objects.get(pk=incident.id).due_at == beijing(11)
    assert opening_event(incident).data["critical_infrastructure"] is True


def test_both_durations_come_from_the_settings(provider, agent, clock, settings):
    settings.INCIDENT_REPORT_HOURS = 6
    settings.INCIDENT_REPORT_HOURS_CII = 2
    ordinary = open_incident(provider, agent)
    provider.critical_infrastructure = True
    provider.save()
    critical = open_incident(provider, agent)

    assert Case.objects.get(pk=ordinary.id).due_at == beijing(16)
    assert Case.objects.get(pk=critical.id).due_at == beijing(12)


def test_a_general_incident_owes_no_report_and_is_due_to_be_contained(provider, agent, clock):
    incident = open_incident(provider, agent, grade="general")

    stored = Case.objects.get(pk=incident.id)
    assert stored.details["report_clock"] == "off"
    assert stored.details["report_due_at"] is None
    assert stored.priority == Priority.NORMAL
    assert stored.due_at == stored.first_response_due_at == TEN_O_CLOCK + dt.timedelta(hours=24)


def test_regrading_upward_starts_the_clock_when_the_regrade_is_recorded(provider, agent, clock):
    incident = open_incident(provider, agent, grade="general")
    clock.set(beijing(12, 30))

    act(incident, agent, "regrade", grade="major", reason="More users affected than first thought.")

    stored = Case.objects.get(pk=incident.id)
    assert (stored.category, stored.priority) == ("major", Priority.URGENT)
    assert stored.details["report_clock"] == "running"
    assert stored.due_at == beijing(16, 30)
    regraded = Event.objects.get(stream_id=incident.id, type=IncidentEvent.REGRADED)
    assert (regraded.data["previous_grade"], regraded.data["grade"], regraded.data["report_hours"]) == (
        "general",
        "major",
        4,
    )


def test_a_running_clock_is_neither_restarted_nor_stopped_by_a_regrade(provider, agent, clock):
    incident = open_incident(provider, agent, grade="relatively_major")
    clock.set(beijing(11))

    act(incident, agent, "regrade", grade="especially_major", reason="Worse.")
    assert Case.objects.get(pk=incident.id).due_at == beijing(14)
    act(incident, agent, "regrade", grade="general", reason="Much smaller than feared.")

    stored = Case.objects.get(pk=incident.id)
    assert stored.details["report_clock"] == "running"
    assert stored.due_at == beijing(14)


def test_regrading_to_the_same_grade_is_refused(provider, agent, clock):
    incident = open_incident(provider, agent, grade="major")

    with pytest.raises(CommandInvalid) as refused:
        act(incident, agent, "regrade", grade="major", reason="Same.")

    assert refused.value.errors == {"grade": [str(MSG_SAME_GRADE)]}


def test_the_report_stops_the_clock_and_the_next_deadline_runs(provider, agent, clock):
    incident = open_incident(provider, agent, grade="major")
    clock.set(beijing(12))

    act(incident, agent, "report", authority="Beijing CAC", reported_at=beijing(11, 45), report_reference="JB-7")

    stored = Case.objects.get(pk=incident.id)
    assert stored.details["report_clock"] == "stopped"
    assert stored.details["reports"] == [
        {"authority": "Beijing CAC", "reported_at": "2026-03-02T11:45:00+08:00", "report_reference": "JB-7"}
    ]
    assert stored.due_at == stored.first_response_due_at  # to be contained, now


def test_a_report_time_in_the_future_is_refused(provider, agent, clock):
    incident = open_incident(provider, agent, grade="major")

    with pytest.raises(CommandInvalid) as refused:
        act(incident, agent, "report", authority="Beijing CAC", reported_at=beijing(13))

    assert set(refused.value.errors) == {"reported_at"}


def test_closing_before_the_report_is_refused_with_the_reason(provider, agent, clock):
    incident = open_incident(provider, agent, grade="major")
    act(incident, agent, "contain", containment="Generation paused.")
    act(incident, agent, "resolve", resolution="Consent check restored.")
    act(incident, agent, "review", causes="A configuration change.", corrective_measures="Change review.")

    with pytest.raises(TransitionNotAllowed) as refused:
        act(incident, agent, "close")

    assert refused.value.reason == str(MSG_REPORT_OWED)
    assert str(MSG_REPORT_OWED) in str(refused.value)
    act(incident, agent, "report", authority="Beijing CAC")
    assert act(incident, agent, "close").state == "closed"


def test_a_general_incident_closes_without_a_report(provider, agent, clock):
    incident = open_incident(provider, agent, grade="general")
    act(incident, agent, "contain", containment="Paused.")
    act(incident, agent, "resolve", resolution="Fixed.")
    act(incident, agent, "review", causes="A bug.", corrective_measures="A test.")

    closed = act(incident, agent, "close")

    assert (closed.state, closed.due_at) == ("closed", None)


def test_only_provider_staff_open_incidents(provider, public, regulator_officer):
    from cases.errors import TransitionForbidden

    for actor in (public, regulator_officer):
        with pytest.raises(TransitionForbidden):
            commands.case_open(
                actor=actor,
                kind="incident",
                arguments={"grade": "major", "service": "Voice", "description": "Down."},
            )
    assert not Case.objects.exists()


def test_opening_names_a_missing_or_unknown_argument(agent):
    with pytest.raises(CommandInvalid) as missing:
        commands.case_open(actor=agent, kind="incident", arguments={"grade": "major"})
    with pytest.raises(CommandInvalid) as unknown:
        commands.case_open(
            actor=agent,
            kind="incident",
            arguments={"grade": "major", "service": "Voice", "description": "Down.", "colour": "red"},
        )
    with pytest.raises(CommandInvalid) as not_opened_by_staff:
        commands.case_open(actor=agent, kind="complaint", arguments={})

    assert set(missing.value.errors) == {"service", "description"}
    assert set(unknown.value.errors) == {"colour"}
    assert set(not_opened_by_staff.value.errors) == {"kind"}


@pytest.fixture
def regulator_officer(db):
    from accounts.actors import Actor
    from accounts.models import Organisation, Role
    from tests.conftest import make_staff

    regulator = Organisation.objects.create(slug="regulator", name="Regulator", kind=Organisation.Kind.REGULATOR)
    return Actor.for_user(make_staff(regulator, "officer", role=Role.REGULATOR_OFFICER))
