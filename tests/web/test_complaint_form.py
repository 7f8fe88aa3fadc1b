"""Filing a complaint or report through the public form: what is kept, and every way it is refused."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.eventstore import Event
from cases.evidence import MAX_EVIDENCE_BYTES
from cases.models import Case, DataSubject, Evidence
from cases.selectors import case_for_tracking
from tests.web.conftest import png_upload, stored_rows

URL = "/complaints/new/"


def valid(**overrides):
    data = {
        "category": "unlabelled_synthetic",
        "content_urls": "https://video.example.com/v/1\nhttps://video.example.com/v/2",
        "description": "一段没有任何标识的合成视频。",
    }
    data.update(overrides)
    return data


def error_summary(response) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S)
    assert match, "the page has no error summary"
    return match.group(0)


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


# --- Accepted -------------------------------------------------------------------------------


def test_a_complaint_with_evidence_is_kept_and_the_browser_is_sent_to_its_confirmation(client, provider):
    response = client.post(URL, {**valid(), "evidence": [png_upload()]})

    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/filed/{case.reference}/"
    assert case.organisation == provider
    assert case.details["content_urls"] == ["https://video.example.com/v/1", "https://video.example.com/v/2"]
    assert Evidence.objects.filter(case=case, content_type="image/png").count() == 1


def test_the_confirmation_shows_the_reference_the_link_once_and_the_due_times(client, provider):
    client.post(URL, valid())
    case = Case.objects.get()

    page = client.get(f"/filed/{case.reference}/").content.decode()

    link = re.search(r"data-copy-source>(http://testserver/track/[^<#]+/#[^<]+)</textarea>", page).group(1)
    token = link.rpartition("#")[2]
    assert link.startswith(f"http://testserver/track/{case.reference}/#")
    assert case_for_tracking(case.reference, token) == case
    assert case.reference in page
    assert "北京时间" in page
    assert page.count("（北京时间）") >= 2  # first response and decision
    again = client.get(f"/filed/{case.reference}/").content.decode()
    assert token not in again
    assert case.reference in again


def test_a_complaint_can_be_filed_anonymously(client, provider):
    client.post(URL, valid())

    # The anonymous filer's data subject holds no contact details: only the key that seals
    # what they wrote.
    subject = DataSubject.objects.get(pk=Case.objects.get().subject_id)
    assert (subject.name, subject.email, subject.phone, subject.consented_at) == ("", "", "", None)
    assert stored_rows()["data_subjects"] == 1


def test_contact_details_with_consent_are_kept_apart_from_the_log(client, provider):
    client.post(URL, valid(contact_email="me@example.com", consent="on"))

    case = Case.objects.get()
    assert case.subject_id is not None
    assert DataSubject.objects.get(pk=case.subject_id).email == "me@example.com"
    assert "me@example.com" not in json.dumps(list(Event.objects.values_list("data", flat=True)))


def test_a_confirmation_belongs_to_the_browser_that_filed(client, provider):
    client.post(URL, valid())
    reference = Case.objects.get().reference

    assert Client().get(f"/filed/{reference}/").status_code == 404


# --- Refused, naming the field, with nothing kept -------------------------------------------


def test_missing_required_fields_are_each_named_and_nothing_is_kept(client, provider):
    before = stored_rows()

    response = client.post(URL, {"category": "", "description": "  "})

    assert response.status_code == 400
    summary = error_summary(response)
    assert 'href="#id_category_0"' in summary
    assert "问题类型" in summary
    assert 'href="#id_description"' in summary
    assert "情况描述" in summary
    assert stored_rows() == before


def test_an_invalid_field_is_marked_and_described_by_its_error(client, provider):
    page = client.post(URL, valid(description="")).content.decode()

    textarea = re.search(r"<textarea[^>]*id=\"id_description\"[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in textarea
    assert "id_description_error" in textarea
    assert 'id="id_description_error"' in page


def test_a_file_over_the_size_limit_is_refused_by_name(client, provider):
    before = stored_rows()
    too_big = SimpleUploadedFile(
        "huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_EVIDENCE_BYTES, content_type="image/png"
    )

    response = client.post(URL, {**valid(), "evidence": [too_big]})

    assert response.status_code == 400
    summary = error_summary(response)
    assert 'href="#id_evidence"' in summary
    assert "huge.png" in summary
    assert "10 MB" in summary
    assert stored_rows() == before


def test_an_executable_disguised_as_a_picture_is_refused(client, provider):
    before = stored_rows()
    disguised = SimpleUploadedFile("holiday.jpg", b"MZ\x90\x00" + b"\0" * 4096, content_type="image/jpeg")

    response = client.post(URL, {**valid(), "evidence": [png_upload(), disguised]})

    assert response.status_code == 400
    summary = error_summary(response)
    assert "holiday.jpg" in summary
    assert "证据文件" in summary
    assert stored_rows() == before


def test_six_files_are_one_too_many(client, provider):
    before = stored_rows()

    response = client.post(URL, {**valid(), "evidence": [png_upload(f"{n}.png") for n in range(6)]})

    assert response.status_code == 400
    assert "5" in error_summary(response)
    assert 'href="#id_evidence"' in error_summary(response)
    assert stored_rows() == before


def test_a_description_of_100000_characters_is_refused_clearly(english, provider):
    before = stored_rows()

    response = english.post(URL, valid(description="x" * 100_000))

    assert response.status_code == 400
    summary = error_summary(response)
    assert "Description: At most 5000 characters (you entered 100000)." in summary
    assert stored_rows() == before


@pytest.mark.parametrize("address", ["not a web address", "javascript:alert(1)", "ftp://files.example.com/a"])
def test_a_malformed_web_address_is_refused_and_quoted(english, provider, address):
    before = stored_rows()

    response = english.post(URL, valid(content_urls=f"https://ok.example.com/\n{address}"))

    assert response.status_code == 400
    summary = error_summary(response)
    assert 'href="#id_content_urls"' in summary
    assert "is not a valid web address" in summary
    assert stored_rows() == before


def test_more_than_ten_web_addresses_are_refused(english, provider):
    urls = "\n".join(f"https://video.example.com/v/{n}" for n in range(11))

    response = english.post(URL, valid(content_urls=urls))

    assert response.status_code == 400
    assert "At most 10 web addresses." in error_summary(response)


def test_contact_details_without_consent_are_refused_on_the_consent_box(english, provider):
    before = stored_rows()

    response = english.post(URL, valid(contact_phone="+86 138 0000 0000"))

    assert response.status_code == 400
    summary = error_summary(response)
    assert 'href="#id_consent"' in summary
    assert "agree to the processing of your contact details" in summary
    assert stored_rows() == before


def test_a_malformed_e_mail_address_is_refused(english, provider):
    response = english.post(URL, valid(contact_email="me@", consent="on"))

    assert response.status_code == 400
    assert 'href="#id_contact_email"' in error_summary(response)


def test_a_filled_honeypot_is_refused_and_nothing_is_kept(client, provider):
    before = stored_rows()

    response = client.post(URL, valid(website="https://spam.example.com"))

    assert response.status_code == 400
    assert stored_rows() == before


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client, provider):
    page = client.get(URL).content.decode()

    honeypot = re.search(r'<div class="hp" aria-hidden="true">.*?</div>', page, re.S).group(0)
    assert 'name="website"' in honeypot
    assert 'tabindex="-1"' in honeypot
    assert 'autocomplete="off"' in honeypot


def test_a_post_without_the_csrf_token_is_refused(provider):
    before = stored_rows()

    response = Client(enforce_csrf_checks=True).post(URL, valid())

    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()
    assert stored_rows() == before


def test_the_form_carries_a_csrf_token_and_posts_it(provider):
    client = Client(enforce_csrf_checks=True)
    page = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(URL, {**valid(), "csrfmiddlewaretoken": token})

    assert response.status_code == 302


def test_filings_are_limited_per_client_address(client, provider, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "2/600"}
    client.post(URL, valid())
    client.post(URL, valid(description=""))
    before = stored_rows()

    response = client.post(URL, valid())

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "尝试次数过多" in response.content.decode()
    assert stored_rows() == before
    other_address = client.post(URL, valid(), REMOTE_ADDR="198.51.100.7")
    assert other_address.status_code == 302


def test_without_a_provider_the_form_says_filing_is_not_open(client, db):
    assert client.get(URL).status_code == 503
