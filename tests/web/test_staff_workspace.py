"""The staff workspace: signing in, the queue of one's own organisation, and a case page with
its whole history, checked against the hash chain."""

from __future__ import annotations

import base64
import io
import json
import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from accounts.actors import Actor
from accounts.models import Organisation, Role, User
from cases import commands
from cases.eventstore import Event
from cases.models import Case
from cases.staff_queries import QueueFilters, decode_cursor, queue_page
from tests.conftest import make_staff, tamper

pytestmark = pytest.mark.django_db

QUEUE = "/staff/"
LOGIN = "/staff/login/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

AIGC = {
    "Label": "1",
    "ContentProducer": "001191330000000000",
    "ProduceID": "gen-42",
    "ContentPropagator": "propagator-7",
    "PropagateID": "share-9",
}


def labelled_png(label: dict | None = AIGC) -> bytes:
    info = PngInfo()
    if label is not None:
        info.add_itxt("AIGC", json.dumps(label))
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def case_url(case: Case) -> str:
    return f"/staff/cases/{case.id}/"


def page(response) -> str:
    return response.content.decode()


def queue_references(response) -> list[str]:
    """The references in the queue table, top to bottom."""
    body = re.search(r"<tbody>(.*?)</tbody>", page(response), re.S).group(1)
    return re.findall(r'<a class="reference" href="/staff/cases/[^"]+/">([^<]+)</a>', body)


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


# --- Signing in ---------------------------------------------------------------------------------


