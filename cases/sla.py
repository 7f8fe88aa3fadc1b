"""Service-level time limits: the live policy per case kind, and deadline arithmetic.

Limits are in hours or in Chinese working days. Working days follow the official calendar,
public holidays and their make-up working days (调休) included, through `holidays.China`.
A deadline in working days falls at the end (23:59:59, Asia/Shanghai) of the nth working
day after the day the clock starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db import models
from django.utils.translation import gettext_lazy as _

CHINA_TIME = ZoneInfo("Asia/Shanghai")


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")


class SlaPolicy(models.Model):
    """The published time limits of one case kind. Edited by administrators; the public
    processing-flow page reads it live, and each case records the deadlines it was given."""

    kind = models.CharField(_("case kind"), max_length=20, unique=True)
    first_response_amount = models.PositiveIntegerField(_("first response within"))
    first_response_unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    resolution_amount = models.PositiveIntegerField(_("resolution within"))
    resolution_unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("time limit policy")
        verbose_name_plural = _("time limit policies")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.kind

    @property
    def first_response(self) -> Limit:
        return Limit(self.first_response_amount, self.first_response_unit)

    @property
    def resolution(self) -> Limit:
        return Limit(self.resolution_amount, self.resolution_unit)


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str

    def deadline_from(self, start: dt.datetime) -> dt.datetime:
        if self.unit == TimeUnit.HOURS:
            return start + dt.timedelta(hours=self.amount)
        return end_of_nth_working_day(start, self.amount)


@lru_cache(maxsize=8)
def _china_calendar(first_year: int) -> holidays.HolidayBase:
    return holidays.China(years=range(first_year, first_year + 3))


def end_of_nth_working_day(start: dt.datetime, n: int) -> dt.datetime:
    local_day = start.astimezone(CHINA_TIME).date()
    calendar = _china_calendar(local_day.year)
    day = calendar.get_nth_working_day(local_day, n) if n > 0 else local_day
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CHINA_TIME)


def limits_for(kind: str) -> tuple[Limit, Limit]:
    policy = SlaPolicy.objects.filter(kind=kind).first()
    if policy is None:  # the kind's declaration says what applies until a policy is set
        from cases.kinds import declaration_of

        return declaration_of(kind).sla_defaults
    return policy.first_response, policy.resolution


def deadlines_for(kind: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """First-response and resolution deadlines for a case of `kind` whose clock starts now."""
    first_response, resolution = limits_for(kind)
    return first_response.deadline_from(start), resolution.deadline_from(start)
