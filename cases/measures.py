"""Enforcement measures of article 10: what they are, how a decision names them, and the
per-account index that finds every measure taken against one account.

A decision records its measures in its event as a list of items
{"measure", "account", "ends_at", "subject_id"}; the case's details keep them, numbered from 1
in that order, and `EnforcementMeasure` rows mirror them for look-ups by account or by
reference. Any case kind whose details carry "measures" in that shape gets the index.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cases.compiled_queries import CompiledQuery
from cases.errors import CommandInvalid
from cases.rows import insert_rows

if TYPE_CHECKING:
    from cases.models import Case, EnforcementMeasure


class Measure(models.TextChoices):
    """Measures on content, and against the account that published it."""

    CONTENT_REMOVED = "content_removed", _("Content removed")
    LABEL_ADDED = "label_added", _("Synthetic-content label added")
    WARNING = "warning", _("User warned")
    FUNCTION_RESTRICTED = "function_restricted", _("Functions restricted")
    SERVICE_SUSPENDED = "service_suspended", _("Service suspended")
    ACCOUNT_CLOSED = "account_closed", _("Account closed")


ACCOUNT_MEASURES = frozenset(
    {Measure.WARNING, Measure.FUNCTION_RESTRICTED, Measure.SERVICE_SUSPENDED, Measure.ACCOUNT_CLOSED}
)
# Measures that last for a time (in days) or, without one, until lifted.
TIMED_MEASURES = frozenset({Measure.FUNCTION_RESTRICTED, Measure.SERVICE_SUSPENDED})

MAX_ACCOUNT = 200
MAX_DAYS = 3650
MAX_MEASURES = 10


class MeasureState(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    REVERSED = "reversed", _("Reversed on appeal")


MSG_MEASURE_ACCOUNT_REQUIRED = _("Name the account this measure is against.")
MSG_MEASURE_ACCOUNT_INVALID = _("An account identifier is one line of at most %(max)s printable characters.")
MSG_MEASURE_DAYS_INVALID = _("A duration is a whole number of days from 1 to %(max)s.")
MSG_MEASURE_DAYS_NOT_TIMED = _("Only a restriction or a suspension has a duration.")
MSG_MEASURE_UNKNOWN = _("“%(value)s” is not a measure.")
MSG_MEASURE_SHAPE = _("Each measure is an object with “measure”, and “account” and “days” where they apply.")
MSG_TOO_MANY_MEASURES = _("At most %(max)s measures.")


@dataclass(frozen=True)
class MeasureItem:
    """One measure as a decision takes it."""

    measure: str
    account: str = ""
    days: int | None = None
    notify_email: str = ""


def measure_items(raw: Iterable[Any]) -> list[MeasureItem]:
    """Validate measures as sent by a form or the API: dicts, or bare measure names."""
    items: list[MeasureItem] = []
    raw = list(raw or [])
    if len(raw) > MAX_MEASURES:
        raise CommandInvalid.single("measures", MSG_TOO_MANY_MEASURES % {"max": MAX_MEASURES})
    for entry in raw:
        if isinstance(entry, MeasureItem):
            entry = entry.__dict__
        if isinstance(entry, str):
            entry = {"measure": entry}
        if not isinstance(entry, Mapping) or not isinstance(entry.get("measure"), str):
            raise CommandInvalid.single("measures", MSG_MEASURE_SHAPE)
        measure = entry["measure"]
        if measure not in Measure.values:
            raise CommandInvalid.single("measures", MSG_MEASURE_UNKNOWN % {"value": str(measure)[:40]})
        account = entry.get("account") or ""
        if not isinstance(account, str):
            raise CommandInvalid.single("measures", MSG_MEASURE_ACCOUNT_INVALID % {"max": MAX_ACCOUNT})
        account = account.strip()
        if len(account) > MAX_ACCOUNT or any(unicodedata.category(ch)[0] == "C" for ch in account):
            raise CommandInvalid.single("measures", MSG_MEASURE_ACCOUNT_INVALID % {"max": MAX_ACCOUNT})
        if measure in ACCOUNT_MEASURES and not account:
            raise CommandInvalid.single("measures", MSG_MEASURE_ACCOUNT_REQUIRED)
        days = entry.get("days")
        if days in ("", None):
            days = None
        elif measure not in TIMED_MEASURES:
            raise CommandInvalid.single("measures", MSG_MEASURE_DAYS_NOT_TIMED)
        elif isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise CommandInvalid.single("measures", MSG_MEASURE_DAYS_INVALID % {"max": MAX_DAYS})
        notify_email = entry.get("notify_email") or ""
        items.append(MeasureItem(measure=measure, account=account, days=days, notify_email=str(notify_email)))
    return items


def measure_reference(case_reference: str, number: int) -> str:
    """The reference printed on the notice of a measure: C-7K4M-9QHX's second is M-7K4M-9QHX-2."""
    return f"M{case_reference[1:]}-{number}"


