"""Changing cases through the staff API: versions in If-Match, the four-eyes rule of appeals,
notes, links, assignment, claiming and the next case."""

from __future__ import annotations

import pytest

from cases import commands
from cases.commands.staff import MSG_ALREADY_CLAIMED, MSG_LINK_UNKNOWN
from cases.eventstore import Event
from cases.models import Case
from cases.workflows.appeal import MSG_ORIGINAL_DECIDER
from tests.api.conftest import INFORMATION
from tests.api.staff.conftest import (
    NEXT_CASE,
    appeal_against,
    case_path,
    decided_complaint,
    if_match,
    post,
    version_of,
)
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def events_of(case: Case) -> list[str]:
    return list(Event.objects.filter(stream_id=case.id).values_list("type", flat=True))


# --- Versions -------------------------------------------------------------------------------


def test_a_write_without_if_match_is_428_and_changes_nothing(agent_api, submit_complaint):
    case = submit_complaint().case

    response = post(agent_api, case_path(case.id, "transitions", "accept"), {})

    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert "If-Match" in response.json()["detail"]
    assert version_of(case.id) == 1


def test_a_stale_version_is_412_with_the_current_one_and_changes_nothing(agent_api, agent, submit_complaint):
    case = submit_complaint().case
    commands.case_note_add(case_id=case.id, actor=agent, expected_version=1, note="Someone was quicker.")

    response = post(agent_api, case_path(case.id, "transitions", "accept"), {}, version=1)

    assert response.status_code == 412
    assert response.json() == {
        "detail": "This case was changed by someone else (now at version 2, you had 1).",
        "code": "stale",
        "current_version": 2,
    }
    assert response["ETag"] == '"2"'
    assert Case.objects.get(pk=case.id).state == "submitted"


@pytest.mark.parametrize("header", ["*", "1", 'W/"1"', '"1", "2"', '"x"'])
def test_an_if_match_that_names_no_single_version_is_refused(agent_api, submit_complaint, header):
    case = submit_complaint().case

    response = agent_api.post(case_path(case.id, "notes"), {"note": "x"}, format="json", HTTP_IF_MATCH=header)

    assert response.status_code == 400
    assert response.json()["code"] == "if_match_invalid"
    assert events_of(case) == ["complaint.submitted"]


def test_the_public_api_keeps_reporting_a_conflict_as_409(api, awaiting_information):
    filing, case = awaiting_information

    response = api.post(
        INFORMATION,
        {
            "reference": filing["reference"],
            "token": filing["tracking_token"],
            "text": "From 0:12.",
            "expected_version": case.version - 1,
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


# --- Steps ----------------------------------------------------------------------------------


def test_a_step_answers_with_the_case_afterwards_and_its_new_etag(agent_api, submit_complaint):
    case = submit_complaint().case

    response = post(agent_api, case_path(case.id, "transitions", "accept"), {"note": "Looks real."}, version=1)

    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["state"], body["version"]) == ("triaged", 2)
    assert [action["name"] for action in body["actions"]] == ["start_investigation"]


@pytest.mark.parametrize("action", ["reverse_measures", "reopen", "assign", "no_such_step", "__init__", "record"])
def test_a_step_the_kind_does_not_offer_staff_is_409(agent_api, submit_complaint, action):
    case = submit_complaint().case

    response = post(agent_api, case_path(case.id, "transitions", action), {}, version=1)

    assert response.status_code == 409
    assert response.json()["code"] == "unknown_action"
    assert response.json()["detail"] == f"“{action}” is not a step of this kind of case."
    assert version_of(case.id) == 1


def test_a_rule_the_step_breaks_is_400_with_the_field(agent_api, submit_complaint):
    case = submit_complaint().case

    response = post(
        agent_api,
        case_path(case.id, "transitions", "reject"),
        {"reason": "duplicate", "explanation": "Seen before.", "duplicate_of": "C-0000-0000"},
        version=1,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"duplicate_of"}
    assert version_of(case.id) == 1


# --- The four-eyes rule ---------------------------------------------------------------------


@pytest.fixture
def appeal(submit_complaint, agent) -> Case:
    """An appeal against a decision the agent made."""
    return appeal_against(decided_complaint(submit_complaint, agent))


def test_the_original_decider_may_not_start_the_review(agent_api, appeal):
    response = post(agent_api, case_path(appeal.id, "transitions", "start_review"), {}, version=appeal.version)

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_ORIGINAL_DECIDER), "code": "forbidden"}
    assert version_of(appeal.id) == appeal.version


@pytest.mark.parametrize("action", ["uphold", "overturn"])
def test_the_original_decider_may_not_decide_the_appeal(agent_api, supervisor_api, appeal, action):
    started = post(supervisor_api, case_path(appeal.id, "transitions", "start_review"), {}, version=appeal.version)
    assert started.status_code == 200

    response = post(
        agent_api,
        case_path(appeal.id, "transitions", action),
        {"reason": "Mine was right."},
        version=started.json()["version"],
    )

    assert response.status_code == 403
    assert response.json()["detail"] == str(MSG_ORIGINAL_DECIDER)
    assert Case.objects.get(pk=appeal.id).state == "under_review"


