"""The OpenAPI description of the public API, and its reader."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command

PUBLIC_OPERATIONS = {
    ("/api/v1/public/complaints/", "post"): {"201", "400", "409", "422", "429"},
    ("/api/v1/public/appeals/", "post"): {"201", "400", "404", "409", "422", "429"},
    ("/api/v1/public/track/", "post"): {"200", "400", "404", "429"},
    ("/api/v1/public/track/information/", "post"): {"200", "400", "404", "409", "422", "429"},
}

STAFF_OPERATIONS = {
    ("/api/v1/staff/cases/", "get"): ("staff_case_list", {"200", "400", "401", "403"}),
    ("/api/v1/staff/cases/", "post"): ("staff_case_open", {"201", "400", "401", "403", "422"}),
    ("/api/v1/staff/cases/{case_id}/", "get"): ("staff_case_get", {"200", "304", "401", "403", "404"}),
    ("/api/v1/staff/cases/{case_id}/events/", "get"): ("staff_case_events", {"200", "401", "403", "404"}),
    ("/api/v1/staff/cases/{case_id}/transitions/{action}/", "post"): (
        "staff_case_transition",
        {"200", "400", "401", "403", "404", "409", "412", "428"},
    ),
    ("/api/v1/staff/cases/{case_id}/notes/", "post"): (
        "staff_case_note_add",
        {"200", "400", "401", "403", "404", "412", "428"},
    ),
    ("/api/v1/staff/cases/{case_id}/links/", "post"): (
        "staff_case_link",
        {"200", "400", "401", "403", "404", "412", "428"},
    ),
    ("/api/v1/staff/cases/{case_id}/assignment/", "post"): (
        "staff_case_assign",
        {"200", "400", "401", "403", "404", "409", "412", "428"},
    ),
    ("/api/v1/staff/cases/{case_id}/claim/", "post"): (
        "staff_case_claim",
        {"200", "400", "401", "403", "404", "409", "412", "428"},
    ),
    ("/api/v1/staff/next-case/", "post"): ("staff_next_case", {"200", "204", "400", "401", "403"}),
    ("/api/v1/staff/measures/", "get"): ("staff_account_measures", {"200", "400", "401", "403"}),
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    # --fail-on-warn makes any warning (an unguessable field, a name collision) fail the test.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_the_schema_validates_and_lists_every_public_endpoint(schema):
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}

    assert set(PUBLIC_OPERATIONS) <= operations


@pytest.mark.parametrize(("path", "method"), list(PUBLIC_OPERATIONS))
def test_every_public_endpoint_documents_the_idempotency_key_and_its_answers(schema, path, method):
    operation = schema["paths"][path][method]

    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"Idempotency-Key", "Accept-Language"} <= headers
    assert set(operation["responses"]) == PUBLIC_OPERATIONS[(path, method)]
    assert operation["security"] == [{}]  # no authentication
    assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_the_schema_lists_every_staff_endpoint_with_its_answers_and_authentication(schema):
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert set(STAFF_OPERATIONS) <= operations

    for (path, method), (operation_id, answers) in STAFF_OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert (operation["operationId"], operation["tags"]) == (operation_id, ["staff"])
        assert set(operation["responses"]) == answers
        assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if "412" in answers:
            assert "If-Match" in headers
            assert "ETag" in operation["responses"]["200"]["headers"]
    stale = schema["components"]["schemas"]["StaleError"]
    assert set(stale["required"]) == {"detail", "code", "current_version"}


def test_the_case_answer_lists_the_steps_the_caller_may_take(schema):
    case = schema["components"]["schemas"]["CaseOutput"]["properties"]

    assert {"facts", "details", "related", "links", "measures", "actions", "version"} <= set(case)


def test_error_answers_share_one_shape(schema):
    components = schema["components"]["schemas"]

    assert set(components["Error"]["required"]) == {"detail", "code"}
    assert "errors" in components["ValidationError"]["properties"]
    assert "current_version" in components["ConflictError"]["properties"]
    assert "retry_after" in components["RateLimitedError"]["required"]


def test_the_schema_is_served(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/v1/public/complaints/" in response.content
    assert b"/api/v1/staff/cases/{case_id}/transitions/{action}/" in response.content


def test_the_reader_loads_its_script_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"]
    assert client.get(scripts[0]).status_code == 200


def test_the_reader_loads_nothing_from_another_host(client):
    page = client.get("/api/docs/").content.decode()

    assert not re.findall(r'(?:src|href)="https?://', page)
