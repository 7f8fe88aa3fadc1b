"""Rate limits and the language of answers on the public API."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests.api.conftest import APPEALS, COMPLAINT, COMPLAINTS, INFORMATION, TRACK, saved_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_limits(settings):
    # Windows of an hour: the limiter counts in fixed windows, and a test whose requests
    # straddled a window's end would see its count start again.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "2/3600", "track": "3/3600", "track_reference": "2/3600"}


def test_filing_past_the_limit_is_a_429_with_retry_after_and_saves_nothing(api, provider, tiny_limits):
    for _ in range(2):
        assert api.post(COMPLAINTS, COMPLAINT, format="json").status_code == 201
    before = saved_counts()

    response = api.post(COMPLAINTS, COMPLAINT, format="json")

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    assert 0 < body["retry_after"] <= 3600
    assert response["Retry-After"] == str(body["retry_after"])
    assert body["detail"] == f"Too many requests. Try again in {body['retry_after']} seconds."
    assert saved_counts() == before


def test_complaints_and_appeals_share_the_filing_limit_of_an_address(api, provider, tiny_limits):
    api.post(COMPLAINTS, COMPLAINT, format="json")
    api.post(APPEALS, {"measure_reference": "M-2345-6789-1", "statement": "x"}, format="json")

    assert api.post(APPEALS, {"measure_reference": "M-2345-6789-1", "statement": "x"}, format="json").status_code == 429
    other_address = APIClient(REMOTE_ADDR="198.51.100.7")
    assert other_address.post(COMPLAINTS, COMPLAINT, format="json").status_code == 201


def test_guessing_tokens_for_one_reference_is_limited_from_every_address(filed, tiny_limits):
    filing = filed()
    guesses = [
        APIClient(REMOTE_ADDR=f"203.0.113.{i}").post(
            TRACK, {"reference": filing["reference"], "token": f"guess-{i}"}, format="json"
        )
        for i in range(3)
    ]

    assert [g.status_code for g in guesses] == [404, 404, 429]
    owner = APIClient(REMOTE_ADDR="192.0.2.1").post(
        TRACK, {"reference": filing["reference"], "token": filing["tracking_token"]}, format="json"
    )
    assert owner.status_code == 200  # guessing never locks the token's holder out


def test_look_ups_from_one_address_are_limited_across_references(api, filed, tiny_limits, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "track_reference": "10/3600"}
    filing = filed()
    body = {"reference": filing["reference"], "token": filing["tracking_token"]}

    statuses = [api.post(TRACK, body, format="json").status_code for _ in range(2)]
    statuses.append(api.post(INFORMATION, {**body, "text": "x", "expected_version": 1}, format="json").status_code)
    statuses.append(api.post(TRACK, {"reference": "C-2345-6789", "token": "x"}, format="json").status_code)

    assert statuses == [200, 200, 409, 429]  # the answer counts as a look-up; nothing was asked


# --- Languages ------------------------------------------------------------------------------


def test_chinese_is_the_default_language():
    assert django_settings.LANGUAGE_CODE == "zh-hans"


def test_messages_follow_accept_language(provider):
    body = {"description": "No category."}

    english = APIClient(headers={"Accept-Language": "en"}).post(COMPLAINTS, body, format="json")
    default = APIClient().post(COMPLAINTS, body, format="json")
    chinese = APIClient(headers={"Accept-Language": "zh-Hans"}).post(COMPLAINTS, body, format="json")

    assert english.json()["errors"] == {"category": ["This field is required."]}
    assert english["Content-Language"] == "en"
    assert default["Content-Language"] == chinese["Content-Language"] == "zh-hans"
    assert default.json()["errors"]["category"] != english.json()["errors"]["category"]
    assert default.json() == chinese.json()


def test_state_labels_follow_accept_language(filed):
    filing = filed()
    body = {"reference": filing["reference"], "token": filing["tracking_token"]}

    english = APIClient(headers={"Accept-Language": "en"}).post(TRACK, body, format="json").json()
    default = APIClient().post(TRACK, body, format="json").json()

    assert (english["state"], english["state_label"]) == ("submitted", "Submitted")
    assert default["state"] == "submitted"
    assert default["timeline"][0]["occurred_at"] == english["timeline"][0]["occurred_at"]
