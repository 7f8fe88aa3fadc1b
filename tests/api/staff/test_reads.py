"""Reading through the staff API: the queue, one case with its version as ETag, its verified
history, and the measures taken against an account."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils.dateparse import parse_datetime

from accounts.actors import Actor
from cases import commands
from cases.immutability import install_triggers, remove_triggers
from cases.models import Case
from cases.staff_queries import queue_page
from tests.api.staff.conftest import CASES, MEASURES, appeal_against, case_path, decided_complaint, post
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


# --- The queue ------------------------------------------------------------------------------


def test_a_queue_row_says_what_the_case_is_and_where_it_stands(agent_api, agent, submit_complaint):
    case = submit_complaint(category="face_voice_without_consent").case
    commands.case_claim(case_id=case.id, actor=agent, expected_version=1)

    [row] = agent_api.get(CASES).json()["results"]

    case = Case.objects.get(pk=case.id)
    assert row == {
        "id": str(case.id),
        "reference": case.reference,
        "kind": "complaint",
        "kind_label": "Complaint or report",
        "state": "submitted",
        "state_label": "New, not yet triaged",
        "title": case.title,
        "category": "face_voice_without_consent",
        "category_label": "My face or voice was edited without consent",
        "priority": 3,
        "priority_label": "High",
        "assignee": "agent",
        "due_at": row["due_at"],  # compared below, as a moment rather than as text
        "overdue": False,
        "version": 2,
        "url": f"http://testserver{case_path(case.id)}",
        "feature_matched": False,
    }
    assert parse_datetime(row["due_at"]) == case.due_at


def test_the_queue_filters_by_kind_state_and_assignee(agent_api, agent, supervisor, submit_complaint):
    mine, theirs, nobodys = (submit_complaint().case for _ in range(3))
    commands.case_claim(case_id=mine.id, actor=agent, expected_version=1)
    commands.case_claim(case_id=theirs.id, actor=supervisor, expected_version=1)
    commands.complaint_accept(case_id=nobodys.id, actor=agent, expected_version=1)
    appeal = appeal_against(decided_complaint(submit_complaint, agent))

    def references(**query) -> set[str]:
        response = agent_api.get(CASES, query)
        assert response.status_code == 200, response.json()
        return {row["reference"] for row in response.json()["results"]}

    assert references(assigned="me") == {mine.reference}
    assert references(assigned="unassigned", kind="complaint", state="triaged") == {nobodys.reference}
    assert references(kind="appeal") == {appeal.reference}
    assert references(state="submitted", assigned="anyone") == {mine.reference, theirs.reference}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "parking_ticket"}, "kind"),
        ({"state": "limbo"}, "state"),
        ({"kind": "appeal", "state": "investigating"}, "state"),
        ({"assigned": "them"}, "assigned"),
        ({"state": "x" * 41}, "state"),
        ({"cursor": "c" * 401}, "cursor"),
        ({"kind": "complaint\x00"}, "kind"),
    ],
)
def test_unknown_filters_are_400_with_the_field(agent_api, provider, query, field):
    response = agent_api.get(CASES, query)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {field}


def test_the_queue_pages_by_keyset_and_its_links_keep_the_filters(agent_api, submit_complaint, monkeypatch):
    monkeypatch.setitem(queue_page.__kwdefaults__, "size", 2)
    cases = [submit_complaint().case for _ in range(5)]

    seen, page, pages = [], agent_api.get(CASES, {"kind": "complaint"}).json(), 1
    assert page["previous"] is None
    while page["next"]:
        assert "kind=complaint" in page["next"]
        seen += [row["reference"] for row in page["results"]]
        page, pages = agent_api.get(page["next"]).json(), pages + 1
    seen += [row["reference"] for row in page["results"]]

    assert pages == 3
    assert seen == [case.reference for case in cases]
    back = agent_api.get(page["previous"]).json()
    assert [row["reference"] for row in back["results"]] == seen[2:4]


def test_a_state_of_several_kinds_pages_through_them_together_in_the_queues_order(
    agent_api, agent, supervisor, submit_complaint, monkeypatch
):
    # Closed complaints and closed appeals, filed in turn: each kind's cases come from its own
    # query, and the page must still hold them in one order, across pages and back.
    monkeypatch.setitem(queue_page.__kwdefaults__, "size", 2)
    filed = []
    for _ in range(3):
        complaint = decided_complaint(submit_complaint, agent)
        appeal = appeal_against(complaint)
        commands.appeal_start_review(case_id=appeal.id, actor=supervisor, expected_version=1)
        commands.appeal_uphold(case_id=appeal.id, actor=supervisor, expected_version=2, reason="Right.")
        commands.appeal_close(case_id=appeal.id, actor=supervisor, expected_version=3)
        complaint.refresh_from_db()
        commands.complaint_close(case_id=complaint.id, actor=agent, expected_version=complaint.version)
        filed += [complaint.reference, appeal.reference]

    pages = [agent_api.get(CASES, {"state": "closed"}).json()]
    while pages[-1]["next"]:
        pages.append(agent_api.get(pages[-1]["next"]).json())

    assert [[row["reference"] for row in page["results"]] for page in pages] == [filed[0:2], filed[2:4], filed[4:6]]
    assert [row["kind"] for row in pages[1]["results"]] == ["complaint", "appeal"]
    back = agent_api.get(pages[2]["previous"]).json()
    assert [row["reference"] for row in back["results"]] == filed[2:4]


def test_a_queue_page_costs_a_fixed_number_of_queries(
    agent_api, agent, submit_complaint, django_assert_max_num_queries
):
    for _ in range(6):
        case = submit_complaint().case
        commands.case_claim(case_id=case.id, actor=agent, expected_version=1)

    with django_assert_max_num_queries(3):  # the token, rows with a deadline, rows without
        response = agent_api.get(CASES)
    assert len(response.json()["results"]) == 6


# --- One case -------------------------------------------------------------------------------


def test_a_case_comes_with_its_version_as_etag_and_is_not_sent_again_unchanged(agent_api, submit_complaint):
    case = submit_complaint().case

    response = agent_api.get(case_path(case.id))
    unchanged = agent_api.get(case_path(case.id), HTTP_IF_NONE_MATCH='"1"')
    weak = agent_api.get(case_path(case.id), HTTP_IF_NONE_MATCH='W/"0", W/"1"')
    changed = agent_api.get(case_path(case.id), HTTP_IF_NONE_MATCH='"0"')

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert "private" in response["Cache-Control"]
    assert (unchanged.status_code, unchanged.content, unchanged["ETag"]) == (304, b"", '"1"')
    assert weak.status_code == 304
    assert changed.status_code == 200


def test_a_case_shows_its_facts_and_the_steps_the_caller_may_take(agent_api, submit_complaint):
    case = submit_complaint().case

    body = agent_api.get(case_path(case.id)).json()

    assert body["facts"]["description"] == "A synthetic video with no label."
    assert body["facts"]["description_heading"] == "What was reported"
    assert body["details"] == {"content_urls": ["https://video.example.com/v/1"]}
    assert (body["facts"]["paused_seconds"], body["facts"]["sla_policy_version"]) == (0, case.sla_policy_version)
    assert [action["name"] for action in body["actions"]] == ["accept", "reject"]
    reject = body["actions"][1]
    assert reject["target"] == "rejected"
    assert [(a["name"], a["required"], a["widget"]) for a in reject["arguments"]] == [
        ("reason", True, "choice"),
        ("explanation", True, "long"),
        ("duplicate_of", False, "reference"),
    ]
    assert [choice["value"] for choice in reject["arguments"][0]["choices"]] == ["invalid", "duplicate"]


def test_an_appeal_names_the_case_it_is_against_and_that_case_names_its_measures(
    agent_api, supervisor_api, agent, submit_complaint
):
    complaint = decided_complaint(submit_complaint, agent)
    appeal = appeal_against(complaint)

    appeal_body = supervisor_api.get(case_path(appeal.id)).json()
    complaint_body = agent_api.get(case_path(complaint.id)).json()

    assert [(r["relation"], r["case"]["reference"]) for r in appeal_body["related"]] == [
        ("appealed_case", complaint.reference)
    ]
    assert [(r["relation"], r["case"]["reference"]) for r in complaint_body["related"]] == [
        ("appeal", appeal.reference)
    ]
    [measure] = complaint_body["measures"]
    assert {k: measure[k] for k in ("reference", "measure", "account", "ends_at", "state", "case_reference")} == {
        "reference": "M" + complaint.reference[1:] + "-1",
        "measure": "warning",
        "account": "user-42",
        "ends_at": None,
        "state": "in_force",
        "case_reference": complaint.reference,
    }
    assert complaint_body["actions"] == [{"name": "close", "label": "Close", "target": "closed", "arguments": []}]


def test_an_unknown_case_is_404(agent_api, provider):
    response = agent_api.get(CASES + "00000000-0000-0000-0000-000000000000/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- The history ----------------------------------------------------------------------------


def test_the_history_lists_every_event_verified_against_the_chain(agent_api, agent_user, submit_complaint):
    case = submit_complaint().case
    post(agent_api, case_path(case.id, "transitions", "accept"), {}, version=1)

    body = agent_api.get(case_path(case.id, "events")).json()

    assert body["intact"] is True
    submitted, accepted = body["results"]
    assert (submitted["version"], submitted["type"], submitted["actor"]) == (
        1,
        "complaint.submitted",
        {"role": "public", "user_id": None, "username": None},
    )
    assert (accepted["type_label"], accepted["actor"]) == (
        "Complaint accepted",
        {"role": "agent", "user_id": agent_user.id, "username": "agent"},
    )
    assert accepted["previous_hash"] == submitted["hash"]
    assert accepted["data"] == {"note": "", "from_state": "submitted", "to_state": "triaged"}
    assert [(e["verified"], e["verification"]) for e in body["results"]] == [(True, "verified")] * 2
    assert submitted["position"] < accepted["position"]


def test_an_altered_event_is_shown_as_not_verified(agent_api, agent, submit_complaint):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.case_note_add(case_id=case.id, actor=agent, expected_version=2, note="Original.")
    remove_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_event SET data = %s WHERE stream_id = %s AND stream_version = 2",
            ['{"note": "forged", "from_state": "submitted", "to_state": "triaged"}', case.id.hex],
        )
    install_triggers(connection)

    body = agent_api.get(case_path(case.id, "events")).json()

    assert body["intact"] is False
    assert [e["verification"] for e in body["results"]] == ["verified", "broken", "unverified"]
    assert [e["verified"] for e in body["results"]] == [True, False, False]


# --- Measures against an account ------------------------------------------------------------


def test_every_measure_against_an_account_is_listed_with_its_case(agent_api, agent, other_provider, submit_complaint):
    first = decided_complaint(submit_complaint, agent)
    second = decided_complaint(submit_complaint, agent)
    other_agent = Actor.for_user(make_staff(other_provider, "other-agent"))
    foreign = decided_complaint(lambda **kw: submit_complaint(organisation=other_provider, **kw), other_agent)

    response = agent_api.get(MEASURES, {"account": "user-42"})

    assert response.status_code == 200
    body = response.json()
    assert body["account"] == "user-42"
    assert [m["case_reference"] for m in body["results"]] == [second.reference, first.reference]
    assert foreign.reference not in {m["case_reference"] for m in body["results"]}
    assert body["results"][0] | {"taken_at": None} == {
        "reference": "M" + second.reference[1:] + "-1",
        "measure": "warning",
        "measure_label": "User warned",
        "account": "user-42",
        "taken_at": None,
        "ends_at": None,
        "reversed_at": None,
        "reversed_by": "",
        "state": "in_force",
        "state_label": "In force",
        "case_id": str(second.id),
        "case_reference": second.reference,
        "case_url": f"http://testserver{case_path(second.id)}",
    }
    assert agent_api.get(MEASURES, {"account": "user-4"}).json()["results"] == []


@pytest.mark.parametrize("query", [{}, {"account": ""}, {"account": "a" * 201}, {"account": "a\x00b"}])
def test_the_account_is_required_and_bounded(agent_api, provider, query):
    response = agent_api.get(MEASURES, query)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"account"}
