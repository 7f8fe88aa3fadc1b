"""Filing a complaint or report through the public API."""

from __future__ import annotations

import json

import pytest

from accounts.models import Organisation
from cases.eventstore import Event
from cases.evidence import MAX_EVIDENCE_BYTES
from cases.models import Case, DataSubject, Evidence
from cases.references import is_reference, token_matches
from tests.api.conftest import COMPLAINT, COMPLAINTS, png, saved_counts, upload

pytestmark = pytest.mark.django_db


# --- Filing ---------------------------------------------------------------------------------


def test_a_json_complaint_is_filed_and_answers_with_its_reference_and_private_link(api, provider, settings):
    settings.PUBLIC_BASE_URL = "https://tracker.example.com"

    response = api.post(COMPLAINTS, COMPLAINT, format="json")

    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert is_reference(body["reference"])
    assert token_matches(body["tracking_token"], case.tracking.token_hash)
    assert body["tracking_url"] == f"https://tracker.example.com/track/{case.reference}/#{body['tracking_token']}"
    assert (body["state"], body["state_label"]) == ("submitted", "Submitted")
    assert body["first_response_due_at"] and body["resolution_due_at"]
    assert (case.organisation, case.category, case.details["content_urls"]) == (
        provider,
        "unlabelled_synthetic",
        ["https://video.example.com/v/1"],
    )
    [event] = Event.objects.filter(stream_id=case.id)
    assert event.type == "complaint.submitted"
    assert event.metadata["actor"] == {"role": "public", "user_id": None}
    assert event.metadata["request_id"] == response["X-Request-ID"]


def test_contact_details_with_consent_are_kept_apart_from_the_log(api, provider):
    response = api.post(
        COMPLAINTS,
        {**COMPLAINT, "contact_name": "张三", "contact_email": "zhang.san@example.com", "consent": True},
        format="json",
    )

    assert response.status_code == 201
    subject = DataSubject.objects.get()
    case = Case.objects.get(reference=response.json()["reference"])
    assert (case.subject_id, subject.email, subject.language) == (subject.id, "zhang.san@example.com", "en")


def test_a_multipart_complaint_carries_evidence_files(api, provider):
    picture = png()

    response = api.post(
        COMPLAINTS,
        {
            "category": "face_voice_without_consent",
            "description": "My face is in this clip.",
            "content_urls": ["https://video.example.com/v/1", "https://video.example.com/v/2"],
            "evidence": [upload("screenshot.png", picture), upload("second.png", png((16, 16)))],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.details["content_urls"] == ["https://video.example.com/v/1", "https://video.example.com/v/2"]
    assert sorted(Evidence.objects.filter(case=case).values_list("original_name", flat=True)) == [
        "screenshot.png",
        "second.png",
    ]
    types = list(Event.objects.filter(stream_id=case.id).order_by("stream_version").values_list("type", flat=True))
    assert types.count("case.evidence_added") == 2


# --- Which provider ---------------------------------------------------------------------------


def test_a_provider_named_by_its_short_name_gets_the_filing(api, provider, other_provider):
    response = api.post(COMPLAINTS, {**COMPLAINT, "provider": "other"}, format="json")

    assert response.status_code == 201
    assert Case.objects.get().organisation == other_provider


def test_with_several_providers_the_filer_must_name_one(api, provider, other_provider):
    before = saved_counts()

    response = api.post(COMPLAINTS, COMPLAINT, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"provider": ["Name the service provider this is about (its short name)."]}
    assert saved_counts() == before


def test_an_unknown_or_regulator_short_name_is_refused(api, provider):
    Organisation.objects.create(slug="cac", name="Regulator", kind=Organisation.Kind.REGULATOR)

    for slug in ("nobody", "cac"):
        response = api.post(COMPLAINTS, {**COMPLAINT, "provider": slug}, format="json")

        assert response.status_code == 400
        assert response.json()["errors"] == {"provider": [f"No service provider has the short name “{slug}”."]}
    assert not Case.objects.exists()


# --- Bad input: the right status, a message on the field, nothing saved ---------------------


def _without(*names):
    return {k: v for k, v in COMPLAINT.items() if k not in names}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        pytest.param(_without("category"), "category", "This field is required.", id="missing-category"),
        pytest.param(_without("description"), "description", "This field is required.", id="missing-description"),
        pytest.param({**COMPLAINT, "description": "   "}, "description", "This field may not be blank.", id="blank"),
        pytest.param(
            {**COMPLAINT, "category": "deepfake"}, "category", '"deepfake" is not a valid choice.', id="category"
        ),
        pytest.param(
            {**COMPLAINT, "description": "x" * 100_000},
            "description",
            "Ensure this field has no more than 5000 characters.",
            id="100k-description",
        ),
        pytest.param(
            {**COMPLAINT, "content_urls": ["ftp://files.example.com/a"]},
            "content_urls",
            "“ftp://files.example.com/a” is not a valid web address (http or https).",
            id="ftp-url",
        ),
        pytest.param(
            {**COMPLAINT, "content_urls": ["https://ok.example.com/", "not a url"]},
            "content_urls",
            "“not a url” is not a valid web address (http or https).",
            id="malformed-url",
        ),
        pytest.param(
            {**COMPLAINT, "content_urls": ["https://example.com/" + "a" * 2000]},
            "content_urls",
            f"“{('https://example.com/' + 'a' * 2000)[:100]}…” is longer than 2000 characters.",
            id="url-too-long",
        ),
        pytest.param(
            {**COMPLAINT, "content_urls": [f"https://example.com/{i}" for i in range(11)]},
            "content_urls",
            "At most 10 web addresses.",
            id="eleven-urls",
        ),
        pytest.param(
            {**COMPLAINT, "content_urls": "https://example.com/"},
            "content_urls",
            'Expected a list of items but got type "str".',
            id="urls-not-a-list",
        ),
        pytest.param(
            {**COMPLAINT, "contact_email": "someone@example.com"},
            "consent",
            "To be contacted you must agree to the processing of your contact details.",
            id="contact-without-consent",
        ),
        pytest.param(
            {**COMPLAINT, "contact_email": "not-an-address", "consent": True},
            "contact_email",
            "Enter a valid e-mail address.",
            id="bad-email",
        ),
    ],
)
def test_bad_json_input_is_refused_on_its_field_and_nothing_is_saved(api, provider, body, field, message):
    before = saved_counts()

    response = api.post(COMPLAINTS, body, format="json")

    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid"
    assert message in answer["errors"][field]
    assert field in answer["detail"]
    assert saved_counts() == before