def test_the_original_decider_may_not_claim_the_appeal_and_is_never_handed_it(agent_api, appeal):
    claimed = post(agent_api, case_path(appeal.id, "claim"), version=appeal.version)
    handed = agent_api.post(NEXT_CASE, format="json")

    assert claimed.status_code == 403
    assert claimed.json()["detail"] == str(MSG_ORIGINAL_DECIDER)
    assert handed.status_code == 204  # the appeal is the only open case, and not for them


# --- Notes, links, assignment, claiming, the next case --------------------------------------


def test_a_note_is_recorded_for_staff(agent_api, submit_complaint):
    case = submit_complaint().case

    response = post(agent_api, case_path(case.id, "notes"), {"note": "Called the provider."}, version=1)

    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    events = agent_api.get(case_path(case.id, "events")).json()["results"]
    assert (events[-1]["type"], events[-1]["data"]) == ("case.note_added", {"note": "Called the provider."})


def test_a_link_is_recorded_on_both_cases(agent_api, submit_complaint):
    case, other = submit_complaint().case, submit_complaint().case

    response = post(
        agent_api,
        case_path(case.id, "links"),
        {"link": "duplicate_of", "other_reference": other.reference.lower()},
        version=1,
    )

    assert response.status_code == 200
    assert [(link["link"], link["case"]["reference"]) for link in response.json()["links"]] == [
        ("duplicate_of", other.reference)
    ]
    other_links = agent_api.get(case_path(other.id)).json()["links"]
    assert [(link["link"], link["case"]["id"]) for link in other_links] == [("duplicated_by", str(case.id))]


def test_a_link_to_an_unknown_case_is_400(agent_api, other_provider, submit_complaint):
    case = submit_complaint().case
    foreign = submit_complaint(organisation=other_provider).case

    response = post(
        agent_api, case_path(case.id, "links"), {"link": "related", "other_reference": foreign.reference}, version=1
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"other_reference": [str(MSG_LINK_UNKNOWN)]}


def test_assigning_and_giving_back(agent_api, supervisor_user, submit_complaint):
    case = submit_complaint().case

    assigned = post(agent_api, case_path(case.id, "assignment"), {"assignee": supervisor_user.id}, version=1)
    returned = post(agent_api, case_path(case.id, "assignment"), {"assignee": None}, version=2)

    assert (assigned.status_code, assigned.json()["assignee"]) == (200, "supervisor")
    assert (returned.status_code, returned.json()["assignee"]) == (200, None)


def test_assigning_to_someone_of_another_organisation_is_400(agent_api, other_provider, submit_complaint):
    case = submit_complaint().case
    stranger = make_staff(other_provider, "stranger")

    response = post(agent_api, case_path(case.id, "assignment"), {"assignee": stranger.id}, version=1)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"assignee"}


def test_a_finished_case_cannot_be_assigned(agent_api, agent, submit_complaint):
    case = submit_complaint().case
    commands.complaint_reject(case_id=case.id, actor=agent, expected_version=1, reason="invalid", explanation="No.")

    response = post(agent_api, case_path(case.id, "assignment"), {"assignee": None}, version=2)

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"


def test_claiming_takes_a_case_once(agent_api, supervisor_api, submit_complaint):
    case = submit_complaint().case

    claimed = post(agent_api, case_path(case.id, "claim"), version=1)
    again = post(supervisor_api, case_path(case.id, "claim"), version=2)

    assert (claimed.status_code, claimed.json()["assignee"]) == (200, "agent")
    assert again.status_code == 403
    assert again.json()["detail"] == str(MSG_ALREADY_CLAIMED)


def test_the_next_case_is_the_most_urgent_unclaimed_one_then_none(agent_api, agent, submit_complaint):
    older = submit_complaint().case
    commands.complaint_accept(case_id=older.id, actor=agent, expected_version=1)  # now due in days, not hours
    newer = submit_complaint().case

    first = agent_api.post(NEXT_CASE, format="json")
    second = agent_api.post(NEXT_CASE, format="json")
    third = agent_api.post(NEXT_CASE, format="json")

    assert first.status_code == 200
    assert (first.json()["id"], first.json()["assignee"]) == (str(newer.id), "agent")
    assert first["ETag"] == f'"{first.json()["version"]}"'
    assert (second.status_code, second.json()["id"]) == (200, str(older.id))
    assert third.status_code == 204
    assert third.content == b""


def test_writes_are_recorded_with_who_made_them(agent_api, agent_user, submit_complaint):
    case = submit_complaint().case

    response = agent_api.post(
        case_path(case.id, "notes"),
        {"note": "Mine."},
        format="json",
        HTTP_X_REQUEST_ID="5f0c6a2e-8d1b-4c3a-9e7f-0123456789ab",
        **if_match(1),
    )

    assert response.status_code == 200
    event = Event.objects.filter(stream_id=case.id).last()
    assert event.metadata["actor"] == {"role": "agent", "user_id": agent_user.id}
    assert (event.metadata["organisation_id"], event.metadata["request_id"]) == (
        agent_user.organisation_id,
        "5f0c6a2e8d1b4c3a9e7f0123456789ab",
    )
