"""Following a case with its private tracking link: the token is exchanged for short-lived access
in the session, never travels in a URL, and a wrong one tells an attacker nothing."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from accounts.actors import Actor
from cases import commands
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.models import Case
from cases.tracking_session import TRACKED_CASES_SESSION_KEY
from cases.web.access import TRACKING_ACCESS_SECONDS
from cases.workflows.complaint import ComplaintEvent
from tests.conftest import make_staff
from tests.web.conftest import png_upload, stored_rows


@pytest.fixture
def filed(submit_complaint):
    """A complaint filed as the public, with its private token."""
    return submit_complaint(description="合成视频没有标识。Synthetic video, no label.")


def track(client: Client, submission) -> None:
    """Exchange the token for access, as the page's script does with the link's fragment."""
    response = client.post(f"/track/{submission.case.reference}/", {"token": submission.tracking_token})
    assert response.status_code == 302


def without_csrf_and_echo(response, reference: str) -> str:
    page = response.content.decode().replace(reference, "REFERENCE")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


# --- Exchanging the token -------------------------------------------------------------------


def test_the_token_is_exchanged_for_access_and_the_browser_lands_on_the_clean_address(client, filed):
    reference, token = filed.case.reference, filed.tracking_token

    response = client.post(f"/track/{reference}/", {"token": token})

    assert response.status_code == 302
    assert response["Location"] == f"/track/{reference}/"
    assert token not in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "已提交" in page.content.decode()  # the state, in plain words
    assert token not in page.content.decode()


def test_access_is_kept_in_the_session_for_two_hours(client, filed):
    track(client, filed)

    granted = client.session[TRACKED_CASES_SESSION_KEY]
    assert list(granted) == [str(filed.case.id)]
    assert abs(granted[str(filed.case.id)] - (time.time() + TRACKING_ACCESS_SECONDS)) < 60


def test_the_session_key_changes_when_access_is_first_granted(client, filed):
    client.get("/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    key_before = client.session.session_key

    track(client, filed)

    assert client.session.session_key != key_before


def test_expired_access_shows_the_code_form_again(client, filed):
    track(client, filed)
    session = client.session
    session[TRACKED_CASES_SESSION_KEY] = {str(filed.case.id): int(time.time()) - 1}
    session.save()

    page = client.get(f"/track/{filed.case.reference}/").content.decode()

    assert 'name="token"' in page
    assert filed.case.description not in page


def test_the_lookup_form_takes_the_reference_however_it_is_typed(client, filed):
    typed = filed.case.reference.lower().replace("-", " ")

    response = client.post("/track/", {"reference": typed, "token": filed.tracking_token})

    assert response["Location"] == f"/track/{filed.case.reference}/"


def test_without_access_the_case_page_shows_only_the_code_form(client, filed):
    page = client.get(f"/track/{filed.case.reference}/").content.decode()

    assert 'name="token"' in page
    assert f'value="{filed.case.reference}"' in page
    assert "合成视频没有标识" not in page
    assert "已提交" not in page


# --- Wrong, missing and unknown look the same ------------------------------------------------


def test_a_wrong_token_is_answered_exactly_like_an_unknown_reference(client, filed):
    reference = filed.case.reference
    unknown = "C-2345-6789"

    wrong_token = client.post(f"/track/{reference}/", {"token": "not-the-token"})
    no_such_case = client.post(f"/track/{unknown}/", {"token": "not-the-token"})

    assert wrong_token.status_code == no_such_case.status_code == 404
    assert without_csrf_and_echo(wrong_token, reference) == without_csrf_and_echo(no_such_case, unknown)
    assert "没有与该编号和查询码相符的案件" in wrong_token.content.decode()
    assert TRACKED_CASES_SESSION_KEY not in client.session or not client.session[TRACKED_CASES_SESSION_KEY]


def test_a_missing_token_is_answered_like_a_wrong_one(client, filed):
    reference = filed.case.reference

    missing = client.post("/track/", {"reference": reference, "token": ""})
    wrong = client.post("/track/", {"reference": reference, "token": "guess"})
    unknown = client.post("/track/", {"reference": "C-2345-6789", "token": "guess"})

    assert missing.status_code == wrong.status_code == unknown.status_code == 404
    assert without_csrf_and_echo(missing, reference) == without_csrf_and_echo(wrong, reference)
    assert without_csrf_and_echo(wrong, reference) == without_csrf_and_echo(unknown, "C-2345-6789")


def test_a_token_posted_without_the_csrf_token_is_refused(filed):
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/track/{filed.case.reference}/", {"token": filed.tracking_token})

    assert response.status_code == 403
    assert not client.session.get(TRACKED_CASES_SESSION_KEY)


def test_a_token_opens_only_its_own_case(client, submit_complaint):
    first, second = submit_complaint(), submit_complaint()

    response = client.post(f"/track/{second.case.reference}/", {"token": first.tracking_token})

    assert response.status_code == 404


# --- Limits and headers -----------------------------------------------------------------------


def test_tracking_is_limited_per_client_address(client, filed, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "track": "3/600"}
    for _ in range(3):
        client.post("/track/", {"reference": filed.case.reference, "token": "guess"})

    response = client.post("/track/", {"reference": filed.case.reference, "token": filed.tracking_token})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "尝试次数过多" in response.content.decode()
    assert not client.session.get(TRACKED_CASES_SESSION_KEY)


def test_guessing_one_reference_from_many_addresses_is_limited_per_reference(client, filed, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "track_reference": "3/600"}
    reference = filed.case.reference
    guesses = [
        client.post(f"/track/{reference}/", {"token": "guess"}, REMOTE_ADDR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert guesses == [404, 404, 404, 429]
    assert client.post(f"/track/{reference}/", {"token": "guess"}, REMOTE_ADDR="203.0.113.99").has_header("Retry-After")

    # The holder of the right code is not locked out by someone else's guessing.
    owner = client.post(f"/track/{reference}/", {"token": filed.tracking_token}, REMOTE_ADDR="192.0.2.1")
    assert owner.status_code == 302
    other_case = client.post("/track/", {"reference": "C-2345-6789", "token": "x"}, REMOTE_ADDR="203.0.113.99")
    assert other_case.status_code == 404


def test_the_429_page_is_in_english_when_english_was_chosen(client, filed, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "track": "1/600"}
    client.cookies["django_language"] = "en"
    client.get("/track/")

    response = client.get("/track/")

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/", "/flow/", "/complaints/new/", "/appeals/new/", "/track/", "/track/C-2345-6789/", "/nowhere/"]
)
def test_every_page_tells_browsers_to_send_no_referer_to_other_sites(client, provider, path):
    # "same-origin", not "no-referrer": with that, browsers post forms with `Origin: null` and
    # Django's CSRF check refuses them all. Tokens are never in a URL, so no Referer holds one.
    response = client.get(path)

    assert response["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in response.content.decode()


def test_pages_with_a_case_on_them_are_not_cached(client, filed):
    track(client, filed)

    response = client.get(f"/track/{filed.case.reference}/")

    assert "no-store" in response["Cache-Control"]


# --- What the page shows ---------------------------------------------------------------------


def test_the_history_shows_no_internal_notes_and_no_staff(client, filed, provider):
    actor = Actor.for_user(make_staff(provider, "wang.wei"))
    commands.complaint_accept(case_id=filed.case.id, actor=actor, expected_version=1, note="内部备注：疑似刷单")
    track(client, filed)

    page = client.get(f"/track/{filed.case.reference}/").content.decode()

    assert "已受理" in page
    assert "内部备注" not in page
    assert "wang.wei" not in page


def test_a_case_waiting_for_the_complainant_shows_the_question_and_the_paused_clock(client, filed, agent):
    case_id = filed.case.id
    commands.complaint_accept(case_id=case_id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=2)
    commands.complaint_request_information(
        case_id=case_id, actor=agent, expected_version=3, question="视频是在哪一天发布的？"
    )
    track(client, filed)

    page = client.get(f"/track/{filed.case.reference}/").content.decode()

    assert "视频是在哪一天发布的？" in page
    assert "暂停计时" in page
    assert 'name="text"' in page
    assert 'name="expected_version" value="4"' in page


def test_the_complainant_answers_with_a_file_and_the_case_moves_on(client, filed, agent):
    case_id = filed.case.id
    commands.complaint_accept(case_id=case_id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case_id, actor=agent, expected_version=3, question="何时发布？")
    track(client, filed)

    response = client.post(
        f"/track/{filed.case.reference}/information/",
        {"text": "昨天晚上。", "expected_version": 4, "evidence": [png_upload()]},
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case_id).state == "investigating"
    types = list(Event.objects.filter(stream_id=case_id).values_list("type", flat=True))
    assert ComplaintEvent.INFORMATION_RECEIVED in types
    assert CaseEvent.EVIDENCE_ADDED in types
    assert "已收到您补充的信息" in client.get(response["Location"]).content.decode()


def test_an_answer_to_a_page_that_is_out_of_date_is_refused_and_nothing_is_kept(client, filed, agent):
    case_id = filed.case.id
    commands.complaint_accept(case_id=case_id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case_id, actor=agent, expected_version=3, question="何时？")
    track(client, filed)
    before = stored_rows()

    response = client.post(f"/track/{filed.case.reference}/information/", {"text": "昨天。", "expected_version": 3})

    assert response.status_code == 409
    assert "您填写期间案件有了新进展" in response.content.decode()
    assert "昨天。" in response.content.decode()  # what they typed is kept for them
    assert stored_rows() == before


def test_an_empty_answer_is_refused_on_its_field(client, filed, agent):
    case_id = filed.case.id
    commands.complaint_accept(case_id=case_id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case_id, actor=agent, expected_version=3, question="何时？")
    track(client, filed)
    before = stored_rows()

    response = client.post(f"/track/{filed.case.reference}/information/", {"text": " ", "expected_version": 4})

    assert response.status_code == 400
    assert 'href="#id_text"' in response.content.decode()
    assert stored_rows() == before


def test_an_answer_without_tracking_access_is_not_kept(client, filed, agent):
    case_id = filed.case.id
    commands.complaint_accept(case_id=case_id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case_id, actor=agent, expected_version=3, question="何时？")
    before = stored_rows()

    response = client.post(f"/track/{filed.case.reference}/information/", {"text": "x", "expected_version": 4})

    assert response.status_code == 302
    assert stored_rows() == before


# --- Appealing the decision -------------------------------------------------------------------


def decide(case_id, agent) -> None:
    commands.complaint_accept(case_id=case_id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=2)
    commands.complaint_resolve(
        case_id=case_id, actor=agent, expected_version=3, outcome="no_violation", summary="内容已有标识。"
    )


def test_a_decided_complaint_offers_an_appeal_and_files_it(client, filed, agent):
    decide(filed.case.id, agent)
    track(client, filed)
    page = client.get(f"/track/{filed.case.reference}/").content.decode()
    assert f'href="/track/{filed.case.reference}/appeal/"' in page
    assert "内容已有标识。" in page

    response = client.post(f"/track/{filed.case.reference}/appeal/", {"statement": "标识是后来才加上的。"})

    assert response.status_code == 302
    appeal = Case.objects.get(kind="appeal")
    assert response["Location"] == f"/filed/{appeal.reference}/"
    assert appeal.related_case_id == filed.case.id
    confirmation = client.get(response["Location"]).content.decode()
    assert appeal.reference in confirmation
    assert "申诉" in confirmation
    again = client.get(f"/track/{filed.case.reference}/").content.decode()
    assert appeal.reference in again
    assert f'href="/track/{filed.case.reference}/appeal/"' not in again


def test_an_undecided_complaint_cannot_be_appealed(client, filed):
    track(client, filed)
    before = stored_rows()

    page = client.get(f"/track/{filed.case.reference}/appeal/").content.decode()
    response = client.post(f"/track/{filed.case.reference}/appeal/", {"statement": "不服。"})

    assert 'name="statement"' not in page
    assert response.status_code == 400
    assert "该案件尚未作出处理决定" in response.content.decode()
    assert stored_rows() == before


def test_an_appeal_without_a_statement_is_refused_on_its_field(client, filed, agent):
    decide(filed.case.id, agent)
    track(client, filed)
    before = stored_rows()

    response = client.post(f"/track/{filed.case.reference}/appeal/", {"statement": ""})

    assert response.status_code == 400
    assert 'href="#id_statement"' in response.content.decode()
    assert stored_rows() == before


def test_an_appeal_form_without_tracking_access_sends_to_the_code_form(client, filed, agent):
    decide(filed.case.id, agent)
    before = stored_rows()

    response = client.post(f"/track/{filed.case.reference}/appeal/", {"statement": "不服。"})

    assert response.status_code == 302
    assert response["Location"] == f"/track/{filed.case.reference}/"
    assert stored_rows() == before
