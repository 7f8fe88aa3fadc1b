"""Request correlation and the access log: every request gets an id that reaches the log
lines and the events, and one access line naming the client as the rate limits see it."""

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("current_request_id", default="-")

_HEADER = "X-Request-ID"
_UUID_TEXT = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

access_log = logging.getLogger("tracker.access")


def well_formed_request_id(value: str | None) -> str | None:
    """A caller's request id, if it is a UUID (what a proxy in front generates), as 32 hex
    digits. Anything else is the caller's free text: it must never reach the permanent event
    metadata, where it would pass for ours, nor forge a log line."""
    if value and _UUID_TEXT.fullmatch(value.strip().lower()):
        return uuid.UUID(value.strip()).hex
    return None


def printable(value: str, limit: int = 200) -> str:
    """`value` safe for one log line: control and other non-printable characters escaped."""
    shortened = value[:limit]
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in shortened)


def _request_id_of(request: HttpRequest) -> str:
    existing = getattr(request, "request_id", None)
    if existing:
        return existing
    request_id = well_formed_request_id(request.headers.get(_HEADER)) or uuid.uuid4().hex
    request.request_id = request_id  # type: ignore[attr-defined]
    return request_id


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id_of(request)
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[_HEADER] = request_id
        return response


class AccessLogMiddleware:
    """One line per request: method, path, status, duration and the client address as
    `tracker.ratelimit.client_address` sees it, so forwarded headers count in the log exactly
    as far as `RATE_LIMIT_TRUSTED_PROXIES` trusts them. No query string and no body: those
    can carry personal data. A caller's request id that was not accepted is logged here only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from tracker.ratelimit import client_address

        started = time.monotonic()
        request_id = _request_id_of(request)
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
            caller_id = request.headers.get(_HEADER)
            refused_id = (
                f" caller_request_id={printable(caller_id, 80)!r}" if caller_id and caller_id != request_id else ""
            )
            access_log.info(
                "%s %s %s %s %.0fms%s",
                request.method,
                printable(request.path),
                response.status_code,
                printable(client_address(request), 64),
                (time.monotonic() - started) * 1000,
                refused_id,
            )
        finally:
            current_request_id.reset(token)
        response[_HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class TemplateContextLogFilter(logging.Filter):
    """Keep a template's context out of the log. Django logs a variable it could not resolve
    at DEBUG with the exception, whose text is the whole context: the case a page shows, the
    filer's text and contact details among it. The line stays; the context goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django.template.base import VariableDoesNotExist

        if record.exc_info and isinstance(record.exc_info[1], VariableDoesNotExist):
            record.exc_info = None
            record.exc_text = None
        return True


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than any valid one (HTTP 413) before
    anything reads it. A proxy in front should cap bodies too: this cannot see undeclared sizes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared <= settings.MAX_REQUEST_BYTES:
            return self.get_response(request)
        limit_mb = settings.MAX_REQUEST_BYTES // (1024 * 1024)
        message = _("The request is too large: at most %(limit)s MB in all.") % {"limit": limit_mb}
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "request_too_large"}, status=413)
        return render(request, "413.html", {"message": message}, status=413)


class ContentSecurityPolicyMiddleware:
    """Content-Security-Policy and Permissions-Policy on every answer that has none of its own
    (an evidence download sets a stricter one). Django's own debug pages, shown only with
    DEBUG on, are left without: they are made of inline scripts and styles."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.urls import reverse

        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        reader = request.path == reverse("api-docs")
        policy = settings.CONTENT_SECURITY_POLICY_API_READER if reader else settings.CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
