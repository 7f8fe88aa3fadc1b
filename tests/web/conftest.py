"""Shared set-up of the public web page tests: files to upload, counts of everything a
filing writes, and for browser tests one Chromium per session."""

from __future__ import annotations

import io
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.eventstore import Event
from cases.models import Case, DataSubject, Evidence, TrackingCredential
from notifications.dispatch import dispatch_forever

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"


def png_bytes(size: tuple[int, int] = (40, 30), colour: str = "#0b5cad") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def stored_rows() -> dict[str, int]:
    """How many rows a filing could have written, to prove that a rejected one wrote none."""
    return {
        "events": Event.objects.count(),
        "cases": Case.objects.count(),
        "data_subjects": DataSubject.objects.count(),
        "evidence": Evidence.objects.count(),
        "tracking_credentials": TrackingCredential.objects.count(),
    }


# --- A real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the browser tests of a module.

    Not for the whole session: while Playwright's synchronous API is running it keeps an event
    loop marked as running in this thread, and then Django refuses database calls and asgiref
    refuses async_to_sync here. Module scope ends that before any other module's tests run."""
    from tests.parts import require_part

    require_part("Chromium", shutil.which(CHROMIUM) is not None, "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # The tests' own database calls between browser steps are synchronous and safe; Django only
    # sees Playwright's loop and would refuse them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            _report_policy_violations(chromium)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# What the browser refused under the Content-Security-Policy during the current test: every
# page must work without inline scripts, styles or handlers, so any refusal fails the test.
POLICY_VIOLATIONS: list[str] = []


def _report_policy_violations(chromium) -> None:
    new_context = chromium.new_context

    def new_context_watched(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on(
            "console",
            lambda message: (
                POLICY_VIOLATIONS.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return context

    chromium.new_context = new_context_watched


@pytest.fixture(autouse=True)
def _no_policy_violations(request) -> Iterator[None]:
    POLICY_VIOLATIONS.clear()
    yield
    if "browser" in request.fixturenames:
        assert POLICY_VIOLATIONS == [], "the Content-Security-Policy refused parts of a page"


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context in Simplified Chinese."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    yield context
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    yield context
    context.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def dispatcher(asgi_server):
    """The outbox dispatcher, running as `serve` runs it, so that live hints flow by themselves."""
    stop = threading.Event()
    worker = threading.Thread(target=dispatch_forever, kwargs={"stop": stop, "poll_seconds": 0.2}, daemon=True)
    worker.start()
    yield
    stop.set()
    worker.join(timeout=10)
