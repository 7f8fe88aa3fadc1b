"""Service-level time limits: versioned policies per case kind and priority, the official
working calendar, and deadline arithmetic.

Limits are in hours or in Chinese working days. Working days follow the official calendar:
public holidays and their make-up working days (调休) through `holidays.China`, corrected by
the State Council's notice for a year where an administrator has stored one (`OfficialDay`).
A deadline in working days falls at the end of the business day (18:00, Asia/Shanghai) of the
nth working day after the day the clock starts: "by 18:00", never "24:00" or "00:00 of the next
day", which read like another day.

A policy is never edited in place: a change is a new version, and a case records in its
history the version it was filed under (`sla_policy` in its opening event), so old cases keep
their limits and show which they are. A kind without a stored policy uses the defaults its
declaration gives (version 0).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.compiled_queries import CompiledQuery
from cases.reference_data import kept

if TYPE_CHECKING:
    from cases.models import Case

CHINA_TIME = ZoneInfo("Asia/Shanghai")

# The business day, in Beijing time: hour limits "in business hours" count only this part of
# each working day, a working-day deadline falls at its end, and reminders wait for it.
BUSINESS_START = dt.time(9, 0)
BUSINESS_END = dt.time(18, 0)
BUSINESS_DAY_SECONDS = 9 * 3600

# `Priority.HIGH` (cases.models imports this module, so the number is named here). High and
# urgent cases (a face or voice edited without consent, article 14, is filed as high) get the
# policy's shorter limits.
HIGH_PRIORITY = 3

# The two targets every kind with generic time limits has.
FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")


class SlaPolicy(models.Model):
    """One version of the published time limits of one case kind. Rows are never changed: the
    admin saves an edit as the next version, and the flow page and new cases use the latest."""

    kind = models.CharField(_("case kind"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    first_response_amount = models.PositiveIntegerField(_("first response within"))
    first_response_unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    resolution_amount = models.PositiveIntegerField(_("resolution within"))
    resolution_unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    high_first_response_amount = models.PositiveIntegerField(
        _("first response within, high priority"), null=True, blank=True
    )
    high_first_response_unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices, blank=True)
    high_resolution_amount = models.PositiveIntegerField(_("resolution within, high priority"), null=True, blank=True)
    high_resolution_unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices, blank=True)
    business_hours = models.BooleanField(
        _("hours count in business hours only"),
        default=False,
        help_text=_("Hour limits then count only 09:00–18:00 Beijing time on working days."),
    )
    warning_hours = models.PositiveIntegerField(_("warn this many hours before a deadline"), default=4)
    remind_outside_business_hours = models.BooleanField(_("remind outside business hours"), default=False)
    updated_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("time limit policy")
        verbose_name_plural = _("time limit policies")
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="sla_policy_kind_version")]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"

    @property
    def first_response(self) -> Limit:
        return Limit(self.first_response_amount, self.first_response_unit)

    @property
    def resolution(self) -> Limit:
        return Limit(self.resolution_amount, self.resolution_unit)

    def targets(self) -> Targets:
        high_first = (
            Limit(self.high_first_response_amount, self.high_first_response_unit)
            if self.high_first_response_amount and self.high_first_response_unit
            else None
        )
        high_resolution = (
            Limit(self.high_resolution_amount, self.high_resolution_unit)
            if self.high_resolution_amount and self.high_resolution_unit
            else None
        )
        return Targets(
            version=self.version,
            first_response=self.first_response,
            resolution=self.resolution,
            high_first_response=high_first,
            high_resolution=high_resolution,
            business_hours=self.business_hours,
            warning_hours=self.warning_hours,
            remind_outside_business_hours=self.remind_outside_business_hours,
        )


class OfficialDay(models.Model):
    """A day of a year's official schedule (the State Council's notice), stored as data where
    `holidays` lacks it or has it wrong: a day off on a weekday, or a make-up working day on a
    weekend. Loaded with `manage.py load_official_calendar` or entered in the admin."""

    day = models.DateField(_("day"), unique=True)
    working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    notice = models.CharField(_("notice"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("official calendar day")
        verbose_name_plural = _("official calendar days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.working else 'off'}"


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str

    def deadline_from(self, start: dt.datetime, *, business_hours: bool = False) -> dt.datetime:
        return WorkingCalendar.around(start).deadline(self, start, business_hours=business_hours)

    @property
    def in_working_time(self) -> bool:
        return self.unit == TimeUnit.WORKING_DAYS


@dataclass(frozen=True)
class Targets:
    """The limits a case is given: one version of a kind's policy (0: the kind's declared defaults)."""

    version: int
    first_response: Limit
    resolution: Limit
    high_first_response: Limit | None = None
    high_resolution: Limit | None = None
    business_hours: bool = False
    warning_hours: int = 4
    remind_outside_business_hours: bool = False

    def limits(self, priority: int) -> tuple[Limit, Limit]:
        if priority >= HIGH_PRIORITY:
            return self.high_first_response or self.first_response, self.high_resolution or self.resolution
        return self.first_response, self.resolution

    def limit(self, target: str, priority: int) -> Limit:
        first, resolution = self.limits(priority)
        return first if target == FIRST_RESPONSE else resolution

    def counts_working_time(self, limit: Limit) -> bool:
        """Whether the clock of `limit` runs only in business hours of working days (so a pause
        is measured in that time too), rather than around the clock."""
        return limit.in_working_time or self.business_hours


# --- The calendar -------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _china_year(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def holidays_working_day(day: dt.date) -> bool:
    """Whether `day` is a working day by the `holidays` package alone."""
    calendar = _china_year(day.year)
    if day in calendar:
        return False
    if day.weekday() >= 5:
        return day in calendar.weekend_workdays
    return True


_CORRECTIONS = CompiledQuery(
    lambda first, last: OfficialDay.objects.filter(day__gte=first, day__lte=last).values_list("day", "working"),
    first=dt.date,
    last=dt.date,
)


class WorkingCalendar:
    """The official working calendar over a span of dates: `holidays.China`, with the stored
    corrections of that span read once."""

    def __init__(self, corrections: dict[dt.date, bool]) -> None:
        self.corrections = corrections

    @classmethod
    def around(cls, moment: dt.datetime | dt.date, *, days_before: int = 400, days_after: int = 800) -> WorkingCalendar:
        day = moment.astimezone(CHINA_TIME).date() if isinstance(moment, dt.datetime) else moment
        first, last = day - dt.timedelta(days=days_before), day + dt.timedelta(days=days_after)
        corrections = kept(("official days", first, last), lambda: dict(_CORRECTIONS.rows(first=first, last=last)))
        # A copy: the one kept is shared by every request of the process.
        return cls(dict(corrections))

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.corrections:
            return self.corrections[day]
        return holidays_working_day(day)

    def nth_working_day_after(self, day: dt.date, n: int) -> dt.date:
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def deadline(self, limit: Limit, start: dt.datetime, *, business_hours: bool = False) -> dt.datetime:
        """When `limit` runs out for a clock started at `start`."""
        if limit.unit == TimeUnit.WORKING_DAYS:
            day = self.nth_working_day_after(start.astimezone(CHINA_TIME).date(), limit.amount)
            return dt.datetime.combine(day, BUSINESS_END, tzinfo=CHINA_TIME)
        if business_hours:
            return self.add_business_seconds(start, limit.amount * 3600)
        return start + dt.timedelta(hours=limit.amount)

    def _business_span(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        if not self.is_working_day(day):
            return None
        return (
            dt.datetime.combine(day, BUSINESS_START, tzinfo=CHINA_TIME),
            dt.datetime.combine(day, BUSINESS_END, tzinfo=CHINA_TIME),
        )

    def business_seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Seconds of business hours on working days between two moments."""
        if end <= start:
            return 0
        total = 0
        day = start.astimezone(CHINA_TIME).date()
        last = end.astimezone(CHINA_TIME).date()
        while day <= last:
            span = self._business_span(day)
            if span is not None:
                begin, finish = max(span[0], start), min(span[1], end)
                if finish > begin:
                    total += int((finish - begin).total_seconds())
            day += dt.timedelta(days=1)
        return total

    def add_business_seconds(self, moment: dt.datetime, seconds: int) -> dt.datetime:
        """The moment `seconds` of business hours after `moment` (landing on the end of a
        business day rather than the start of the next when it runs out exactly there)."""
        current = moment.astimezone(CHINA_TIME)
        remaining = seconds
        day = current.date()
        while remaining > 0:
            span = self._business_span(day)
            if span is not None and current < span[1]:
                begin = max(current, span[0])
                step = min(remaining, int((span[1] - begin).total_seconds()))
                current = begin + dt.timedelta(seconds=step)
                remaining -= step
            if remaining > 0:
                day += dt.timedelta(days=1)
                current = dt.datetime.combine(day, dt.time(0), tzinfo=CHINA_TIME)
        return current

    def in_business_hours(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(CHINA_TIME)
        span = self._business_span(local.date())
        return span is not None and span[0] <= local < span[1]


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is an official working day (with the stored corrections)."""
    return WorkingCalendar.around(day, days_before=0, days_after=0).is_working_day(day)


def end_of_nth_working_day(start: dt.datetime, n: int) -> dt.datetime:
    return Limit(n, TimeUnit.WORKING_DAYS).deadline_from(start)


# --- Policies -----------------------------------------------------------------------------


def declared_targets(kind: str) -> Targets:
    from cases.kinds import declaration_of

    declaration = declaration_of(kind)
    first, resolution = declaration.sla_defaults
    high_first, high_resolution = declaration.sla_high_priority or (None, None)
    return Targets(
        version=0,
        first_response=first,
        resolution=resolution,
        high_first_response=high_first,
        high_resolution=high_resolution,
    )


def targets_for(kind: str, version: int | None = None) -> Targets:
    """The kind's policy: the given version, or the latest. Version 0, or a kind with no stored
    policy, is the kind's declared defaults."""
    return kept(("time limits", kind, version), lambda: _read_targets(kind, version))


def _read_targets(kind: str, version: int | None) -> Targets:
    policy = _POLICY_VERSION.first(kind=kind, version=version) if version else None
    if policy is None and version is None:
        policy = _LATEST_POLICY.first(kind=kind)
    return policy.targets() if policy is not None else declared_targets(kind)


# Read by every filing and by every step that moves a deadline.
_POLICY_VERSION = CompiledQuery(
    lambda kind, version: SlaPolicy.objects.filter(kind=kind, version=version).order_by("pk")[:1], kind=str, version=int
)
_LATEST_POLICY = CompiledQuery(lambda kind: SlaPolicy.objects.filter(kind=kind).order_by("-version")[:1], kind=str)


def latest_targets(kinds: list[str]) -> dict[str, Targets]:
    """The latest policy of each kind, read in one query (what `targets_for` gives one kind)."""
    latest: dict[str, Targets] = {}
    # A kind keeps a handful of versions at most: reading them all is one short query.
    for policy in SlaPolicy.objects.filter(kind__in=kinds).order_by("kind", "-version"):
        latest.setdefault(policy.kind, policy.targets())
    return {kind: latest.get(kind) or declared_targets(kind) for kind in kinds}


def limits_for(kind: str, priority: int = 0) -> tuple[Limit, Limit]:
    return targets_for(kind).limits(priority)


def deadlines_for(kind: str, start: dt.datetime, priority: int = 0) -> tuple[dt.datetime, dt.datetime]:
    """First-response and resolution deadlines for a case of `kind` whose clock starts now."""
    limits = time_limits(kind, start, priority=priority)
    return limits["first_response_due_at"], limits["resolution_due_at"]


def time_limits(kind: str, start: dt.datetime, *, priority: int = 0) -> dict[str, Any]:
    """What a case's opening event records of its time limits: both deadlines and the version
    of the policy they come from (`sla_policy`), which the case keeps for good."""
    targets = targets_for(kind)
    first, resolution = targets.limits(priority)
    calendar = WorkingCalendar.around(start)
    return {
        "first_response_due_at": calendar.deadline(first, start, business_hours=targets.business_hours),
        "resolution_due_at": calendar.deadline(resolution, start, business_hours=targets.business_hours),
        "sla_policy": targets.version,
    }


def case_targets(case: Case) -> Targets:
    """The policy version the case was filed under (the latest for a case filed before versions
    were recorded)."""
    return targets_for(case.kind, case.sla_policy_version)


def case_deadline(case: Case, target: str, start: dt.datetime) -> dt.datetime:
    """A deadline of `target` restarted at `start` (a case reopened on appeal), under the
    policy version the case was filed under."""
    targets = case_targets(case)
    limit = targets.limit(target, case.priority)
    return WorkingCalendar.around(start).deadline(limit, start, business_hours=targets.business_hours)


# --- Pauses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resumption:
    """What a resumed clock records: how much of its running time the pause took, and the
    resolution deadline moved by exactly that."""

    paused_seconds: int
    resolution_due_at: dt.datetime | None

    def event_data(self) -> dict[str, Any]:
        return {"paused_seconds": self.paused_seconds, "resolution_due_at": self.resolution_due_at}


def resumption(case: Case, resumed_at: dt.datetime) -> Resumption:
    """The pause that ends at `resumed_at`: measured in the time the case's resolution clock
    runs in (business hours of working days for a limit in working days or business hours,
    around the clock otherwise), and the deadline moved on by that much in the same time."""
    if case.paused_at is None:
        return Resumption(0, case.resolution_due_at)
    targets = case_targets(case)
    limit = targets.limit(RESOLUTION, case.priority)
    if not targets.counts_working_time(limit):
        paused = max(int((resumed_at - case.paused_at).total_seconds()), 0)
        due = case.resolution_due_at + dt.timedelta(seconds=paused) if case.resolution_due_at else None
        return Resumption(paused, due)
    calendar = WorkingCalendar.around(case.paused_at)
    paused = calendar.business_seconds_between(case.paused_at, resumed_at)
    due = calendar.add_business_seconds(case.resolution_due_at, paused) if case.resolution_due_at else None
    return Resumption(paused, due)
