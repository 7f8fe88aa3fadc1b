"""Checks that workflow transitions and commands apply to their arguments, with messages
named so that forms, the API and tests can all refer to them."""

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from cases.errors import CommandInvalid
from cases.sla import CHINA_TIME

MAX_TEXT = 5000
MAX_URLS = 10
MAX_URL_LENGTH = 2000

MSG_REQUIRED = _("This field is required.")
MSG_TOO_LONG = _("At most %(max)s characters.")
MSG_UNKNOWN_CHOICE = _("“%(value)s” is not one of the choices.")
MSG_URL_INVALID = _("“%(url)s” is not a valid web address (http or https).")
MSG_TOO_MANY_URLS = _("At most %(max)s web addresses.")
MSG_DATE_INVALID = _("Enter a date as YYYY-MM-DD.")
MSG_DATE_IN_FUTURE = _("This date is in the future.")

# URLValidator checks the scheme and the host, and past them takes anything but white space:
# control characters (NUL among them) and lone surrogates too, which no event can store.
_NOT_IN_AN_ADDRESS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class WebAddressValidator(URLValidator):
    def __call__(self, value: str) -> None:
        if isinstance(value, str) and _NOT_IN_AN_ADDRESS.search(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})
        super().__call__(value)


web_address_validator = WebAddressValidator(schemes=["http", "https"])


def web_addresses(field: str, urls: Iterable[Any], *, max_count: int = MAX_URLS) -> list[str]:
    """Distinct http(s) addresses, in the order given; blank entries are dropped."""
    if isinstance(urls, str):
        urls = [urls]
    cleaned = [u.strip() if isinstance(u, str) else u for u in urls or []]
    cleaned = [u for u in cleaned if u not in ("", None)]
    if len(cleaned) > max_count:
        raise CommandInvalid.single(field, MSG_TOO_MANY_URLS % {"max": max_count})
    for url in cleaned:
        try:
            if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
                raise ValidationError("not an address")
            web_address_validator(url)
        except ValidationError as exc:
            raise CommandInvalid.single(field, MSG_URL_INVALID % {"url": str(url)[:100]}) from exc
    return list(dict.fromkeys(cleaned))


def past_date(field: str, value: dt.date | str | None, *, required: bool) -> str | None:
    """A day, as YYYY-MM-DD, that is not after today in China (where the deadlines run)."""
    if value in (None, ""):
        if required:
            raise CommandInvalid.single(field, MSG_REQUIRED)
        return None
    if isinstance(value, dt.datetime):
        value = value.astimezone(CHINA_TIME).date()
    try:
        day = value if isinstance(value, dt.date) else parse_date(str(value))
    except ValueError:  # the shape of a date, but no such day (2025-02-30)
        day = None
    if day is None:
        raise CommandInvalid.single(field, MSG_DATE_INVALID)
    if day > timezone.now().astimezone(CHINA_TIME).date():
        raise CommandInvalid.single(field, MSG_DATE_IN_FUTURE)
    return day.isoformat()


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
    if value not in _values_of(choices):
        raise CommandInvalid.single(field, MSG_UNKNOWN_CHOICE % {"value": value})
    return value


@cache
def _values_of(choices: type[models.TextChoices]) -> frozenset[str]:
    # `values` builds every choice's label (a translation) on each call: 4% of a filing's time.
    return frozenset(choices.values)


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
