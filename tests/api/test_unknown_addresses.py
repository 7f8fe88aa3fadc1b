"""Any address under /api/ that names no endpoint answers in the API's JSON error shape, whatever
it holds and whoever asks: never an HTML page, never a CSRF refusal."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here/",
        "/api/v1/staff/cases/null%2Cnull/claim/",
        "/api/v1/staff/cases/%C3%BF8E%22%0A/events/",
        "/api/v1/public/complaints/%0A%0D/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_address_is_a_json_not_found_even_for_a_signed_in_browser(provider, path, method):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_staff(provider, "browser-agent"))

    response = getattr(browser, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_the_schema_lists_the_kinds_and_states_the_queue_filters_accept(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/staff/cases/"]["get"]["parameters"]}

    assert {"complaint", "appeal"} <= set(parameters["kind"]["schema"]["enum"])
    assert {"submitted", "under_review"} <= set(parameters["state"]["schema"]["enum"])
