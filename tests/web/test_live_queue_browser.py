"""The staff queue moving by itself, in real Chromium: a case filed from a member of the
public's browser appears, and its row changes when a colleague claims it, without a reload;
the page says when its live connection is up."""

from __future__ import annotations

import pytest

from cases.models import Case
from tests.conftest import make_staff
from tests.web.test_staff_case_browser import sign_in

pytestmark = pytest.mark.browser


def test_the_queue_shows_a_new_case_and_a_claim_without_reloading(
    asgi_server,
    provider,
    agent_user,
    dispatcher,
    browser,
):
    make_staff(provider, "colleague")
    base = asgi_server.http_url
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    colleague_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    public_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    queue = staff_context.new_page()
    sign_in(queue, base, "agent")
    queue.wait_for_selector("[data-live-status][data-state=connected]")
    queue.evaluate("window.notReloaded = true")

    # A member of the public files a complaint.
    public = public_context.new_page()
    public.goto(f"{base}/complaints/new/")
    public.get_by_label("合成内容未添加标识").check()
    public.get_by_label("内容网址").fill("https://video.example.com/v/42")
    public.get_by_label("情况描述").fill("这段视频用 AI 合成了一位主持人的声音，没有任何标识。")
    public.get_by_role("button", name="提交").click()
    public.wait_for_url("**/filed/**")
    reference = public.locator(".reference--large").inner_text()

    row = queue.locator(f"tr:has-text('{reference}')")
    row.wait_for(timeout=15000)
    assert "Unassigned" in row.inner_text()

    # A colleague claims it on its case page.
    colleague = colleague_context.new_page()
    sign_in(colleague, base, "colleague")
    case = Case.objects.get(reference=reference)
    colleague.goto(f"{base}/staff/cases/{case.id}/")
    colleague.get_by_role("button", name="Take this case").click()
    colleague.wait_for_selector(".notice--success")

    queue.wait_for_function(
        "reference => [...document.querySelectorAll('tr')].some("
        "row => row.textContent.includes(reference) && row.textContent.includes('colleague'))",
        arg=reference,
        timeout=15000,
    )
    assert queue.evaluate("window.notReloaded") is True
    for context in (staff_context, colleague_context, public_context):
        context.close()
