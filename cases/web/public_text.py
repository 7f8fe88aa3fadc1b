"""What a case's state means, in plain words for the person who filed it, and how times and
time limits are written on the public pages."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.display import public_deadline
from cases.models import Case
from cases.sla import CHINA_TIME, Limit, TimeUnit


def china_time(value: dt.datetime | None) -> str:
    """A moment as people in China read it: Beijing time, in the language of the page."""
    if value is None:
        return ""
    local = value.astimezone(CHINA_TIME)
    return _("%(moment)s (Beijing time)") % {"moment": formats.date_format(local, "DATETIME_FORMAT")}


def state_explanation(case: Case) -> str:
    """What the case's state means for its filer, from the kind's declaration."""
    wording = case.declaration.state_wording(case.state)
    if wording is None:  # a state the declaration lacks: the completeness tests catch it
        return _("Current state: %(state)s.") % {"state": case.public_state_label}
    # A mapping applied to a text without placeholders leaves it as it is.
    return str(wording.explanation) % {"due": public_deadline(case.due_at or case.resolution_due_at)}


def describe_limit(limit: Limit) -> str:
    """'24 hours' or '7 working days', in the language of the page."""
    if limit.unit == TimeUnit.HOURS:
        return ngettext("%(count)d hour", "%(count)d hours", limit.amount) % {"count": limit.amount}
    if limit.unit == TimeUnit.WORKING_DAYS:
        return ngettext("%(count)d working day", "%(count)d working days", limit.amount) % {"count": limit.amount}
    return f"{limit.amount} {limit.unit}"
