"""The staff API's notification settings: the caller's own, read and replaced."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.serializers import StrictInput
from cases.api.staff import schema
from cases.api.staff.base import IsPartyToCases, StaffApi
from notifications.models import Delivery, Notice
from notifications.preferences import (
    DEFAULT_DELIVERIES,
    MSG_DELIVERY_INVALID,
    MSG_LANGUAGE_INVALID,
    MailPreferences,
    preferences_of,
    staff_mail_settings_update,
)


def _delivery_field(notice: str, label: Any, *, required: bool) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=Delivery.choices,
        required=required,
        help_text=f"{label}. Default: {DEFAULT_DELIVERIES[notice]}.",
        error_messages={"invalid_choice": MSG_DELIVERY_INVALID},
    )


class DeliveriesInput(StrictInput):
    """One delivery per kind of notice; a kind left out keeps its current delivery."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {notice: _delivery_field(notice, label, required=False) for notice, label in Notice.choices}


class DeliveriesOutput(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {notice: _delivery_field(notice, label, required=True) for notice, label in Notice.choices}


def _language_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=[("", "the site's language"), *settings.LANGUAGES],
        allow_blank=True,
        help_text='The language of your e-mail; "" for the site\'s.',
        error_messages={"invalid_choice": MSG_LANGUAGE_INVALID},
    )


class MailSettingsInput(StrictInput):
    deliveries = DeliveriesInput(required=False)
    daily_digest = serializers.BooleanField(
        help_text="One e-mail a day listing your unread notices received by e-mail, instead of one e-mail each."
    )
    language = _language_field()


class MailSettingsOutput(serializers.Serializer):
    deliveries = DeliveriesOutput()
    daily_digest = serializers.BooleanField()
    language = _language_field()


def _answer(preferences: MailPreferences) -> Response:
    return Response(
        MailSettingsOutput(
            {
                "deliveries": {notice: preferences.delivery(notice) for notice in Notice.values},
                "daily_digest": preferences.daily_digest,
                "language": preferences.language,
            }
        ).data
    )


class MailSettingsApi(StaffApi):
    permission_classes = [IsPartyToCases]

    @extend_schema(
        operation_id="staff_notification_settings",
        summary="Your notification settings",
        description=(
            "How each kind of notice reaches you (inbox, email, both, none), the daily digest, and the language "
            "of your e-mail."
        ),
        tags=schema.TAGS,
        parameters=schema.READ_PARAMETERS,
        responses={200: MailSettingsOutput, **schema.error_responses()},
    )
    def get(self, request: Request) -> Response:
        assert self.actor.user_id is not None
        return _answer(preferences_of(self.actor.user_id))

    @extend_schema(
        operation_id="staff_notification_settings_update",
        summary="Change your notification settings",
        description=(
            "Replaces the daily digest and language, and the delivery of each kind of notice named in "
            "`deliveries` (the others keep theirs). Nothing is stored unless all of it is valid."
        ),
        tags=schema.TAGS,
        request=MailSettingsInput,
        parameters=schema.READ_PARAMETERS,
        responses={200: MailSettingsOutput, **schema.error_responses(400)},
    )
    def put(self, request: Request) -> Response:
        serializer = MailSettingsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        preferences = staff_mail_settings_update(
            actor=self.actor,
            deliveries=data.get("deliveries", {}),
            daily_digest=data["daily_digest"],
            language=data["language"],
        )
        return _answer(preferences)
