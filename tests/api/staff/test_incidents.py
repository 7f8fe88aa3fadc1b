"""Incidents through the staff API: opening one on its own (POST /openings/incident/), its
reporting clock, and the close that waits for the report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.eventstore import Event
from cases.models import Case
from cases.sla import CHINA_TIME
from tests.api.staff.conftest import case_path, post, version_of

pytestmark = pytest.mark.django_db

TEN_O_CLOCK = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TIME)
OPEN = "/api/v1/staff/openings/incident/"
INCIDENT = {
    "grade": "major",
    "service": "Face-swap video generation",
    "description": "Generated videos were served without their AI-generated label.",
}


@pytest.fixture
def ten_o_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: TEN_O_CLOCK)


def step(client, case_id, action: str, arguments: dict | None = None):
    return post(client, case_path(case_id, "transitions", action), arguments or {}, version=version_of(case_id))


def test_staff_open_an_incident_and_get_the_new_case_with_its_reporting_deadline(agent_api, ten_o_clock):
    response = post(agent_api, OPEN, INCIDENT)

    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver{case_path(case.id)}"
    assert response["ETag"] == '"1"'
    assert (body["kind"], body["state"], body["category"], body["category_label"]) == (
        "incident",
        "responding",
        "major",
        "Major",
    )
    assert body["due_at"] == "2026-03-02T14:00:00+08:00"
    assert body["details"]["report_clock"] == "running"
    assert {action["name"] for action in body["actions"]} == {"contain", "regrade", "report"}


def test_the_case_answer_describes_the_report_step_with_its_moment(agent_api):
    case_id = post(agent_api, OPEN, INCIDENT).json()["id"]

    actions = {action["name"]: action for action in agent_api.get(case_path(case_id)).json()["actions"]}

    arguments = {argument["name"]: argument for argument in actions["report"]["arguments"]}
    assert arguments["reported_at"]["widget"] == "moment"
    assert (arguments["authority"]["required"], arguments["reported_at"]["required"]) == (True, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**INCIDENT, "kind": "incident"}, "kind"),
        ({key: value for key, value in INCIDENT.items() if key != "grade"}, "grade"),
        ({**INCIDENT, "grade": "apocalyptic"}, "grade"),
        ({**INCIDENT, "service": ""}, "service"),
        ({**INCIDENT, "colour": "red"}, "colour"),
    ],
)
def test_an_opening_that_cannot_be_made_is_refused_with_the_field_and_opens_nothing(agent_api, body, field):
    response = post(agent_api, OPEN, body)

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("kind", ["no-such-kind", "complaint"])
def test_a_kind_staff_do_not_open_is_not_found_and_opens_nothing(agent_api, kind):
    response = post(agent_api, f"/api/v1/staff/openings/{kind}/", INCIDENT)

    assert response.status_code == 404, response.json()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        [INCIDENT],
        "incident",
        {**INCIDENT, "grade": 7},
        {**INCIDENT, "grade": {"name": "major"}},
        {**INCIDENT, "service": "a\x00b"},
    ],
    ids=["a list", "a string", "a number as grade", "an object as grade", "a NUL character"],
)
def test_a_hostile_opening_is_refused_with_400_never_500(agent_api, body):
    response = agent_api.post(OPEN, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert not Case.objects.exists()


def test_a_retried_opening_with_the_same_idempotency_key_opens_one_case(agent_api):
    first = agent_api.post(OPEN, INCIDENT, format="json", HTTP_IDEMPOTENCY_KEY="open-1")
    again = agent_api.post(OPEN, INCIDENT, format="json", HTTP_IDEMPOTENCY_KEY="open-1")
    other = agent_api.post(OPEN, {**INCIDENT, "grade": "general"}, format="json", HTTP_IDEMPOTENCY_KEY="open-1")

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_closing_before_the_report_is_refused_with_the_reason(agent_api):
    case_id = post(agent_api, OPEN, INCIDENT).json()["id"]
    for action, arguments in (
        ("contain", {"containment": "Generation paused."}),
        ("resolve", {"resolution": "Labelling restored."}),
        ("review", {"causes": "A failed deployment.", "corrective_measures": "A label check before release."}),
    ):
        assert step(agent_api, case_id, action, arguments).status_code == 200

    refused = step(agent_api, case_id, "close")

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "“close” is not possible yet: the report to the regulator must be recorded before the incident "
        "is closed.",
        "code": "transition_not_allowed",
        "state": "reviewed",
    }
    assert version_of(case_id) == 4  # nothing was recorded
    reported = step(agent_api, case_id, "report", {"authority": "Provincial CAC", "report_reference": "R-1"})
    assert reported.status_code == 200
    assert step(agent_api, case_id, "close").json()["state"] == "closed"


def test_regrading_upward_through_the_api_starts_the_clock(agent_api, ten_o_clock):
    case_id = post(agent_api, OPEN, {**INCIDENT, "grade": "general"}).json()["id"]
    assert agent_api.get(case_path(case_id)).json()["details"]["report_clock"] == "off"

    response = step(agent_api, case_id, "regrade", {"grade": "relatively_major", "reason": "Spreading."})

    assert response.status_code == 200
    assert response.json()["details"]["report_clock"] == "running"
    assert response.json()["due_at"] == "2026-03-02T14:00:00+08:00"


def test_a_report_time_without_an_offset_is_beijing_time(agent_api, ten_o_clock):
    case_id = post(agent_api, OPEN, INCIDENT).json()["id"]

    response = step(agent_api, case_id, "report", {"authority": "CAC", "reported_at": "2026-03-02T09:30:00"})

    assert response.status_code == 200, response.json()
    event = Event.objects.get(stream_id=case_id, type="incident.reported")
    assert dt.datetime.fromisoformat(event.data["reported_at"]) == TEN_O_CLOCK - dt.timedelta(minutes=30)


def test_a_malformed_report_time_is_refused(agent_api):
    case_id = post(agent_api, OPEN, INCIDENT).json()["id"]

    response = step(agent_api, case_id, "report", {"authority": "CAC", "reported_at": "yesterday"})

    assert response.status_code == 400
    assert "reported_at" in response.json()["errors"]


def test_the_missed_deadline_is_not_a_step_staff_can_take(agent_api):
    case_id = post(agent_api, OPEN, INCIDENT).json()["id"]

    response = step(agent_api, case_id, "record_report_overdue")

    assert response.status_code == 409
    assert response.json()["code"] == "unknown_action"


def test_the_new_case_belongs_to_the_callers_organisation_only(agent_api, other_api):
    case_id = post(agent_api, OPEN, INCIDENT).json()["id"]

    assert other_api.get(case_path(case_id)).status_code == 404
