"""Whatever a client sends, a POST to the staff API answers 400 with what was wrong, never a
500, and records nothing."""

from __future__ import annotations

import json

import pytest

from cases import commands
from cases.eventstore import Event
from cases.models import Case
from tests.api.staff.conftest import NEXT_CASE, case_path, if_match

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000

# Bodies no endpoint accepts, as raw JSON text (a lone surrogate cannot be sent any other way).
UNREADABLE = [
    pytest.param(DEEP, id="nested-too-deep"),
    pytest.param('{"a": ' * 5_000 + "1" + "}" * 5_000, id="nested-objects"),
    pytest.param(b'{"note": "\xff\xfe"}', id="not-utf-8"),
    pytest.param('{"note": "unterminated', id="malformed"),
    pytest.param('{"note": NaN}', id="nan"),
]
NOT_AN_OBJECT = [
    pytest.param("[1, 2]", id="a-list"),
    pytest.param('"text"', id="a-string"),
    pytest.param("null", id="null"),
]

# (body, field with the error): refused by every endpoint, with no field to blame.
ANY_ENDPOINT = [pytest.param(p.values[0], None, id=p.id) for p in UNREADABLE + NOT_AN_OBJECT]


def send(client, path: str, body: str | bytes, *, version: int | None = None):
    headers = if_match(version) if version is not None else {}
    return client.generic("POST", path, body, content_type="application/json", **headers)


def assert_refused(response, field: str | None = None) -> None:
    assert response.status_code == 400, response.content
    body = response.json()  # the answer itself is valid JSON, whatever was quoted back
    assert body["code"] in {"invalid", "parse_error"}
    if field is not None:
        assert field in body["errors"], body


@pytest.fixture
def events_unchanged():
    before = list(Event.objects.values_list("position", flat=True))
    cases_before = list(Case.objects.values_list("id", "version", "assignee_id"))
    yield
    assert list(Event.objects.values_list("position", flat=True)) == before
    assert list(Case.objects.values_list("id", "version", "assignee_id")) == cases_before


@pytest.fixture
def investigating(submit_complaint, agent) -> Case:
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    return Case.objects.get(pk=case.id)


