"""One mapping from errors to HTTP responses, for the whole API.

Every 4xx body has "detail" (a sentence in the request's language) and "code" (for
programs). Validation errors, whether a serializer or a command found them, add
"errors": {field: [messages]}. Messages may quote what was sent; the body is made encodable
whatever that was (see cases.api.parsing).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from cases.api.parsing import encodable
from cases.errors import CaseNotFound, CommandInvalid, ConcurrencyConflict, TransitionForbidden, TransitionNotAllowed
from tracker.ratelimit import RateLimited

MSG_RATE_LIMITED = _("Too many requests. Try again in %(seconds)s seconds.")

# For errors Django raises (Http404, PermissionDenied), which carry no code of their own.
_CODE_BY_STATUS = {
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _domain_error_response(exc)
    if response is None:
        response = drf_exception_handler(exc, context)
        if response is not None and status.is_client_error(response.status_code):
            response.data = _client_error_body(exc, response)
    if response is not None:
        response.data = encodable(response.data)
    return response


def _domain_error_response(exc: Exception) -> Response | None:
    if isinstance(exc, ConcurrencyConflict):
        return Response(
            {"detail": str(exc), "code": "conflict", "current_version": exc.current_version},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, CommandInvalid):
        return Response(
            {"detail": str(exc), "code": "invalid", "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, TransitionNotAllowed):
        return Response(
            {"detail": str(exc), "code": "transition_not_allowed", "state": exc.state},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, TransitionForbidden):
        return Response({"detail": str(exc), "code": "forbidden"}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, CaseNotFound):
        return Response({"detail": str(exc), "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, RateLimited):
        return Response(
            {
                "detail": str(MSG_RATE_LIMITED % {"seconds": exc.retry_after}),
                "code": "rate_limited",
                "retry_after": exc.retry_after,
            },
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    return None


def _client_error_body(exc: Exception, response: Response) -> dict[str, Any]:
    if isinstance(exc, ValidationError):
        errors = _field_errors(exc.detail)
        detail = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        return {"detail": detail, "code": "invalid", "errors": errors}
    data = response.data if isinstance(response.data, dict) else {"detail": response.data}
    codes = exc.get_codes() if isinstance(exc, APIException) else None
    code = codes if isinstance(codes, str) else _CODE_BY_STATUS.get(response.status_code, "error")
    return {**data, "detail": str(data.get("detail", "")), "code": code}


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """{field: [messages]} from DRF's nested error structure; errors of list items and nested
    fields are gathered under the top-level field they belong to."""
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    return {api_settings.NON_FIELD_ERRORS_KEY: _messages(detail)}


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]
