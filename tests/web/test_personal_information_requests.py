"""Personal-information requests through the pages: filed by the holder of a case's private
link (and by nobody else), opened by staff from a case, taken through each step, refused only
with a reason and then appealable, the export of everything held about the person (and about
nobody else), and the masked personal data that staff reveal by a recorded choice."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import translation

from accounts.actors import Actor
from accounts.models import Role
from cases import commands
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.models import Case, DataSubject
from cases.workflows.personal_information_request import RequestEvent
from tests.conftest import make_staff
from tests.web.conftest import png_upload, stored_rows

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

# What one person gave, each string found nowhere else.
ALICE = {
    "contact_name": "Zhang Alicewen",
    "contact_email": "alice.unique-7731@example.com",
    "contact_phone": "+86 139 7731 0001",
    "description": "Alice's account of the deepfake, marker AQUAMARINE-7731.",
}
# Another person, whose data must never appear in Alice's export.
BOB = {
    "contact_name": "Wang Bobrecht",
    "contact_email": "bob.unique-4410@example.com",
    "contact_phone": "+86 137 4410 0002",
    "description": "Bob's own report, marker VERMILION-4410.",
}
INTERNAL_NOTE = "Internal: checked with legal, marker OCHRE-9921."


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def file_complaint(submit_complaint, person: dict, **extra):
    return submit_complaint(
        description=person["description"],
        contact_name=person["contact_name"],
        contact_email=person["contact_email"],
        contact_phone=person["contact_phone"],
        consent=True,
        **extra,
    )


def track(client: Client, submission) -> None:
    response = client.post(f"/track/{submission.case.reference}/", {"token": submission.tracking_token})
    assert response.status_code == 302


def request_form(reference: str) -> str:
    return f"/track/{reference}/personal-information/"


def file_request(client: Client, reference: str, request_type: str = "access", text: str = "", **headers):
    return client.post(request_form(reference), {"request_type": request_type, "request_text": text}, **headers)


def requests_about(case: Case) -> list[Case]:
    return list(Case.objects.filter(kind="personal_information_request", details__source_case_id=str(case.id)))


def form_data(prefix: str, version: int, **fields) -> dict[str, object]:
    return {f"{prefix}-expected_version": version, **{f"{prefix}-{name}": value for name, value in fields.items()}}


def act(client: Client, case: Case, action: str, **fields):
    version = Case.objects.get(pk=case.pk).version
    return client.post(
        f"/staff/cases/{case.id}/actions/{action}/", form_data(f"action-{action}", version, **fields), **ENGLISH
    )


@pytest.fixture
def alice(submit_complaint):
    return file_complaint(submit_complaint, ALICE)


@pytest.fixture
def staff_client(agent_user):
    client = Client()
    client.force_login(agent_user)
    return client


# --- Filing from the tracking page ----------------------------------------------------------


def test_the_link_holder_files_a_request_and_gets_a_reference_and_a_link_of_its_own(client, alice):
    track(client, alice)
    page = client.get(f"/track/{alice.case.reference}/", **ENGLISH).content.decode()
    assert f'href="{request_form(alice.case.reference)}"' in page

    form = client.get(request_form(alice.case.reference), **ENGLISH)
    assert form.status_code == 200
    assert 'name="request_type" value="deletion"' in form.content.decode()

    response = file_request(client, alice.case.reference, "access", "Everything, please.", **ENGLISH)

    assert response.status_code == 302
    request = requests_about(alice.case)[0]
    assert response["Location"] == f"/filed/{request.reference}/"
    assert request.reference.startswith("P-")
    assert request.subject_id == alice.case.subject_id  # the same person, not a copy of them
    assert request.state == "received" and request.category == "access"
    confirmation = client.get(response["Location"], **ENGLISH).content.decode()
    assert request.reference in confirmation and f"/track/{request.reference}/#" in confirmation
    # Both cases record the link between them.
    assert [link["reference"] for link in request.details["links"]] == [alice.case.reference]
    assert request.reference in [link["reference"] for link in Case.objects.get(pk=alice.case.pk).details["links"]]
    # Its own tracking page shows its 15-working-day limit.
    own = client.get(f"/track/{request.reference}/", **ENGLISH).content.decode()
    assert "Received" in own and "Due by" in own


def test_without_the_private_link_there_is_no_form_and_nothing_is_filed(client, alice):
    before = stored_rows()

    assert client.get(request_form(alice.case.reference))["Location"] == f"/track/{alice.case.reference}/"
    response = file_request(client, alice.case.reference, "deletion")

    assert response.status_code == 302 and response["Location"] == f"/track/{alice.case.reference}/"
    assert stored_rows() == before
    assert requests_about(alice.case) == []


def test_the_link_of_one_case_files_nothing_about_another(client, alice, submit_complaint):
    bob = file_complaint(submit_complaint, BOB)
    track(client, alice)

    response = file_request(client, bob.case.reference, "access")

    assert response.status_code == 302 and response["Location"] == f"/track/{bob.case.reference}/"
    assert requests_about(bob.case) == []


def test_an_anonymous_filer_may_ask_for_their_own_text(client, submit_complaint):
    # No contact details, but the filer's own words are held, sealed under a key of their own.
    anonymous = submit_complaint()
    assert anonymous.case.subject_id is not None
    track(client, anonymous)

    assert (
        "we hold no personal information"
        not in client.get(request_form(anonymous.case.reference), **ENGLISH).content.decode()
    )
    response = file_request(client, anonymous.case.reference, "access", **ENGLISH)

    assert response.status_code == 302
    [request] = requests_about(anonymous.case)
    assert request.subject_id == anonymous.case.subject_id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"request_type": "everything"}, "request_type"),
        ({"request_type": ""}, "request_type"),
        ({"request_type": "access", "request_text": "x" * 5001}, "request_text"),
        ({"request_type": "access", "request_text": "nul \x00 inside"}, "request_text"),
        ({"request_type": ["access", "copy"], "request_text": {"nested": "no"}}, None),
    ],
)
def test_hostile_input_is_refused_with_a_message_and_nothing_is_stored(client, alice, fields, field):
    track(client, alice)
    before = stored_rows()

    response = client.post(request_form(alice.case.reference), fields, **ENGLISH)

    assert response.status_code in (200, 302, 400)
    if field is not None:
        assert response.status_code == 400
        assert re.search(rf'id="id_{field}(_0)?_error"|class="field-error"', response.content.decode())
        assert stored_rows() == before
    assert all(r.category in ("access", "copy") for r in requests_about(alice.case))


def test_a_second_request_of_the_same_type_while_one_is_handled_is_refused(client, alice):
    track(client, alice)
    assert file_request(client, alice.case.reference, "copy").status_code == 302
    track(client, alice)

    response = file_request(client, alice.case.reference, "copy", **ENGLISH)

    assert response.status_code == 400
    assert "already being handled" in response.content.decode()
    assert len(requests_about(alice.case)) == 1


def test_filing_is_rate_limited_like_other_public_forms(client, alice, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "1/600"}
    track(client, alice)
    assert file_request(client, alice.case.reference, "access").status_code == 302
    track(client, alice)

    response = file_request(client, alice.case.reference, "copy", **ENGLISH)

    assert response.status_code == 429
    assert len(requests_about(alice.case)) == 1


# --- Staff: opening, and every step ---------------------------------------------------------


def test_staff_open_a_request_from_the_complaint_for_its_filer(staff_client, alice):
    complaint = alice.case
    page = staff_client.get(
        f"/staff/cases/{complaint.id}/?form=open-personal_information_request", **ENGLISH
    ).content.decode()
    assert f'action="/staff/cases/{complaint.id}/open/personal_information_request/"' in page

    response = staff_client.post(
        f"/staff/cases/{complaint.id}/open/personal_information_request/",
        form_data(
            "open-personal_information_request",
            complaint.version,
            request_type="copy",
            request_text="Asked at the counter.",
        ),
        **ENGLISH,
    )

    request = requests_about(complaint)[0]
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{request.id}/"
    assert request.subject_id == complaint.subject_id
    assert request.category == "copy" and request.state == "received"


def _request(client: Client, submission, request_type: str) -> Case:
    track(client, submission)
    assert file_request(client, submission.case.reference, request_type).status_code == 302
    return next(r for r in requests_about(submission.case) if r.category == request_type)


def test_each_step_of_an_access_request_and_the_export_it_produces(client, staff_client, alice):
    request = _request(client, alice, "access")
    assert client.get(f"/track/{request.reference}/export.json").status_code == 404  # not before it is fulfilled

    assert act(staff_client, request, "start").status_code == 302
    assert Case.objects.get(pk=request.pk).state == "in_progress"
    assert act(staff_client, request, "fulfil", note="Here it is.").status_code == 302
    assert Case.objects.get(pk=request.pk).state == "fulfilled"

    # The browser that filed the request follows it already (filing grants that).
    page = client.get(f"/track/{request.reference}/", **ENGLISH).content.decode()
    assert f'href="/track/{request.reference}/export.json"' in page
    assert f'href="/track/{request.reference}/export/"' in page
    download = client.get(f"/track/{request.reference}/export.json")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.content)["subject"]["email"] == ALICE["contact_email"]

    assert act(staff_client, request, "close").status_code == 302
    assert Case.objects.get(pk=request.pk).state == "closed"


def test_a_correction_updates_the_persons_details_and_the_event_holds_no_value(client, staff_client, alice):
    request = _request(client, alice, "correction")
    act(staff_client, request, "start")

    response = act(staff_client, request, "record_correction", detail="email", value="alice.new-5512@example.com")

    assert response.status_code == 302
    assert DataSubject.objects.get(pk=alice.case.subject_id).email == "alice.new-5512@example.com"
    event = Event.objects.filter(stream_id=request.id).order_by("-stream_version").first()
    assert event.type == RequestEvent.CORRECTION_RECORDED and event.data == {"detail": "email"}
    assert "alice.new-5512" not in json.dumps(event.data) + json.dumps(event.metadata)


def test_a_correction_to_an_invalid_address_is_refused_and_nothing_changes(client, staff_client, alice):
    request = _request(client, alice, "correction")
    act(staff_client, request, "start")
    version = Case.objects.get(pk=request.pk).version

    response = act(staff_client, request, "record_correction", detail="email", value="not an address")

    assert response.status_code == 400
    assert DataSubject.objects.get(pk=alice.case.subject_id).email == ALICE["contact_email"]
    assert Case.objects.get(pk=request.pk).version == version


def test_a_correction_is_not_offered_on_other_requests(client, staff_client, alice):
    request = _request(client, alice, "access")
    act(staff_client, request, "start")

    response = act(staff_client, request, "record_correction", detail="name", value="Someone")

    assert response.status_code == 409
    assert "Only a request to correct" in response.content.decode()


def test_withdrawing_consent_is_recorded_on_the_person(client, staff_client, alice):
    request = _request(client, alice, "withdrawal")
    act(staff_client, request, "start")

    assert act(staff_client, request, "fulfil").status_code == 302

    assert DataSubject.objects.get(pk=alice.case.subject_id).consent_withdrawn_at is not None


def test_fulfilling_a_deletion_erases_the_person(client, staff_client, alice, provider):
    request = _request(client, alice, "deletion")
    act(staff_client, request, "start")
    supervisor = Client()
    supervisor.force_login(make_staff(provider, "eraser", role=Role.SUPERVISOR))

    # Erasing is a supervisor's decision: an agent's fulfilment is refused and changes nothing.
    refused = act(staff_client, request, "fulfil")
    assert refused.status_code == 403
    assert Case.objects.get(pk=request.pk).state == "in_progress"
    assert not DataSubject.objects.get(pk=alice.case.subject_id).erased

    assert act(supervisor, request, "fulfil").status_code == 302

    assert Case.objects.get(pk=request.pk).state == "fulfilled"
    subject = DataSubject.objects.get(pk=alice.case.subject_id)
    assert subject.erased and subject.email == ""
    for case_id in (alice.case.id, request.id):
        assert Event.objects.filter(stream_id=case_id, type=CaseEvent.SUBJECT_ERASED).exists()


def test_a_refusal_needs_a_reason_and_is_appealable_and_an_overturn_reopens_it(client, staff_client, alice, provider):
    request = _request(client, alice, "copy")
    act(staff_client, request, "start")

    refused = act(staff_client, request, "refuse", reason="")
    assert refused.status_code == 400
    assert Case.objects.get(pk=request.pk).state == "in_progress"
    assert act(staff_client, request, "refuse", reason="The law keeps it from you (article 47).").status_code == 302
    assert Case.objects.get(pk=request.pk).state == "refused"

    page = client.get(f"/track/{request.reference}/", **ENGLISH).content.decode()
    assert "article 47" in page
    assert f'href="/track/{request.reference}/appeal/"' in page
    response = client.post(f"/track/{request.reference}/appeal/", {"statement": "The law does not apply."})
    assert response.status_code == 302
    appeal = Case.objects.get(kind="appeal", related_case_id=request.id)
    assert appeal.subject_id == alice.case.subject_id

    # Someone other than the person who refused reviews the appeal; overturning it reopens the request.
    reviewer = Client()
    reviewer.force_login(make_staff(provider, "reviewer", role=Role.SUPERVISOR))
    assert act(reviewer, appeal, "start_review").status_code == 302
    assert act(reviewer, appeal, "overturn", reason="A copy is owed.").status_code == 302
    assert Case.objects.get(pk=request.pk).state == "in_progress"
    assert Event.objects.filter(stream_id=request.id, type=RequestEvent.REOPENED).exists()


# --- The export: everything the person gave, nothing about anyone else ----------------------


def test_the_export_holds_everything_the_person_gave_and_nothing_about_anyone_else(
    client, staff_client, submit_complaint, agent_user, provider
):
    alice = file_complaint(submit_complaint, ALICE, evidence=[png_upload("alice-screenshot-7731.png")])
    bob = file_complaint(submit_complaint, BOB, evidence=[png_upload("bob-screenshot-4410.png")])
    agent = Actor.for_user(agent_user)
    commands.case_note_add(case_id=alice.case.id, actor=agent, expected_version=alice.case.version, note=INTERNAL_NOTE)
    commands.case_claim(case_id=alice.case.id, actor=agent, expected_version=Case.objects.get(pk=alice.case.pk).version)
    request = _request(client, alice, "access")
    act(staff_client, request, "start")
    act(staff_client, request, "fulfil")

    exported = client.get(f"/track/{request.reference}/export.json").content.decode("utf-8")
    page = client.get(f"/track/{request.reference}/export/", **ENGLISH).content.decode()

    for text in (exported, page):
        for given in (*ALICE.values(), alice.case.reference, "alice-screenshot-7731.png"):
            assert given in text or given.replace("'", "&#x27;") in text, given
        for foreign in (*BOB.values(), bob.case.reference, "bob-screenshot-4410.png", INTERNAL_NOTE, "OCHRE"):
            assert foreign not in text, foreign
        assert agent_user.username not in re.sub(r"<[^>]+>", " ", text).split()  # no member of staff
        assert "reviewer" not in text
    data = json.loads(exported)
    references = [item["reference"] for item in data["cases"]]
    assert references == [alice.case.reference, request.reference]
    files = data["cases"][0]["files"]
    assert [f["name"] for f in files] == ["alice-screenshot-7731.png"] and len(files[0]["sha256"]) == 64


def test_another_browser_cannot_download_the_export(client, staff_client, alice):
    request = _request(client, alice, "copy")
    act(staff_client, request, "start")
    act(staff_client, request, "fulfil")

    stranger = Client()
    assert stranger.get(f"/track/{request.reference}/export.json").status_code == 404
    assert stranger.get(f"/track/{request.reference}/export/").status_code == 404


# --- Masked personal data, revealed by a recorded choice ------------------------------------


def test_staff_see_personal_data_masked_until_they_reveal_it_and_the_reveal_is_recorded(
    client, staff_client, alice, agent_user
):
    request = _request(client, alice, "correction")
    marker = "Correct my number to +86 139 7731 9999"
    Case.objects.filter(pk=request.pk).update(description=marker)  # the text the requester wrote
    url = f"/staff/cases/{request.id}/"

    masked = staff_client.get(url, **ENGLISH).content.decode()
    for secret in (ALICE["contact_email"], ALICE["contact_name"], ALICE["contact_phone"], marker):
        assert secret not in masked
    assert f'action="/staff/cases/{request.id}/reveal/"' in masked
    assert '<button type="submit" class="button">Reveal</button>' in masked
    assert staff_client.get(f"/staff/cases/{request.id}/personal-data.json").status_code == 302

    version = Case.objects.get(pk=request.pk).version
    response = staff_client.post(f"/staff/cases/{request.id}/reveal/", form_data("reveal", version), **ENGLISH)

    assert response.status_code == 302
    event = Event.objects.filter(stream_id=request.id).order_by("-stream_version").first()
    assert event.type == CaseEvent.PERSONAL_DATA_REVEALED
    assert event.data == {}
    assert event.metadata["actor"]["user_id"] == agent_user.pk
    recorded = json.dumps(event.data) + json.dumps(event.metadata)
    assert not any(secret in recorded for secret in ALICE.values())
    shown = staff_client.get(url, **ENGLISH).content.decode()
    assert ALICE["contact_email"] in shown and marker in shown
    assert "Personal data revealed" in shown  # in the history
    export = staff_client.get(f"/staff/cases/{request.id}/personal-data.json")
    assert export.status_code == 200 and ALICE["contact_email"] in export.content.decode()


def test_a_complaints_contact_details_are_masked_too_and_each_member_of_staff_reveals_for_themselves(
    staff_client, alice, provider
):
    complaint = alice.case
    url = f"/staff/cases/{complaint.id}/"
    assert ALICE["contact_email"] not in staff_client.get(url).content.decode()
    staff_client.post(f"/staff/cases/{complaint.id}/reveal/", form_data("reveal", complaint.version))
    assert ALICE["contact_email"] in staff_client.get(url).content.decode()

    colleague = Client()
    colleague.force_login(make_staff(provider, "colleague"))
    assert ALICE["contact_email"] not in colleague.get(url).content.decode()


def test_a_reveal_at_a_stale_version_is_refused(staff_client, alice, agent):
    complaint = alice.case
    commands.case_note_add(case_id=complaint.id, actor=agent, expected_version=complaint.version, note="Seen.")

    response = staff_client.post(f"/staff/cases/{complaint.id}/reveal/", form_data("reveal", complaint.version))

    assert response.status_code == 409
    assert not Event.objects.filter(stream_id=complaint.id, type=CaseEvent.PERSONAL_DATA_REVEALED).exists()


def test_staff_of_another_organisation_cannot_reveal(alice, other_provider):
    outsider = Client()
    outsider.force_login(make_staff(other_provider, "outsider"))

    response = outsider.post(f"/staff/cases/{alice.case.id}/reveal/", form_data("reveal", alice.case.version))

    assert response.status_code == 404
    assert not Event.objects.filter(stream_id=alice.case.id, type=CaseEvent.PERSONAL_DATA_REVEALED).exists()


# --- The published flow ---------------------------------------------------------------------


def test_the_flow_page_publishes_the_request_workflow_and_its_15_working_day_limit(client):
    from tests.web.test_flow_page import limits

    client.cookies["django_language"] = "en"
    page = client.get("/flow/").content.decode()

    assert limits(page, "personal_information_request") == ("5 working days", "15 working days")
    assert "Appeal against a refusal" in page