def test_staff_sign_in_and_land_on_the_queue(client, agent_user):
    form = client.get(LOGIN, **ENGLISH)
    assert form.status_code == 200
    assert 'name="username"' in page(form)
    assert 'name="password"' in page(form)

    response = client.post(LOGIN, {"username": "agent", "password": "pw-agent"})

    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 302 and home["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_regulator_officer_signs_in_to_the_dashboard_and_never_sees_a_providers_case(
    client, provider, submit_complaint
):
    regulator = Organisation.objects.create(slug="cac", name="Regulator", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(provider)
    User.objects.create_user(
        username="officer", password="pw-officer", role=Role.REGULATOR_OFFICER, organisation=regulator
    )
    case = submit_complaint().case

    response = client.post(LOGIN, {"username": "officer", "password": "pw-officer"})
    home = client.get(response["Location"])

    assert home["Location"] == "/regulator/"
    dashboard = client.get("/regulator/", **ENGLISH)
    assert dashboard.status_code == 200 and "Provider" in page(dashboard)
    assert "belongs to no organisation" not in page(dashboard)
    assert client.get(QUEUE, **ENGLISH).status_code == 403
    assert client.get(case_url(case), **ENGLISH).status_code == 404  # a provider's case does not exist for them


def test_a_wrong_password_shows_an_error_and_signs_no_one_in(client, agent_user):
    response = client.post(LOGIN, {"username": "agent", "password": "wrong"}, **ENGLISH)

    assert response.status_code == 200
    assert "There is a problem" in page(response)
    assert "Please enter a correct username and password" in page(response)
    assert "_auth_user_id" not in client.session


def test_signing_in_returns_to_the_page_asked_for(client, agent_user, submit_complaint):
    case = submit_complaint().case

    response = client.post(f"{LOGIN}?next={case_url(case)}", {"username": "agent", "password": "pw-agent"})

    assert response["Location"] == case_url(case)


def test_sign_out_is_a_post_and_ends_the_session(staff_client):
    assert staff_client.get("/staff/logout/").status_code == 405

    response = staff_client.post("/staff/logout/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert staff_client.get(QUEUE).status_code == 302


# --- Who may come in ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client, submit_complaint):
    case = submit_complaint().case

    for url in (QUEUE, case_url(case)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={url}"


def test_the_public_tracking_a_case_never_reaches_staff_pages(client, submit_complaint):
    submission = submit_complaint(contact_email="filer@example.com", consent=True)
    client.post(f"/track/{submission.case.reference}/", {"token": submission.tracking_token})
    assert client.get(f"/track/{submission.case.reference}/").status_code == 200  # tracking works

    for url in (QUEUE, case_url(submission.case)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert "filer@example.com" not in page(response)


@pytest.mark.parametrize(
    ("role", "has_organisation"),
    [(Role.ADMINISTRATOR, True), (Role.AGENT, False), ("", True)],
)
def test_people_without_a_provider_role_and_organisation_are_refused_with_a_clear_page(
    client, provider, submit_complaint, role, has_organisation
):
    case = submit_complaint().case
    user = User.objects.create_user(
        username="someone", password="pw", role=role, organisation=provider if has_organisation else None
    )
    client.force_login(user)

    for url in (QUEUE, case_url(case)):
        response = client.get(url, **ENGLISH)
        assert response.status_code == 403
        assert "No access to the staff workspace" in page(response)
        assert case.reference not in page(response)


def test_staff_of_another_organisation_get_not_found_on_a_case(client, submit_complaint, other_provider):
    case = submit_complaint(contact_email="filer@example.com", consent=True).case
    client.force_login(make_staff(other_provider, "elsewhere"))

    response = client.get(case_url(case))

    assert response.status_code == 404
    assert "filer@example.com" not in page(response)


def test_a_case_that_does_not_exist_is_not_found(staff_client):
    assert staff_client.get("/staff/cases/00000000-0000-0000-0000-000000000000/").status_code == 404


# --- The queue ----------------------------------------------------------------------------------


@pytest.fixture
def mixed_cases(submit_complaint, agent, agent_user):
    """Complaints in several states and an appeal, with different deadlines."""
    accepted = submit_complaint(description="Accepted first").case  # due at its resolution deadline
    commands.complaint_accept(case_id=accepted.id, actor=agent, expected_version=1)
    fresh = submit_complaint(description="Fresh one").case  # due at its first-response deadline (sooner)
    commands.complaint_assign(case_id=fresh.id, actor=agent, expected_version=1, assignee_id=agent_user.pk)
    rejected = submit_complaint(description="Rejected one").case  # finished: no deadline
    commands.complaint_reject(case_id=rejected.id, actor=agent, expected_version=1, reason="invalid", explanation="No.")
    appeal = commands.appeal_file_against_decision(
        case_id=rejected.id, actor=Actor.public(tracked_case_ids=frozenset({rejected.id})), statement="Unfair."
    ).case
    return {
        "accepted": Case.objects.get(pk=accepted.id),
        "fresh": Case.objects.get(pk=fresh.id),
        "rejected": Case.objects.get(pk=rejected.id),
        "appeal": Case.objects.get(pk=appeal.id),
    }


def test_the_queue_lists_the_organisations_cases_due_first_and_those_without_a_deadline_last(
    staff_client, mixed_cases, other_provider
):
    elsewhere = commands.complaint_submit(
        organisation=other_provider, actor=Actor.public(), category="other", description="Not ours"
    ).case

    response = staff_client.get(QUEUE, **ENGLISH)

    assert response.status_code == 200
    references = queue_references(response)
    expected = sorted(mixed_cases.values(), key=lambda c: (c.due_at is None, c.due_at or c.created_at, c.created_at))
    assert references == [case.reference for case in expected]
    assert references[-1] == mixed_cases["rejected"].reference
    assert elsewhere.reference not in page(response)


def test_the_queue_shows_each_cases_columns_in_beijing_time(staff_client, mixed_cases):
    fresh = mixed_cases["fresh"]

    html = page(staff_client.get(QUEUE, **ENGLISH))

    row = re.search(
        rf"<tr[^>]*>\s*<td class=\"queue__select\">(?:(?!</tr>).)*?"
        rf"<th scope=\"row\"[^>]*><a class=\"reference\"[^>]*>{fresh.reference}</a>.*?</tr>",
        html,
        re.S,
    )
    row = row.group(0)
    assert "Complaint or report" in row
    assert fresh.title in row
    assert "New, not yet triaged" in row  # the state's wording for staff
    assert "Normal" in row  # the priority's label
    assert "agent" in row  # the assignee
    from cases.sla import CHINA_TIME

    assert fresh.due_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") in row
    assert "Overdue" not in row
    assert '<th scope="col">' in html
    assert "<caption" in html


def test_an_overdue_case_is_marked(staff_client, mixed_cases):
    fresh = mixed_cases["fresh"]
    Case.objects.filter(pk=fresh.pk).update(due_at=fresh.created_at)  # the deadline has passed

    html = page(staff_client.get(QUEUE, **ENGLISH))

    row = re.search(rf"<tr class=\"queue__row--overdue\">.*?{fresh.reference}.*?</tr>", html, re.S)
    assert row is not None
    assert "Overdue" in row.group(0)


def test_the_queue_filters_by_kind_state_and_assignee(staff_client, mixed_cases):
    def listed(**query):
        return set(queue_references(staff_client.get(QUEUE, query, **ENGLISH)))

    ref = {name: case.reference for name, case in mixed_cases.items()}
    assert listed(kind="appeal") == {ref["appeal"]}
    assert listed(kind="complaint") == {ref["accepted"], ref["fresh"], ref["rejected"]}
    assert listed(state="complaint:triaged") == {ref["accepted"]}
    assert listed(kind="complaint", state="complaint:rejected") == {ref["rejected"]}
    assert listed(state="appeal:filed") == {ref["appeal"]}
    assert listed(mine="on") == {ref["fresh"]}
    assert listed(kind="complaint", mine="on") == {ref["fresh"]}


def test_the_state_filter_offers_the_states_of_the_chosen_kind(staff_client, mixed_cases):
    everything = page(staff_client.get(QUEUE, **ENGLISH))
    appeals = page(staff_client.get(QUEUE, {"kind": "appeal"}, **ENGLISH))

    assert 'value="complaint:investigating"' in everything
    assert 'value="appeal:under_review"' in everything
    assert 'value="appeal:under_review"' in appeals
    assert 'value="complaint:investigating"' not in appeals


def test_a_state_of_another_kind_is_refused_with_an_explanation(staff_client, mixed_cases):
    response = staff_client.get(QUEUE, {"kind": "appeal", "state": "complaint:triaged"}, **ENGLISH)

    assert response.status_code == 400
    assert "Choose a state of the kind you selected" in page(response)


def test_an_unknown_filter_value_is_refused(staff_client, mixed_cases):
    response = staff_client.get(QUEUE, {"kind": "no-such-kind"}, **ENGLISH)

    assert response.status_code == 400
    assert "There is a problem" in page(response)


def test_the_queue_pages_by_fifty_forward_and_back(staff_client, submit_complaint):
    references = [submit_complaint(description=f"Complaint {n}").case.reference for n in range(53)]

    first = staff_client.get(QUEUE, **ENGLISH)
    assert queue_references(first) == references[:50]
    assert "Previous page" not in page(first)
    next_link = re.search(r'href="/staff/\?([^"]+)" rel="next"', page(first)).group(1).replace("&amp;", "&")

    second = staff_client.get(f"{QUEUE}?{next_link}", **ENGLISH)
    assert queue_references(second) == references[50:]
    assert 'rel="next"' not in page(second)
    previous_link = re.search(r'href="/staff/\?([^"]+)" rel="prev"', page(second)).group(1).replace("&amp;", "&")

    back = staff_client.get(f"{QUEUE}?{previous_link}", **ENGLISH)
    assert queue_references(back) == references[:50]
    assert "Previous page" not in page(back)


def test_paging_keeps_the_filters(staff_client, submit_complaint, agent, agent_user):
    for n in range(52):
        case = submit_complaint(description=f"Complaint {n}").case
        commands.complaint_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=agent_user.pk)
    submit_complaint(description="Not mine")

    first = page(staff_client.get(QUEUE, {"mine": "on"}, **ENGLISH))
    next_link = re.search(r'href="/staff/\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")

    assert "mine=on" in next_link
    assert len(queue_references(staff_client.get(f"{QUEUE}?{next_link}", **ENGLISH))) == 2


def test_keyset_pages_cross_from_cases_with_a_deadline_to_cases_without_one(agent, mixed_cases):
    everything = [c.reference for c in queue_page(actor=agent, filters=QueueFilters(), size=10).cases]
    assert len(everything) == 4

    seen, cursor = [], ""
    while True:
        result = queue_page(actor=agent, filters=QueueFilters(), cursor=cursor, size=1)
        seen += [c.reference for c in result.cases]
        if not result.next_cursor:
            break
        cursor = result.next_cursor
    assert seen == everything

    back, cursor = [], queue_page(actor=agent, filters=QueueFilters(), cursor=cursor, size=1).previous_cursor
    while cursor:
        result = queue_page(actor=agent, filters=QueueFilters(), cursor=cursor, size=1)
        back = [c.reference for c in result.cases] + back
        cursor = result.previous_cursor
    assert back == everything[:-1]


def _cursor(document) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _cursor({"a": 1}),
        _cursor(["a", None, "2025-01-01T00:00:00+00:00", 5]),
        _cursor(["a", 5, "2025-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000000"]),
        _cursor(["a", None, "yesterday", "00000000-0000-0000-0000-000000000000"]),
        _cursor(["a", None, "2025-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"]),  # no time zone
        _cursor(["z", None, "2025-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000000"]),
    ],
)
def test_a_malformed_cursor_shows_the_first_page(staff_client, mixed_cases, cursor):
    assert decode_cursor(cursor) is None

    response = staff_client.get(QUEUE, {"cursor": cursor}, **ENGLISH)

    assert response.status_code == 200
    assert len(queue_references(response)) == 4


def test_the_queue_page_takes_a_fixed_number_of_queries(
    staff_client, submit_complaint, agent, agent_user, django_assert_max_num_queries
):
    def add_cases(count):
        for n in range(count):
            case = submit_complaint(description=f"Complaint {n}").case
            commands.complaint_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=agent_user.pk)

    add_cases(3)
    # Session, user, the open cases counted per queue (the organisation's, then one's own),
    # the staff one may assign to, the cases with a deadline, the cases without one; the
    # notices of open orders and the inbox's unread count, which every workspace page shows.
    with django_assert_max_num_queries(9):
        assert staff_client.get(QUEUE).status_code == 200

    add_cases(20)
    with django_assert_max_num_queries(9):
        assert staff_client.get(QUEUE, {"kind": "complaint", "mine": "on"}).status_code == 200


def test_the_queue_listens_for_live_hints(staff_client, mixed_cases):
    html = page(staff_client.get(QUEUE))

    assert 'data-staff-live="/ws/queue/"' in html
    assert "/static/js/staff.js" in html


# --- A case page --------------------------------------------------------------------------------


@pytest.fixture
def labelled_case(submit_complaint, agent, agent_user):
    """A complaint with contact details and a PNG carrying an AIGC label, assigned and accepted."""
    submission = commands.complaint_submit(
        organisation=agent_user.organisation,
        actor=Actor.public(),
        category="unlabelled_synthetic",
        description="A video with no label.\nSecond line.",
        content_urls=["https://video.example.com/v/1"],
        contact_name="Li Hua",
        contact_email="lihua@example.com",
        contact_phone="+86 138 0000 0000",
        consent=True,
        evidence=[
            SimpleUploadedFile("generated.png", labelled_png()),
            SimpleUploadedFile("photo.png", labelled_png(None)),
        ],
    )
    case = submission.case
    commands.complaint_assign(case_id=case.id, actor=agent, expected_version=5, assignee_id=agent_user.pk)
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=6, note="Looks valid.")
    return Case.objects.get(pk=case.id)


