"""The whole story in a real Chromium, through the pages only: a member of the public files a
complaint, an agent takes it from the queue and asks a question, the complainant answers
with the private link, the agent decides with a warning against an account, the complainant
appeals, the agent who decided may not review the appeal, and a supervisor overturns it; the
account's page then shows the warning reversed on that appeal."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import Role
from cases.workflows.appeal import MSG_ORIGINAL_DECIDER
from tests.conftest import make_staff

pytestmark = pytest.mark.browser

ACCOUNT = "creator-2046"
QUESTION = "On which day did you first see the video, and was it shown on the home page?"
ANSWER = "On 3 May, at the top of the home page, with no label at all."
SUMMARY = "The video carried no synthetic-content label; the uploader has been warned."
OVERTURN_REASON = "The label was present but hidden by the player; the warning was not justified."
with translation.override("en"):
    FOUR_EYES = str(MSG_ORIGINAL_DECIDER)
# Long enough for a page to answer on a busy machine, short enough to fail fast.
WAIT_MS = 10_000


@pytest.fixture
def open_context(browser, asgi_server):
    """Open a fresh browser context (another person, another device), on desktop width;
    `english` sets the site's language cookie as if the person had chosen it before."""
    contexts = []

    def open_one(*, english: bool = True):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(WAIT_MS)
        if english:
            context.add_cookies([{"name": "django_language", "value": "en", "url": asgi_server.http_url}])
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/staff/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/staff/")


def step_form(page, step: str):
    """The case page's form for one workflow step, found by its heading; a step that asks for
    something is a link until opened, so it is opened first."""
    unfold = page.get_by_role("link", name=f"Fill in “{step}”", exact=True)
    if unfold.count():
        unfold.click()
    return page.locator("form.step-form").filter(has=page.get_by_role("heading", name=step, exact=True))


def take_step(page, step: str, fields: dict[str, str] | None = None) -> None:
    """Fill the step's text fields (by label), send it, and wait for the page to confirm it."""
    form = step_form(page, step)
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=step, exact=True).click()
    expect(page.locator(".notice--success")).to_contain_text(f"Done: {step}.")


