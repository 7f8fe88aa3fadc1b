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


def test_the_reader_loads_its_script_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"]
    assert client.get(scripts[0]).status_code == 200


def test_the_reader_loads_nothing_from_another_host(client):
    page = client.get("/api/docs/").content.decode()

    assert not re.findall(r'(?:src|href)="https?://', page)
