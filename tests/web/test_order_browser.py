"""A rectification order worked by both parties at once, in two real Chromium contexts side by
side: a regulator's officer and a provider's agent, each seeing the other's step appear on
their own page without reloading it."""

from __future__ import annotations

import pytest

from accounts.models import Organisation, Role
from cases.models import Case
from tests.conftest import make_staff
from tests.web.test_staff_case_browser import UNLABELLED

pytestmark = pytest.mark.browser

STATE = ".state__badge"


@pytest.fixture
def parties(provider):
    regulator = Organisation.objects.create(slug="cac", name="Demo CAC Office", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(provider)
    make_staff(regulator, "officer", Role.REGULATOR_OFFICER)
    make_staff(provider, "agent")


def sign_in(page, base: str, username: str, lands_on: str) -> None:
    page.goto(f"{base}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("form.staff-login button[type=submit]")
    page.wait_for_url(f"{base}{lands_on}")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")


def take(page, action: str, **fields: str) -> None:
    """Open the step's form on the case page (a step that asks for something is a link until
    then), fill it and send it."""
    unfold = page.locator(f"a[href$='?form=action-{action}#action-{action}']")
    if unfold.count():
        unfold.click()
    form = page.locator(f"form[action$='/actions/{action}/']")
    for name, value in fields.items():
        form.locator(f"[name$='-{name}']").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".notice--success")


def sees_state(page, state: str) -> None:
    """The page shows `state` without having been reloaded since `mark`."""
    page.wait_for_function(
        "state => document.querySelector('.state__badge').textContent.trim() === state", arg=state, timeout=15000
    )
    assert page.evaluate("window.notReloaded") is True


def mark(page) -> None:
    page.evaluate("window.notReloaded = true")


def test_an_order_goes_back_and_forth_between_regulator_and_provider_live(
    asgi_server, parties, dispatcher, browser, screenshots
):
    base = asgi_server.http_url
    regulator_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    provider_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    officer = regulator_context.new_page()
    agent = provider_context.new_page()
    sign_in(officer, base, "officer", "/regulator/")
    sign_in(agent, base, "agent", "/staff/")

    # The regulator issues the order.
    officer.get_by_role("link", name="Issue a rectification order").click()
    officer.wait_for_url(f"{base}/staff/open/rectification_order/")
    assert officer.evaluate(UNLABELLED) == []
    officer.get_by_label("Provider", exact=True).check()  # the one provider it supervises, by name
    officer.get_by_label("Legal basis").select_option("article_16")
    officer.get_by_label("Title").fill("Synthetic videos without labels")
    officer.get_by_label("Findings of the inspection").fill("14 synthetic videos went out without labels.")
    officer.get_by_label("Measures required").fill("Label every synthetic video.")
    officer.get_by_label("Deadline").fill("2031-01-15T18:00")
    officer.get_by_role("button", name="Issue a rectification order").click()
    officer.wait_for_selector(".notice--success")
    order = Case.objects.get(kind="rectification_order")
    assert officer.url == f"{base}/staff/cases/{order.id}/"
    assert officer.locator(STATE).inner_text() == "Issued, awaiting acknowledgement"
    officer.screenshot(path=screenshots / "wide-order-issued-en.png", full_page=True)

    # The provider finds it in its queue and acknowledges it; the officer's page follows.
    agent.goto(f"{base}/staff/")
    agent.get_by_role("link", name=order.reference).click()
    agent.wait_for_url(f"{base}/staff/cases/{order.id}/")
    agent.wait_for_selector("[data-live-connected]")
    officer.wait_for_selector("[data-live-connected]")
    mark(officer)
    take(agent, "acknowledge", note="Received.")
    sees_state(officer, "Being rectified")

    mark(officer)
    take(agent, "submit", summary="Every video now carries its label.")
    sees_state(officer, "Submitted, awaiting the regulator")

    # The regulator rejects; the provider sees why, on its page as it stands.
    agent.wait_for_selector("[data-live-connected]")
    mark(agent)
    take(officer, "reject", reasons="The mirror site still serves unlabelled videos.")
    sees_state(agent, "Being rectified")
    assert "The mirror site still serves unlabelled videos." in agent.locator(".history").inner_text()

    mark(officer)
    take(agent, "submit", summary="The mirror site is labelled too.")
    sees_state(officer, "Submitted, awaiting the regulator")

    mark(agent)
    take(officer, "accept", reasons="Checked on both sites.")
    sees_state(agent, "Accepted, closed")
    agent.screenshot(path=screenshots / "wide-order-accepted-provider-en.png", full_page=True)

    order.refresh_from_db()
    assert order.state == "accepted" and order.version == 6
    # The dashboard lists the order among the regulator's, closed.
    officer.goto(f"{base}/regulator/")
    row = officer.locator(f"tr:has-text('{order.reference}')")
    assert "Accepted, closed" in row.inner_text()
    assert officer.evaluate(UNLABELLED) == []
    regulator_context.close()
    provider_context.close()
