"""Opening a case of another kind from the staff pages: a complaint's page offers a rumor
refutation, opening it (with further complaints) goes to the new case, a refusal comes back
onto the form with an error summary, and a refutation can be opened on its own."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from cases import commands
from cases.models import Case
from cases.workflows.validation import MSG_URL_INVALID

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CLAIM = "A video shows the dam breaking today."
PREFIX = "open-rumor"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


def open_from(client, complaint: Case, *, version: int | None = None, **fields):
    version = Case.objects.get(pk=complaint.pk).version if version is None else version
    data = {f"{PREFIX}-expected_version": version, **{f"{PREFIX}-{name}": value for name, value in fields.items()}}
    return client.post(f"/staff/cases/{complaint.id}/open/rumor/", data, **ENGLISH)


def test_a_complaints_page_offers_to_open_a_refutation_with_labelled_fields(staff_client, submit_complaint):
    complaint = submit_complaint().case

    html = staff_client.get(f"/staff/cases/{complaint.id}/", **ENGLISH).content.decode()

    assert '<h2 id="openings-title">Open a related case</h2>' in html
    assert f'<a href="/staff/cases/{complaint.id}/?form={PREFIX}#{PREFIX}" class="button button--secondary">' in html
    assert f'action="/staff/cases/{complaint.id}/open/rumor/"' not in html  # folded until opened
    # Its link form offers the link to a refutation, in words.
    assert 'value="refuted_by"' in html and "Claim refuted by" in html

    html = staff_client.get(f"/staff/cases/{complaint.id}/?form={PREFIX}", **ENGLISH).content.decode()
    assert f'<form method="post" action="/staff/cases/{complaint.id}/open/rumor/" class="step-form"' in html
    for field, label in (
        ("claim", "The claim to check"),
        ("content_urls", "Where the claim appeared (optional)"),
        ("also_from", "Other cases about the same thing (optional)"),
    ):
        assert f'<label class="label" for="id_{PREFIX}-{field}">{label}</label>' in html


def test_opening_goes_to_the_new_case_linked_to_both_complaints(staff_client, submit_complaint):
    first, second = submit_complaint().case, submit_complaint().case

    response = open_from(staff_client, first, claim=CLAIM, also_from=f"{second.reference}\n")

    rumor = Case.objects.get(kind="rumor")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{rumor.id}/"
    html = staff_client.get(response["Location"], **ENGLISH).content.decode()
    assert f"Opened Rumor refutation {rumor.reference}." in html
    assert "Refutes the claim of" in html
    assert first.reference in html and second.reference in html
    assert {link["reference"] for link in rumor.details["links"]} == {first.reference, second.reference}


def test_a_refused_opening_shows_the_errors_beside_the_fields_and_keeps_what_was_typed(staff_client, submit_complaint):
    complaint = submit_complaint().case

    bad_address = open_from(staff_client, complaint, claim=CLAIM, content_urls="not an address")
    unknown_case = open_from(staff_client, complaint, claim=CLAIM, also_from="C-2222-2222")

    assert bad_address.status_code == unknown_case.status_code == 400
    html = bad_address.content.decode()
    message = str(MSG_URL_INVALID % {"url": "not an address"})
    assert f'<a href="#id_{PREFIX}-content_urls">Where the claim appeared (optional): {message}</a>' in summary(html)
    assert CLAIM in html
    assert (
        f'<a href="#id_{PREFIX}-also_from">Other cases about the same thing (optional): '
        "No case of this organisation has the reference “C-2222-2222”.</a>" in summary(unknown_case.content.decode())
    )
    assert not Case.objects.filter(kind="rumor").exists()


def summary(html: str) -> str:
    return re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)


def test_a_stale_opening_is_refused_and_the_typed_claim_offered_again(staff_client, submit_complaint, agent):
    complaint = submit_complaint().case
    commands.complaint_accept(case_id=complaint.id, actor=agent, expected_version=1)

    response = open_from(staff_client, complaint, version=1, claim=CLAIM)

    assert response.status_code == 409
    assert "Someone else changed this case after you opened this page" in response.content.decode()
    assert CLAIM in response.content.decode()
    assert not Case.objects.filter(kind="rumor").exists()


def test_a_refutation_opened_on_its_own_from_the_queue(staff_client, provider):
    queue = staff_client.get("/staff/", **ENGLISH).content.decode()
    assert re.search(r'<a [^>]*href="/staff/open/rumor/"[^>]*>Open a rumor refutation</a>', queue)

    form = staff_client.get("/staff/open/rumor/", **ENGLISH)
    response = staff_client.post(
        "/staff/open/rumor/", {"open-claim": CLAIM, "open-content_urls": "https://example.com/a"}, **ENGLISH
    )

    assert form.status_code == 200
    assert '<label class="label" for="id_open-claim">The claim to check</label>' in form.content.decode()
    rumor = Case.objects.get(kind="rumor")
    assert response["Location"] == f"/staff/cases/{rumor.id}/"
    assert rumor.details["content_urls"] == ["https://example.com/a"]


def test_a_refutation_opened_on_its_own_needs_its_claim(staff_client, provider):
    response = staff_client.post("/staff/open/rumor/", {"open-claim": " "}, **ENGLISH)

    assert response.status_code == 400
    assert '<div class="error-summary"' in response.content.decode()
    assert not Case.objects.exists()


def test_kinds_not_opened_by_staff_have_no_page(staff_client, provider):
    assert staff_client.get("/staff/open/complaint/").status_code == 404
    assert staff_client.get("/staff/open/nothing/").status_code == 404


def test_a_published_refutation_links_its_public_page_for_staff(staff_client, agent):
    rumor = commands.case_open(
        kind="rumor", actor=agent, arguments={"claim": CLAIM, "content_urls": ["https://a.example/claim"]}
    )
    for action, arguments in (
        ("start_verification", {}),
        ("confirm_false", {"verdict": "false", "findings": "No."}),
        ("publish", {"explanation": "Intact.", "evidence": "Photos."}),
    ):
        rumor.refresh_from_db()
        commands.case_act(
            case_id=rumor.id, actor=agent, expected_version=rumor.version, action=action, arguments=arguments
        )

    html = staff_client.get(f"/staff/cases/{rumor.id}/", **ENGLISH).content.decode()

    assert f'<a href="/refutations/{rumor.reference}/">/refutations/{rumor.reference}/</a>' in html
