"""A rumor refuted through the pages, in a real Chromium: two people report the same false
video, an agent opens one refutation from both complaints, verifies the claim, confirms it
false and publishes the refutation; the public page shows it with its ClaimReview data, and
both complainants' tracking pages link to it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import make_staff
from tests.web.test_staff_end_to_end import WAIT_MS, sign_in, step_form, take_step

pytestmark = pytest.mark.browser

CLAIM = "A video shows the river dam breaking this morning and the old town flooded."
EXPLANATION = "The dam is intact and the old town is dry. The video was generated with AI."
EVIDENCE = "Photos of the dam taken at noon, and the notice of the city water authority."


@pytest.fixture
def open_page(browser, asgi_server):
    """A page in a fresh browser context (another person, another device), in English."""
    contexts = []

    def open_one():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(WAIT_MS)
        context.add_cookies([{"name": "django_language", "value": "en", "url": asgi_server.http_url}])
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def file_complaint(page, base: str, address: str, description: str) -> tuple[str, str]:
    """File a report of false information through the form; (its reference, its tracking link)."""
    page.goto(f"{base}/complaints/new/")
    page.get_by_label("False news or rumor").check()
    page.get_by_label("Web addresses of the content").fill(address)
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(f"{base}/filed/**")
    return page.locator(".reference--large").inner_text(), page.get_by_label("Tracking link", exact=True).input_value()


def test_staff_refute_a_rumor_reported_twice_and_both_complainants_are_led_to_the_refutation(
    asgi_server, provider, open_page, screenshots
):
    base = asgi_server.http_url
    make_staff(provider, "agent-zhao")

    # Given two people who report the same false video, at two addresses.
    first = open_page()
    first_reference, first_link = file_complaint(
        first, base, "https://video.example.com/v/dam", "This dam video is fake, nothing happened."
    )
    second = open_page()
    second_reference, second_link = file_complaint(
        second, base, "https://social.example.com/p/dam-flood", "A flood video shared in my chat group is made up."
    )

    # When an agent opens a refutation from the first complaint, naming the second too.
    agent = open_page()
    sign_in(agent, base, "agent-zhao")
    agent.get_by_role("link", name=first_reference, exact=True).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text(f"Case {first_reference}")
    opening = step_form(agent, "Open a rumor refutation")
    opening.get_by_label("The claim to check").fill(CLAIM)
    opening.get_by_label("Other cases about the same thing (optional)").fill(second_reference)
    opening.get_by_role("button", name="Open a rumor refutation").click()
    expect(agent.locator(".notice--success")).to_contain_text("Opened Rumor refutation R-")
    refutation_reference = agent.locator("h1 .reference").inner_text()
    expect(agent.locator(".state__badge")).to_have_text("Opened, verification not started")
    links = agent.get_by_role("region", name="Case facts")
    expect(links.get_by_role("link", name=first_reference, exact=True)).to_be_visible()
    expect(links.get_by_role("link", name=second_reference, exact=True)).to_be_visible()

    # And the complainants are told at once that a refutation is under way.
    first.goto(first_link)
    first.wait_for_url(f"{base}/track/{first_reference}/")
    expect(first.get_by_role("region", name="Related to your case")).to_contain_text("A refutation is under way")

    # Then the agent verifies the claim, confirms it false and publishes the refutation.
    take_step(agent, "Start verification")
    take_step(
        agent,
        "Record a source",
        {
            "Source consulted": "City water authority",
            "What it shows (for the record)": "The dam was inspected at 9:00.",
        },
    )
    expect(agent.locator(".state__badge")).to_have_text("Verifying")
    confirm = step_form(agent, "Confirm the claim is false")
    confirm.get_by_label("Fabricated with synthetic media").check()
    take_step(agent, "Confirm the claim is false", {"Why the claim is false (for the record)": "Generated video."})
    take_step(
        agent,
        "Publish the refutation",
        {"The verdict in plain words": EXPLANATION, "The evidence": EVIDENCE},
    )
    expect(agent.locator(".state__badge")).to_have_text("Refutation published, not yet reported")
    agent.screenshot(path=screenshots / "rumor-1-published-staff-en.png", full_page=True)

    # The public list leads to the refutation's page, which shows it and carries its ClaimReview.
    reader = open_page()
    reader.goto(f"{base}/refutations/")
    reader.get_by_role("link", name=re.compile(r"^A video shows the river dam")).click()
    reader.wait_for_url(f"{base}/refutations/{refutation_reference}/")
    expect(reader.get_by_role("heading", level=1)).to_contain_text("A video shows the river dam")
    expect(reader.get_by_role("region", name="The claim", exact=True)).to_contain_text(CLAIM)
    expect(reader.get_by_role("region", name="Verdict: Fabricated with synthetic media")).to_contain_text(EXPLANATION)
    expect(reader.get_by_role("region", name="The evidence", exact=True)).to_contain_text("City water authority")
    expect(reader.get_by_role("region", name="Where the claim appeared")).to_contain_text(
        "https://social.example.com/p/dam-flood"
    )
    review = json.loads(reader.locator('script[type="application/ld+json"]').text_content())
    assert (review["@type"], review["claimReviewed"]) == ("ClaimReview", CLAIM)
    assert review["url"] == f"{base}/refutations/{refutation_reference}/"
    reader.screenshot(path=screenshots / "rumor-2-public-refutation-en.png", full_page=True)

    # Both complainants' tracking pages now link to it.
    second.goto(second_link)
    second.wait_for_url(f"{base}/track/{second_reference}/")
    first.reload()
    for page in (first, second):
        related = page.get_by_role("region", name="Related to your case")
        expect(related).to_contain_text("A refutation has been published")
        expect(related.get_by_role("link", name="Read the refutation")).to_have_attribute(
            "href", f"/refutations/{refutation_reference}/"
        )
    second.screenshot(path=screenshots / "rumor-3-tracking-links-refutation-en.png", full_page=True)
    second.get_by_role("link", name="Read the refutation").click()
    second.wait_for_url(f"{base}/refutations/{refutation_reference}/")
    expect(second.get_by_role("heading", level=1)).to_contain_text("A video shows the river dam")
