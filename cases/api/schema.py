"""OpenAPI pieces shared by the public endpoints: error bodies, headers and examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from cases.api.idempotency import KEY_HEADER, KEY_PATTERN, MAX_KEY_LENGTH, REPLAYED_HEADER


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    code = serializers.CharField(help_text="A stable code for programs, e.g. not_found, idempotency_key_reused.")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field; absent when the request could not be read at all.",
    )


class ConflictErrorSerializer(ErrorSerializer):
    current_version = serializers.IntegerField(required=False, help_text="The case's version now.")
    state = serializers.CharField(required=False, help_text="The case's state, when an action is not possible in it.")


class RateLimitedErrorSerializer(ErrorSerializer):
    retry_after = serializers.IntegerField(help_text="Seconds to wait; also in the Retry-After header.")


IDEMPOTENCY_KEY = OpenApiParameter(
    KEY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    description=(
        "Optional; a fresh random value (e.g. a UUID) per new request. A retry with the same key and the "
        "same request gets the first successful answer again, marked Idempotent-Replayed: true, and nothing "
        "is done twice. The same key with a different request is refused (422). Failed requests are not "
        "remembered, so a corrected request may reuse the key."
    ),
)
IDEMPOTENCY_KEY_ON_READ = OpenApiParameter(
    KEY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    description="Accepted like on every public POST, but a look-up changes nothing: it is answered afresh each time.",
)
ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Language of labels and messages: zh-Hans (the default) or en.",
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='"true" when this is the stored answer to an earlier request with the same Idempotency-Key.',
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429], description="Seconds to wait."
)

WRITE_PARAMETERS = [IDEMPOTENCY_KEY, ACCEPT_LANGUAGE, REPLAYED, RETRY_AFTER]
READ_PARAMETERS = [IDEMPOTENCY_KEY_ON_READ, ACCEPT_LANGUAGE, RETRY_AFTER]


def error_responses(*statuses: int) -> dict[int, Any]:
    """The documented error answers among 400, 404, 409, 422 and 429."""
    documented = {
        400: OpenApiResponse(
            ValidationErrorSerializer,
            description="Invalid input, an unreadable body (e.g. malformed JSON) or a malformed Idempotency-Key.",
            examples=[
                OpenApiExample(
                    "A field too long",
                    value={
                        "detail": "description: Ensure this field has no more than 5000 characters.",
                        "code": "invalid",
                        "errors": {"description": ["Ensure this field has no more than 5000 characters."]},
                    },
                    status_codes=["400"],
                    response_only=True,
                ),
            ],
        ),
        404: OpenApiResponse(
            ErrorSerializer,
            description="No case has this reference and token. A wrong token and an unknown reference look the same.",
            examples=[
                OpenApiExample(
                    "Not found",
                    value={"detail": "No such case.", "code": "not_found"},
                    status_codes=["404"],
                    response_only=True,
                )
            ],
        ),
        409: OpenApiResponse(
            ConflictErrorSerializer,
            description=(
                "The case changed since the version sent (current_version says where it is now), the action is "
                "not possible in the case's state, or a request with the same Idempotency-Key is in progress."
            ),
            examples=[
                OpenApiExample(
                    "Stale version",
                    value={
                        "detail": "This case was changed by someone else (now at version 5, you had 4).",
                        "code": "conflict",
                        "current_version": 5,
                    },
                    status_codes=["409"],
                    response_only=True,
                )
            ],
        ),
        422: OpenApiResponse(
            ErrorSerializer,
            description="The Idempotency-Key was already used for a different request.",
            examples=[
                OpenApiExample(
                    "Key reused",
                    value={
                        "detail": "This Idempotency-Key was already used for a different request. "
                        "Use a new key for a new request.",
                        "code": "idempotency_key_reused",
                    },
                    status_codes=["422"],
                    response_only=True,
                )
            ],
        ),
        429: OpenApiResponse(
            RateLimitedErrorSerializer,
            description="Too many requests from this address, or on this reference.",
            examples=[
                OpenApiExample(
                    "Rate limited",
                    value={
                        "detail": "Too many requests. Try again in 120 seconds.",
                        "code": "rate_limited",
                        "retry_after": 120,
                    },
                    status_codes=["429"],
                    response_only=True,
                )
            ],
        ),
    }
    return {code: documented[code] for code in statuses}


# --- Examples -------------------------------------------------------------------------------

_DUE = {"first_response_due_at": "2026-03-03T18:00:00+08:00", "resolution_due_at": "2026-03-16T18:00:00+08:00"}

COMPLAINT_EXAMPLES = [
    OpenApiExample(
        "Anonymous report",
        value={
            "category": "unlabelled_synthetic",
            "description": "This video is synthetic and carries no label.",
            "content_urls": ["https://video.example.com/v/1"],
        },
        request_only=True,
    ),
    OpenApiExample(
        "With contact details",
        value={
            "provider": "provider",
            "category": "face_voice_without_consent",
            "description": "My face was put into this clip without my consent.",
            "content_urls": ["https://video.example.com/v/2"],
            "contact_name": "张三",
            "contact_email": "zhang.san@example.com",
            "consent": True,
        },
        request_only=True,
    ),
    OpenApiExample(
        "Filed",
        value={
            "reference": "C-7K4M-9QHX",
            "tracking_token": "q4dbyhTXJ0Tj4m2b6Bm4Y4cGq0xM8r1Z",
            "tracking_url": "https://tracker.example.com/track/C-7K4M-9QHX/#q4dbyhTXJ0Tj4m2b6Bm4Y4cGq0xM8r1Z",
            "state": "submitted",
            "state_label": "Submitted",
            **_DUE,
        },
        response_only=True,
        status_codes=["201"],
    ),
]

APPEAL_EXAMPLES = [
    OpenApiExample(
        "Against a measure",
        value={"measure_reference": "M-7K4M-9QHX-1", "statement": "The clip was labelled; the label was cropped."},
        request_only=True,
    ),
    OpenApiExample(
        "Against the decision on my complaint",
        value={
            "complaint_reference": "C-7K4M-9QHX",
            "tracking_token": "q4dbyhTXJ0Tj4m2b6Bm4Y4cGq0xM8r1Z",
            "statement": "The video is plainly synthetic; please look again.",
        },
        request_only=True,
    ),
]

TRACK_EXAMPLES = [
    OpenApiExample(
        "Look-up",
        value={"reference": "C-7K4M-9QHX", "token": "q4dbyhTXJ0Tj4m2b6Bm4Y4cGq0xM8r1Z"},
        request_only=True,
    ),
    OpenApiExample(
        "Waiting for you",
        value={
            "reference": "C-7K4M-9QHX",
            "kind": "complaint",
            "state": "awaiting_complainant",
            "state_label": "Waiting for your information",
            "due_at": None,
            **_DUE,
            "waiting_for_you": True,
            "question": "Which second of the video shows your face?",
            "timeline": [
                {"occurred_at": "2026-03-02T10:00:00+08:00", "title": "Complaint received", "lines": []},
                {
                    "occurred_at": "2026-03-02T15:00:00+08:00",
                    "title": "We asked you for more information",
                    "lines": ["Which second of the video shows your face?"],
                },
            ],
            "version": 4,
        },
        response_only=True,
        status_codes=["200"],
    ),
]

INFORMATION_EXAMPLES = [
    OpenApiExample(
        "Answer",
        value={
            "reference": "C-7K4M-9QHX",
            "token": "q4dbyhTXJ0Tj4m2b6Bm4Y4cGq0xM8r1Z",
            "text": "From 0:12 to 0:20.",
            "expected_version": 4,
        },
        request_only=True,
    ),
]
