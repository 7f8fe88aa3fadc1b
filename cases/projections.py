"""Event apply functions: the only code that changes a case projection's fields.

`apply_event` runs for every event, live (inside the command's transaction) and on replay.
It never checks a guard or reads the clock: everything it sets comes from the event, so
replaying a stream always rebuilds the same row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.dateparse import parse_datetime

from cases.events import CaseEvent

if TYPE_CHECKING:
    import datetime as dt

    from cases.eventstore import Event
    from cases.models import Case

Applier = Callable[["Case", dict[str, Any], "Event"], None]

_APPLIERS: dict[str, Applier] = {}


def applies(event_type: str) -> Callable[[Applier], Applier]:
    """Register the function that applies one event type's data to a case."""

    def register(func: Applier) -> Applier:
        if event_type in _APPLIERS:
            raise ValueError(f"{event_type} already has an apply function")
        _APPLIERS[event_type] = func
        return func

    return register


def set_state(case: Case, state: str) -> None:
    # The state field is protected against assignment; an applied event is the one thing
    # allowed to move it, so this goes through the field as django-fsm itself does.
    type(case)._meta.get_field("state").set_state(case, state)


def when(value: str | None) -> dt.datetime | None:
    return parse_datetime(value) if value else None


def apply_event(case: Case, event: Event) -> None:
    data = event.data
    if "to_state" in data:
        set_state(case, data["to_state"])
    # Time-limit facts any kind's events may carry: the policy version an opening event was
    # filed under, and the working time a resumed clock stood still (events written before
    # these keys existed have neither, and replay leaves the defaults).
    if "sla_policy" in data:
        case.sla_policy_version = data["sla_policy"]
    if "paused_seconds" in data:
        case.paused_seconds = (case.paused_seconds or 0) + data["paused_seconds"]
    applier = _APPLIERS.get(event.type)
    if applier is not None:
        applier(case, data, event)
    case.version = event.stream_version
    case.last_event_hash = event.hash
    if event.stream_version == 1:
        case.created_at = event.occurred_at
    case.updated_at = event.occurred_at


def registered_event_types() -> frozenset[str]:
    return frozenset(_APPLIERS)


# --- Events any case kind records -----------------------------------------------------------


@applies(CaseEvent.ASSIGNED)
def _assigned(case: Case, data: dict[str, Any], event: Event) -> None:
    case.assignee_id = data["assignee_id"]


@applies(CaseEvent.LINKED)
def _linked(case: Case, data: dict[str, Any], event: Event) -> None:
    link = {"link": data["link"], "case_id": data["linked_case_id"], "reference": data["linked_reference"]}
    case.details = {**case.details, "links": [*case.details.get("links", []), link]}


@applies(CaseEvent.NOTE_ADDED)
def _note_added(case: Case, data: dict[str, Any], event: Event) -> None:
    """An internal note changes nothing on the case; the event alone keeps it."""


@applies(CaseEvent.PERSONAL_DATA_REVEALED)
def _personal_data_revealed(case: Case, data: dict[str, Any], event: Event) -> None:
    """Seeing the data changes nothing on the case; the event records who saw it, and when."""


@applies(CaseEvent.EVIDENCE_ADDED)
def _evidence_added(case: Case, data: dict[str, Any], event: Event) -> None:
    """The file is listed beside the case; the event records its digest."""


@applies(CaseEvent.SYNTHETIC_LABEL_CHECKED)
def _label_checked(case: Case, data: dict[str, Any], event: Event) -> None:
    """What the label check found is read from the event itself."""


@applies(CaseEvent.FEATURE_MATCHED)
def _feature_matched(case: Case, data: dict[str, Any], event: Event) -> None:
    """The match is listed on the case, once per entry; the first match of a filing carries
    the priority it raised the case to."""
    if "priority" in data:
        case.priority = data["priority"]
    match = {"entry_id": data["entry_id"], "reference": data["entry_reference"]}
    known = list(case.details.get("feature_matches") or [])
    if match not in known:
        case.details = {**case.details, "feature_matches": [*known, match]}


@applies(CaseEvent.SLA_WARNING)
def _sla_warning(case: Case, data: dict[str, Any], event: Event) -> None:
    """A reminder: it changes nothing on the case."""


@applies(CaseEvent.SLA_BREACHED)
def _sla_breached(case: Case, data: dict[str, Any], event: Event) -> None:
    """A missed time limit escalates the case: it carries the priority it was raised to."""
    if "priority" in data:
        case.priority = data["priority"]


@applies(CaseEvent.SUBJECT_ERASED)
def _subject_erased(case: Case, data: dict[str, Any], event: Event) -> None:
    """The key is gone; the event records when and why, and changes nothing on the case."""
