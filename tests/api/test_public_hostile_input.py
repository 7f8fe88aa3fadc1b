"""Whatever a client sends, a POST to the public API answers with what was wrong, never a 500,
and saves nothing: no case, event, person, idempotency record or outbox message."""

from __future__ import annotations

import json

import pytest

from cases.api.parsing import MAX_DEPTH
from tests.api.conftest import APPEALS, COMPLAINT, COMPLAINTS, INFORMATION, TRACK, saved_counts

pytestmark = pytest.mark.django_db

ENDPOINTS = [COMPLAINTS, APPEALS, TRACK, INFORMATION]
KEYED_ENDPOINTS = [COMPLAINTS, APPEALS, INFORMATION]  # the ones that remember an Idempotency-Key

DEEP_ARRAYS = "[" * 100_000 + "]" * 100_000


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


# Bodies no endpoint can read, as raw JSON text (a lone surrogate cannot be sent any other way).
UNREADABLE = [
    pytest.param(DEEP_ARRAYS, id="nested-arrays-too-deep"),
    pytest.param('{"a": ' * 5_000 + "1" + "}" * 5_000, id="nested-objects-too-deep"),
    pytest.param('{"description": ' + DEEP_ARRAYS + "}", id="field-nested-too-deep"),
    pytest.param(b'{"description": "\xff\xfe"}', id="not-utf-8"),
    pytest.param('{"description": "unterminated', id="malformed"),
    pytest.param('{"description": NaN}', id="nan"),
    pytest.param('{"expected_version": ' + "9" * 5_000 + "}", id="number-too-long"),
]
NOT_AN_OBJECT = [
    pytest.param("[1, 2]", id="a-list"),
    pytest.param('"\\ud800"', id="a-lone-surrogate"),
    pytest.param("null", id="null"),
]


@pytest.fixture
def bodies(awaiting_information) -> dict[str, dict]:
    """A valid body for each endpoint, about one real case, so that only the hostile part can
    be what is refused."""
    filing, case = awaiting_information
    credentials = {"reference": filing["reference"], "token": filing["tracking_token"]}
    return {
        COMPLAINTS: COMPLAINT,
        APPEALS: {
            "complaint_reference": filing["reference"],
            "tracking_token": filing["tracking_token"],
            "statement": "The decision overlooked the second video.",
        },
        TRACK: credentials,
        INFORMATION: {**credentials, "text": "The face appears at 0:42.", "expected_version": case.version},
    }


def send(client, path: str, body: str | bytes, **headers: str):
    return client.post(path, data=body, content_type="application/json", headers=headers)


def assert_refused(response, field: str | None = None, *, code: str | None = None) -> None:
    assert response.status_code == 400, response.content
    body = response.json()  # the answer itself is valid JSON, whatever was quoted back
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body["code"] == "invalid", body
        assert field in body["errors"], body


@pytest.fixture
def nothing_saved(bodies):
    before = saved_counts()
    yield
    assert saved_counts() == before


# --- Bodies that are not JSON objects ------------------------------------------------------


@pytest.mark.parametrize("key", [None, "retry-1"], ids=["no-key", "with-key"])
@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("body", UNREADABLE)
def test_an_unreadable_body_is_a_parse_error(api, nothing_saved, path, body, key):
    headers = {"Idempotency-Key": key} if key else {}

    response = send(api, path, body, **headers)

    assert_refused(response, code="parse_error")


@pytest.mark.parametrize("key", [None, "retry-1"], ids=["no-key", "with-key"])
@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("body", NOT_AN_OBJECT)
def test_a_body_that_is_not_an_object_is_refused(api, nothing_saved, path, body, key):
    headers = {"Idempotency-Key": key} if key else {}

    response = send(api, path, body, **headers)

    assert_refused(response, "non_field_errors")


