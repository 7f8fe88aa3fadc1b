"""Shapes of the public API: what a request must look like and what an answer contains.

Serializers check shape only (types, lengths, counts); the commands check the rules. Where a
command has a message for the same fault, the serializer uses it, so the API and the web
forms say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.commands.appeals import MAX_STATEMENT
from cases.commands.common import MSG_TOO_MANY_FILES
from cases.commands.complaints import MAX_DESCRIPTION, MAX_TITLE
from cases.evidence import MAX_EVIDENCE_FILES
from cases.workflows.complaint import Category
from cases.workflows.validation import (
    MAX_TEXT,
    MAX_URL_LENGTH,
    MAX_URLS,
    MSG_TOO_MANY_URLS,
    MSG_URL_INVALID,
    web_address_validator,
)

MSG_URL_TOO_LONG = _("“%(url)s…” is longer than %(max)s characters.")
MSG_APPEAL_TARGET_REQUIRED = _(
    "Give the reference of the measure you appeal, or the reference of your complaint and its tracking token."
)
MSG_APPEAL_TARGET_BOTH = _("Appeal either a measure or a complaint decision, not both at once.")
MSG_UNKNOWN_FIELD = _("Unknown field.")


def quoted(value: Any) -> str:
    """A name someone sent, shortened and made printable, to quote in a message."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(value)[:50])


class StrictInput(serializers.Serializer):
    """A request body that may hold only the fields declared: a misspelt or invented field is
    refused by name rather than silently dropped."""

    unknown_message = MSG_UNKNOWN_FIELD

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {quoted(name): [str(self.unknown_message % {"name": quoted(name)})] for name in unknown}
                )
        return super().to_internal_value(data)


MAX_REFERENCE = 40  # room for how people type references: spaces, dashes, lower case
MAX_TOKEN = 100
MAX_VERSION = 2**31 - 1  # the most a case's version column holds


def non_blank_text(*, max_length: int, **kwargs: Any) -> serializers.CharField:
    """A required text that must contain more than white space. DRF refuses a blank one before
    validators run; the pattern is there so that the OpenAPI schema says the same."""
    return serializers.CharField(max_length=max_length, validators=[RegexValidator(r"\S")], **kwargs)


class WebAddressListField(serializers.ListField):
    """Web addresses of the content complained about: at most MAX_URLS, each http(s) and at
    most MAX_URL_LENGTH characters. Every bad address is named in its own message."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.URLField(max_length=MAX_URL_LENGTH), max_length=MAX_URLS, **kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        if not isinstance(data, list):
            return super().to_internal_value(data)  # DRF's "expected a list" message
        if len(data) > MAX_URLS:
            raise serializers.ValidationError(str(MSG_TOO_MANY_URLS % {"max": MAX_URLS}))
        # Blank entries (an empty form row) are dropped, as the command does.
        addresses = [item.strip() if isinstance(item, str) else item for item in data]
        addresses = [item for item in addresses if item != ""]
        problems = [problem for item in addresses if (problem := _address_problem(item))]
        if problems:
            raise serializers.ValidationError(problems)
        return addresses


def _address_problem(item: Any) -> str | None:
    if not isinstance(item, str):
        return str(MSG_URL_INVALID % {"url": str(item)[:100]})
    if len(item) > MAX_URL_LENGTH:
        return str(MSG_URL_TOO_LONG % {"url": item[:100], "max": MAX_URL_LENGTH})
    try:
        web_address_validator(item)
    except DjangoValidationError:
        return str(MSG_URL_INVALID % {"url": item[:100]})
    return None


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": MAX_EVIDENCE_FILES})
class EvidenceListField(serializers.ListField):
    """Up to MAX_EVIDENCE_FILES uploaded files (multipart). Size, emptiness and real type are
    checked by the command, whose messages name the file."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.FileField(allow_empty_file=True, use_url=False),
            max_length=MAX_EVIDENCE_FILES,
            required=False,
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, list) and len(data) > MAX_EVIDENCE_FILES:
            raise serializers.ValidationError(str(MSG_TOO_MANY_FILES % {"max": MAX_EVIDENCE_FILES}))
        return super().to_internal_value(data)


class ContactInput(StrictInput):
    """Optional contact details; giving any needs consent (checked by the command)."""

    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    contact_email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Agreement to the processing of the contact details; required when any are given.",
    )