def test_a_complaint_goes_from_filing_to_an_overturned_appeal_through_the_pages(
    asgi_server, provider, open_context, screenshots
):
    base = asgi_server.http_url
    make_staff(provider, "agent-li")
    make_staff(provider, "supervisor-wang", Role.SUPERVISOR)

    # Given a member of the public who files a complaint, in English, and keeps the link.
    filer = open_context(english=False)
    filer.goto(f"{base}/complaints/new/")
    filer.get_by_role("button", name="English").click()
    expect(filer.locator("html")).to_have_attribute("lang", "en")
    filer.get_by_label("Synthetic content without a label").check()
    filer.get_by_label("Web addresses of the content").fill("https://video.example.com/v/2046")
    filer.get_by_label("Description").fill("A synthetic news anchor reads a made-up story; nothing says it is AI.")
    filer.get_by_label("E-mail address").fill("complainant@example.com")
    filer.get_by_label("I agree that my contact details are used").check()
    filer.get_by_role("button", name="Send").click()
    filer.wait_for_url(f"{base}/filed/**")
    expect(filer.get_by_role("heading", name="Your complaint or report has been filed")).to_be_visible()
    complaint_reference = filer.locator(".reference--large").inner_text()
    tracking_link = filer.get_by_label("Tracking link", exact=True).input_value()
    assert tracking_link.startswith(f"{base}/track/{complaint_reference}/#")
    filer.screenshot(path=screenshots / "e2e-1-complaint-filed-en.png", full_page=True)

    # When an agent takes the next case from the queue, it is that complaint.
    agent = open_context()
    sign_in(agent, base, "agent-li")
    agent.get_by_role("button", name="Take the next case").click()
    agent.wait_for_url(re.compile(r"/staff/cases/[0-9a-f-]{36}/$"))
    complaint_url = agent.url
    expect(agent.get_by_role("heading", level=1)).to_have_text(f"Case {complaint_reference}")
    expect(agent.locator(".notice--success")).to_have_text(f"Case {complaint_reference} is now assigned to you.")

    # And accepts it, starts the investigation and asks the complainant a question.
    take_step(agent, "Accept")
    take_step(agent, "Start investigation")
    take_step(agent, "Ask the complainant for information", {"Question for the complainant": QUESTION})
    expect(agent.locator(".state__badge")).to_have_text("Waiting for the complainant (clock paused)")

    # Then the complainant, opening the link on another device, sees the question and answers.
    follower = open_context()
    follower.goto(tracking_link)
    follower.wait_for_url(f"{base}/track/{complaint_reference}/")
    question = follower.get_by_role("region", name="We need more information from you")
    expect(question.locator("blockquote")).to_have_text(QUESTION)
    follower.screenshot(path=screenshots / "e2e-2-tracking-question-en.png", full_page=True)
    question.get_by_label("Your answer").fill(ANSWER)
    question.get_by_role("button", name="Send my answer").click()
    expect(follower.locator(".notice--success")).to_contain_text("We have received your information")
    expect(follower.get_by_role("region", name="We need more information from you")).to_have_count(0)

    # When the agent, reloading the case, sees the answer and resolves with a warning.
    agent.goto(complaint_url)
    expect(agent.locator(".state__badge")).to_have_text("Under investigation")
    expect(agent.get_by_role("region", name="History")).to_contain_text(ANSWER)
    resolve = step_form(agent, "Resolve")
    resolve.get_by_label("Violation found, measures taken").check()
    first_measure = resolve.get_by_role("group", name="Measure 1", exact=True)
    first_measure.get_by_label("Measure", exact=True).select_option(label="User warned")
    first_measure.get_by_label("Account identifier").fill(ACCOUNT)
    take_step(agent, "Resolve", {"Decision and reasons, for the complainant": SUMMARY})
    expect(agent.locator(".state__badge")).to_have_text("Resolved")
    warning = agent.get_by_role("link", name=re.compile(rf"^User warned \(M-.+-1\) · account {ACCOUNT} – In force$"))
    expect(warning).to_be_visible()
    measure_reference = re.search(r"\((M-[^)]+)\)", warning.inner_text()).group(1)
    agent.screenshot(path=screenshots / "e2e-3-complaint-resolved-en.png", full_page=True)

    # Then the complainant reads the decision and appeals it.
    follower.reload()
    expect(follower.locator(".state__badge")).to_have_text("Resolved")
    expect(follower.get_by_role("region", name="History")).to_contain_text(SUMMARY)
    follower.get_by_role("link", name="Appeal this decision").click()
    follower.wait_for_url(f"{base}/track/{complaint_reference}/appeal/")
    follower.get_by_label("Your reasons").fill("The video had a label in its corner; the player hid it.")
    follower.get_by_role("button", name="Send the appeal").click()
    follower.wait_for_url(f"{base}/filed/A-**")
    appeal_reference = follower.locator(".reference--large").inner_text()
    follower.screenshot(path=screenshots / "e2e-4-appeal-filed-en.png", full_page=True)

    # When the agent who decided opens the appeal, they are told they may not review it, and
    # no step of the review is offered to them.
    agent.goto(f"{base}/staff/")
    agent.get_by_role("link", name=appeal_reference, exact=True).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text(f"Case {appeal_reference}")
    expect(agent.get_by_role("region", name="Assignment")).to_contain_text(FOUR_EYES)
    expect(agent.get_by_role("button", name="Take this case")).to_have_count(0)
    expect(agent.get_by_role("button", name="Start review")).to_have_count(0)
    expect(agent.locator(".state__badge")).to_have_text("Filed, review not started")
    agent.screenshot(path=screenshots / "e2e-5-appeal-refused-to-the-decider-en.png", full_page=True)

    # Then a supervisor opens the appeal from the queue, reviews it and overturns the decision.
    supervisor = open_context()
    sign_in(supervisor, base, "supervisor-wang")
    supervisor.get_by_role("link", name=appeal_reference, exact=True).click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text(f"Case {appeal_reference}")
    take_step(supervisor, "Start review")
    take_step(supervisor, "Overturn the original decision", {"Reasons, for the appellant": OVERTURN_REASON})
    expect(supervisor.locator(".state__badge")).to_have_text("Original decision overturned")

    # And from the complaint, the warning's link leads to the account, where it shows reversed.
    supervisor.get_by_role("link", name=re.compile(rf"^{complaint_reference} – ")).click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text(f"Case {complaint_reference}")
    supervisor.get_by_role(
        "link", name=f"User warned ({measure_reference}) · account {ACCOUNT} – Reversed on appeal"
    ).click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text(ACCOUNT)
    measures = supervisor.get_by_role("table", name="Measures against this account").locator("tbody tr")
    expect(measures).to_have_count(1)
    row = measures.first
    expect(row.get_by_role("rowheader")).to_have_text("User warned")
    expect(row).to_contain_text(measure_reference)
    expect(row).to_contain_text("Reversed on appeal")
    expect(row.get_by_role("link", name=appeal_reference, exact=True)).to_be_visible()
    expect(row.get_by_role("link", name=complaint_reference, exact=True)).to_be_visible()
    supervisor.screenshot(path=screenshots / "e2e-6-account-measure-reversed-en.png", full_page=True)