def test_the_case_page_shows_the_facts_and_contact_details(staff_client, labelled_case):
    # Contact details are masked until the member of staff reveals them (a recorded choice).
    masked = page(staff_client.get(case_url(labelled_case), **ENGLISH))
    assert "lihua@example.com" not in masked and "Li Hua" not in masked
    version = Case.objects.get(pk=labelled_case.pk).version
    revealed = staff_client.post(f"{case_url(labelled_case)}reveal/", {"reveal-expected_version": version})
    assert revealed.status_code == 302

    html = page(staff_client.get(case_url(labelled_case), **ENGLISH))

    assert labelled_case.reference in html
    assert "Synthetic content without a label" in html  # category label
    assert "Accepted, investigation not started" in html  # the state's wording for staff
    assert "A video with no label.<br>Second line." in html
    assert 'href="https://video.example.com/v/1"' in html
    assert "Li Hua" in html
    assert "lihua@example.com" in html
    assert "+86 138 0000 0000" in html


def test_the_case_page_shows_every_event_with_its_author_and_states(staff_client, labelled_case):
    html = page(staff_client.get(case_url(labelled_case), **ENGLISH))

    titles = re.findall(r'<h3 id="event-\d+-title" class="history__title">.*?</span> ([^<]+)</h3>', html)
    assert titles == [
        "Complaint submitted",
        "Evidence added",
        "Synthetic-content label checked",
        "Evidence added",
        "Synthetic-content label checked",
        "Case assigned",
        "Complaint accepted",
    ]
    assert "Member of the public" in html
    assert "System" in html
    assert "Provider agent <strong>agent</strong>" in html  # staff see who acted
    assert "New, not yet triaged → <strong>Accepted, investigation not started</strong>" in html
    assert "Looks valid." in html
    for event in Event.objects.filter(stream_id=labelled_case.id):
        assert event.hash[:12] in html


