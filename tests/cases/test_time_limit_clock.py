"""The clock worker warns of the generic time limits and records their breaches: once per case
and target, as the system, escalating a breach, never reminding at night unless the policy
says so, catching up after a stop, and with two workers racing on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from accounts.models import Role
from cases import commands
from cases.commands import time_limits
from cases.commands.clock import clock_tick
from cases.eventstore import Event
from cases.models import Case, SlaPolicy
from cases.sla import CHINA_TIME
from notifications.dispatch import dispatch_batch
from notifications.models import OutboxMessage
from tests.conftest import make_staff
from tests.processes import ROOT, database_url_in_use

WARNING, BREACHED = "case.sla_warning", "case.sla_breached"


def beijing(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHINA_TIME)


# Filed on Monday 2 March 2026 at 10:00: a first response is due on Tuesday at 18:00, and
# the worker warns four hours before (14:00).
FILED = beijing(3, 2, 10)
FIRST_DUE = beijing(3, 3, 18)


@pytest.fixture
def filed_on_monday(monkeypatch, submit_complaint):
    def file(**overrides) -> Case:
        monkeypatch.setattr(timezone, "now", lambda: FILED)
        case = submit_complaint(**overrides).case
        monkeypatch.undo()
        return Case.objects.get(pk=case.id)

    return file


def events(case: Case, event_type: str) -> list[Event]:
    return list(Event.objects.filter(stream_id=case.id, type=event_type).order_by("stream_version"))


@pytest.mark.django_db
def test_a_near_deadline_is_warned_of_once_in_business_hours(filed_on_monday):
    case = filed_on_monday()
    assert case.first_response_due_at == FIRST_DUE

    assert clock_tick(now=beijing(3, 3, 13, 59)) == 0
    assert clock_tick(now=beijing(3, 3, 14, 30)) == 1
    assert clock_tick(now=beijing(3, 3, 15)) == 0

    [warning] = events(case, WARNING)
    assert warning.data["target"] == "first_response"
    assert warning.metadata["actor"]["role"] == "system"
    assert events(case, BREACHED) == []


@pytest.mark.django_db
def test_no_reminder_is_sent_at_night_unless_the_policy_says_so(filed_on_monday, provider):
    # A policy that warns 24 hours ahead: the warning is due from Monday 18:00, at night.
    latest = SlaPolicy.objects.filter(kind="complaint").latest("version")
    latest.pk, latest.version, latest.warning_hours = None, latest.version + 1, 24
    latest.save()
    case = filed_on_monday()

    assert clock_tick(now=beijing(3, 2, 22)) == 0  # Monday night
    assert clock_tick(now=beijing(3, 3, 8, 59)) == 0  # Tuesday before work
    assert clock_tick(now=beijing(3, 3, 9)) == 1

    latest.pk, latest.version, latest.remind_outside_business_hours = None, latest.version + 1, True
    latest.save()
    night_owl = filed_on_monday()
    assert clock_tick(now=beijing(3, 2, 22)) == 1
    assert [len(events(c, WARNING)) for c in (case, night_owl)] == [1, 1]


@pytest.mark.django_db
def test_a_breach_is_recorded_once_escalated_and_sent_to_the_supervisors(filed_on_monday, provider, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    boss = make_staff(provider, "boss", Role.SUPERVISOR)
    boss.email = "boss@provider.example"
    boss.save()
    case = filed_on_monday()
    assert case.priority == 2

    clock_tick(now=beijing(3, 3, 15))  # the warning
    assert clock_tick(now=beijing(3, 3, 18, 1)) == 1  # after hours: a breach is a fact, recorded at once
    assert clock_tick(now=beijing(3, 3, 18, 2)) == 0

    [breach] = events(case, BREACHED)
    assert (breach.data["target"], breach.data["priority"]) == ("first_response", 3)
    assert breach.metadata["actor"]["role"] == "system"
    assert Case.objects.get(pk=case.id).priority == 3
    assert OutboxMessage.objects.filter(event_position=breach.position, channel="email").exists()
    mail.outbox.clear()
    dispatch_batch()
    [message] = [m for m in mail.outbox if case.reference in m.subject]
    assert message.to == ["boss@provider.example"]
    call_command("rebuild_projections", "--check", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_each_target_has_its_own_warning_and_breach(filed_on_monday, agent):
    case = filed_on_monday()
    clock_tick(now=beijing(3, 3, 15))
    clock_tick(now=beijing(3, 3, 19))
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=3)
    resolution_due = Case.objects.get(pk=case.id).resolution_due_at

    clock_tick(now=resolution_due - dt.timedelta(hours=1))
    clock_tick(now=resolution_due + dt.timedelta(minutes=1))
    clock_tick(now=resolution_due + dt.timedelta(days=3))

    assert [e.data["target"] for e in events(case, WARNING)] == ["first_response", "resolution"]
    assert [e.data["target"] for e in events(case, BREACHED)] == ["first_response", "resolution"]


@pytest.mark.django_db
def test_kinds_with_their_own_clock_are_left_to_it(provider, agent):
    incident = commands.case_open(
        kind="incident", actor=agent, arguments={"grade": "general", "service": "S", "description": "D."}
    )
    time_limits.time_limits_tick(now=timezone.now() + dt.timedelta(days=60))
    assert Event.objects.filter(stream_id=incident.id, type__in=[WARNING, BREACHED]).count() == 0


@pytest.mark.django_db
def test_a_worker_stopped_for_a_day_catches_up_with_one_breach_and_no_late_warning(filed_on_monday, monkeypatch):
    case = filed_on_monday()
    waiting = filed_on_monday()
    monkeypatch.setattr(timezone, "now", lambda: beijing(3, 3, 11))
    call_command("run_clock", "--once", stdout=io.StringIO())
    assert Event.objects.filter(type__in=[WARNING, BREACHED]).count() == 0

    # The worker is stopped on Tuesday at 11:00 and started again on Wednesday at 11:00.
    monkeypatch.setattr(timezone, "now", lambda: beijing(3, 4, 11))
    out = io.StringIO()
    call_command("run_clock", "--once", stdout=out)
    call_command("run_clock", "--once", stdout=io.StringIO())

    assert out.getvalue().strip() == "Recorded 2 passed deadlines."
    for each in (case, waiting):
        assert [e.data["target"] for e in events(each, BREACHED)] == ["first_response"]
        assert events(each, WARNING) == []


# --- Two workers at once, on PostgreSQL -----------------------------------------------------

CASES = 10
WORKERS = 2


def race(now: dt.datetime) -> list[object]:
    barrier = threading.Barrier(WORKERS)
    outcomes: list[object] = [None] * WORKERS

    def work(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[number] = clock_tick(now=now)
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
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [50, 1])
def test_two_workers_racing_record_one_warning_and_one_breach_per_case_and_target(
    filed_on_monday, agent, monkeypatch, batch
):
    monkeypatch.setattr(time_limits, "BATCH", batch)
    cases = [filed_on_monday() for _ in range(CASES)]

    assert sum(race(beijing(3, 3, 15))) == CASES  # type: ignore[arg-type]
    assert sum(race(beijing(3, 3, 18, 1))) == CASES  # type: ignore[arg-type]
    for case in cases:
        commands.complaint_accept(case_id=case.id, actor=agent, expected_version=3)
    due = Case.objects.get(pk=cases[0].id).resolution_due_at
    assert sum(race(due - dt.timedelta(hours=1))) == CASES  # type: ignore[arg-type]
    assert sum(race(due + dt.timedelta(minutes=1))) == CASES  # type: ignore[arg-type]

    for case in cases:
        assert sorted(e.data["target"] for e in events(case, WARNING)) == ["first_response", "resolution"]
        assert sorted(e.data["target"] for e in events(case, BREACHED)) == ["first_response", "resolution"]
    assert clock_tick(now=due + dt.timedelta(days=1)) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_started_together_record_each_breach_once(filed_on_monday):
    # Filed in March 2026, long past due by the real clock the processes read.
    cases = [filed_on_monday() for _ in range(CASES)]
    environment = {**os.environ, "DATABASE_URL": database_url_in_use()}
    command = [sys.executable, str(ROOT / "manage.py"), "run_clock", "--once"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]

    assert [worker.returncode for worker in workers] == [0] * WORKERS, outputs
    recorded = [int(re.search(r"Recorded (\d+) passed deadlines", out).group(1)) for out, _err in outputs]
    assert sum(recorded) == CASES
    for case in cases:
        assert [e.data["target"] for e in events(case, BREACHED)] == ["first_response"]
        assert events(case, WARNING) == []
