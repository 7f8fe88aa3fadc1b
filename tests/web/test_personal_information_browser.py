"""A complainant in a real Chromium, following their complaint with its private link, asks
for a copy of their personal information from the tracking page, gets a reference and a link
of their own, and, once staff fulfil the request, downloads the export. Each page they see is
checked with axe-core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accounts.actors import Actor
from cases import commands
from cases.models import Case

pytestmark = pytest.mark.browser

NAME = "Chen Axelina"
EMAIL = "axelina.unique-6627@example.com"


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]]


def test_a_complainant_asks_for_a_copy_of_their_data_and_downloads_it(
    asgi_server, provider, agent, desktop, screenshots
):
    base = asgi_server.http_url
    filed = commands.complaint_submit(
        organisation=provider,
        actor=Actor.public(),
        category="unlabelled_synthetic",
        description="My face in a video, marker SAFFRON-6627.",
        content_urls=["https://video.example.com/v/6627"],
        contact_name=NAME,
        contact_email=EMAIL,
        consent=True,
    )
    page = desktop.new_page()

    # The private link opens the case; its page leads to the request form.
    page.goto(f"{base}/track/{filed.case.reference}/#{filed.tracking_token}")
    page.wait_for_url(f"**/track/{filed.case.reference}/")
    page.get_by_role("link", name="个人信息请求").click()
    page.wait_for_url("**/personal-information/")
    assert axe_violations(page) == []
    page.screenshot(path=screenshots / "personal-information-form-zh.png", full_page=True)

    # Sending it without a choice names the missing field; then with one it is filed.
    page.get_by_role("button", name="提交请求").click()
    assert page.locator("[data-error-summary]").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("向我提供我的个人信息副本（复制）").check()
    page.get_by_label("详细说明（选填）").fill("请发给我全部信息。")
    page.get_by_role("button", name="提交请求").click()
    page.wait_for_url("**/filed/P-*/")
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    assert axe_violations(page) == []
    request = Case.objects.get(reference=reference)
    assert request.subject_id == filed.case.subject_id

    # Staff handle it; the requester's tracking page then offers the export.
    for action in ("start", "fulfil"):
        version = Case.objects.get(pk=request.pk).version
        commands.case_act(case_id=request.id, actor=agent, expected_version=version, action=action, arguments={})
    page.goto(f"{base}/track/{reference}/")
    assert page.get_by_role("heading", name="下载").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="您的个人信息（网页）").click()
    page.wait_for_url("**/export/")
    assert page.get_by_text(EMAIL).is_visible()
    assert page.get_by_text("SAFFRON-6627").first.is_visible()
    assert axe_violations(page) == []
    page.screenshot(path=screenshots / "personal-information-export-zh.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="以 JSON 文件下载同样的内容").click()
    exported = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert exported["subject"]["name"] == NAME
    assert [item["reference"] for item in exported["cases"]] == [filed.case.reference, reference]


def test_staff_reveal_a_requesters_data_with_a_real_button_and_the_pages_stay_accessible(
    asgi_server, provider, agent_user, browser, screenshots
):
    base = asgi_server.http_url
    filed = commands.complaint_submit(
        organisation=provider,
        actor=Actor.public(),
        category="unlabelled_synthetic",
        description="A video of me.",
        contact_name=NAME,
        contact_email=EMAIL,
        consent=True,
    )
    request = commands.personal_information_request_file(
        case_id=filed.case.id,
        actor=Actor.public(tracked_case_ids=frozenset({filed.case.id})),
        request_type="correction",
        request_text="My name is spelt Chen Axelinah.",
    ).case
    # In English; the reveal is an ordinary form that posts and comes back to the page.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/staff/login/")
    page.fill("#id_username", agent_user.username)
    page.fill("#id_password", f"pw-{agent_user.username}")
    page.click("form.staff-login button[type=submit]")
    page.wait_for_url("**/staff/**")

    page.goto(f"{base}/staff/cases/{request.id}/")
    assert page.get_by_text(EMAIL).count() == 0
    assert page.get_by_text("Chen Axelinah").count() == 0
    assert axe_violations(page) == []
    page.get_by_role("button", name="Reveal").click()
    page.wait_for_url(f"**/staff/cases/{request.id}/")

    assert page.get_by_text(EMAIL).first.is_visible()
    assert page.get_by_text("My name is spelt Chen Axelinah.").is_visible()
    assert page.get_by_role("heading", name="Personal data revealed").is_visible()
    assert axe_violations(page) == []
    page.screenshot(path=screenshots / "personal-information-revealed-en.png", full_page=True)
    context.close()