def test_the_case_page_shows_the_synthetic_label_finding_clearly(staff_client, labelled_case):
    html = page(staff_client.get(case_url(labelled_case), **ENGLISH))

    box = re.search(r'<div class="label-finding label-finding--found">(.*?)</dl>', html, re.S).group(1)
    assert "AI-generated label found: Label 1 (generated or synthesised by AI)" in box
    assert "001191330000000000" in box
    assert "gen-42" in box
    assert "propagator-7" in box
    assert "share-9" in box
    assert "ContentProducer" in box
    assert "No AI-generated label found in this file" in html  # the second, unlabelled file


def test_the_label_finding_reads_in_chinese_by_default(staff_client, labelled_case):
    html = page(staff_client.get(case_url(labelled_case)))

    assert '<html lang="zh-hans">' in html
    assert "发现人工智能生成合成内容隐式标识：Label 取值 1（属于人工智能生成合成内容）" in html
    assert "内容制作编号 (ProduceID)" in html
    assert "AI-generated label found" not in html


def test_the_case_page_lists_evidence_with_download_links_type_size_and_hash(staff_client, labelled_case):
    html = page(staff_client.get(case_url(labelled_case), **ENGLISH))

    for evidence in labelled_case.evidence.all():
        assert f'href="/staff/cases/{labelled_case.id}/evidence/{evidence.id}/"' in html
        assert evidence.sha256 in html
        assert f"{evidence.size:,} bytes" in html
    assert "<code>image/png</code>" in html


