"""The clock worker records a missed reporting deadline exactly once per incident, however many
workers tick and however often."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from cases import commands
from cases.commands import clock
from cases.commands.clock import clock_tick
from cases.eventstore import Event
from cases.kinds import declaration_of
from cases.models import Case
from cases.sla import CHINA_TIME
from cases.workflows.incident import IncidentEvent
from tests.processes import manage

TEN_O_CLOCK = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TIME)
OVERDUE = IncidentEvent.REPORT_OVERDUE


def open_incident(provider, agent, grade: str = "major") -> Case:
    arguments = {"grade": grade, "service": "Face swap", "description": "Unlabelled output."}
    return commands.case_open(kind="incident", actor=agent, arguments=arguments)


def overdue_events(case: Case) -> list[Event]:
    return list(Event.objects.filter(stream_id=case.id, type=OVERDUE))


def due_at(case: Case) -> dt.datetime:
    return Case.objects.get(pk=case.id).due_at


@pytest.mark.django_db
def test_nothing_is_recorded_before_the_deadline(provider, agent):
    incident = open_incident(provider, agent)

    assert clock_tick(now=due_at(incident) - dt.timedelta(seconds=1)) == 0
    assert overdue_events(incident) == []


@pytest.mark.django_db
def test_a_missed_deadline_is_recorded_once_and_a_second_tick_records_nothing(provider, agent):
    incident = open_incident(provider, agent)
    deadline = due_at(incident)

    assert clock_tick(now=deadline + dt.timedelta(minutes=1)) == 1
    assert clock_tick(now=deadline + dt.timedelta(minutes=2)) == 0

    [event] = overdue_events(incident)
    assert event.metadata["actor"]["role"] == "system"
    stored = Case.objects.get(pk=incident.id)
    assert stored.details["report_clock"] == "overdue"
    assert stored.due_at == deadline  # still owed: it stays at the top of the queue
    call_command("rebuild_projections", "--check", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_a_late_report_stops_the_clock_and_lets_the_incident_close(provider, agent):
    incident = open_incident(provider, agent)
    clock_tick(now=due_at(incident) + dt.timedelta(minutes=1))

    for version, action, arguments in (
        (2, "report", {"authority": "Provincial CAC"}),
        (3, "contain", {"containment": "Paused."}),
        (4, "resolve", {"resolution": "Fixed."}),
        (5, "review", {"causes": "A bug.", "corrective_measures": "A test."}),
        (6, "close", {}),
    ):
        commands.case_act(
            case_id=incident.id, actor=agent, expected_version=version, action=action, arguments=arguments
        )

    stored = Case.objects.get(pk=incident.id)
    assert (stored.state, stored.details["report_clock"]) == ("closed", "stopped")
    assert len(overdue_events(incident)) == 1


@pytest.mark.django_db
def test_incidents_that_owe_no_report_or_have_reported_are_left_alone(provider, agent):
    general = open_incident(provider, agent, grade="general")
    reported = open_incident(provider, agent)
    commands.case_act(
        case_id=reported.id, actor=agent, expected_version=1, action="report", arguments={"authority": "CAC"}
    )

    assert clock_tick(now=TEN_O_CLOCK + dt.timedelta(days=30)) == 0
    assert overdue_events(general) == overdue_events(reported) == []


@pytest.mark.django_db
def test_a_case_already_recorded_is_not_recorded_again_even_if_a_query_offers_it(provider, agent, monkeypatch):
    # The re-check inside the transaction: even a candidate query that offers every incident
    # (as a stale read might) records nothing twice.
    incident = open_incident(provider, agent)
    later = due_at(incident) + dt.timedelta(minutes=1)
    clock_tick(now=later)
    declaration = declaration_of("incident")
    loose = dataclasses.replace(declaration.clock_checks[0], candidates=lambda cases, now: cases, due=lambda c, n: True)
    monkeypatch.setattr(clock, "declarations", lambda: [dataclasses.replace(declaration, clock_checks=(loose,))])

    assert clock_tick(now=later) == 0
    assert len(overdue_events(incident)) == 1


@pytest.mark.django_db
def test_run_clock_once_records_what_has_passed_and_exits(provider, agent, monkeypatch):
    incident = open_incident(provider, agent)
    five_hours_later = timezone.now() + dt.timedelta(hours=5)
    monkeypatch.setattr(timezone, "now", lambda: five_hours_later)
    out = io.StringIO()

    call_command("run_clock", "--once", stdout=out)

    assert out.getvalue().strip() == "Recorded 1 passed deadlines."
    assert len(overdue_events(incident)) == 1


@pytest.mark.django_db(transaction=True)
def test_run_clock_once_exits_cleanly_from_the_command_line(provider, agent):
    open_incident(provider, agent)

    result = manage("run_clock", "--once")

    assert result.returncode == 0, result.stderr
    assert "Recorded 0 passed deadlines." in result.stdout


# --- Two workers at once, on PostgreSQL -----------------------------------------------------

INCIDENTS = 12
WORKERS = 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [50, 1])
def test_two_workers_ticking_at_once_record_each_missed_deadline_exactly_once(provider, agent, monkeypatch, batch):
    # With a batch of one the two workers take turns on the same rows, locking and skipping.
    monkeypatch.setattr(clock, "BATCH", batch)
    incidents = [open_incident(provider, agent) for _ in range(INCIDENTS)]
    later = max(due_at(i) for i in incidents) + dt.timedelta(minutes=1)
    barrier = threading.Barrier(WORKERS)
    outcomes: list[object] = [None] * WORKERS

    def work(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[number] = clock_tick(now=later)
        except Exception as exc:  # noqa: BLE001 - every outcome is inspected below
            outcomes[number] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == INCIDENTS  # type: ignore[arg-type]
    assert [len(overdue_events(i)) for i in incidents] == [1] * INCIDENTS
    assert clock_tick(now=later + dt.timedelta(hours=1)) == 0
    assert Event.objects.filter(type=OVERDUE).count() == INCIDENTS
