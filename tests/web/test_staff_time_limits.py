"""Time limits in the staff workspace: the at-risk and overdue lists of each queue, and the
case page saying which policy version a case was filed under and how long its clock stood."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import commands
from cases.models import SlaPolicy
from cases.sla import CHINA_TIME
from tests.web.test_staff_workspace import ENGLISH, QUEUE, page, queue_references

pytestmark = pytest.mark.django_db


def beijing(month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=CHINA_TIME)


@pytest.fixture
def clock(monkeypatch):
    now = {"at": beijing(3, 2, 10)}
    monkeypatch.setattr(timezone, "now", lambda: now["at"])
    return now


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


def test_each_queue_lists_its_cases_at_risk_and_overdue(staff_client, clock, submit_complaint, agent):
    clock["at"] = beijing(3, 2, 10)  # Monday: a first response due Tuesday 18:00
    late = submit_complaint().case
    clock["at"] = beijing(3, 3, 10)  # Tuesday: due Wednesday 18:00
    soon = submit_complaint().case
    clock["at"] = beijing(3, 3, 12)  # Tuesday noon: due Wednesday 18:00
    calm = submit_complaint().case
    commands.complaint_accept(case_id=calm.id, actor=agent, expected_version=1)  # now due in 15 working days

    clock["at"] = beijing(3, 4, 15)  # Wednesday 15:00: three hours before "soon" is due
    overdue = staff_client.get(QUEUE, {"due": "overdue"}, **ENGLISH)
    at_risk = staff_client.get(QUEUE, {"due": "at_risk", "kind": "complaint"}, **ENGLISH)
    everything = staff_client.get(QUEUE, **ENGLISH)

    assert queue_references(overdue) == [late.reference]
    assert queue_references(at_risk) == [soon.reference]
    assert set(queue_references(everything)) == {late.reference, soon.reference, calm.reference}
    assert 'href="/staff/?kind=complaint&amp;due=overdue"' in page(at_risk)
    assert staff_client.get(QUEUE, {"due": "tomorrow"}, **ENGLISH).status_code == 400


def test_the_case_page_names_the_policy_version_and_the_paused_time(staff_client, clock, submit_complaint, agent):
    version = SlaPolicy.objects.filter(kind="complaint").latest("version").version
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    clock["at"] = beijing(3, 2, 14)
    commands.complaint_request_information(case_id=case.id, actor=agent, expected_version=3, question="When?")
    clock["at"] = beijing(3, 3, 15)  # 4 + 6 business hours later
    commands.complaint_receive_information(case_id=case.id, actor=agent, expected_version=4, text="Monday.")

    text = page(staff_client.get(f"/staff/cases/{case.id}/", **ENGLISH))

    assert "Filed under time limit policy" in text
    assert f"version {version}" in text
    assert "Clock paused in all" in text
    assert "1 working day 1 hour" in text
