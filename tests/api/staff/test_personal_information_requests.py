"""Personal-information requests through the generic staff API: opened from a complaint for
its filer, taken through their steps, a refusal refused without its reason, and no contact
details in what the API answers."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cases.models import Case, DataSubject
from tests.api.staff.conftest import case_path, post, version_of

pytestmark = pytest.mark.django_db

EMAIL = "api.unique-3318@example.com"


@pytest.fixture
def complaint(submit_complaint):
    return submit_complaint(contact_name="Liu Apina", contact_email=EMAIL, consent=True).case


def test_staff_open_a_request_for_the_filer_and_take_it_through_its_steps(agent_api, complaint):
    opened = post(
        agent_api,
        case_path(complaint.id, "openings", "personal_information_request"),
        {"request_type": "correction", "request_text": "By letter: my name is misspelt."},
        version=version_of(complaint.id),
    )

    assert opened.status_code == 201, opened.json()
    body = opened.json()
    assert (body["kind"], body["state"], body["reference"][:2]) == ("personal_information_request", "received", "P-")
    request_id = body["id"]
    assert Case.objects.get(pk=request_id).subject_id == complaint.subject_id
    for name, arguments in (
        ("start", {}),
        ("record_correction", {"detail": "name", "value": "Liu Apinah"}),
        ("fulfil", {"note": "Corrected."}),
        ("close", {}),
    ):
        path = case_path(request_id, "transitions", name)
        response = post(agent_api, path, arguments, version=version_of(request_id))
        assert response.status_code == 200, (name, response.json())
    assert Case.objects.get(pk=request_id).state == "closed"
    assert DataSubject.objects.get(pk=complaint.subject_id).name == "Liu Apinah"
    # The API speaks of the person by opaque id only: their contact details are not in it.
    answered = json.dumps(agent_api.get(case_path(request_id)).json()) + json.dumps(
        agent_api.get(case_path(request_id, "events")).json()
    )
    assert EMAIL not in answered and "Liu Apina" not in answered


def test_a_refusal_without_a_reason_is_refused_and_nothing_is_recorded(agent_api, complaint):
    opened = post(
        agent_api,
        case_path(complaint.id, "openings", "personal_information_request"),
        {"request_type": "deletion"},
        version=version_of(complaint.id),
    ).json()
    version = version_of(opened["id"])

    response = post(agent_api, case_path(opened["id"], "transitions", "refuse"), {"reason": "  "}, version=version)

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert version_of(opened["id"]) == version


def test_a_request_may_be_opened_for_an_anonymous_filer(agent_api, submit_complaint):
    # No contact details, but the filer's own words are held under their key: they are a subject.
    anonymous = submit_complaint().case

    response = post(
        agent_api,
        case_path(anonymous.id, "openings", "personal_information_request"),
        {"request_type": "access"},
        version=version_of(anonymous.id),
    )

    assert response.status_code == 201, response.content
    assert Case.objects.get(kind="personal_information_request").subject_id == anonymous.subject_id


@pytest.mark.parametrize(
    "arguments",
    [
        {"detail": "email", "value": {"nested": {"deeper": "x"}}},
        {"detail": ["email"], "value": "a@example.com"},
        {"detail": "email", "value": "nul\u0000@example.com"},
        {"detail": "name", "value": "x" * 10_000},
        {"detail": "password", "value": "x"},
    ],
)
def test_hostile_corrections_are_refused_and_nothing_changes(agent_api, complaint, arguments):
    opened = post(
        agent_api,
        case_path(complaint.id, "openings", "personal_information_request"),
        {"request_type": "correction"},
        version=version_of(complaint.id),
    ).json()
    post(agent_api, case_path(opened["id"], "transitions", "start"), version=version_of(opened["id"]))
    version = version_of(opened["id"])
    before = DataSubject.objects.values().get(pk=complaint.subject_id)

    response = post(agent_api, case_path(opened["id"], "transitions", "record_correction"), arguments, version=version)

    assert 400 <= response.status_code < 500
    assert response.json()["detail"]
    assert version_of(opened["id"]) == version
    assert DataSubject.objects.values().get(pk=complaint.subject_id) == before


def test_a_requests_own_text_is_masked_in_the_api_until_that_person_reveals_it(
    agent_api, supervisor_api, agent_user, complaint
):
    text = "Please send me the recording 7781 of my call about Liu."
    opened = post(
        agent_api,
        case_path(complaint.id, "openings", "personal_information_request"),
        {"request_type": "access", "request_text": text},
        version=version_of(complaint.id),
    ).json()

    def shown(api) -> str:
        return json.dumps(api.get(case_path(opened["id"])).json()) + json.dumps(
            api.get(case_path(opened["id"], "events")).json()
        )

    assert "recording 7781" not in shown(agent_api) and "[masked]" in shown(agent_api)
    assert agent_api.get(case_path(opened["id"])).json()["facts"]["description"] == "[masked]"

    # The agent reveals it on the case page (recorded in the history); only they then read it.
    page = Client()
    page.force_login(agent_user)
    revealed = page.post(f"/staff/cases/{opened['id']}/reveal/", {"reveal-expected_version": version_of(opened["id"])})
    assert revealed.status_code == 302

    assert "recording 7781" in shown(agent_api)
    assert "recording 7781" not in shown(supervisor_api)