def _resolve(**changes):
    body = {"outcome": "violation", "measures": [{"measure": "warning", "account": "user-1"}], "summary": "Done."}
    body.update(changes)
    return json.dumps(body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *ANY_ENDPOINT,
        pytest.param(_resolve(summary="x" * 5001), "summary", id="oversized"),
        pytest.param(_resolve(summary="a\x00b"), "summary", id="nul"),
        pytest.param(_resolve(summary="\ud800"), "summary", id="lone-surrogate"),
        pytest.param(_resolve(summary={"nested": {"object": 1}}), "summary", id="object-for-text"),
        pytest.param(_resolve(summary=["a", "list"]), "summary", id="list-for-text"),
        pytest.param(_resolve(outcome=["violation"]), "outcome", id="list-for-choice"),
        pytest.param(_resolve(outcome="\ud800"), "outcome", id="surrogate-choice-quoted-back"),
        pytest.param(_resolve(measures="warning"), "measures", id="string-for-measures"),
        pytest.param(_resolve(measures=[["warning"]]), "measures", id="list-for-measure"),
        pytest.param(_resolve(measures=[{"measure": "warning", "account": ["x"]}]), "measures", id="list-account"),
        pytest.param(_resolve(measures=[{"measure": "warning", "account": "a\x00"}]), "measures", id="nul-account"),
        pytest.param(_resolve(measures=[{"measure": "warning", "account": "a" * 201}]), "measures", id="long-account"),
        pytest.param(
            _resolve(measures=[{"measure": "service_suspended", "account": "u", "days": 10**30}]),
            "measures",
            id="huge-days",
        ),
        pytest.param(_resolve(measures=[{"measure": "warning", "account": "u", "x": 1}]), "measures", id="extra-key"),
        pytest.param(_resolve(measures=[{"measure": "warning", "account": "u"}] * 11), "measures", id="too-many"),
        pytest.param(_resolve(verdict="guilty"), "verdict", id="unknown-argument"),
        pytest.param('{"\\ud800": 1, "outcome": "no_violation", "summary": "s"}', "?", id="surrogate-key"),
    ],
)
def test_a_step_refuses_hostile_arguments(agent_api, investigating, events_unchanged, body, field):
    response = send(agent_api, case_path(investigating.id, "transitions", "resolve"), body, version=3)

    assert_refused(response, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *ANY_ENDPOINT,
        pytest.param(json.dumps({"note": "x" * 5001}), "note", id="oversized"),
        pytest.param(json.dumps({"note": "a\x00b"}), "note", id="nul"),
        pytest.param('{"note": "\\udfff"}', "note", id="lone-surrogate"),
        pytest.param(json.dumps({"note": {"a": [1]}}), "note", id="object"),
        pytest.param(json.dumps({"note": None}), "note", id="null"),
        pytest.param(json.dumps({"note": "x", "private": True}), "private", id="unknown-field"),
        pytest.param("{}", "note", id="missing"),
    ],
)
def test_a_note_refuses_hostile_input(agent_api, submit_complaint, body, field):
    case = submit_complaint().case
    response = send(agent_api, case_path(case.id, "notes"), body, version=1)

    assert_refused(response, field)
    assert Case.objects.get(pk=case.id).version == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *ANY_ENDPOINT,
        pytest.param(json.dumps({"link": "related", "other_reference": "C" * 41}), "other_reference", id="long"),
        pytest.param(json.dumps({"link": "related", "other_reference": "C-\x00"}), "other_reference", id="nul"),
        pytest.param('{"link": "\\ud800", "other_reference": "C-1"}', "link", id="surrogate-choice"),
        pytest.param(json.dumps({"link": ["related"], "other_reference": "C-1"}), "link", id="list-choice"),
        pytest.param(json.dumps({"link": "related", "other_reference": {"$ne": ""}}), "other_reference", id="object"),
        pytest.param(json.dumps({"link": "related", "other_reference": "nonsense"}), "other_reference", id="unknown"),
    ],
)
def test_a_link_refuses_hostile_input(agent_api, submit_complaint, body, field):
    case = submit_complaint().case
    response = send(agent_api, case_path(case.id, "links"), body, version=1)

    assert_refused(response, field)
    assert Case.objects.get(pk=case.id).version == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *ANY_ENDPOINT,
        pytest.param(json.dumps({"assignee": 10**30}), "assignee", id="huge-id"),
        pytest.param(json.dumps({"assignee": -1}), "assignee", id="negative"),
        pytest.param(json.dumps({"assignee": "1; DROP TABLE"}), "assignee", id="string"),
        pytest.param(json.dumps({"assignee": [1]}), "assignee", id="list"),
        pytest.param(json.dumps({"assignee": 1.5}), "assignee", id="fraction"),
        pytest.param(json.dumps({"assignee": 987654}), "assignee", id="nobody"),
        pytest.param("{}", "assignee", id="missing"),
    ],
)
def test_an_assignment_refuses_hostile_input(agent_api, submit_complaint, body, field):
    case = submit_complaint().case
    response = send(agent_api, case_path(case.id, "assignment"), body, version=1)

    assert_refused(response, field)
    assert Case.objects.get(pk=case.id).version == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *ANY_ENDPOINT,
        pytest.param(json.dumps({"assignee": 1}), "assignee", id="an-argument-it-does-not-take"),
        pytest.param('{"\\ud800": "\\u0000"}', "?", id="surrogate-key"),
    ],
)
def test_a_claim_refuses_hostile_input(agent_api, submit_complaint, body, field):
    case = submit_complaint().case
    response = send(agent_api, case_path(case.id, "claim"), body, version=1)

    assert_refused(response, field)
    assert Case.objects.get(pk=case.id).assignee_id is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *ANY_ENDPOINT,
        pytest.param(json.dumps({"kind": "appeal"}), "kind", id="an-argument-it-does-not-take"),
    ],
)
def test_the_next_case_refuses_hostile_input(agent_api, submit_complaint, body, field):
    case = submit_complaint().case
    response = send(agent_api, NEXT_CASE, body)

    assert_refused(response, field)
    assert Case.objects.get(pk=case.id).assignee_id is None
