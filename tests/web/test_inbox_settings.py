"""The notification settings page of the staff workspace: what it shows, what it stores, and
what it refuses (with a message, storing nothing)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from accounts.models import Organisation, Role
from notifications.models import StaffMailSettings
from notifications.preferences import preferences_of
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/staff/inbox/settings/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def everything(**changes: str) -> dict[str, str]:
    form = {
        "delivery_assigned": "inbox",
        "delivery_filer_answered": "inbox",
        "delivery_deadline_near": "both",
        "delivery_deadline_passed": "both",
        "delivery_addressed": "both",
        "language": "",
    }
    form.update(changes)
    return form


def test_the_page_shows_the_defaults_and_is_linked_from_the_inbox(agent_user):
    client = signed_in(agent_user)
    assert URL in client.get("/staff/inbox/", **ENGLISH).content.decode()

    page = client.get(URL, **ENGLISH).content.decode()

    assert "Notification settings" in page
    assert '<option value="both" selected>Inbox and e-mail</option>' in page
    assert '<option value="inbox" selected>Inbox only</option>' in page
    assert "Send me one e-mail a day instead" in page
    assert "The site&#x27;s language (简体中文)" in page


def test_choices_are_stored_and_shown_again(agent_user):
    client = signed_in(agent_user)

    response = client.post(
        URL,
        everything(delivery_assigned="email", delivery_addressed="none", daily_digest="on", language="en"),
        **ENGLISH,
    )

    assert response.status_code == 302
    chosen = preferences_of(agent_user.pk)
    assert (chosen.delivery("assigned"), chosen.delivery("addressed")) == ("email", "none")
    assert chosen.daily_digest and chosen.mail_language == "en"
    page = client.get(URL, **ENGLISH).content.decode()
    assert '<option value="email" selected>E-mail only</option>' in page
    assert "Your notification settings are saved." in page


@pytest.mark.parametrize(
    "changes",
    [
        {"delivery_assigned": "pigeon"},
        {"delivery_assigned": ""},
        {"delivery_assigned": "inbox\x00"},
        {"language": "fr"},
        {"delivery_deadline_near": "both" * 10_000},
    ],
)
def test_a_wrong_choice_is_refused_with_a_message_and_nothing_is_stored(agent_user, changes):
    response = signed_in(agent_user).post(URL, everything(**changes), **ENGLISH)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose inbox, e-mail, both or not at all." in page or "Choose one of the languages offered." in page
    assert not StaffMailSettings.objects.filter(user=agent_user).exists()


def test_a_lone_surrogate_is_refused_too(agent_user):
    body = urlencode(everything(language="LONE")).replace("LONE", "%ED%A0%80")
    response = signed_in(agent_user).post(URL, body, content_type="application/x-www-form-urlencoded", **ENGLISH)

    assert response.status_code == 400
    assert not StaffMailSettings.objects.filter(user=agent_user).exists()


def test_a_regulators_officer_has_the_page_too():
    regulator = Organisation.objects.create(slug="cac", name="Regulator", kind=Organisation.Kind.REGULATOR)
    officer = make_staff(regulator, "officer", Role.REGULATOR_OFFICER)

    response = signed_in(officer).post(URL, everything(delivery_addressed="email"))

    assert response.status_code == 302
    assert preferences_of(officer.pk).delivery("addressed") == "email"


def test_the_page_needs_a_signed_in_member_of_staff(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
