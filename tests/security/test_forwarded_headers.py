"""Forwarded headers are trusted as far as RATE_LIMIT_TRUSTED_PROXIES says, and no further,
in `manage.py serve` itself: a caller who names its own address in X-Forwarded-For neither
escapes a limit nor appears under that address in the access log."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from accounts.models import Organisation, Role, User
from tests.processes import serving

COMPLAINT = {
    "category": "unlabelled_synthetic",
    "description": "A synthetic video with no label.",
    "content_urls": ["https://video.example.com/v/1"],
}
# The serve process counts in its own memory rather than the shared Redis, so that test
# workers sharing one Redis never spend each other's limits.
LIMITED = {"RATE_LIMIT_SUBMIT": "2/3600", "RATE_LIMIT_STAFF_LOGIN": "2/600", "REDIS_URL": ""}


class Browser:
    """A urllib client with cookies that returns every status instead of raising."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        # Always http://127.0.0.1: the base is the address of the server this test started.
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def file_complaint(self, forwarded_for: str | None = None) -> int:
        headers = {"Content-Type": "application/json"}
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        return self.request("POST", "/api/v1/public/complaints/", json.dumps(COMPLAINT).encode(), headers)[0]

    def sign_in(self, password: str, forwarded_for: str | None = None) -> int:
        _, page = self.request("GET", "/staff/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": "boss", "password": password})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        return self.request("POST", "/staff/login/", body.encode(), headers)[0]


@pytest.fixture
def organisation(transactional_db: None) -> Organisation:
    provider = Organisation.objects.create(slug="provider", name="Provider", kind=Organisation.Kind.PROVIDER)
    User.objects.create_user(username="boss", password="right-password-1", organisation=provider, role=Role.SUPERVISOR)
    return provider


def test_a_forged_forwarded_address_resets_neither_the_filing_nor_the_sign_in_limit(organisation, tmp_path: Path):
    log = tmp_path / "serve.log"
    with serving(log, env=LIMITED) as base:
        browser = Browser(base)
        assert [browser.file_complaint(), browser.file_complaint()] == [201, 201]
        forged_filings = [browser.file_complaint(forwarded_for=f"10.0.{n}.1") for n in range(1, 6)]
        assert [browser.sign_in("guess-1"), browser.sign_in("guess-2")] == [200, 200]
        forged_guesses = [browser.sign_in(f"guess-{n}", forwarded_for=f"10.0.{n}.1") for n in range(3, 8)]
        right_password = browser.sign_in("right-password-1", forwarded_for="10.9.9.9")

    assert forged_filings == [429] * 5
    assert forged_guesses == [429] * 5
    assert right_password == 429  # the limit holds even for the right password: no oracle
    written = log.read_text(errors="replace")
    assert "POST /api/v1/public/complaints/ 429 127.0.0.1" in written
    assert "10.0." not in written and "10.9.9.9" not in written


def test_behind_a_trusted_proxy_the_address_it_forwards_is_the_one_counted_and_logged(organisation, tmp_path: Path):
    log = tmp_path / "serve.log"
    with serving(log, env={**LIMITED, "RATE_LIMIT_TRUSTED_PROXIES": "1"}) as base:
        browser = Browser(base)
        spent = [browser.file_complaint(forwarded_for="203.0.113.5") for _ in range(3)]
        # A client of the proxy who prepends its own pick is still counted by what the proxy saw.
        prepended = browser.file_complaint(forwarded_for="10.0.0.1, 203.0.113.5")
        another_client = browser.file_complaint(forwarded_for="203.0.113.6")

    assert spent == [201, 201, 429]
    assert prepended == 429
    assert another_client == 201
    written = log.read_text(errors="replace")
    assert "POST /api/v1/public/complaints/ 201 203.0.113.6" in written
    assert "10.0.0.1" not in written