def test_the_case_page_says_the_history_was_verified(staff_client, labelled_case):
    html = page(staff_client.get(case_url(labelled_case), **ENGLISH))

    assert "Verified just now: all 7 events" in html
    assert "failed verification" not in html
    assert html.count(">verified</span>") == 7


def test_a_tampered_event_raises_a_visible_warning(staff_client, labelled_case):
    accepted = Event.objects.get(stream_id=labelled_case.id, type="complaint.accepted")
    tamper(
        "UPDATE cases_event SET data = %s WHERE position = %s",
        ['{"note": "forged", "from_state": "submitted", "to_state": "triaged"}', accepted.pk],
    )

    html = page(staff_client.get(case_url(labelled_case), **ENGLISH))

    assert "Warning: this case's history failed verification" in html
    assert f"Event {accepted.stream_version} (position {accepted.pk} in the log)" in html
    assert "altered" in html
    assert "fails verification" in html
    assert "Verified just now" not in html
    assert "forged" in html  # the history is still shown in full


def test_an_event_altered_into_an_unexpected_shape_still_shows_with_the_warning(staff_client, labelled_case):
    checked = Event.objects.filter(stream_id=labelled_case.id, type="case.synthetic_label_checked").first()
    assigned = Event.objects.get(stream_id=labelled_case.id, type="case.assigned")
    weird = {"evidence_id": [1], "found": True, "label_meaning": ["x"], "sha256": 5, "size": "big", "measures": 7}
    tamper("UPDATE cases_event SET data = %s WHERE position = %s", [json.dumps(weird), checked.pk])
    tamper("UPDATE cases_event SET data = %s, metadata = %s WHERE position = %s", ["[]", '"x"', assigned.pk])

    response = staff_client.get(case_url(labelled_case), **ENGLISH)

    assert response.status_code == 200
    assert "failed verification" in page(response)
    assert "big" in page(response)


