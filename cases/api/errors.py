"""One mapping from domain errors to HTTP responses, for the whole API."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cases.errors import CaseNotFound, CommandInvalid, ConcurrencyConflict, TransitionForbidden, TransitionNotAllowed


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
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
    return drf_exception_handler(exc, context)
