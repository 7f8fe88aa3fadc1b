"""Incidents in the staff workspace: opening one from the queue, its reporting deadline counting
down on the case page and in the queue (Beijing time), the close that waits for the report,
and its time limits on the flow page."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from cases import commands
from cases.models import Case
from cases.sla import CHINA_TIME

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW_INCIDENT = "/staff/open/incident/"
TEN_O_CLOCK = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TIME)


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def ten_o_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: TEN_O_CLOCK)


def text(response) -> str:
    return html.unescape(response.content.decode())


def open_incident(provider, agent, grade: str = "major") -> Case:
    arguments = {"grade": grade, "service": "Voice cloning", "description": "Unlabelled audio."}
    return commands.case_open(kind="incident", actor=agent, arguments=arguments)


def act(case: Case, agent, action: str, **arguments) -> Case:
    version = Case.objects.values_list("version", flat=True).get(pk=case.id)
    return commands.case_act(case_id=case.id, actor=agent, expected_version=version, action=action, arguments=arguments)


def test_the_queue_offers_to_open_the_kinds_staff_open(staff_client):
    page = text(staff_client.get("/staff/", **ENGLISH))

    section = re.search(r'<section class="open-case".*?</section>', page, re.S).group(0)
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', section)
    assert (NEW_INCIDENT, "Open an incident") in links
    assert ("/staff/open/rumor/", "Open a rumor refutation") in links


def test_the_opening_form_labels_every_field(staff_client):
    page = text(staff_client.get(NEW_INCIDENT, **ENGLISH))

    for name in ("service", "description", "first_response", "title"):
        assert re.search(rf'<label class="label" for="id_open-{name}">', page), name
    assert '<legend class="label">Grade</legend>' in page
    assert "Especially major" in page


def test_an_incomplete_opening_comes_back_with_an_error_summary_and_opens_nothing(staff_client):
    response = staff_client.post(NEW_INCIDENT, {"open-grade": "major", "open-service": ""}, **ENGLISH)

    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert 'href="#id_open-service"' in page
    assert 'href="#id_open-description"' in page
    assert not Case.objects.exists()


def test_opening_an_incident_leads_to_its_page_with_the_report_deadline_counting_down(staff_client, ten_o_clock):
    response = staff_client.post(
        NEW_INCIDENT,
        {
            "open-grade": "major",
            "open-service": "Face-swap video",
            "open-description": "Videos went out without their label.\nAbout 300 of them.",
        },
        **ENGLISH,
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.id}/"
    assert case.title == "Face-swap video: Videos went out without their label."
    page = text(staff_client.get(response["Location"], **ENGLISH))
    assert f"Opened Incident {case.reference}." in page
    # The deadline in Beijing time, and the time left for static/js/countdown.js to count down.
    deadline = case.due_at.isoformat()
    assert "Due now: Report to the regulator" in page
    assert f'<time datetime="{deadline}">2026-03-02 14:00</time>' in page
    assert re.search(
        rf'<span class="countdown" role="timer" data-countdown="{re.escape(deadline)}">4:00:00 left</span>', page
    )
    assert "Affected service" in page and "Face-swap video" in page


def test_the_queue_shows_the_report_deadline_and_the_time_left(staff_client, provider, agent, ten_o_clock):
    case = open_incident(provider, agent)

    page = text(staff_client.get("/staff/", **ENGLISH))

    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{case.reference}.*?</tr>", page, re.S).group(0)
    deadline = Case.objects.get(pk=case.id).due_at.isoformat()
    assert f'<time datetime="{deadline}">2026-03-02 14:00</time>' in row
    assert f'data-countdown="{deadline}">4:00:00 left<' in row
    assert "Report to the regulator" in row


def test_staff_pages_load_the_countdown_script_and_run_no_inline_script(staff_client, provider, agent):
    case = open_incident(provider, agent)

    for address in ("/staff/", f"/staff/cases/{case.id}/"):
        page = text(staff_client.get(address, **ENGLISH))
        assert '<script src="/static/js/countdown.js" defer></script>' in page
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), address
        assert 'data-countdown-left="{time} left"' in page


def test_the_case_page_says_why_it_cannot_be_closed_yet(staff_client, provider, agent):
    case = open_incident(provider, agent)
    act(case, agent, "contain", containment="Paused.")
    act(case, agent, "resolve", resolution="Fixed.")
    act(case, agent, "review", causes="A bug.", corrective_measures="A test.")

    page = text(staff_client.get(f"/staff/cases/{case.id}/", **ENGLISH))

    assert "Not possible yet" in page
    assert "<strong>Close</strong>: the report to the regulator must be recorded before the incident is closed." in page
    assert 'action="/staff/cases/' + str(case.id) + '/actions/close/"' not in page


def test_closing_from_a_stale_page_before_the_report_says_why(staff_client, provider, agent):
    case = open_incident(provider, agent)
    act(case, agent, "contain", containment="Paused.")
    act(case, agent, "resolve", resolution="Fixed.")
    act(case, agent, "review", causes="A bug.", corrective_measures="A test.")

    response = staff_client.post(
        f"/staff/cases/{case.id}/actions/close/", {"action-close-expected_version": 4}, **ENGLISH
    )

    assert response.status_code == 409
    assert "“Close” is not possible yet: the report to the regulator must be recorded" in text(response)


def test_a_report_typed_in_beijing_time_stops_the_clock(staff_client, provider, agent):
    case = open_incident(provider, agent)
    reported_at = timezone.now().astimezone(CHINA_TIME).replace(second=0, microsecond=0)

    response = staff_client.post(
        f"/staff/cases/{case.id}/actions/report/",
        {
            "action-report-expected_version": 1,
            "action-report-authority": "Provincial CAC",
            "action-report-reported_at": reported_at.strftime("%Y-%m-%dT%H:%M"),
            "action-report-report_reference": "R-7",
        },
        **ENGLISH,
    )

    assert response.status_code == 302
    stored = Case.objects.get(pk=case.id)
    assert stored.details["report_clock"] == "stopped"
    assert dt.datetime.fromisoformat(stored.details["reported_at"]) == reported_at
    page = text(staff_client.get(f"/staff/cases/{case.id}/", **ENGLISH))
    assert "Reported to the regulator at" in page
    assert f"{reported_at:%Y-%m-%d %H:%M} · Provincial CAC · R-7" in page


def test_a_report_time_that_is_not_a_time_is_shown_beside_its_field(staff_client, provider, agent):
    case = open_incident(provider, agent)

    response = staff_client.post(
        f"/staff/cases/{case.id}/actions/report/",
        {
            "action-report-expected_version": 1,
            "action-report-authority": "Provincial CAC",
            "action-report-reported_at": "soon",
        },
        **ENGLISH,
    )

    assert response.status_code == 400
    assert "Enter a date and time, for example 2025-01-10 14:00." in text(response)
    assert 'href="#id_action-report-reported_at"' in text(response)


def test_the_flow_page_publishes_the_reporting_time_limits(client, settings):
    settings.INCIDENT_REPORT_HOURS = 4
    settings.INCIDENT_REPORT_HOURS_CII = 1

    page = text(client.get("/flow/", **ENGLISH))

    section = re.search(r'<section class="flow" id="flow-incident".*?</section>', page, re.S).group(0)
    assert "<dt>Report to the regulator within</dt>" in section
    assert (
        "4 hours, for incidents graded relatively major or above (1 hour for operators of critical information "
        "infrastructure)"
    ) in section
    assert "Reporting deadline missed" in section  # the clock's own step, drawn with the others
