"""OpenAPI pieces of the staff endpoints: their error answers and the conditional-request headers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from cases.api.schema import (
    ACCEPT_LANGUAGE,
    IDEMPOTENCY_KEY,
    REPLAYED,
    ConflictErrorSerializer,
    ErrorSerializer,
    ValidationErrorSerializer,
)

TAGS = ["staff"]


class StaleErrorSerializer(ErrorSerializer):
    current_version = serializers.IntegerField(help_text="The case's version now; also in the ETag header.")


IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^"[0-9]{1,10}"$'},
    OpenApiParameter.HEADER,
    required=True,
    description=(
        'Required: the ETag of the case as you last read it, e.g. "4". If someone changed the case since, '
        "nothing is done and the answer is 412 with the current version."
    ),
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you hold; 304 without a body when the case has not changed since.",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 304, 412],
    description='The case\'s version as a strong ETag, e.g. "5".',
)

CREATED_ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[201],
    description='The new case\'s version as a strong ETag, e.g. "1" (not on a replayed answer).',
)
LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[201],
    description="The new case's address (not on a replayed answer).",
)

READ_PARAMETERS = [ACCEPT_LANGUAGE]
OPEN_PARAMETERS = [ACCEPT_LANGUAGE, IDEMPOTENCY_KEY, REPLAYED, CREATED_ETAG, LOCATION]
CASE_READ_PARAMETERS = [ACCEPT_LANGUAGE, IF_NONE_MATCH, ETAG]
CASE_WRITE_PARAMETERS = [ACCEPT_LANGUAGE, IF_MATCH, ETAG]


def _example(name: str, status: int, value: dict[str, Any]) -> OpenApiExample:
    return OpenApiExample(name, value=value, status_codes=[str(status)], response_only=True)


_DOCUMENTED = {
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description="Invalid input (messages per field), an unreadable body, or a malformed If-Match.",
        examples=[
            _example(
                "A field too long",
                400,
                {
                    "detail": "note: Ensure this field has no more than 5000 characters.",
                    "code": "invalid",
                    "errors": {"note": ["Ensure this field has no more than 5000 characters."]},
                },
            )
        ],
    ),
    401: OpenApiResponse(
        ErrorSerializer,
        description="No valid token or session. The WWW-Authenticate header names the token scheme.",
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Not active provider staff (code not_staff), a session request without its CSRF token, or a step "
            "the caller may not take on this case (code forbidden), such as reviewing an appeal against their "
            "own decision."
        ),
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description="No case of your organisation has this id.",
        examples=[_example("Not found", 404, {"detail": "No such case.", "code": "not_found"})],
    ),
    409: OpenApiResponse(
        ConflictErrorSerializer,
        description="The step is not possible in the case's state, or is not a step of this kind of case.",
        examples=[
            _example(
                "Not possible now",
                409,
                {
                    "detail": "“close” is not possible while the case is investigating.",
                    "code": "transition_not_allowed",
                    "state": "investigating",
                },
            )
        ],
    ),
    412: OpenApiResponse(
        StaleErrorSerializer,
        description="The case changed since the version in If-Match; read it again and decide again.",
        examples=[
            _example(
                "Stale version",
                412,
                {
                    "detail": "This case was changed by someone else (now at version 5, you had 4).",
                    "code": "stale",
                    "current_version": 5,
                },
            )
        ],
    ),
    422: OpenApiResponse(ErrorSerializer, description="The Idempotency-Key was already used for a different request."),
    428: OpenApiResponse(ErrorSerializer, description="The If-Match header is missing."),
}


def error_responses(*statuses: int) -> dict[int, Any]:
    """The documented error answers of the staff API; 401 and 403 apply to every endpoint."""
    return {code: _DOCUMENTED[code] for code in sorted({401, 403, *statuses})}
