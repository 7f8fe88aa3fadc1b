"""A lost private link recovered through the public page: a new link mailed (to a real SMTP
server) to the address given when filing, which replaces the old one when first used; the
same answer for a wrong address or reference; limited per address and per reference."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

# Transactional: the mail goes out once the request's transaction has committed.
pytestmark = pytest.mark.django_db(transaction=True)

RECOVER = "/track/recover/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def filed(submit_complaint):
    with translation.override("en"):
        return submit_complaint(contact_email="Person@Example.com", consent=True)


def opens(reference: str, token: str) -> bool:
    """Whether the tracking link opens the case in a fresh browser."""
    browser = Client()
    response = browser.post(f"/track/{reference}/", {"token": token})
    return response.status_code == 302 and browser.get(f"/track/{reference}/").status_code == 200


def answer(client, reference: str, email: str) -> str:
    response = client.post(RECOVER, {"reference": reference, "email": email}, **ENGLISH)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_new_link_goes_to_the_filers_address_and_replaces_the_old_one_when_used(client, filed, smtp_server):
    case, old = filed.case, filed.tracking_token
    before = len(smtp_server.messages)

    page = answer(client, case.reference.lower(), "  person@example.COM ")

    assert "we have sent a new private link" in page
    [mail] = smtp_server.wait_for(before + 1)[before:]
    assert mail["To"] == "Person@Example.com"
    text = next(p.get_payload(decode=True).decode() for p in mail.walk() if p.get_content_type() == "text/plain")
    new = re.search(rf"/track/{case.reference}/#(\S+)", text).group(1)
    assert new != old
    assert opens(case.reference, old)  # until the new link is used, the old one works
    assert opens(case.reference, new)
    assert not opens(case.reference, old)  # replaced
    assert opens(case.reference, new)


def test_a_wrong_address_or_reference_gets_the_same_answer_and_no_mail(client, filed, smtp_server):
    before = len(smtp_server.messages)

    right = answer(Client(), filed.case.reference, "person@example.com")
    wrong_address = answer(Client(), filed.case.reference, "someone@example.com")
    no_such_case = answer(Client(), "C-AAAA-AAAA", "person@example.com")

    def without_reference(page: str) -> str:
        return re.sub(r"C-[A-Z0-9]{4}-[A-Z0-9]{4}", "", re.sub(r'value="[^"]*"', "", page))

    assert without_reference(right) == without_reference(wrong_address) == without_reference(no_such_case)
    smtp_server.wait_for(before + 2, timeout=2)
    assert len(smtp_server.messages) == before + 1  # only the right address got one


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reference": "C-AAAA-AAAA", "email": "not an address"}, "email"),
        ({"reference": "C-AAAA-AAAA", "email": "a\x00@example.com"}, "email"),
        ({"reference": "", "email": "person@example.com"}, "reference"),
        ({"reference": "C" * 41, "email": "person@example.com"}, "reference"),
    ],
)
def test_bad_input_is_refused_with_its_field(client, data, field):
    response = client.post(RECOVER, data, **ENGLISH)
    assert response.status_code == 400
    assert f'id="id_{field}"' in response.content.decode() and 'aria-invalid="true"' in response.content.decode()


def test_requests_for_one_reference_are_limited_from_anywhere(filed, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "track_recover_reference": "2/3600"}
    for address in ("10.0.0.1", "10.0.0.2"):
        response = Client(REMOTE_ADDR=address).post(
            RECOVER, {"reference": filed.case.reference, "email": "x@example.com"}
        )
        assert response.status_code == 200
    refused = Client(REMOTE_ADDR="10.0.0.3").post(
        RECOVER, {"reference": filed.case.reference, "email": "x@example.com"}
    )
    assert refused.status_code == 429