def test_an_oversize_file_is_refused_by_name(api, provider):
    before = saved_counts()
    big = png() + b"\x00" * MAX_EVIDENCE_BYTES

    response = api.post(COMPLAINTS, {**COMPLAINT, "evidence": [upload("big.png", big)]}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == {"evidence": ["“big.png” is larger than 10 MB."]}
    assert saved_counts() == before


def test_an_executable_disguised_as_a_picture_is_refused(api, provider):
    before = saved_counts()
    executable = b"MZ\x90\x00" + b"\x00" * 200

    response = api.post(
        COMPLAINTS,
        {**COMPLAINT, "evidence": [upload("ok.png", png()), upload("holiday.jpg", executable)]},
        format="multipart",
    )

    assert response.status_code == 400
    [message] = response.json()["errors"]["evidence"]
    assert message.startswith("“holiday.jpg” is not a kind of file we accept.")
    assert saved_counts() == before


def test_six_files_are_one_too_many(api, provider):
    before = saved_counts()

    response = api.post(
        COMPLAINTS,
        {**COMPLAINT, "evidence": [upload(f"{i}.png", png()) for i in range(6)]},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"evidence": ["At most 5 files."]}
    assert saved_counts() == before


def test_a_file_sent_as_json_text_is_not_a_file(api, provider):
    response = api.post(COMPLAINTS, {**COMPLAINT, "evidence": ["aGVsbG8="]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["evidence"] == [
        "The submitted data was not a file. Check the encoding type on the form."
    ]


@pytest.mark.parametrize(
    "raw", [b'{"category": "other", "description": ', b"\xff\xfe not json", b"[1, 2"], ids=["cut", "bytes", "list"]
)
def test_malformed_json_is_a_400_that_says_so_and_saves_nothing(api, provider, raw):
    before = saved_counts()

    response = api.post(COMPLAINTS, raw, content_type="application/json")

    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "parse_error"
    assert answer["detail"].startswith("JSON parse error")
    assert saved_counts() == before


def test_a_json_body_that_is_not_an_object_is_refused(api, provider):
    response = api.post(COMPLAINTS, json.dumps([COMPLAINT]), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_an_unsupported_media_type_and_a_wrong_method_answer_with_detail_and_code(api, provider):
    xml = api.post(COMPLAINTS, "<complaint/>", content_type="application/xml")
    get = api.get(COMPLAINTS)

    assert (xml.status_code, xml.json()["code"]) == (415, "unsupported_media_type")
    assert (get.status_code, get.json()["code"]) == (405, "method_not_allowed")
    assert xml.json()["detail"] and get.json()["detail"]


def test_an_unknown_api_address_answers_in_the_api_error_shape(api):
    response = api.post("/api/v1/public/nothing-here/", {}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
