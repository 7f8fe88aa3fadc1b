"""Checks that workflow transitions and commands apply to their arguments, with messages
named so that forms, the API and tests can all refer to them."""

import datetime as dt

from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cases.errors import CommandInvalid

MAX_TEXT = 5000

MSG_REQUIRED = _("This field is required.")
MSG_TOO_LONG = _("At most %(max)s characters.")
MSG_UNKNOWN_CHOICE = _("“%(value)s” is not one of the choices.")
MSG_MOMENT_INVALID = _("Enter a date and time with its time zone, e.g. 2025-01-10T14:00:00+08:00.")


def required_text(field: str, value: str, *, max_length: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise CommandInvalid.single(field, MSG_REQUIRED)
    if len(value) > max_length:
        raise CommandInvalid.single(field, MSG_TOO_LONG % {"max": max_length})
    return value


def optional_text(field: str, value: str, *, max_length: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise CommandInvalid.single(field, MSG_TOO_LONG % {"max": max_length})
    return value


def choice(field: str, value: str, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise CommandInvalid.single(field, MSG_UNKNOWN_CHOICE % {"value": value})
    return value


def optional_moment(field: str, value: dt.datetime | str | None) -> dt.datetime | None:
    """A moment given as an aware datetime or an ISO 8601 text with its offset; None if empty."""
    if value is None or value == "":
        return None
    try:
        moment = value if isinstance(value, dt.datetime) else parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed, but no such moment (a 13th month)
        moment = None
    if moment is None or moment.tzinfo is None:
        raise CommandInvalid.single(field, MSG_MOMENT_INVALID)
    return moment
