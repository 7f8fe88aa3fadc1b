"""Checks that workflow transitions and commands apply to their arguments, with messages
named so that forms, the API and tests can all refer to them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.errors import CommandInvalid

MAX_TEXT = 5000

MSG_REQUIRED = _("This field is required.")
MSG_TOO_LONG = _("At most %(max)s characters.")
MSG_UNKNOWN_CHOICE = _("“%(value)s” is not one of the choices.")


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
