"""Following a case, and answering a question, with its reference and private token."""

from __future__ import annotations

import pytest

from cases import commands
from cases.models import Case, Evidence
from tests.api.conftest import INFORMATION, TRACK, png, saved_counts, upload

pytestmark = pytest.mark.django_db


def test_a_filer_follows_their_case_with_reference_and_token_in_the_body(api, filed):
    filing = filed()

    response = api.post(TRACK, {"reference": filing["reference"], "token": filing["tracking_token"]}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("reference", "kind", "state", "state_label", "waiting_for_you", "question")} == {
        "reference": filing["reference"],
        "kind": "complaint",
        "state": "submitted",
        "state_label": "Submitted",
        "waiting_for_you": False,
        "question": None,
    }
    assert body["version"] == 1
    assert body["due_at"] == body["first_response_due_at"] == filing["first_response_due_at"]
    assert body["resolution_due_at"] == filing["resolution_due_at"]
    [entry] = body["timeline"]
    assert (entry["title"], entry["lines"]) == ("Complaint received", [])
    assert entry["occurred_at"]


def test_a_reference_typed_loosely_still_finds_the_case(api, filed):
    filing = filed()
    typed = filing["reference"].lower().replace("-", " ")

    response = api.post(TRACK, {"reference": typed, "token": filing["tracking_token"]}, format="json")

    assert response.status_code == 200
    assert response.json()["reference"] == filing["reference"]


def test_a_wrong_token_and_an_unknown_reference_get_the_identical_404(api, filed):
    filing = filed()

    wrong_token = api.post(TRACK, {"reference": filing["reference"], "token": "x" * 32}, format="json")
    unknown = api.post(TRACK, {"reference": "C-2345-6789", "token": filing["tracking_token"]}, format="json")

    assert wrong_token.status_code == unknown.status_code == 404
    assert wrong_token.content == unknown.content
    assert wrong_token.json() == {"detail": "No such case.", "code": "not_found"}


def test_a_missing_token_is_a_400_on_that_field(api, filed):
    filing = filed()

    response = api.post(TRACK, {"reference": filing["reference"]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"token": ["This field is required."]}


def test_waiting_for_the_complainant_shows_the_question(api, awaiting_information):
    filing, case = awaiting_information

    body = api.post(TRACK, {"reference": filing["reference"], "token": filing["tracking_token"]}, format="json").json()

    assert (body["state"], body["waiting_for_you"], body["question"]) == (
        "awaiting_complainant",
        True,
        "Which second shows the face?",
    )
    assert body["version"] == case.version == 4
    assert body["due_at"] is None  # the clock is paused while the case waits on the filer


# --- Answering a question -------------------------------------------------------------------


def test_the_complainant_answers_with_text_and_a_file(api, awaiting_information):
    filing, case = awaiting_information

    response = api.post(
        INFORMATION,
        {
            "reference": filing["reference"],
            "token": filing["tracking_token"],
            "text": "From 0:12 to 0:20.",
            "expected_version": case.version,
            "evidence": [upload("frame.png", png())],
        },
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state"], body["waiting_for_you"], body["question"]) == ("investigating", False, None)
    assert body["version"] > case.version
    assert [e["title"] for e in body["timeline"]][-2:] == [
        "Your information was received",
        "Your file was received and checked",
    ]
    assert Evidence.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.id).state == "investigating"


def test_a_stale_version_is_a_409_with_the_current_version_and_saves_nothing(api, awaiting_information):
    filing, case = awaiting_information
    before = saved_counts()

    response = api.post(
        INFORMATION,
        {
            "reference": filing["reference"],
            "token": filing["tracking_token"],
            "text": "Late answer.",
            "expected_version": case.version - 1,
            "evidence": [upload("frame.png", png())],
        },
        format="multipart",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["current_version"] == case.version
    assert saved_counts() == before


def test_answering_when_nothing_was_asked_is_a_409(api, filed):
    filing = filed()
    before = saved_counts()

    response = api.post(
        INFORMATION,
        {"reference": filing["reference"], "token": filing["tracking_token"], "text": "Hi", "expected_version": 1},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert saved_counts() == before


def test_answering_with_a_wrong_token_is_the_same_404(api, awaiting_information):
    filing, case = awaiting_information
    before = saved_counts()

    response = api.post(
        INFORMATION,
        {"reference": filing["reference"], "token": "wrong", "text": "Hi", "expected_version": case.version},
        format="json",
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No such case.", "code": "not_found"}
    assert saved_counts() == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"text": ""}, "text", "This field may not be blank."),
        ({"text": "x" * 5001}, "text", "Ensure this field has no more than 5000 characters."),
        ({"expected_version": "four"}, "expected_version", "A valid integer is required."),
        ({"expected_version": None}, "expected_version", "This field may not be null."),
    ],
)
def test_bad_answers_are_refused_on_their_fields(api, awaiting_information, change, field, message):
    filing, case = awaiting_information
    before = saved_counts()
    body = {"reference": filing["reference"], "token": filing["tracking_token"], "text": "Hi"}

    response = api.post(INFORMATION, {**body, "expected_version": case.version, **change}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert saved_counts() == before


def test_an_answer_staff_took_by_phone_ends_the_wait(api, awaiting_information, agent):
    filing, case = awaiting_information
    commands.complaint_receive_information(case_id=case.id, actor=agent, expected_version=4, text="By phone.")

    body = api.post(TRACK, {"reference": filing["reference"], "token": filing["tracking_token"]}, format="json").json()

    assert (body["waiting_for_you"], body["question"], body["version"]) == (False, None, 5)
