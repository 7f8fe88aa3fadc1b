"""Request ids: one of ours goes into the permanent event metadata unless the caller's is a
well-formed UUID; whatever else the caller sent is only logged, escaped, beside ours."""

from __future__ import annotations

import logging
import re

import pytest

from cases.eventstore import Event
from cases.models import Case
from tests.api.conftest import COMPLAINT, COMPLAINTS


@pytest.mark.parametrize(
    "chosen",
    ["attacker-chosen", "req-42", "0" * 64, "5f0c6a2e8d1b4c3a9e7f0123456789ab\nFAKE", "ab" * 16 + "x", "\u202e1234"],
)
def test_a_caller_chosen_request_id_never_reaches_the_event_metadata(api, provider, chosen, caplog):
    with caplog.at_level(logging.INFO, logger="tracker.access"):
        response = api.post(COMPLAINTS, COMPLAINT, format="json", HTTP_X_REQUEST_ID=chosen)

    assert response.status_code == 201
    ours = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", ours)
    event = Event.objects.get(stream_id=Case.objects.get().id)
    assert event.metadata["request_id"] == ours
    access = [r.getMessage() for r in caplog.records if r.name == "tracker.access"]
    assert len(access) == 1 and "caller_request_id=" in access[0]
    assert "\n" not in access[0] and "\u202e" not in access[0]


def test_a_well_formed_uuid_from_a_proxy_in_front_is_kept(api, provider):
    response = api.post(COMPLAINTS, COMPLAINT, format="json", HTTP_X_REQUEST_ID="5F0C6A2E-8D1B-4C3A-9E7F-0123456789AB")

    assert response["X-Request-ID"] == "5f0c6a2e8d1b4c3a9e7f0123456789ab"
    assert Event.objects.get().metadata["request_id"] == "5f0c6a2e8d1b4c3a9e7f0123456789ab"
