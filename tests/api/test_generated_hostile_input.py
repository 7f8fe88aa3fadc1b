"""Hostile input for every operation of the API, generated from its OpenAPI schema: each field
of each request body gets NUL, a lone surrogate, an oversized value, deep nesting, the wrong
type, and e-mail header injection where it is an e-mail; each body gets an unknown field; each
query parameter gets the same. Every one is answered 400 with a message in the caller's
language and nothing is stored. Template and SQL injection strings are either refused or kept
as the plain text they are, never run; nothing is ever a 5xx.

A new operation or field is covered as soon as it is in the schema; a new operation with a
request body needs a valid body in VALID_BODIES (a test says so).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role, User
from cases import commands
from cases.models import Case
from tests.api.conftest import COMPLAINT, saved_counts
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
DEPTH = 5_000
HUGE = 300_000  # characters: past every field's limit, within the request size limit
TEMPLATE_INJECTION = "{{ 1234|add:4321 }}{% load static %}{% debug %}${7*7}<%= 7*7 %>"
SQL_INJECTION = "x'); DROP TABLE cases_event; -- ' OR '1'='1"
# The methods that take a body: every operation with one is tried.
WRITES = {"post", "put"}


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = None


def schema() -> dict[str, Any]:
    global SCHEMA
    if SCHEMA is None:
        SCHEMA = _schema()
    return SCHEMA


def resolved(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            return resolved(node[combined][0])
    return node


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    properties: dict[str, dict[str, Any]]
    query: tuple[str, ...]
    keyed: bool  # takes an Idempotency-Key

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations() -> list[Operation]:
    found = []
    for path, item in schema()["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            body = resolved(content["application/json"]["schema"]) if "application/json" in content else {}
            parameters = operation.get("parameters", [])
            found.append(
                Operation(
                    method=method,
                    path=path,
                    properties={name: resolved(field) for name, field in body.get("properties", {}).items()},
                    query=tuple(p["name"] for p in parameters if p["in"] == "query"),
                    keyed=any(p["name"] == "Idempotency-Key" for p in parameters),
                )
            )
    return found


# --- What each field gets ---------------------------------------------------------------------


def field_mutations(name: str, field: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(id, JSON text of the value) of every value that must be refused for this field."""
    kind = field.get("type", "string" if "enum" in field else None)
    yield "nested", "[" * DEPTH + "]" * DEPTH
    yield "object", '{"a": {"b": [1, 2, {"c": null}]}}'
    if kind == "string":
        yield "nul", json.dumps("before\x00after")
        yield "lone-surrogate", '"before\\ud800after"'
        yield "oversized", json.dumps("x" * HUGE)
        yield "list", '["a", "b"]'
        yield "boolean", "true"
        if "email" in name:
            yield "header-injection", json.dumps("someone@example.com\r\nBcc: everyone@example.net")
            yield "header-injection-lf", json.dumps("someone@example.com\nSubject: spoofed")
    elif kind == "integer":
        yield "text", '"seven"'
        yield "too-large", "9" * 400
        yield "fraction", "1.5"
        yield "boolean", "true"
    elif kind == "boolean":
        yield "text", '"maybe\\u0000"'
        yield "list", "[true]"
    elif kind == "array":
        yield "text", '"https://example.com/"'
        yield "items-nul", json.dumps(["https://example.com/\x00"])
        yield "items-surrogate", '["https://example.com/\\ud800"]'
        yield "too-many", json.dumps([f"https://example.com/{n}" for n in range(5_000)])


def with_field(body: dict[str, Any], name: str, value_json: str) -> str:
    """`body` as JSON text with `name` set to the raw JSON `value_json` (a lone surrogate
    cannot be written any other way)."""
    others = {k: v for k, v in body.items() if k != name}
    text = json.dumps(others)
    return text[:-1] + (", " if others else "") + json.dumps(name) + ": " + value_json + "}"


# --- The world the operations act on -------------------------------------------------------------


@dataclass
class World:
    anonymous: APIClient
    agent: APIClient
    supervisor: APIClient
    case: Case
    other: Case
    filing: dict[str, Any]
    agent_id: int

    def client_for(self, operation: Operation) -> APIClient:
        return self.anonymous if "/public/" in operation.path else self.agent

    def path(self, operation: Operation) -> str:
        return (
            operation.path.replace("{case_id}", str(self.case.id))
            .replace("{action}", "accept")
            .replace("{kind}", "rumor_refutation")
        )


def api_client_for(user: User | None) -> APIClient:
    client = APIClient(headers={"Accept-Language": "zh-hans"})
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=user).key)
    return client


@pytest.fixture
def world(provider, agent, agent_user, settings) -> World:
    # Every hostile request is counted against the public limits; these tests are not about them.
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "100000/60")
    anonymous = api_client_for(None)
    filed = anonymous.post("/api/v1/public/complaints/", COMPLAINT, format="json").json()
    case = Case.objects.get(reference=filed["reference"])
    other = commands.complaint_submit(
        organisation=provider, actor=agent, category="other", description="Another one."
    ).case
    supervisor = api_client_for(make_staff(provider, "supervisor", Role.SUPERVISOR))
    return World(anonymous, api_client_for(agent_user), supervisor, case, other, filed, agent_user.id)


