"""Orders and their files through the workspace forms: the regulator's attachments and the
provider's evidence of rectification, kept as the order's files, downloadable by both parties
and by nobody else; a bad file refused with nothing written."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Organisation, Role
from cases.models import Case, Evidence
from tests.conftest import make_staff
from tests.web.conftest import png_upload, stored_rows

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def regulator(provider):
    regulator = Organisation.objects.create(slug="cac", name="Regulator", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(provider)
    return regulator


@pytest.fixture
def officer(regulator) -> Client:
    client = Client()
    client.force_login(make_staff(regulator, "officer", Role.REGULATOR_OFFICER))
    return client


@pytest.fixture
def agent_client(agent_user) -> Client:
    client = Client()
    client.force_login(agent_user)
    return client


def issue_form(**changes) -> dict:
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    return {
        "open-provider": "provider",
        "open-legal_basis": "article_16",
        "open-title": "Synthetic videos without labels",
        "open-findings": "Spot checks found synthetic videos without their label.",
        "open-required_measures": "Label every synthetic video.",
        "open-deadline": deadline,
        "open-suspend_information_updates": "no",
        "open-suspend_user_registration": "yes",
        **changes,
    }


def download_links(page: str) -> set[str]:
    """The files a case page offers (each is linked from the table of files and the history)."""
    return set(re.findall(r'href="(/staff/cases/[0-9a-f-]+/evidence/[0-9a-f-]+/)"', page))


def test_the_issue_form_keeps_the_attachment_and_both_parties_download_it(
    officer, agent_client, other_provider, provider
):
    form = officer.get("/staff/open/rectification_order/", **ENGLISH).content.decode()
    assert 'enctype="multipart/form-data"' in form

    response = officer.post(
        "/staff/open/rectification_order/", {**issue_form(), "open-attachments": [png_upload("record.png")]}
    )

    order = Case.objects.get(kind="rectification_order")
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{order.id}/"
    assert Evidence.objects.get(case=order).original_name == "record.png"
    for client in (officer, agent_client):
        page = client.get(f"/staff/cases/{order.id}/", **ENGLISH).content.decode()
        [link] = download_links(page)
        download = client.get(link)
        assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")

    stranger = Client()
    elsewhere = Organisation.objects.create(slug="cac-b", name="Regulator B", kind=Organisation.Kind.REGULATOR)
    stranger.force_login(make_staff(elsewhere, "officer-b", Role.REGULATOR_OFFICER))
    assert stranger.get(link).status_code == 404
    stranger.force_login(make_staff(other_provider, "other-agent"))
    assert stranger.get(link).status_code == 404


def test_a_file_that_is_not_what_it_claims_refuses_the_order_and_writes_nothing(officer):
    before = stored_rows()
    disguised = SimpleUploadedFile("record.png", b"MZ\x90\x00 not a picture", content_type="image/png")

    response = officer.post("/staff/open/rectification_order/", {**issue_form(), "open-attachments": [disguised]})

    assert response.status_code == 400
    assert "record.png" in response.content.decode()
    assert stored_rows() == before


def test_the_provider_submits_its_rectification_with_a_file(officer, agent_client):
    officer.post("/staff/open/rectification_order/", issue_form())
    order = Case.objects.get(kind="rectification_order")
    acknowledged = agent_client.post(
        f"/staff/cases/{order.id}/actions/acknowledge/", {"action-acknowledge-expected_version": 1}
    )
    assert acknowledged.status_code == 302

    submitted = agent_client.post(
        f"/staff/cases/{order.id}/actions/submit/",
        {
            "action-submit-expected_version": 2,
            "action-submit-summary": "Every video is labelled.",
            "action-submit-attachments": [png_upload("labelled.png")],
        },
    )

    assert submitted.status_code == 302, submitted.content.decode()[:2000]
    order.refresh_from_db()
    assert order.state == "submitted"
    assert Evidence.objects.get(case=order).original_name == "labelled.png"
    page = officer.get(f"/staff/cases/{order.id}/", **ENGLISH).content.decode()
    assert len(download_links(page)) == 1
    assert "Accept the rectification" in page and "Add an internal note" not in page