def test_events_cut_from_the_end_raise_a_visible_warning(staff_client, labelled_case):
    last = Event.objects.filter(stream_id=labelled_case.id).order_by("-stream_version").first()
    tamper("DELETE FROM cases_event WHERE position = %s", [last.pk])

    html = page(staff_client.get(case_url(labelled_case), **ENGLISH))

    assert "failed verification" in html
    assert "events at its end are missing" in html


def test_an_appeal_links_to_the_complaint_it_is_against(staff_client, mixed_cases):
    appeal, rejected = mixed_cases["appeal"], mixed_cases["rejected"]

    appeal_page = page(staff_client.get(case_url(appeal), **ENGLISH))
    complaint_page = page(staff_client.get(case_url(rejected), **ENGLISH))

    assert f'href="{case_url(rejected)}"' in appeal_page
    assert "Appeal against" in appeal_page
    assert "Unfair." in appeal_page
    assert f'href="{case_url(appeal)}"' in complaint_page
    assert "Not a valid complaint" in complaint_page  # the rejection reason's label


def test_an_anonymous_filing_says_there_are_no_contact_details(staff_client, submit_complaint):
    case = submit_complaint().case

    html = page(staff_client.get(case_url(case), **ENGLISH))

    assert "No contact details were given" in html


def test_the_case_page_listens_for_live_hints_about_its_case(staff_client, labelled_case):
    html = page(staff_client.get(case_url(labelled_case)))

    assert f'data-staff-live="/ws/cases/{labelled_case.id}/" data-version="{labelled_case.version}"' in html


def test_a_regulator_organisation_member_with_an_agent_role_sees_only_that_organisation(client, submit_complaint):
    regulator = Organisation.objects.create(slug="cac", name="CAC", kind=Organisation.Kind.REGULATOR)
    client.force_login(make_staff(regulator, "misfiled"))
    case = submit_complaint().case

    assert case.reference not in page(client.get(QUEUE))
    assert client.get(case_url(case)).status_code == 404


def test_the_case_page_takes_a_fixed_number_of_queries(staff_client, labelled_case, django_assert_max_num_queries):
    # Session, user, case, evidence, events, the people they name, related cases, contact,
    # the colleagues the case may be assigned to, the span of the case's leaves in the global
    # log and the latest signed checkpoint; the notices of open orders every workspace page
    # shows, the unread count of the inbox, and the regulators a report could go to.
    with django_assert_max_num_queries(14):
        assert staff_client.get(case_url(labelled_case)).status_code == 200


