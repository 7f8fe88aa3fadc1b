"""An evidence file changed on disk after it was received is never served as the evidence."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.conf import settings

from cases.models import Evidence
from tests.web.conftest import png_bytes, png_upload


@pytest.fixture
def evidence(submit_complaint) -> Evidence:
    case = submit_complaint(evidence=[png_upload()]).case
    return Evidence.objects.get(case=case)


def url(evidence: Evidence) -> str:
    return f"/staff/cases/{evidence.case_id}/evidence/{evidence.id}/"


def test_an_altered_file_is_refused_with_a_clear_message_and_logged(client, evidence, agent_user, caplog):
    stored = Path(settings.EVIDENCE_ROOT) / evidence.storage_path
    stored.write_bytes(png_bytes()[:-4] + b"EVIL")
    client.force_login(agent_user)
    client.cookies["django_language"] = "en"

    with caplog.at_level(logging.ERROR):
        response = client.get(url(evidence))

    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "no longer matches the checksum (SHA-256)" in response.content.decode()
    assert b"EVIL" not in response.content
    logged = [r for r in caplog.records if "evidence file altered" in r.getMessage()]
    assert logged and str(evidence.id) in logged[0].getMessage()


def test_a_truncated_file_is_refused_too(client, evidence, agent_user):
    stored = Path(settings.EVIDENCE_ROOT) / evidence.storage_path
    stored.write_bytes(b"")
    client.force_login(agent_user)

    response = client.get(url(evidence))

    assert response.status_code == 409
    assert "SHA-256" in response.content.decode()


def test_an_intact_file_is_served_whole(client, evidence, agent_user):
    client.force_login(agent_user)

    response = client.get(url(evidence))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
