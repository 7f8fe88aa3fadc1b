"""Who may use the staff API: provider staff of an organisation, by token or by their session,
and only with their own organisation's cases."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Organisation, Role, User
from tests.api.staff.conftest import CASES, MEASURES, NEXT_CASE, case_path, client_for, if_match, post
from tests.conftest import make_staff
from tests.processes import manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def regulator(db) -> Organisation:
    return Organisation.objects.create(slug="cac", name="Regulator", kind=Organisation.Kind.REGULATOR)


def test_a_token_opens_the_api_to_provider_staff(agent_api, submit_complaint):
    case = submit_complaint().case

    response = agent_api.get(CASES)

    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [case.reference]


def test_without_credentials_the_answer_is_401_and_says_how_to_authenticate(submit_complaint):
    case = submit_complaint().case

    response = APIClient().get(case_path(case.id))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_token_is_401(provider):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert client.get(CASES).status_code == 401


@pytest.mark.parametrize("role", [Role.REGULATOR_OFFICER, Role.ADMINISTRATOR])
def test_anyone_else_who_is_signed_in_is_refused_with_403(regulator, role):
    officer = client_for(make_staff(regulator, "officer", role=role))

    response = officer.get(CASES)

    assert response.status_code == 403
    assert response.json()["code"] == "not_staff"
    assert officer.post(NEXT_CASE, {}, format="json").status_code == 403


def test_staff_without_an_organisation_are_refused(db):
    loner = User.objects.create_user(username="loner", password="pw", role=Role.AGENT)

    assert client_for(loner).get(CASES).status_code == 403


def test_a_deactivated_member_of_staff_is_shut_out_at_once(agent_user, agent_api):
    agent_user.is_active = False
    agent_user.save(update_fields=["is_active"])

    assert agent_api.get(CASES).status_code == 401


def test_the_browser_session_works_and_its_writes_need_the_csrf_token(agent_user, submit_complaint):
    case = submit_complaint().case
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(agent_user)

    assert browser.get(case_path(case.id)).status_code == 200
    refused = browser.post(case_path(case.id, "notes"), {"note": "x"}, format="json", **if_match(1))
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    browser.get("/staff/login/")  # any page that sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        case_path(case.id, "notes"), {"note": "x"}, format="json", HTTP_X_CSRFTOKEN=token, **if_match(1)
    )
    assert accepted.status_code == 200


def test_every_endpoint_answers_404_for_another_organisations_case(other_api, file_case):
    case = file_case("complaint")
    reads = ["", "events"]
    writes = {
        "transitions/accept": {},
        "notes": {"note": "Mine now."},
        "links": {"link": "related", "other_reference": case.reference},
        "assignment": {"assignee": None},
        "claim": {},
    }

    for path in reads:
        response = other_api.get(case_path(case.id, path) if path else case_path(case.id))
        assert (path, response.status_code, response.json()["code"]) == (path, 404, "not_found")
    for path, body in writes.items():
        response = post(other_api, case_path(case.id, path), body, version=case.version)
        assert (path, response.status_code, response.json()["code"]) == (path, 404, "not_found")
    assert other_api.get(CASES).json()["results"] == []
    assert other_api.post(NEXT_CASE, {}, format="json").status_code == 204
    assert other_api.get(MEASURES, {"account": "user-42"}).json()["results"] == []


# --- Issuing tokens -------------------------------------------------------------------------


def _issue(username: str) -> str:
    out = io.StringIO()
    call_command("issue_api_token", username, stdout=out)
    return out.getvalue().strip()


def test_issue_api_token_prints_a_working_token_and_a_new_one_replaces_it(agent_user, submit_complaint):
    first = _issue("agent")
    second = _issue("agent")

    assert first != second
    assert list(Token.objects.filter(user=agent_user).values_list("key", flat=True)) == [second]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + second)
    assert client.get(CASES).status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token " + first)
    assert client.get(CASES).status_code == 401


def test_issue_api_token_refuses_anyone_but_provider_staff(regulator):
    make_staff(regulator, "officer", role=Role.REGULATOR_OFFICER)

    with pytest.raises(CommandError, match="not active provider staff") as refused:
        _issue("officer")
    assert refused.value.returncode == 1
    with pytest.raises(CommandError, match="No user"):
        _issue("nobody")
    assert not Token.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_issue_api_token_exits_with_1_and_says_why_when_run_for_someone_else(regulator):
    make_staff(regulator, "officer", role=Role.REGULATOR_OFFICER)

    result = manage("issue_api_token", "officer")

    assert result.returncode == 1
    assert "'officer' is not active provider staff" in result.stderr
    assert result.stdout == ""
