"""The staff case page in a real Chromium: facts with several values each stay beside their
label, and a decision is taken through the page's forms by keyboard and mouse."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.actors import Actor
from cases import commands
from cases.models import Case
from tests.web.test_personal_information_browser import axe_violations

pytestmark = pytest.mark.browser

TWO_URLS = ["https://video.example.com/v/1", "https://video.example.com/v/2"]

# Every value (dd) of every visible fact list, with the label (dt) of its group: where each
# was drawn, and whether the value sits wholly to the right of its label.
FACT_BOXES = """
() => Array.from(document.querySelectorAll("dl.facts dd"))
  .filter((dd) => dd.getClientRects().length > 0)
  .map((dd) => {
    const group = dd.closest(".facts__group");
    const dt = group ? group.querySelector("dt") : null;
    const label = dt ? dt.getBoundingClientRect() : null;
    const value = dd.getBoundingClientRect();
    return {
      label: dt ? dt.textContent.trim() : null,
      value: dd.textContent.trim().slice(0, 60),
      labelRight: label ? label.right : null,
      labelTop: label ? label.top : null,
      labelBottom: label ? label.bottom : null,
      valueLeft: value.left,
      valueTop: value.top,
    };
  })
"""

# Form controls a person can reach that no label names.
UNLABELLED = """
() => Array.from(document.querySelectorAll("main input, main select, main textarea"))
  .filter((el) => el.type !== "hidden" && el.getClientRects().length > 0)
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
  .map((el) => el.name)
"""


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("form.staff-login button[type=submit]")
    page.wait_for_url(f"{base}/staff/")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")


@pytest.fixture
def decided_case(submit_complaint, agent) -> Case:
    """A complaint about two addresses, decided with two measures against one account."""
    case = submit_complaint(content_urls=TWO_URLS).case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=case.version)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=case.version + 1)
    commands.complaint_resolve(
        case_id=case.id,
        actor=agent,
        expected_version=case.version + 2,
        outcome="violation",
        measures=[{"measure": "content_removed"}, {"measure": "warning", "account": "user-42"}],
        summary="Both videos were removed and the uploader warned.",
    )
    return Case.objects.get(pk=case.id)


def test_every_value_of_a_fact_stays_beside_its_label(asgi_server, agent_user, decided_case, desktop, screenshots):
    page = desktop.new_page()
    sign_in(page, asgi_server.http_url, "agent")

    page.goto(f"{asgi_server.http_url}/staff/cases/{decided_case.id}/")
    page.screenshot(path=screenshots / "wide-staff-case-facts-en.png", full_page=True)
    boxes = page.evaluate(FACT_BOXES)

    by_label: dict[str, list[str]] = {}
    for box in boxes:
        assert box["label"] is not None, f"{box['value']!r} has no label in its group"
        by_label.setdefault(box["label"], []).append(box["value"])
        assert box["valueLeft"] >= box["labelRight"], f"{box['value']!r} is not right of {box['label']!r}"
    # The lists this is about: the two measures in the facts, the two addresses in the history.
    in_force = [value for value in by_label["Measures"] if value.endswith("In force")]
    assert len(in_force) == 2
    addresses = [values for values in by_label.values() if set(values) == set(TWO_URLS)]
    assert addresses, by_label


def test_on_a_phone_each_value_comes_under_its_label(asgi_server, agent_user, decided_case, phone):
    page = phone.new_page()
    sign_in(page, asgi_server.http_url, "agent")

    page.goto(f"{asgi_server.http_url}/staff/cases/{decided_case.id}/")
    boxes = page.evaluate(FACT_BOXES)

    assert boxes
    for box in boxes:
        assert box["valueTop"] >= box["labelBottom"] - 1, f"{box['value']!r} overlaps {box['label']!r}"
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_a_decision_with_measures_is_taken_through_the_page(
    asgi_server, agent_user, submit_complaint, agent, desktop, screenshots
):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=Actor.for_user(agent_user), expected_version=2)
    base = asgi_server.http_url
    page = desktop.new_page()
    sign_in(page, base, "agent")
    page.goto(f"{base}/staff/cases/{case.id}/")
    assert page.evaluate(UNLABELLED) == []
    assert axe_violations(page) == []
    # The step asks for a decision, so it is a link until opened; opened, the page scrolls to it.
    assert page.locator("fieldset.measure-row").count() == 0
    page.get_by_role("link", name="Fill in “Resolve”").click()
    page.wait_for_url(f"{base}/staff/cases/{case.id}/?form=action-resolve*")
    resolve = page.locator("form.step-form", has=page.locator("h3", has_text="Resolve"))
    assert resolve.locator("fieldset.measure-row").count() == 5
    expect(page.locator("#action-resolve")).to_be_in_viewport()
    assert page.evaluate(UNLABELLED) == []
    assert axe_violations(page) == []

    # A warning without its account is refused: the summary has focus and links to the field.
    resolve.get_by_label("Violation found, measures taken").check()
    resolve.get_by_label("Decision and reasons, for the complainant").fill("The video was removed.")
    first, second = resolve.locator("fieldset.measure-row").nth(0), resolve.locator("fieldset.measure-row").nth(1)
    first.get_by_label("Measure", exact=True).select_option("content_removed")
    second.get_by_label("Measure", exact=True).select_option("warning")
    resolve.get_by_role("button", name="Resolve").click()
    page.wait_for_selector("[data-error-summary]")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.title().startswith("Error:")
    page.screenshot(path=screenshots / "wide-staff-resolve-errors-en.png", full_page=True)
    page.get_by_role("link", name="Measure 2 – Account identifier: Name the account this measure is against.").click()
    assert page.evaluate("document.activeElement.id") == "id_action-resolve-measures_1_account"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    # Put right and sent again: the page comes back with the decision and says so.
    page.keyboard.type("user-42")
    page.locator("#id_action-resolve-measures_1_notify_email").fill("holder@example.com")
    page.locator("form.step-form", has=page.locator("h3", has_text="Resolve")).get_by_role(
        "button", name="Resolve"
    ).click()
    page.wait_for_selector(".notice--success")
    assert page.url == f"{base}/staff/cases/{case.id}/"
    assert "Resolved" in page.locator(".state__badge").inner_text()
    assert Case.objects.get(pk=case.id).details["measures"][1]["account"] == "user-42"
    assert page.evaluate(UNLABELLED) == []