class ComplaintInput(ContactInput):
    """A complaint or report; anonymous unless contact details are given."""

    provider = serializers.SlugField(
        required=False,
        allow_blank=True,
        max_length=60,
        default="",
        help_text="Short name of the service provider. May be left out when the installation serves one provider.",
    )
    category = serializers.ChoiceField(choices=Category.choices)
    description = non_blank_text(max_length=MAX_DESCRIPTION)
    content_urls = WebAddressListField(required=False, default=list)
    title = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TITLE, default="")


class ComplaintUploadInput(ComplaintInput):
    """A complaint with evidence files, as multipart/form-data. Validates every filing: a JSON
    body has no files, and an "evidence" in it is refused as not being files."""

    evidence = EvidenceListField(default=list, help_text="Up to 5 files.")


class AppealInput(ContactInput):
    """Against a measure (measure_reference) or against the decision on one's own complaint
    (complaint_reference and its tracking_token)."""

    measure_reference = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REFERENCE, default="")
    complaint_reference = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REFERENCE, default="")
    tracking_token = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TOKEN, default="")
    statement = non_blank_text(max_length=MAX_STATEMENT)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        measure, complaint = attrs["measure_reference"], attrs["complaint_reference"]
        if measure and complaint:
            message = str(MSG_APPEAL_TARGET_BOTH)
            raise serializers.ValidationError({"measure_reference": [message], "complaint_reference": [message]})
        if not (measure or complaint):
            message = str(MSG_APPEAL_TARGET_REQUIRED)
            raise serializers.ValidationError({"measure_reference": [message], "complaint_reference": [message]})
        if complaint and not attrs["tracking_token"]:
            required = str(self.fields["tracking_token"].error_messages["required"])
            raise serializers.ValidationError({"tracking_token": [required]})
        return attrs


class TrackInput(StrictInput):
    reference = non_blank_text(max_length=MAX_REFERENCE)
    token = non_blank_text(max_length=MAX_TOKEN)


class InformationInput(TrackInput):
    text = non_blank_text(max_length=MAX_TEXT)
    expected_version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_VERSION,
        help_text="The case version the answer is to; from the last tracking look-up.",
    )


class InformationUploadInput(InformationInput):
    """An answer with files, as multipart/form-data; validates every answer, like ComplaintUploadInput."""

    evidence = EvidenceListField(default=list, help_text="Up to 5 files.")


# --- Answers --------------------------------------------------------------------------------


class NoticeOutput(serializers.Serializer):
    """Another case opened to answer this one, as its filer is told about it (a refutation of
    the claim they reported: under way, or published with its address)."""

    title = serializers.CharField()
    text = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="Where to read more, or null.")
    link_text = serializers.CharField()

    def get_url(self, notice: Any) -> str | None:
        return f"{settings.PUBLIC_BASE_URL}{notice.url}" if notice.url else None


class FilingOutput(serializers.Serializer):
    """A new case. The tracking token is shown this once: only its hash is kept."""

    reference = serializers.CharField(source="case.reference")
    tracking_token = serializers.CharField()
    tracking_url = serializers.CharField()
    state = serializers.CharField(source="case.state")
    state_label = serializers.CharField(source="case.public_state_label")
    first_response_due_at = serializers.DateTimeField(source="case.first_response_due_at", allow_null=True)
    resolution_due_at = serializers.DateTimeField(source="case.resolution_due_at", allow_null=True)
    notices = NoticeOutput(many=True, help_text="Cases opened to answer this one, e.g. a published refutation.")


class TimelineEntryOutput(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    title = serializers.CharField()
    lines = serializers.ListField(child=serializers.CharField())


class TrackingOutput(serializers.Serializer):
    reference = serializers.CharField(source="case.reference")
    kind = serializers.CharField(source="case.kind", help_text="The case kind, e.g. “complaint” or “appeal”.")
    state = serializers.CharField(source="case.state")
    state_label = serializers.CharField(source="case.public_state_label")
    due_at = serializers.DateTimeField(
        source="case.due_at", allow_null=True, help_text="The deadline that applies now; empty while paused or done."
    )
    first_response_due_at = serializers.DateTimeField(source="case.first_response_due_at", allow_null=True)
    resolution_due_at = serializers.DateTimeField(source="case.resolution_due_at", allow_null=True)
    waiting_for_you = serializers.BooleanField(help_text="The case waits for information from the filer.")
    question = serializers.CharField(allow_null=True, help_text="What the filer has been asked, while waiting.")
    timeline = TimelineEntryOutput(many=True)
    notices = NoticeOutput(many=True, help_text="Cases opened to answer this one, e.g. a published refutation.")
    version = serializers.IntegerField(source="case.version", help_text="Send as expected_version when answering.")
