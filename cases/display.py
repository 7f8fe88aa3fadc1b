"""The pieces staff pages are written with: facts with one or more values, Beijing time, and
the field renderers that case-kind declarations use to say how their event fields read."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases.kinds import choice_text
from cases.sla import CHINA_TIME

if TYPE_CHECKING:
    from accounts.models import User
    from cases.eventstore import Event
    from cases.models import Case, Evidence
    from cases.sealing import Reader


def staff_time(value: dt.datetime | str | None) -> str:
    """A moment as a short Beijing time, the same in every language: 2025-01-10 14:03."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return ""
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def public_deadline(value: dt.datetime | str | None) -> str:
    """A deadline as the public reads it: the day and the exact Beijing time it ends, in the
    page's language ("2026年3月3日 18:00（北京时间）"), the same way everywhere; never
    "24:00" or "00:00" of a next day, which read like another day."""
    from django.utils import formats

    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return ""
    local = moment.astimezone(CHINA_TIME)
    return _("%(time)s on %(day)s (Beijing time)") % {
        "day": formats.date_format(local, "DATE_FORMAT"),
        "time": local.strftime("%H:%M"),
    }


def working_time_words(seconds: int) -> str:
    """Working time as people say it: "2 working days 3 hours", "40 minutes" (a working day
    being the nine business hours of one)."""
    from django.utils.translation import ngettext

    from cases.sla import BUSINESS_DAY_SECONDS

    days, rest = divmod(max(int(seconds or 0), 0), BUSINESS_DAY_SECONDS)
    hours, minutes = rest // 3600, rest % 3600 // 60
    parts = []
    if days:
        parts.append(ngettext("%(count)d working day", "%(count)d working days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes and not days:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
    return " ".join(parts) or _("no working time")


def case_url(case_id: Any) -> str:
    return reverse("web:staff_case", kwargs={"case_id": case_id})


@dataclass(frozen=True)
class Item:
    """One value of a fact: plain text, free text kept with its line breaks, code, a link, or
    a deadline (its Beijing time, and the time left, which the page counts down)."""

    text: str
    href: str = ""
    style: str = "text"  # "text", "long", "code", "url" or "deadline"
    # A deadline's moment (ISO 8601) and the time left when the page was drawn.
    moment: str = ""
    left: str = ""


# Past this many days the time left is told in days; closer, in hours, minutes and seconds.
COUNTDOWN_DAYS_FROM = 2


def time_left(due: dt.datetime, now: dt.datetime) -> str:
    """'3:59:12 left', 'overdue by 0:01:30', or '5 days left': what static/js/countdown.js
    then keeps current, worded the same way."""
    seconds = int(abs((due - now).total_seconds()))
    days = seconds // 86400
    if days >= COUNTDOWN_DAYS_FROM:
        span = _("%(days)s days") % {"days": days}
    else:
        span = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return _("%(time)s left") % {"time": span} if due >= now else _("overdue by %(time)s") % {"time": span}


def deadline_item(due: dt.datetime, *, now: dt.datetime | None = None, text: str = "") -> Item:
    """A deadline as a fact's value: Beijing time (or `text`), and the time left counting down."""
    return Item(
        text or staff_time(due),
        style="deadline",
        moment=due.isoformat(),
        left=time_left(due, now or timezone.now()),
    )


@dataclass(frozen=True)
class Fact:
    """A label and any number of values: each value is shown on its own beside the label."""

    label: str
    items: list[Item]


def fact(label: Any, text: Any, *, href: str = "", style: str = "text") -> Fact:
    return Fact(str(label), [Item(str(text), href=href, style=style)])


@dataclass
class DisplayContext:
    """What a field renderer may need besides the value: the case, people and files."""

    case: Case
    people: Mapping[int, User]
    evidence: Mapping[str, Evidence]
    # Opens the filer's sealed text (`cases.sealing`), loading each data subject once.
    reader: Reader = field(default_factory=lambda: _new_reader())

    def username(self, user_id: Any) -> str:
        person = self.people.get(user_id) if isinstance(user_id, int) else None
        return person.username if person is not None else (_("user #%(id)s") % {"id": user_id} if user_id else "")


def _new_reader() -> Reader:
    from cases.sealing import Reader

    return Reader()


Render = Callable[["Event", Any, DisplayContext], list[Fact]]


def event_data(event: Event) -> dict[str, Any]:
    return event.data if isinstance(event.data, dict) else {}


def raw_field(key: str, value: Any) -> list[Fact]:
    """A field the page has no words for: shown as it is stored, never hidden."""
    if value in (None, "", [], {}):
        return []
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return [fact(key, text, style="code")]


def text_field(label: Any, *, style: str = "text") -> Render:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, value, style=style)] if value not in (None, "") else []

    return render


def time_field(label: Any) -> Render:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, staff_time(value))] if value else []

    return render


def choice_field(label: Any, choices: Any) -> Render:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, choice_text(choices, value))] if value not in (None, "") else []

    return render


def person_field(label: Any, *, nobody: Any = "") -> Render:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        if value is None:
            return [fact(label, nobody)] if nobody else []
        return [fact(label, context.username(value))]

    return render


def linked_reference_field(label: Any, id_key: str) -> Render:
    """A reference of another case, linked to it by the id the event keeps beside it."""

    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        if not value:
            return []
        target = event_data(event).get(id_key)
        return [fact(label, value, href=case_url(target) if target else "", style="code")]

    return render


def url_list_field(label: Any) -> Render:
    """Web addresses, each a link of its own."""

    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        items = [Item(url, href=url, style="url") for url in value or [] if isinstance(url, str)]
        return [Fact(str(label), items)] if items else []

    return render


def date_field(label: Any) -> Render:
    """A day (YYYY-MM-DD), written as it is: the same in every language."""

    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, value)] if value else []

    return render
