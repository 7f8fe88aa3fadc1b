"""What the tracking pages answer when an answer cannot be taken: the case page again, saying
why, never a server error; and the address of a refused answer, reloaded, leads to the case."""

from __future__ import annotations

import pytest
from django.test import Client

from cases import commands
from cases.models import Case
from tests.web.conftest import stored_rows
from tests.web.test_tracking import decide, track

NOT_WAITING = "此案件目前无需您补充信息"


@pytest.fixture
def filed(submit_complaint):
    return submit_complaint(description="合成视频没有标识。")


def appeal_through_the_page(client: Client, filed, agent) -> Case:
    """Appeal the decision on a tracked complaint; the browser then tracks the appeal too."""
    decide(filed.case.id, agent)
    track(client, filed)
    response = client.post(f"/track/{filed.case.reference}/appeal/", {"statement": "标识是后来才加上的。"})
    assert response.status_code == 302
    return Case.objects.get(kind="appeal")


def ask(case_id, agent) -> None:
    commands.complaint_accept(case_id=case_id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case_id, actor=agent, expected_version=3, question="何时发布？")


# --- Information sent to a case that does not wait for it -------------------------------------


def test_information_sent_to_an_appeal_is_refused_on_the_appeal_page_and_nothing_is_kept(client, filed, agent):
    # The complaint command loads complaints only: an appeal used to be "not found" there, an
    # error the page did not expect, and the answer was a server error.
    appeal = appeal_through_the_page(client, filed, agent)
    before = stored_rows()

    response = client.post(f"/track/{appeal.reference}/information/", {"text": "补充。", "expected_version": 1})

    assert response.status_code == 409
    page = response.content.decode()
    assert NOT_WAITING in page
    assert appeal.reference in page
    assert 'name="text"' not in page
    assert stored_rows() == before


def test_an_empty_answer_to_an_appeal_is_refused_the_same_way(client, filed, agent):
    appeal = appeal_through_the_page(client, filed, agent)
    before = stored_rows()

    response = client.post(f"/track/{appeal.reference}/information/", {"text": "", "expected_version": "x"})

    assert response.status_code == 409
    assert NOT_WAITING in response.content.decode()
    assert stored_rows() == before


@pytest.mark.parametrize("steps", [0, 2, 3], ids=["submitted", "investigating", "resolved"])
def test_information_sent_to_a_complaint_not_waiting_for_it_is_refused(client, filed, agent, steps):
    case_id = filed.case.id
    if steps >= 1:
        commands.complaint_accept(case_id=case_id, actor=agent, expected_version=1)
    if steps >= 2:
        commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=2)
    if steps >= 3:
        commands.complaint_resolve(
            case_id=case_id, actor=agent, expected_version=3, outcome="no_violation", summary="已有标识。"
        )
    track(client, filed)
    before = stored_rows()
    version = Case.objects.get(pk=case_id).version
    answer = {"text": "补充。", "expected_version": version}

    response = client.post(f"/track/{filed.case.reference}/information/", answer)

    assert response.status_code == 409
    assert NOT_WAITING in response.content.decode()
    assert stored_rows() == before


def test_an_answer_the_case_no_longer_waits_for_says_so_rather_than_asking_again(client, filed, agent):
    ask(filed.case.id, agent)
    track(client, filed)
    # Staff record the answer given by telephone meanwhile; the page in the browser is stale.
    commands.complaint_receive_information(case_id=filed.case.id, actor=agent, expected_version=4, text="电话告知。")
    before = stored_rows()

    response = client.post(f"/track/{filed.case.reference}/information/", {"text": "昨天。", "expected_version": 4})

    assert response.status_code == 409
    assert NOT_WAITING in response.content.decode()
    assert stored_rows() == before


# --- The address of the answer form, opened directly -----------------------------------------


def test_reloading_the_answer_address_after_a_refused_answer_shows_the_case(client, filed, agent):
    ask(filed.case.id, agent)
    track(client, filed)
    refused = client.post(f"/track/{filed.case.reference}/information/", {"text": " ", "expected_version": 4})
    assert refused.status_code == 400

    response = client.get(f"/track/{filed.case.reference}/information/")

    assert response.status_code == 302
    assert response["Location"] == f"/track/{filed.case.reference}/"
    assert "何时发布？" in client.get(response["Location"]).content.decode()


def test_the_answer_address_without_access_leads_to_the_code_form(client, filed):
    response = client.get(f"/track/{filed.case.reference.lower()}/information/")

    assert response.status_code == 302
    assert response["Location"] == f"/track/{filed.case.reference}/"