# --- In a real browser (last in this module: Playwright's event loop stays until the module ends)


def _deliver_notifications() -> None:
    # asgiref will not run async_to_sync in a thread where Playwright's loop is running.
    from notifications.dispatch import dispatch_batch

    worker = threading.Thread(target=dispatch_batch)
    worker.start()
    worker.join(timeout=20)


@pytest.mark.browser
def test_staff_sign_in_in_a_browser_and_are_told_when_cases_change(
    asgi_server, agent_user, agent, submit_complaint, desktop
):
    from playwright.sync_api import expect

    case = submit_complaint().case
    _deliver_notifications()  # what happened before the pages were opened is already on them
    base = asgi_server.http_url
    browser_page = desktop.new_page()

    browser_page.goto(f"{base}{QUEUE}")
    assert browser_page.url == f"{base}{LOGIN}?next={QUEUE}"
    browser_page.fill("#id_username", "agent")
    browser_page.fill("#id_password", "pw-agent")
    browser_page.click("form.staff-login button[type=submit]")
    browser_page.wait_for_url(f"{base}{QUEUE}")
    assert case.reference in browser_page.locator("table.queue").inner_text()

    browser_page.wait_for_selector("[data-live-connected]")
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=case.version)
    _deliver_notifications()
    # The queue redraws itself and says so.
    expect(browser_page.locator("[data-live-notice]")).not_to_be_empty(timeout=15000)

    browser_page.click(f"text={case.reference}")
    browser_page.wait_for_url(f"{base}{case_url(case)}")
    browser_page.wait_for_selector("[data-live-connected]")
    assert browser_page.locator("[data-live-notice] .notice").count() == 0
    # The case page redraws itself with the new state, without a reload.
    browser_page.evaluate("window.notReloaded = true")
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=case.version + 1)
    _deliver_notifications()
    expect(browser_page.locator(".state__badge")).to_have_text("调查中", timeout=15000)  # "Under investigation"
    assert browser_page.evaluate("window.notReloaded") is True

    # What the person is typing is never thrown away: they are told instead.
    browser_page.fill("#id_note-note", "Half a note")
    commands.case_note_add(case_id=case.id, actor=agent, expected_version=case.version + 2, note="From elsewhere.")
    _deliver_notifications()
    browser_page.wait_for_selector("[data-live-notice] .notice a", timeout=15000)
    assert browser_page.input_value("#id_note-note") == "Half a note"
    browser_page.click("[data-live-notice] .notice a")
    browser_page.wait_for_selector(".state__badge")
    assert "From elsewhere." in browser_page.locator(".history").inner_text()


def test_password_guessing_at_the_staff_sign_in_is_limited(client, settings, agent_user):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "staff_login": "3/600"}
    for _ in range(3):
        response = client.post("/staff/login/", {"username": "agent", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/staff/login/", {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_an_unusable_label_is_shown_with_the_problem_the_reader_reported(staff_client, submit_complaint):
    case = submit_complaint(
        evidence=[SimpleUploadedFile("broken.png", labelled_png({"Label": "<b>9</b>", "ContentProducer": "x"}))]
    ).case

    html = page(staff_client.get(case_url(case), **ENGLISH))

    box = re.search(r'<div class="label-finding label-finding--none">(.*?)\n</div>', html, re.S).group(1)
    assert "<strong>No usable AI-generated label found in this file</strong>" in box
    assert "<dt>Producer (ContentProducer)</dt>" in box
    assert (
        '<p class="label-finding__problem">Problem reported by the label reader: <span lang="en">'
        "The AIGC Label &quot;&lt;b&gt;9&lt;/b&gt;&quot; is not 1, 2 or 3.</span></p>"
    ) in box
    assert "<b>9</b>" not in html  # whatever the file held is shown as text