def nested_text(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_nesting_as_deep_as_allowed_is_read(api, nothing_saved):
    body = '{"category": ' + nested_text(MAX_DEPTH - 1) + ', "description": "A synthetic video."}'

    response = send(api, COMPLAINTS, body)

    assert_refused(response, "category")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("levels", [MAX_DEPTH, 500, 950, 1_000, 1_050, 100_000])
def test_nesting_deeper_than_allowed_is_a_parse_error(api, nothing_saved, path, levels):
    # Around the recursion limit too: what the parser still reads, nothing after it may choke on.
    response = send(api, path, '{"category": ' + nested_text(levels) + "}")

    assert_refused(response, code="parse_error")
    assert response.json()["detail"] == "JSON parse error - the body is nested too deeply."


# --- Hostile values of each field ------------------------------------------------------------

TEXT_FIELDS = {
    COMPLAINTS: ["description", "title", "provider", "contact_name", "contact_email", "contact_phone"],
    APPEALS: ["statement", "complaint_reference", "tracking_token", "measure_reference", "contact_name"],
    TRACK: ["reference", "token"],
    INFORMATION: ["reference", "token", "text"],
}
HOSTILE_TEXT = [
    pytest.param("a\x00b", id="nul"),
    pytest.param("\x00", id="only-nul"),
    pytest.param("\ud800", id="lone-surrogate"),
    pytest.param("ok \udfff", id="trailing-lone-surrogate"),
    pytest.param("x" * 100_001, id="oversized"),
    pytest.param({"$ne": ""}, id="object"),
    pytest.param(["a", "list"], id="list"),
    pytest.param(nested(MAX_DEPTH - 2), id="nested-list"),
    pytest.param(True, id="boolean"),
]


@pytest.mark.parametrize("key", [None, "retry-1"], ids=["no-key", "with-key"])
@pytest.mark.parametrize("value", HOSTILE_TEXT)
@pytest.mark.parametrize(("path", "field"), [(path, field) for path, fields in TEXT_FIELDS.items() for field in fields])
def test_a_text_field_refuses_hostile_values(api, bodies, nothing_saved, path, field, value, key):
    headers = {"Idempotency-Key": key} if key else {}

    response = send(api, path, json.dumps({**bodies[path], field: value}), **headers)

    assert_refused(response, field)


@pytest.mark.parametrize("key", [None, "retry-1"], ids=["no-key", "with-key"])
@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        pytest.param(COMPLAINTS, "category", "\ud800", id="surrogate-choice-quoted-back"),
        pytest.param(COMPLAINTS, "category", "deepfake\x00", id="nul-choice"),
        pytest.param(COMPLAINTS, "category", ["unlabelled_synthetic"], id="list-for-choice"),
        pytest.param(COMPLAINTS, "category", {"a": "\ud800"}, id="object-for-choice-quoted-back"),
        pytest.param(COMPLAINTS, "category", nested(MAX_DEPTH - 3), id="nested-list-for-choice"),
        pytest.param(COMPLAINTS, "content_urls", ["\ud800"], id="surrogate-address-quoted-back"),
        pytest.param(COMPLAINTS, "content_urls", ["https://example.com/\ud800"], id="surrogate-in-address"),
        pytest.param(COMPLAINTS, "content_urls", ["https://example.com/a\x00b"], id="nul-in-address"),
        pytest.param(COMPLAINTS, "content_urls", ["https://example.com/" + "a" * 100_000], id="long-address"),
        pytest.param(COMPLAINTS, "content_urls", [{"\ud800": "\ud800"}], id="object-for-address"),
        pytest.param(COMPLAINTS, "content_urls", [nested(MAX_DEPTH - 3)], id="nested-list-for-address"),
        pytest.param(COMPLAINTS, "content_urls", "https://example.com/", id="text-for-addresses"),
        pytest.param(COMPLAINTS, "content_urls", ["https://example.com/"] * 1_000, id="too-many-addresses"),
        pytest.param(COMPLAINTS, "consent", "\ud800", id="surrogate-for-consent"),
        pytest.param(COMPLAINTS, "consent", {"a": 1}, id="object-for-consent"),
        pytest.param(COMPLAINTS, "evidence", ["\ud800"], id="text-for-files"),
        pytest.param(COMPLAINTS, "evidence", {"name": "a.png"}, id="object-for-files"),
        pytest.param(INFORMATION, "expected_version", "\ud800", id="surrogate-for-version"),
        pytest.param(INFORMATION, "expected_version", 10**30, id="huge-version"),
        pytest.param(INFORMATION, "expected_version", -1, id="negative-version"),
        pytest.param(INFORMATION, "expected_version", 1.5, id="fractional-version"),
        pytest.param(INFORMATION, "expected_version", {"a": 1}, id="object-for-version"),
        pytest.param(INFORMATION, "evidence", [nested(MAX_DEPTH - 3)], id="nested-list-for-files"),
    ],
)
def test_other_fields_refuse_hostile_values(api, bodies, nothing_saved, path, field, value, key):
    headers = {"Idempotency-Key": key} if key else {}

    response = send(api, path, json.dumps({**bodies[path], field: value}), **headers)

    assert_refused(response, field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("content_urls", "https://example.com/a\x00b", id="nul-in-address"),
        pytest.param("content_urls", "https://example.com/a\x1bb", id="escape-in-address"),
        pytest.param("description", "a\x00b", id="nul-in-text"),
    ],
)
def test_a_multipart_filing_refuses_control_characters_too(api, provider, nothing_saved, field, value):
    response = api.post(COMPLAINTS, {**COMPLAINT, field: value}, format="multipart")

    assert_refused(response, field)


@pytest.mark.parametrize("path", KEYED_ENDPOINTS)
def test_a_lone_surrogate_in_an_ignored_field_name_does_not_break_the_key(api, bodies, path):
    body = json.dumps({**bodies[path], "\ud800": "\ud800", "note\x00": 1})

    first = send(api, path, body, **{"Idempotency-Key": "retry-1"})
    after_first = saved_counts()
    retry = send(api, path, body, **{"Idempotency-Key": "retry-1"})

    assert first.status_code < 500, first.content
    assert (retry.status_code, retry.json()) == (first.status_code, first.json())
    assert saved_counts() == after_first


def test_the_example_from_the_report_is_a_400(api, provider, nothing_saved):
    body = '{"category": "\\ud800", "description": "A synthetic video with no label."}'

    response = send(api, COMPLAINTS, body)

    assert_refused(response, "category")
    assert response.json()["errors"]["category"] == ['"?" is not a valid choice.']


# --- The Idempotency-Key header ------------------------------------------------------------

HOSTILE_KEYS = [
    pytest.param("k" * 100_000, id="very-long"),
    pytest.param("ключ", id="non-ascii"),
    pytest.param("clÃ©", id="latin-1-decoded-utf-8"),
    pytest.param("\ud800", id="lone-surrogate"),
    pytest.param("a\x00b", id="nul"),
    pytest.param("a\x7fb", id="delete"),
    pytest.param("a\rb", id="carriage-return"),
    pytest.param("key\n", id="trailing-newline"),
    pytest.param("\nkey", id="leading-newline"),
    pytest.param("\x1b[31mred", id="escape-sequence"),
]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_a_hostile_idempotency_key_is_a_400(api, bodies, nothing_saved, path, key):
    response = send(api, path, json.dumps(bodies[path]), **{"Idempotency-Key": key})

    assert_refused(response, code="idempotency_key_invalid")
    assert response.json() == {
        "detail": "The Idempotency-Key header must be 1 to 200 printable ASCII characters.",
        "code": "idempotency_key_invalid",
    }
