"""The public pages in a real Chromium against the real ASGI application: a complainant on a
phone, in Chinese, files a complaint with a picture, follows it with the private link, switches
to English, sees the decision arrive and appeals it; the confirmation and tracking pages offer
the receipt, which downloads. The token never reaches the server in a
URL or a Referer header."""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from accounts.actors import Actor
from cases import commands
from cases.models import Case
from notifications.dispatch import dispatch_batch
from tests.conftest import make_staff
from tests.web.conftest import png_bytes

pytestmark = pytest.mark.browser

MAIN_PAGES = ["/", "/complaints/new/", "/appeals/new/", "/track/", "/flow/", "/transparency/"]


class AccessLog(logging.Handler):
    """The server's access log lines (method, path and query of every request), kept."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_log():
    logger = logging.getLogger("uvicorn.access")
    handler, level = AccessLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def deliver_notifications() -> None:
    # asgiref will not run async_to_sync in a thread where Playwright's loop is running.
    worker = threading.Thread(target=dispatch_batch)
    worker.start()
    worker.join(timeout=20)


def overflows_horizontally(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_a_complainant_on_a_phone_files_follows_and_appeals(
    asgi_server, provider, phone, browser, access_log, screenshots
):
    base = asgi_server.http_url
    sent = []  # every request the browser made: (url, headers)
    phone.on("request", lambda request: sent.append((request.url, request.headers)))
    page = phone.new_page()

    # In Chinese, on the home page, to the form.
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=screenshots / "phone-home-zh.png", full_page=True)
    page.get_by_role("link", name="开始投诉举报").first.click()
    page.wait_for_url("**/complaints/new/")

    # A first try without a description is refused, naming the field, with focus on the summary.
    page.get_by_label("合成内容未添加标识").check()
    page.get_by_role("button", name="提交").click()
    summary = page.locator("[data-error-summary]")
    assert "情况描述" in summary.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.screenshot(path=screenshots / "phone-complaint-errors-zh.png", full_page=True)

    page.get_by_label("内容网址").fill("https://video.example.com/v/42")
    page.get_by_label("情况描述").fill("这段视频用 AI 合成了一位主持人的声音，没有任何标识。")
    page.get_by_label("证据文件（选填）").set_input_files(
        [{"name": "截图.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="提交").click()

    # The confirmation: the reference, the link shown once, the due times in Beijing time.
    page.wait_for_url("**/filed/**")
    reference = page.locator(".reference--large").inner_text()
    case = Case.objects.get(reference=reference)
    assert case.evidence.count() == 1
    link = page.locator("#tracking-link").input_value()
    token = link.rpartition("#")[2]
    assert link == f"{base}/track/{reference}/#{token}"
    assert page.get_by_text("（北京时间）").count() == 2
    page.screenshot(path=screenshots / "phone-confirmation-zh.png", full_page=True)
    # The receipt: a small JSON file proving the filing is in the signed log.
    with page.expect_download() as receipt_download:
        page.locator("[data-receipt-link]").click()
    receipt = json.loads(Path(receipt_download.value.path()).read_text(encoding="utf-8"))
    assert receipt_download.value.suggested_filename == f"receipt-{reference}.json"
    assert receipt["event"]["stream_id"] == str(case.id)

    # The link, opened on another phone: the token is exchanged and the address is clean.
    other_phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    other_phone.on("request", lambda request: sent.append((request.url, request.headers)))
    try:
        follower = other_phone.new_page()
        follower.goto(link)
        follower.wait_for_selector("[data-live-case]")
        assert follower.url == f"{base}/track/{reference}/"
        assert "已提交" in follower.locator(".state__badge").inner_text()
        assert "北京时间" in follower.locator("[data-live-part=status]").inner_text()
        assert follower.locator("[data-receipt-link]").is_visible()
        follower.screenshot(path=screenshots / "phone-tracking-zh.png", full_page=True)

        # In English.
        follower.get_by_role("button", name="English").click()
        follower.wait_for_selector("html[lang=en]")
        assert follower.url == f"{base}/track/{reference}/"
        assert "Submitted" in follower.locator(".state__badge").inner_text()
        assert "Where your case stands" in follower.content()
        follower.screenshot(path=screenshots / "phone-tracking-en.png", full_page=True)

        # Staff decide; the page hears of it over its WebSocket and shows the decision.
        deliver_notifications()
        staff = Actor.for_user(make_staff(provider, "agent-li"))
        commands.complaint_accept(case_id=case.id, actor=staff, expected_version=case.version)
        commands.complaint_start_investigation(case_id=case.id, actor=staff, expected_version=case.version + 1)
        commands.complaint_resolve(
            case_id=case.id,
            actor=staff,
            expected_version=case.version + 2,
            outcome="no_violation",
            summary="The voice is licensed and the video carries a label.",
        )
        deliver_notifications()
        # `expect` rather than wait_for_function: the policy forbids evaluating strings as script.
        from playwright.sync_api import expect

        expect(follower.locator(".state__badge")).to_contain_text("Resolved", timeout=15000)
        follower.reload()
        assert "The voice is licensed" in follower.locator("[data-live-part=history]").inner_text()

        # Appeal the decision.
        follower.get_by_role("link", name="Appeal this decision").click()
        follower.get_by_label("Your reasons").fill("The label was added only after my complaint.")
        follower.get_by_role("button", name="Send the appeal").click()
        follower.wait_for_url("**/filed/A-**")
        appeal_reference = follower.locator(".reference--large").inner_text()
        assert appeal_reference.startswith("A-")
        assert Case.objects.get(reference=appeal_reference).related_case_id == case.id
        follower.screenshot(path=screenshots / "phone-appeal-confirmation-en.png", full_page=True)
    finally:
        other_phone.close()

    # The token went to the server only in a POST body: never in a URL, never in a Referer.
    for url, headers in sent:
        parts = urlsplit(url)
        assert token not in parts.path + "?" + parts.query, url
        assert token not in headers.get("referer", ""), url
    assert access_log.lines, "the server's access log was not captured"
    assert not [line for line in access_log.lines if token in line]
    assert any(f"/track/{reference}/" in line for line in access_log.lines)


def test_the_main_pages_fit_a_phone_and_a_wide_screen(asgi_server, provider, phone, desktop, screenshots):
    for context, name in ((phone, "phone"), (desktop, "wide")):
        page = context.new_page()
        for path in MAIN_PAGES:
            response = page.goto(asgi_server.http_url + path)
            assert response.status == 200, path
            assert response.headers["referrer-policy"] == "same-origin"
            assert not overflows_horizontally(page), f"{path} overflows at {name} width"
        page.goto(asgi_server.http_url + "/flow/")
        page.screenshot(path=screenshots / f"{name}-flow-zh.png", full_page=True)
        page.goto(asgi_server.http_url + "/")
        page.screenshot(path=screenshots / f"{name}-home-zh.png", full_page=True)


def test_keyboard_users_can_skip_to_the_content_and_see_where_focus_is(asgi_server, provider, desktop):
    page = desktop.new_page()
    page.goto(asgi_server.http_url + "/complaints/new/")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip.bounding_box()["y"] >= 0  # moved into view when focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    background = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert outline != "none" or background != "rgba(0, 0, 0, 0)"
    page.keyboard.press("Enter")
    # The browser reports the fragment navigation a moment after the key press; a page that
    # never goes to #main times out here.
    page.wait_for_url(re.compile(r"#main$"), timeout=5000)