def normalise_measure_reference(text: str) -> str | None:
    """ "M-XXXX-XXXX-n" for a measure reference however it was typed, or None."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(compact) < 10 or compact[0] != "M" or not compact[9:].isdigit() or len(compact) > 12:
        return None
    return f"M-{compact[1:5]}-{compact[5:9]}-{int(compact[9:])}"


# --- In the case's details ------------------------------------------------------------------


def recorded_measures(details: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The measures a case's details hold, numbered from 1, in one shape whatever the schema
    version of the event that recorded them (the first version kept bare names)."""
    measures = []
    for entry in details.get("measures") or []:
        item = {"measure": entry} if isinstance(entry, str) else dict(entry)
        measures.append(
            {
                "measure": item.get("measure", ""),
                "account": item.get("account", ""),
                "ends_at": item.get("ends_at"),
                "subject_id": item.get("subject_id"),
                "reversed_at": item.get("reversed_at"),
                "reversed_by": item.get("reversed_by", ""),
            }
        )
    return measures


def measure_state(
    ends_at: dt.datetime | None, reversed_at: dt.datetime | None, *, now: dt.datetime | None = None
) -> str:
    if reversed_at is not None:
        return MeasureState.REVERSED
    if ends_at is not None and ends_at <= (now or timezone.now()):
        return MeasureState.EXPIRED
    return MeasureState.IN_FORCE


def measures_in_force(case: Case) -> dict[int, str]:
    """Measure number → measure, for the case's measures not reversed (expired ones included:
    they can still be appealed, to clear the record)."""
    return {
        number: item["measure"]
        for number, item in enumerate(recorded_measures(case.details), start=1)
        if not item["reversed_at"]
    }


# --- The per-account index ------------------------------------------------------------------


def measure_rows(case: Case) -> list[EnforcementMeasure]:
    """The index rows the case's details call for (unsaved)."""
    from cases.models import EnforcementMeasure

    taken_at = parse_datetime(case.details.get("decided_at") or "") or case.resolved_at or case.updated_at
    return [
        EnforcementMeasure(
            case_id=case.id,
            number=number,
            organisation_id=case.organisation_id,
            reference=measure_reference(case.reference, number),
            account=item["account"],
            measure=item["measure"],
            taken_at=taken_at,
            ends_at=parse_datetime(item["ends_at"]) if item["ends_at"] else None,
            reversed_at=parse_datetime(item["reversed_at"]) if item["reversed_at"] else None,
            reversed_by=item["reversed_by"],
        )
        for number, item in enumerate(recorded_measures(case.details), start=1)
    ]


_COMPARED = ("reference", "account", "measure", "taken_at", "ends_at", "reversed_at", "reversed_by")


def _stored_measures(case_id: uuid.UUID) -> models.QuerySet[Any]:
    from cases.models import EnforcementMeasure

    return EnforcementMeasure.objects.filter(case_id=case_id)


# Read on every step that changes a case's measures.
_STORED_MEASURES = CompiledQuery(_stored_measures, case_id=uuid.UUID)


def measures_sync(case: Case) -> bool:
    """Bring the case's index rows in line with its details; True if anything changed."""
    wanted = {row.number: row for row in measure_rows(case)}
    stored = {row.number: row for row in _STORED_MEASURES.rows(case_id=case.id)}
    if {n: [getattr(r, f) for f in _COMPARED] for n, r in wanted.items()} == {
        n: [getattr(r, f) for f in _COMPARED] for n, r in stored.items()
    }:
        return False
    if stored:
        _stored_measures(case.id).delete()
    rows = list(wanted.values())
    if rows:
        insert_rows(rows, [f.attname for f in rows[0]._meta.concrete_fields if not f.primary_key])
    return True
