"""Evidence files reach only staff of the case's organisation, as downloads that no browser
renders or runs."""

from __future__ import annotations

import uuid

import pytest

from cases.models import Evidence
from tests.conftest import make_staff
from tests.web.conftest import png_bytes, png_upload


@pytest.fixture
def evidence(submit_complaint) -> Evidence:
    case = submit_complaint(evidence=[png_upload("<script>alert(1)</script>.png")]).case
    return Evidence.objects.get(case=case)


def url(evidence: Evidence, *, case_id=None, evidence_id=None) -> str:
    return f"/staff/cases/{case_id or evidence.case_id}/evidence/{evidence_id or evidence.id}/"


def test_staff_of_the_organisation_download_it_as_an_attachment_of_no_particular_type(client, evidence, agent_user):
    client.force_login(agent_user)

    response = client.get(url(evidence))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == png_bytes()


def test_staff_of_another_organisation_get_not_found(client, evidence, other_provider):
    client.force_login(make_staff(other_provider, "elsewhere"))

    assert client.get(url(evidence)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, evidence):
    response = client.get(url(evidence))

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_a_member_of_the_public_tracking_the_case_cannot_download(client, submit_complaint):
    submission = submit_complaint(evidence=[png_upload()])
    evidence = Evidence.objects.get(case=submission.case)
    client.post(f"/track/{submission.case.reference}/", {"token": submission.tracking_token})

    response = client.get(url(evidence))

    assert response.status_code == 302


def test_an_evidence_id_of_another_case_is_not_found(client, evidence, submit_complaint, agent_user):
    other_case = submit_complaint().case
    client.force_login(agent_user)

    assert client.get(url(evidence, case_id=other_case.id)).status_code == 404
    assert client.get(url(evidence, evidence_id=uuid.uuid4())).status_code == 404


def test_a_file_missing_from_the_store_is_not_found(client, evidence, agent_user, settings):
    (settings.EVIDENCE_ROOT / evidence.storage_path).unlink()
    client.force_login(agent_user)

    assert client.get(url(evidence)).status_code == 404
