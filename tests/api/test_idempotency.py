"""Idempotency-Key on public filings: a retry gets the first answer and creates nothing."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases.models import Case, IdempotencyRecord
from tests.api.conftest import APPEALS, COMPLAINT, COMPLAINTS, INFORMATION, TRACK, png, saved_counts, upload

pytestmark = pytest.mark.django_db

KEY = "5b0f7a52-7f0e-4a43-9c39-1f4c1b0f3f0a"


def test_a_retry_with_the_same_key_replays_the_first_answer_and_creates_nothing(api, provider):
    first = api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY})
    after_first = saved_counts()

    retry = api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert saved_counts() == after_first
    assert after_first["cases"] == after_first["idempotency_records"] == 1


def test_field_order_does_not_make_a_different_request(api, provider):
    reordered = json.dumps(dict(reversed(list(COMPLAINT.items()))))
    first = api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY})

    retry = api.post(COMPLAINTS, reordered, content_type="application/json", headers={"Idempotency-Key": KEY})

    assert retry.status_code == 201
    assert retry.json() == first.json()


def test_the_same_key_with_a_different_body_is_refused_and_creates_nothing(api, provider):
    api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY})
    before = saved_counts()

    response = api.post(
        COMPLAINTS, {**COMPLAINT, "description": "Another video."}, format="json", headers={"Idempotency-Key": KEY}
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
        "code": "idempotency_key_reused",
    }
    assert saved_counts() == before


def test_a_different_file_under_the_same_key_is_a_different_request(api, provider):
    first = api.post(
        COMPLAINTS,
        {**COMPLAINT, "evidence": [upload("a.png", png())]},
        format="multipart",
        headers={"Idempotency-Key": KEY},
    )
    same = api.post(
        COMPLAINTS,
        {**COMPLAINT, "evidence": [upload("a.png", png())]},
        format="multipart",
        headers={"Idempotency-Key": KEY},
    )
    before = saved_counts()

    other = api.post(
        COMPLAINTS,
        {**COMPLAINT, "evidence": [upload("a.png", png((9, 9)))]},
        format="multipart",
        headers={"Idempotency-Key": KEY},
    )

    assert (first.status_code, same.status_code, other.status_code) == (201, 201, 422)
    assert same.json() == first.json()
    assert saved_counts() == before


def test_a_failed_request_is_not_remembered_so_the_corrected_retry_succeeds(api, provider):
    failed = api.post(
        COMPLAINTS, {**COMPLAINT, "category": "nonsense"}, format="json", headers={"Idempotency-Key": KEY}
    )
    assert (failed.status_code, IdempotencyRecord.objects.count()) == (400, 0)

    corrected = api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY})

    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert Case.objects.count() == 1


def test_a_failure_inside_the_command_leaves_no_key_behind(api, provider):
    response = api.post(
        COMPLAINTS, {**COMPLAINT, "contact_email": "a@example.com"}, format="json", headers={"Idempotency-Key": KEY}
    )

    assert response.status_code == 400
    assert response.json()["errors"].keys() == {"consent"}
    assert not IdempotencyRecord.objects.exists()


def test_keys_are_scoped_to_their_endpoint(api, filed):
    filing = filed()
    api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY})

    response = api.post(
        APPEALS,
        {"complaint_reference": filing["reference"], "tracking_token": filing["tracking_token"], "statement": "x"},
        format="json",
        headers={"Idempotency-Key": KEY},
    )

    assert response.status_code == 400  # the appeal's own answer (nothing decided yet), not 422
    assert response.json()["errors"].keys() == {"complaint"}


@pytest.mark.parametrize("key", ["", "k" * 201, "clé", "tab\there"], ids=["empty", "201-chars", "non-ascii", "tab"])
def test_a_malformed_key_is_a_400_and_nothing_is_done(api, provider, key):
    before = saved_counts()

    response = api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": key})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The Idempotency-Key header must be 1 to 200 printable ASCII characters.",
        "code": "idempotency_key_invalid",
    }
    assert saved_counts() == before


def test_a_key_of_200_printable_characters_is_accepted(api, provider):
    response = api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": "~ " + "k" * 198})

    assert response.status_code == 201


def test_the_stored_answer_does_not_hold_the_tracking_token_in_clear(api, provider):
    token = api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY}).json()["tracking_token"]

    record = IdempotencyRecord.objects.get()

    assert (record.scope, record.key, record.response_status) == ("public.complaints", KEY, 201)
    assert token not in json.dumps(record.response_body)


def test_an_answer_sealed_under_an_old_secret_key_is_not_replayed_as_garbage(api, provider, settings):
    api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY})
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    before = saved_counts()

    retry = api.post(COMPLAINTS, COMPLAINT, format="json", headers={"Idempotency-Key": KEY})

    assert retry.status_code == 422
    assert retry.json()["code"] == "idempotency_answer_lost"
    assert saved_counts() == before


def test_an_answer_replays_the_information_once(api, awaiting_information):
    filing, case = awaiting_information
    body = {
        "reference": filing["reference"],
        "token": filing["tracking_token"],
        "text": "0:12",
        "expected_version": case.version,
    }
    first = api.post(INFORMATION, body, format="json", headers={"Idempotency-Key": KEY})
    after_first = saved_counts()

    retry = api.post(INFORMATION, body, format="json", headers={"Idempotency-Key": KEY})

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert saved_counts() == after_first


def test_a_look_up_checks_the_key_but_always_answers_afresh(api, awaiting_information):
    filing, case = awaiting_information
    body = {"reference": filing["reference"], "token": filing["tracking_token"]}
    first = api.post(TRACK, body, format="json", headers={"Idempotency-Key": KEY})
    api.post(
        INFORMATION,
        {**body, "text": "0:12", "expected_version": case.version},
        format="json",
        headers={"Idempotency-Key": "x"},
    )

    again = api.post(TRACK, body, format="json", headers={"Idempotency-Key": KEY})
    malformed = api.post(TRACK, body, format="json", headers={"Idempotency-Key": ""})

    assert (first.json()["state"], again.json()["state"]) == ("awaiting_complainant", "investigating")
    assert "Idempotent-Replayed" not in again
    assert malformed.status_code == 400
    assert not IdempotencyRecord.objects.filter(key=KEY).exists()


# --- A real race on PostgreSQL --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_with_one_key_create_exactly_one_case(provider):
    racers = 2
    barrier = threading.Barrier(racers)
    answers: list = [None] * racers

    def submit(i: int) -> None:
        try:
            client = APIClient(headers={"Accept-Language": "en", "Idempotency-Key": KEY})
            barrier.wait(timeout=30)
            answers[i] = client.post(COMPLAINTS, COMPLAINT, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([201, 201], [201, 409])
    references = {answer.json()["reference"] for answer in answers if answer.status_code == 201}
    assert references == {Case.objects.get().reference}
    if statuses == [201, 201]:
        assert answers[0].json() == answers[1].json()
    assert sum(answer.get("Idempotent-Replayed") == "true" for answer in answers) == statuses.count(201) - 1
