"""Session fixation on tracking access: whoever planted a session cookie in a browser gains
nothing from the cases filed or opened in it afterwards, and the private token of a case just
filed never rests readable in the session table."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from cases.models import Case
from cases.web.access import FILED_KEY_COOKIE

URL = "/complaints/new/"
FORM = {
    "category": "unlabelled_synthetic",
    "content_urls": "https://video.example.com/v/1",
    "description": "一段没有任何标识的合成视频。",
}


def filed_reference(response) -> str:
    assert response.status_code == 302, response.content.decode()[:500]
    return re.fullmatch(r"/filed/([^/]+)/", response["Location"]).group(1)


def private_link(page: str) -> str | None:
    match = re.search(r"data-copy-source>(http://testserver/track/[^<#]+/#[^<]+)</textarea>", page)
    return match.group(1) if match else None


def test_a_planted_session_cannot_read_the_next_case_filed_in_that_browser(provider):
    # The planter files a case of its own, so its session already holds tracking access.
    planter = Client()
    own = filed_reference(planter.post(URL, FORM))
    planted = planter.cookies[settings.SESSION_COOKIE_NAME].value
    victim = Client()
    victim.cookies[settings.SESSION_COOKIE_NAME] = planted

    theirs = filed_reference(victim.post(URL, {**FORM, "description": "我自己的投诉。"}))

    assert victim.cookies[settings.SESSION_COOKIE_NAME].value != planted
    assert planter.get(f"/filed/{theirs}/").status_code == 404
    lookup = planter.get(f"/track/{theirs}/").content.decode()
    assert "我自己的投诉" not in lookup
    assert 'name="token"' in lookup  # the form that asks for the case's code
    assert private_link(victim.get(f"/filed/{theirs}/").content.decode())
    assert {own, theirs} == set(Case.objects.values_list("reference", flat=True))


def test_opening_a_case_by_its_code_gives_the_session_a_new_key_every_time(provider, client):
    first = filed_reference(client.post(URL, FORM))
    link = private_link(client.get(f"/filed/{first}/").content.decode())
    token = link.rpartition("#")[2]
    second = filed_reference(client.post(URL, FORM))
    other = Client()
    other.post(f"/track/{second}/", {"reference": second, "token": "wrong"})
    held = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(f"/track/{first}/", {"reference": first, "token": token})

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != held
    assert not Session.objects.filter(session_key=held).exists()


def test_the_token_of_a_case_just_filed_is_never_readable_in_the_session_table(provider, client):
    reference = filed_reference(client.post(URL, FORM))
    stored = [(row.session_data, str(row.get_decoded())) for row in Session.objects.all()]

    link = private_link(client.get(f"/filed/{reference}/").content.decode())

    token = link.rpartition("#")[2]
    assert len(token) >= 20
    assert stored and not any(token in raw or token in decoded for raw, decoded in stored)
    assert FILED_KEY_COOKIE not in client.cookies or client.cookies[FILED_KEY_COOKIE].value == ""


def test_the_session_alone_without_the_filing_browsers_key_shows_no_private_link(provider, client):
    reference = filed_reference(client.post(URL, FORM))
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value

    page = thief.get(f"/filed/{reference}/")

    assert page.status_code == 200  # the session is the thief's now, but not the token
    assert private_link(page.content.decode()) is None
    assert private_link(client.get(f"/filed/{reference}/").content.decode()) is None  # shown once only
