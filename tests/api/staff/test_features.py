"""The feature library through the staff API: list, filter, search and page entries; propose
one, with every bad input named; approve it only as someone else; and a complaint filed
through the public API that matches."""

from __future__ import annotations

import pytest

from accounts.actors import Actor
from cases import commands
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.feature_patterns import MSG_PATTERN_NESTED
from cases.models import Case, Priority
from cases.workflows.feature_entry import MSG_PROPOSER
from tests.api.staff.conftest import STAFF, case_path, post, version_of

pytestmark = pytest.mark.django_db

FEATURES = STAFF + "features/"
PROPOSAL = {
    "sort": "text",
    "syntax": "keywords",
    "value": "冒充客服\n官方退款",
    "category": "impersonation_fraud",
    "rule": "Rule 4.2: impersonating customer service.",
}


def propose(actor: Actor, sort: str, value: str, syntax: str = "", category: str = "other") -> Case:
    return commands.feature_entry_propose(
        actor=actor, sort=sort, syntax=syntax, value=value, category=category, rule="Rule."
    )


def test_proposing_answers_201_with_the_entry_and_its_address(agent_api, agent_user):
    response = post(agent_api, FEATURES, PROPOSAL)

    assert response.status_code == 201, response.json()
    body = response.json()
    entry = Case.objects.get(kind="feature_entry")
    assert body["reference"] == entry.reference
    assert (body["sort"], body["syntax"], body["value"]) == ("text", "keywords", "冒充客服\n官方退款")
    assert (body["state"], body["state_label"]) == ("proposed", "Proposed, awaiting a second person")
    assert body["rule"] == PROPOSAL["rule"]
    assert body["proposed_by"] == "agent"
    assert response["Location"] == body["url"] == f"http://testserver{case_path(entry.id)}"
    assert response["ETag"] == '"1"'


def test_the_proposer_may_not_approve_but_someone_else_may(agent_api, supervisor_api):
    entry_id = post(agent_api, FEATURES, PROPOSAL).json()["id"]

    shown = agent_api.get(case_path(entry_id)).json()
    assert shown["actions"] == []
    refused = post(agent_api, case_path(entry_id, "transitions", "approve"), version=1)
    assert refused.status_code == 403
    assert refused.json() == {"detail": str(MSG_PROPOSER), "code": "forbidden"}

    offered = [action["name"] for action in supervisor_api.get(case_path(entry_id)).json()["actions"]]
    assert offered == ["approve", "reject"]
    approved = post(supervisor_api, case_path(entry_id, "transitions", "approve"), version=1)
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    retired = post(
        agent_api, case_path(entry_id, "transitions", "retire"), {"reason": "Gone."}, version=version_of(entry_id)
    )
    assert retired.json()["state"] == "retired"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"syntax": "regex", "value": "(a+)+$"}, "value"),
        ({"syntax": "regex", "value": "(x+x+)+y"}, "value"),
        ({"syntax": "regex", "value": "([a-z"}, "value"),
        ({"syntax": ""}, "syntax"),
        ({"sort": "file", "syntax": "", "value": "abc"}, "value"),
        ({"sort": "account", "value": "someone"}, "syntax"),
        ({"sort": "everything"}, "sort"),
        ({"category": "nonsense"}, "category"),
        ({"rule": ""}, "rule"),
        ({"rule": "r" * 2001}, "rule"),
        ({"value": "x" * 6000}, "value"),
        ({"source_reference": "C-2222-2222"}, "source_reference"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_proposal_is_refused_with_the_field_at_fault_and_nothing_is_kept(agent_api, change, field):
    response = post(agent_api, FEATURES, {**PROPOSAL, **change})

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Case.objects.exists()


def test_a_nested_repeat_is_explained(agent_api):
    response = post(agent_api, FEATURES, {**PROPOSAL, "syntax": "regex", "value": "(a+)+$"})

    assert response.json()["errors"] == {"value": [str(MSG_PATTERN_NESTED)]}


@pytest.fixture
def library(agent, supervisor):
    entries = {
        "keywords": propose(agent, "text", "冒充客服\n官方退款", "keywords", "impersonation_fraud"),
        "file": propose(agent, "file", "ab" * 32, category="false_information"),
        "account": propose(agent, "account", "fake-support"),
    }
    commands.case_act(case_id=entries["file"].id, actor=supervisor, expected_version=1, action="approve", arguments={})
    return entries


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["account", "file", "keywords"]),
        ({"sort": "account"}, ["account"]),
        ({"state": "approved"}, ["file"]),
        ({"category": "impersonation_fraud"}, ["keywords"]),
        ({"q": "退款"}, ["keywords"]),
        ({"q": "AB" * 32}, ["file"]),
        ({"q": "fake-support"}, ["account"]),
    ],
)
def test_the_list_is_filtered_and_searched(agent_api, library, query, expected):
    response = agent_api.get(FEATURES, query)

    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [library[name].reference for name in expected]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"sort": "video"}, "sort"),
        ({"state": "closed"}, "state"),
        ({"category": "x"}, "category"),
        ({"q": "q" * 201}, "q"),
    ],
)
def test_a_bad_filter_is_refused(agent_api, query, field):
    response = agent_api.get(FEATURES, query)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_list_is_paged_by_cursor(agent_api, agent, monkeypatch):
    monkeypatch.setattr("cases.feature_queries.FEATURE_PAGE_SIZE", 2)
    for number in range(5):
        propose(agent, "account", f"account-{number}")

    seen, address = [], FEATURES
    while address:
        body = agent_api.get(address).json()
        seen += [row["reference"] for row in body["results"]]
        address = body["next"]
    assert len(seen) == len(set(seen)) == 5
    assert agent_api.get(FEATURES, {"cursor": "not-a-cursor"}).status_code == 200


def test_another_organisation_s_entries_are_not_listed(other_api, library):
    assert other_api.get(FEATURES).json()["results"] == []


def test_a_complaint_filed_through_the_public_api_that_matches_is_raised_and_marked(
    agent_api, supervisor, agent, library
):
    account = library["account"]
    commands.case_act(case_id=account.id, actor=supervisor, expected_version=1, action="approve", arguments={})

    filed = agent_api.post(
        "/api/v1/public/complaints/",
        {
            "category": "unlabelled_synthetic",
            "description": "A cloned voice sells refunds.",
            "content_urls": ["https://social.example.com/u/fake-support"],
        },
        format="json",
    )

    assert filed.status_code == 201, filed.json()
    complaint = Case.objects.get(reference=filed.json()["reference"])
    assert complaint.priority == Priority.HIGH
    event = Event.objects.get(stream_id=complaint.id, type=CaseEvent.FEATURE_MATCHED)
    assert (event.data["entry_reference"], event.data["where"]) == (account.reference, "content_url")
    row = next(r for r in agent_api.get(STAFF + "cases/").json()["results"] if r["reference"] == complaint.reference)
    assert row["feature_matched"] is True
    assert row["priority"] == Priority.HIGH
    details = agent_api.get(case_path(complaint.id)).json()["details"]
    assert details["feature_matches"] == [{"entry_id": str(account.id), "reference": account.reference}]
