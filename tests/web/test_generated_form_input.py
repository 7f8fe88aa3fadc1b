"""Hostile input for every form of the public and staff pages, found from the URL configuration:
each page of the `web` namespace is opened (as the public, and as an agent for the staff
workspace), every POST form on it is collected, and each of its fields is sent NUL, a lone
surrogate, an oversized value, e-mail header injection, and template and SQL injection text.
Nothing is ever a server error; what must be refused is refused with nothing recorded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urljoin

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, get_resolver

from cases.eventstore import Event
from cases.models import Case, Evidence
from tests.web.conftest import png_upload

pytestmark = pytest.mark.django_db

TEMPLATE_INJECTION = "{{ settings.SECRET_KEY }}{% debug %}"
SQL_INJECTION = "x'); DROP TABLE cases_event; -- ' OR '1'='1"
# (id, raw url-encoded value, whether it must be refused with nothing recorded)
HOSTILE = [
    ("nul", quote("before\x00after"), True),
    ("lone-surrogate", "before%ED%A0%80after", False),  # arrives as U+FFFD: plain text then
    ("oversized", "x" * 60_000, True),  # past every field's limit
    ("template", quote(TEMPLATE_INJECTION), False),
    ("sql", quote(SQL_INJECTION), False),
]
EMAIL_INJECTION = quote("someone@example.com\r\nBcc: everyone@example.net")


class Forms(HTMLParser):
    """Every POST form of a page: its action and its fields with their default values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.hidden: set[str] = set()
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._current = {}
            self.forms.append((attributes.get("action") or "", self._current))
        elif self._current is not None and tag in {"input", "textarea", "select"}:
            name = attributes.get("name")
            kind = (attributes.get("type") or "").lower()
            if name and kind not in {"file", "submit"}:
                if kind in {"checkbox", "radio"} and name in self._current:
                    return
                self._current[name] = attributes.get("value") or ""
                if kind == "hidden":
                    self.hidden.add(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def web_pages(values: dict[str, str]) -> list[str]:
    """A path for every route of the `web` namespace, its parameters filled from `values`."""
    resolver = get_resolver()
    paths = []
    for pattern in resolver.namespace_dict["web"][1].url_patterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        paths.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route))
    return paths


def body(fields: dict[str, str], name: str, raw_value: str) -> str:
    parts = [f"{quote(k)}={quote(v)}" for k, v in fields.items() if k != name]
    parts.append(f"{quote(name)}={raw_value}")
    return "&".join(parts)


@pytest.fixture
def pages(submit_complaint, agent_user, settings) -> tuple[dict[str, Client], list[str]]:
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "100000/60")
    submission = submit_complaint(evidence=[png_upload()], contact_email="person@example.com", consent=True)
    case = submission.case
    public = Client()
    public.post(f"/track/{case.reference}/", {"token": submission.tracking_token})
    staff = Client()
    staff.force_login(agent_user)
    values = {
        "reference": case.reference,
        "case_id": str(case.id),
        "evidence_id": str(Evidence.objects.get(case=case).id),
        "action": "accept",
        "kind": "rumor_refutation",
        "account": "account-1",
    }
    return {"public": public, "staff": staff}, web_pages(values)


def test_every_form_field_of_every_page_survives_hostile_values(pages):
    clients, paths = pages
    forms: dict[tuple[str, str], dict[str, str]] = {}
    hidden: set[str] = set()
    for path in paths:
        who = "staff" if path.startswith("/staff/") else "public"
        page = clients[who].get(path)
        assert page.status_code < 500, path
        if page.status_code != 200 or not page["Content-Type"].startswith("text/html"):
            continue
        parser = Forms()
        parser.feed(page.content.decode())
        hidden |= parser.hidden
        for action, fields in parser.forms:
            target = urljoin(path, action) if action else path
            if target.endswith("/logout/") or not fields:
                continue
            forms.setdefault((who, target), fields)
    assert len(forms) >= 8, sorted(forms)  # the public filing forms and the staff case forms

    secret = django_settings.SECRET_KEY.encode()
    tried = 0
    for (who, target), fields in sorted(forms.items()):
        for name in fields:
            if name == "csrfmiddlewaretoken":
                continue
            # What a page fills in itself (versions, where to go next) gets the values that
            # must be refused; what a person types gets them all.
            values = [v for v in HOSTILE if v[2]] if name in hidden else list(HOSTILE)
            if "email" in name:
                values.append(("header-injection", EMAIL_INJECTION, True))
            for label, raw, refused in values:
                events, cases = Event.objects.count(), Case.objects.count()
                response = clients[who].generic(
                    "POST", target, body(fields, name, raw), content_type="application/x-www-form-urlencoded"
                )
                what = f"{who} {target} {name}={label}"
                assert response.status_code < 500, what
                assert secret not in response.content, what  # the template text was never run
                if refused:
                    assert (Event.objects.count(), Case.objects.count()) == (events, cases), what
                tried += 1
    assert tried > 50
