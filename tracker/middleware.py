"""Request correlation: every request gets an id that reaches the log lines and the events."""

import contextvars
import logging
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("current_request_id", default="-")

_HEADER = "X-Request-ID"


def _clean(value: str | None) -> str | None:
    # A caller-supplied id is kept only if it is short and plain, so it cannot forge log lines.
    if value and len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value):
        return value
    return None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _clean(request.headers.get(_HEADER)) or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[_HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
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
