"""Evidence through the command layer: kept, hashed, recorded, and its synthetic label read."""

import hashlib
import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from cases import commands
from cases.errors import CommandInvalid
from cases.eventstore import Event
from cases.models import Case, DataSubject, Evidence

pytestmark = pytest.mark.django_db

AIGC = {"Label": "1", "ContentProducer": "001191330000000000", "ProduceID": "gen-42", "ContentPropagator": ""}


def _png(label=None, colour=(200, 30, 30)):
    info = PngInfo()
    if label is not None:
        info.add_itxt("AIGC", json.dumps(label))
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def _events(case, event_type):
    return [e.data for e in Event.objects.filter(stream_id=case.id, type=event_type).order_by("stream_version")]


def test_evidence_is_kept_outside_the_web_root_and_recorded_by_hash(submit_complaint):
    content = _png()
    case = submit_complaint(evidence=[SimpleUploadedFile("我的截图.png", content, "text/plain")]).case

    [evidence] = Evidence.objects.filter(case=case)
    [added] = _events(case, "case.evidence_added")
    assert added == {
        "evidence_id": str(evidence.id),
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "content_type": "image/png",  # sniffed from the bytes, not the declared text/plain
    }
    stored = settings.EVIDENCE_ROOT / evidence.storage_path
    assert stored.read_bytes() == content
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    assert "我的截图" not in json.dumps(added, ensure_ascii=False)  # the name may identify the filer
    assert evidence.original_name == "我的截图.png"


def test_a_synthetic_content_label_in_the_evidence_is_recorded_in_the_history(submit_complaint):
    labelled = SimpleUploadedFile("generated.png", _png(AIGC))
    clean = SimpleUploadedFile("photo.png", _png(colour=(0, 0, 0)))

    case = submit_complaint(evidence=[labelled, clean]).case

    found, not_found = _events(case, "case.synthetic_label_checked")
    assert found["found"] is True
    assert (found["label"], found["label_meaning"]) == ("1", "generated")
    assert (found["content_producer"], found["produce_id"]) == ("001191330000000000", "gen-42")
    assert not_found["found"] is False
    assert not_found["label"] is None
    assert Case.objects.get(pk=case.id).version == 5  # submitted + 2 × (added, label checked)
    checker = Event.objects.filter(stream_id=case.id, type="case.synthetic_label_checked").first()
    assert checker.metadata["actor"]["role"] == "system"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([SimpleUploadedFile("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 200)], "photo.jpg"),
        ([SimpleUploadedFile(f"p{i}.png", _png()) for i in range(6)], "5"),
        ([SimpleUploadedFile("empty.png", b"")], "empty.png"),
    ],
)
def test_bad_evidence_is_refused_before_anything_is_written(submit_complaint, files, expected):
    before = (Event.objects.count(), Case.objects.count(), Evidence.objects.count(), DataSubject.objects.count())
    with pytest.raises(CommandInvalid) as refused:
        submit_complaint(evidence=files, contact_email="a@example.com", consent=True)
    assert expected in refused.value.errors["evidence"][0]
    assert (
        Event.objects.count(),
        Case.objects.count(),
        Evidence.objects.count(),
        DataSubject.objects.count(),
    ) == before
    assert not any(settings.EVIDENCE_ROOT.rglob("*"))


def test_the_complainant_can_add_evidence_with_an_answer(submit_complaint, agent):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case.id, actor=agent, expected_version=3, question="Proof?")
    from accounts.actors import Actor

    commands.complaint_receive_information(
        case_id=case.id,
        actor=Actor.public(tracked_case_ids=frozenset({case.id})),
        expected_version=4,
        text="Here.",
        evidence=[SimpleUploadedFile("proof.png", _png(AIGC))],
    )
    assert Evidence.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.id).state == "investigating"
    assert _events(case, "case.synthetic_label_checked")[0]["found"] is True
