"""Production settings, proven on the entry points an operator uses: `manage.py check
--deploy`, `manage.py serve` with DEBUG=0, and the pages a failure shows."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Organisation
from tests.processes import ROOT, manage, serving

# The production variables the README documents, with DEBUG off.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "PERSONAL_DATA_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    "ALLOWED_HOSTS": "tracker.example.cn,127.0.0.1",
    "CSRF_TRUSTED_ORIGINS": "https://tracker.example.cn",
    "PUBLIC_BASE_URL": "https://tracker.example.cn",
}


def test_the_deployment_check_is_clean_with_debug_off_and_the_documented_variables(transactional_db):
    checked = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


def test_debug_is_off_unless_turned_on_and_then_a_secret_key_is_required():
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "PERSONAL_DATA_KEYS"}}
    environment["PERSONAL_DATA_KEYS"] = PRODUCTION["PERSONAL_DATA_KEYS"]
    code = "import tracker.settings as s; print(s.DEBUG)"

    without_key = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    with_key = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, "SECRET_KEY": "x" * 50},
        capture_output=True,
        text=True,
        check=False,
    )

    assert without_key.returncode != 0 and "SECRET_KEY must be set" in without_key.stderr
    assert with_key.stdout.strip() == "False"


def test_the_embedded_set_up_turns_debug_on():
    makefile = (Path(ROOT) / "Makefile").read_text()

    assert "run: export DEBUG ?= 1" in makefile


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, headers: dict | None = None):
    opener = urllib.request.build_opener(_NoRedirect)
    # Always http://127.0.0.1: the server this test started.
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_served_with_debug_off_every_answer_carries_the_production_headers(transactional_db, tmp_path):
    Organisation.objects.create(slug="provider", name="Provider", kind=Organisation.Kind.PROVIDER)
    environment = {**PRODUCTION, "RATE_LIMIT_TRUSTED_PROXIES": "1", "REDIS_URL": ""}
    with serving(tmp_path / "serve.log", env=environment) as base:
        plain = fetch(base + "/complaints/new/")
        forged_proto = fetch(base + "/complaints/new/", {"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"})
        live = fetch(base + "/health/live")
        missing = fetch(base + "/no-such-page/", {"X-Forwarded-Proto": "https"})

    # Plain HTTP is sent to HTTPS; health probes (plain HTTP from the load balancer) are not.
    assert plain[0] == 301 and plain[1]["Location"].startswith("https://")
    assert live[0] == 200
    status, headers, body = forged_proto
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    cookies = headers.get_all("Set-Cookie") or []
    assert cookies
    assert all("Secure" in cookie for cookie in cookies)
    assert "<script>" not in body and " style=" not in body and " onclick=" not in body
    # A page that is not there: the product's own page, never Django's debug page.
    assert missing[0] == 404
    assert "Using the URLconf" not in missing[2] and "DEBUG = True" not in missing[2]


@pytest.mark.urls("tests.production.error_urls")
@pytest.mark.parametrize("path", ["/fails/", "/api/v1/fails/"])
def test_a_failure_shows_the_generic_page_and_never_a_traceback(db, settings, path):
    settings.DEBUG = False
    client = Client(raise_request_exception=False, headers={"Accept-Language": "en"})

    response = client.get(path)

    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "Traceback" not in body and "hunter2" not in body and "RuntimeError" not in body
