"""Appealing a measure, or the decision on one's own complaint, through the public API."""

from __future__ import annotations

import pytest

from cases.measures import measure_reference
from cases.models import Case
from tests.api.conftest import APPEALS, decided, saved_counts

pytestmark = pytest.mark.django_db


def test_a_measure_is_appealed_by_the_reference_on_its_notice(api, filed, agent):
    complaint = filed()
    decided(complaint["reference"], agent, violation=True)

    response = api.post(
        APPEALS,
        {"measure_reference": measure_reference(complaint["reference"], 1), "statement": "The label was there."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    appeal = Case.objects.get(reference=body["reference"])
    assert (appeal.kind, body["state"], body["state_label"]) == ("appeal", "filed", "Filed")
    assert appeal.details["measure_number"] == 1
    assert body["tracking_url"].endswith(f"/track/{appeal.reference}/#{body['tracking_token']}")


def test_the_complainant_appeals_the_decision_with_the_complaints_token(api, filed, agent):
    complaint = filed()
    decided(complaint["reference"], agent, violation=False)

    response = api.post(
        APPEALS,
        {
            "complaint_reference": complaint["reference"].lower().replace("-", " "),  # as people type it
            "tracking_token": complaint["tracking_token"],
            "statement": "Please look again.",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    appeal = Case.objects.get(reference=response.json()["reference"])
    assert appeal.related_case.reference == complaint["reference"]
    assert appeal.subject_id == Case.objects.get(reference=complaint["reference"]).subject_id


def test_a_wrong_complaint_token_is_the_same_404_as_an_unknown_reference(api, filed, agent):
    complaint = filed()
    decided(complaint["reference"], agent, violation=False)
    before = saved_counts()

    wrong_token = api.post(
        APPEALS,
        {"complaint_reference": complaint["reference"], "tracking_token": "guess", "statement": "Let me in."},
        format="json",
    )
    unknown = api.post(
        APPEALS,
        {"complaint_reference": "C-2345-6789", "tracking_token": complaint["tracking_token"], "statement": "Hm."},
        format="json",
    )

    assert wrong_token.status_code == unknown.status_code == 404
    assert wrong_token.content == unknown.content
    assert wrong_token.json() == {"detail": "No such case.", "code": "not_found"}
    assert saved_counts() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            {"statement": "No target."},
            {
                "measure_reference": [
                    "Give the reference of the measure you appeal, or the reference of your complaint "
                    "and its tracking token."
                ],
                "complaint_reference": [
                    "Give the reference of the measure you appeal, or the reference of your complaint "
                    "and its tracking token."
                ],
            },
            id="neither",
        ),
        pytest.param(
            {"measure_reference": "M-2345-6789-1", "complaint_reference": "C-2345-6789", "statement": "Both."},
            {
                "measure_reference": ["Appeal either a measure or a complaint decision, not both at once."],
                "complaint_reference": ["Appeal either a measure or a complaint decision, not both at once."],
            },
            id="both",
        ),
        pytest.param(
            {"complaint_reference": "C-2345-6789", "statement": "No token."},
            {"tracking_token": ["This field is required."]},
            id="no-token",
        ),
        pytest.param(
            {"measure_reference": "M-2345-6789-1"}, {"statement": ["This field is required."]}, id="no-statement"
        ),
        pytest.param(
            {"measure_reference": "M-2345-6789-1", "statement": "x" * 5001},
            {"statement": ["Ensure this field has no more than 5000 characters."]},
            id="long-statement",
        ),
        pytest.param(
            {"measure_reference": "M-2345-6789-1", "statement": "Unknown measure."},
            {"measure_reference": ["No enforcement measure has that reference. Check the notice you received."]},
            id="unknown-measure",
        ),
    ],
)
def test_bad_appeals_are_refused_on_their_fields_and_nothing_is_saved(api, provider, body, errors):
    before = saved_counts()

    response = api.post(APPEALS, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert saved_counts() == before


def test_an_undecided_complaint_cannot_be_appealed_yet(api, filed):
    complaint = filed()
    before = saved_counts()

    response = api.post(
        APPEALS,
        {
            "complaint_reference": complaint["reference"],
            "tracking_token": complaint["tracking_token"],
            "statement": "Too early.",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"complaint": ["This case has no decision to appeal yet."]}
    assert saved_counts() == before
