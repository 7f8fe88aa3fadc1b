"""An incident opened through the workspace in a real Chromium: every field labelled, and the
reporting deadline counting down live on the case page and in the queue."""

from __future__ import annotations

import re

import pytest

from cases.models import Case
from tests.web.test_staff_case_browser import UNLABELLED, sign_in

pytestmark = pytest.mark.browser

LEFT = re.compile(r"^[0-3]:[0-5]\d:[0-5]\d left$")


def test_an_incident_is_opened_and_its_reporting_deadline_counts_down(asgi_server, agent_user, desktop, screenshots):
    base = asgi_server.http_url
    page = desktop.new_page()
    sign_in(page, base, "agent")

    page.get_by_role("link", name="Open an incident").click()
    page.wait_for_url(f"{base}/staff/open/incident/")
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("Major", exact=True).check()
    page.get_by_label("Affected service").fill("Face-swap video")
    page.get_by_label("What happened").fill("Videos went out without their AI-generated label.")
    page.get_by_role("button", name="Open an incident").click()
    page.wait_for_selector(".notice--success")

    case = Case.objects.get()
    assert page.url == f"{base}/staff/cases/{case.id}/"
    countdown = page.locator(".facts [data-countdown]").first
    first = countdown.inner_text()
    # `expect` rather than wait_for_function: the policy forbids evaluating strings as script.
    from playwright.sync_api import expect

    expect(countdown).not_to_have_text(first)
    assert LEFT.match(countdown.inner_text()), countdown.inner_text()
    page.screenshot(path=screenshots / "wide-staff-incident-en.png", full_page=True)

    page.goto(f"{base}/staff/")
    in_queue = page.locator(f"tr:has-text('{case.reference}') [data-countdown]")
    before = in_queue.inner_text()
    expect(in_queue).not_to_have_text(before)
    assert LEFT.match(in_queue.inner_text()), in_queue.inner_text()