def valid_bodies(world: World) -> dict[str, dict[str, Any]]:
    token = world.filing["tracking_token"]
    return {
        "POST /api/v1/public/complaints/": {
            **COMPLAINT,
            "contact_name": "张三",
            "contact_email": "person@example.com",
            "consent": True,
        },
        "POST /api/v1/public/appeals/": {
            "complaint_reference": world.case.reference,
            "tracking_token": token,
            "statement": "The decision overlooked the second video.",
        },
        "POST /api/v1/public/track/": {"reference": world.case.reference, "token": token},
        "POST /api/v1/public/track/information/": {
            "reference": world.case.reference,
            "token": token,
            "text": "The face appears at 0:42.",
            "expected_version": 1,
        },
        "POST /api/v1/staff/cases/{case_id}/assignment/": {"assignee": world.agent_id},
        "POST /api/v1/staff/cases/{case_id}/links/": {"link": "related", "other_reference": world.other.reference},
        "POST /api/v1/staff/cases/{case_id}/notes/": {"note": "Checked the video."},
        "PUT /api/v1/staff/notification-settings/": {
            "deliveries": {"assigned": "both", "addressed": "none"},
            "daily_digest": True,
            "language": "en",
        },
        "POST /api/v1/staff/features/": {
            "sort": "text",
            "syntax": "keywords",
            "value": "冒充客服",
            "category": "impersonation_fraud",
            "rule": "Rule 4.2.",
        },
    }


def send(world: World, operation: Operation, body: str, *, key: str | None = None):
    headers = {"HTTP_IF_MATCH": '"1"'}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return world.client_for(operation).generic(
        operation.method.upper(), world.path(operation), body, content_type="application/json", **headers
    )


def assert_clear_refusal(response, what: str) -> None:
    assert response.status_code == 400, (what, response.status_code, response.content[:300])
    detail = response.json()["detail"]
    assert isinstance(detail, str) and CJK.search(detail), (what, detail)  # in the caller's language


# --- The tests -----------------------------------------------------------------------------------


def test_every_operation_with_a_body_has_a_valid_body_here(world):
    with_fields = {op.key for op in operations() if op.method in WRITES and op.properties}

    assert with_fields <= set(valid_bodies(world)), with_fields - set(valid_bodies(world))


def test_every_field_of_every_body_refuses_hostile_values_and_nothing_is_stored(world):
    bodies = valid_bodies(world)
    tried = 0
    for operation in operations():
        if operation.method not in WRITES or not operation.properties:
            continue
        base = bodies[operation.key]
        for name, field in operation.properties.items():
            for number, (label, value) in enumerate(field_mutations(name, field)):
                before = saved_counts()
                key = f"hostile-{tried}" if operation.keyed and number % 2 else None
                response = send(world, operation, with_field(base, name, value), key=key)
                what = f"{operation.key} {name}={label}"
                assert_clear_refusal(response, what)
                assert saved_counts() == before, what
                tried += 1
        before = saved_counts()
        unknown = send(world, operation, json.dumps({**base, "unexpected_field": "x", "__proto__": {}}))
        assert_clear_refusal(unknown, f"{operation.key} unknown field")
        assert "unexpected_field" in unknown.json()["errors"], unknown.json()
        assert saved_counts() == before
    assert tried > 100


def test_bodies_without_declared_fields_refuse_any_field_and_any_nesting(world):
    for operation in operations():
        if operation.method not in WRITES or operation.properties:
            continue
        for label, body in [
            ("unknown field", '{"unexpected_field": "x"}'),
            ("nested", '{"a": ' + "[" * DEPTH + "]" * DEPTH + "}"),
            ("surrogate", '{"\\ud800": "\\udfff"}'),
            ("nul", '{"a\\u0000": "b"}'),
        ]:
            before = saved_counts()
            response = send(world, operation, body)
            assert 400 <= response.status_code < 500, (operation.key, label, response.status_code)
            assert saved_counts() == before, (operation.key, label)


@pytest.mark.parametrize(
    "text", [pytest.param(TEMPLATE_INJECTION, id="template"), pytest.param(SQL_INJECTION, id="sql")]
)
def test_injection_strings_in_every_text_field_are_refused_or_kept_as_plain_text(world, text):
    bodies = valid_bodies(world)
    for operation in operations():
        if operation.method not in WRITES or not operation.properties:
            continue
        for name, field in operation.properties.items():
            if field.get("type") != "string" or "enum" in field:
                continue
            response = send(world, operation, json.dumps({**bodies[operation.key], name: text}))
            what = f"{operation.key} {name}"
            assert response.status_code < 500, what
            # `{% debug %}`, if it were ever rendered, would list the settings and the context.
            assert b"SECRET_KEY" not in response.content and b"DEFAULT_FROM_EMAIL" not in response.content, what
    # What was kept is the text itself, as it came, and the tables it names are still there.
    assert Case.objects.filter(description=text).exists()
    assert Case.objects.filter(pk=world.case.pk).exists()


def test_every_query_parameter_refuses_hostile_values(world):
    for operation in operations():
        if operation.method != "get" or not operation.query:
            continue
        for parameter in operation.query:
            for label, value in [
                ("nul", "a\x00b"),
                ("surrogate", "%ED%A0%80"),
                ("oversized", "x" * 20_000),
                ("template", TEMPLATE_INJECTION),
                ("sql", SQL_INJECTION),
            ]:
                path = world.path(operation) + "?" + parameter + "=" + value
                response = world.agent.get(path)
                what = f"{operation.key} ?{parameter}={label}"
                assert response.status_code in (200, 400), (what, response.status_code)
                if response.status_code == 400:
                    assert CJK.search(response.json()["detail"]), what


def test_a_body_declared_larger_than_any_valid_one_is_refused_unread_everywhere(world, settings):
    for operation in operations():
        if operation.method not in WRITES:
            continue
        response = world.client_for(operation).generic(
            operation.method.upper(),
            world.path(operation),
            "{}",
            content_type="application/json",
            CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1),
        )
        assert response.status_code == 413, operation.key
