"""Shared set-up of the public API tests: evidence kept in a temporary folder, a client that
speaks JSON, and the counts that prove nothing was saved."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from accounts.actors import Actor
from cases import commands
from cases.eventstore import Event
from cases.models import Case, DataSubject, Evidence, IdempotencyRecord
from notifications.models import OutboxMessage, StaffMailSettings

COMPLAINTS = "/api/v1/public/complaints/"
APPEALS = "/api/v1/public/appeals/"
TRACK = "/api/v1/public/track/"
INFORMATION = "/api/v1/public/track/information/"


@pytest.fixture(autouse=True)
def _evidence_in_a_temporary_folder(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def api() -> APIClient:
    return APIClient(headers={"Accept-Language": "en"})


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> io.BytesIO:
    """A file for a multipart body, as a browser would send it."""
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def saved_counts() -> dict[str, int]:
    return {
        "events": Event.objects.count(),
        "cases": Case.objects.count(),
        "data_subjects": DataSubject.objects.count(),
        "evidence": Evidence.objects.count(),
        "idempotency_records": IdempotencyRecord.objects.count(),
        "outbox_messages": OutboxMessage.objects.count(),
        "staff_mail_settings": StaffMailSettings.objects.count(),
    }


COMPLAINT = {
    "category": "unlabelled_synthetic",
    "description": "A synthetic video with no label.",
    "content_urls": ["https://video.example.com/v/1"],
}


@pytest.fixture
def filed(api, provider):
    """File a complaint through the API; returns the 201 body."""

    def file(**overrides):
        response = api.post(COMPLAINTS, {**COMPLAINT, **overrides}, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return file


@pytest.fixture
def awaiting_information(filed, agent):
    """A complaint filed through the API, then asked a question by staff: (filing, case)."""
    filing = filed()
    case = Case.objects.get(reference=filing["reference"])
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_request_information(
        case_id=case.id, actor=agent, expected_version=3, question="Which second shows the face?"
    )
    return filing, Case.objects.get(pk=case.id)


def decided(reference: str, agent: Actor, *, violation: bool) -> None:
    """Take a filed complaint to a decision: a violation with one measure, or a rejection."""
    case = Case.objects.get(reference=reference)
    if not violation:
        commands.complaint_reject(case_id=case.id, actor=agent, expected_version=1, reason="invalid", explanation="No.")
        return
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_resolve(
        case_id=case.id,
        actor=agent,
        expected_version=3,
        outcome="violation",
        measures=["content_removed"],
        summary="The video was removed.",
    )
