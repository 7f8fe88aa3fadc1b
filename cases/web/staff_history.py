"""How the staff workspace writes a case's history: every event with its time, author (staff
by name), move between states, every field of its data in words, and its place in the hash
chain. Nothing in an event is left out; a field without words yet is shown as it is stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.actors import PUBLIC, SYSTEM
from accounts.models import Role
from cases.events import EventType
from cases.models import Case, Priority
from cases.staff_queries import BROKEN, VERIFIED, CaseHistory
from cases.web.staff_display import Fact, Item, case_url, choice_text, fact, outcome_text, staff_time, state_text
from cases.workflows.appeal import AppealTarget
from cases.workflows.complaint import Category, Measure, RejectionReason, measure_reference

if TYPE_CHECKING:
    from accounts.models import User
    from cases.eventstore import Event
    from cases.models import Evidence

SHORT_HASH = 12

# Annex E of GB 45438-2025: what each value of the implicit label's Label field declares.
LABEL_MEANING_TEXT = {
    "generated": gettext_lazy("generated or synthesised by AI"),
    "possibly_generated": gettext_lazy("possibly generated or synthesised by AI"),
    "suspected": gettext_lazy("suspected of being generated or synthesised by AI"),
}


@dataclass(frozen=True)
class LabelFindingView:
    found: bool
    headline: str
    facts: list[Fact]
    problem: str = ""


@dataclass(frozen=True)
class HistoryRow:
    number: int
    when: str
    iso: str
    title: str
    event_type: str
    actor: str
    username: str
    from_state: str
    to_state: str
    facts: list[Fact]
    label_finding: LabelFindingView | None
    short_hash: str
    hash: str
    previous_hash: str
    verification: str
    verification_text: str


@dataclass
class DisplayContext:
    case: Case
    people: Mapping[int, User]
    evidence: Mapping[str, Evidence]

    def username(self, user_id: Any) -> str:
        person = self.people.get(user_id) if isinstance(user_id, int) else None
        return person.username if person is not None else (_("user #%(id)s") % {"id": user_id} if user_id else "")


# --- History ----------------------------------------------------------------------------------


def actor_text(role: str) -> str:
    if role == PUBLIC:
        return _("Member of the public")
    if role == SYSTEM:
        return _("System")
    return choice_text(Role, role)


def history_rows(case: Case, history: CaseHistory, evidence: list[Evidence]) -> list[HistoryRow]:
    context = DisplayContext(case=case, people=history.people, evidence={str(e.id): e for e in evidence})
    rows = []
    for entry in history.entries:
        event = entry.event
        # A tampered row may hold anything; this page must still show it beside the warning.
        data = event.data if isinstance(event.data, dict) else {}
        metadata = event.metadata if isinstance(event.metadata, dict) else {}
        actor = metadata.get("actor") if isinstance(metadata.get("actor"), dict) else {}
        user_id = actor.get("user_id")
        rows.append(
            HistoryRow(
                number=event.stream_version,
                when=staff_time(event.occurred_at),
                iso=event.occurred_at.isoformat(),
                title=choice_text(EventType, event.type),
                event_type=event.type,
                actor=actor_text(str(actor.get("role", ""))),
                # Staff see who did what; the public timeline never carries a name.
                username=context.username(user_id) if user_id else "",
                from_state=state_text(case, data.get("from_state")),
                to_state=state_text(case, data.get("to_state")),
                facts=event_facts(event, context),
                label_finding=label_finding(data) if event.type == EventType.CASE_SYNTHETIC_LABEL_CHECKED else None,
                short_hash=event.hash[:SHORT_HASH],
                hash=event.hash,
                previous_hash=event.previous_hash,
                verification=entry.verification,
                verification_text=verification_text(entry.verification),
            )
        )
    return rows


LABEL_FIELDS = (
    "found",
    "label",
    "label_meaning",
    "content_producer",
    "produce_id",
    "content_propagator",
    "propagate_id",
    "location",
    "problem",
    "reserved_code1",
    "reserved_code2",
)


def label_finding(data: Mapping[str, Any]) -> LabelFindingView:
    """What a file's implicit AIGC label (GB 45438-2025) says, in words staff can act on."""
    found = bool(data.get("found"))
    label = data.get("label")
    meaning_key = str(data.get("label_meaning") or "")
    meaning = LABEL_MEANING_TEXT.get(meaning_key, meaning_key)
    if found:
        headline = _("AI-generated label found: Label %(label)s (%(meaning)s)") % {"label": label, "meaning": meaning}
    elif data.get("problem"):
        headline = _("No usable AI-generated label found in this file")
    else:
        headline = _("No AI-generated label found in this file")
    facts = []
    for key, name, title in (
        ("content_producer", "ContentProducer", _("Producer")),
        ("produce_id", "ProduceID", _("Production ID")),
        ("content_propagator", "ContentPropagator", _("Propagator")),
        ("propagate_id", "PropagateID", _("Propagation ID")),
        ("reserved_code1", "ReservedCode1", _("Reserved code 1")),
        ("reserved_code2", "ReservedCode2", _("Reserved code 2")),
    ):
        if data.get(key):
            facts.append(fact(f"{title} ({name})", data[key], style="code"))
    if data.get("location"):
        facts.append(fact(_("Where in the file"), data["location"], style="code"))
    return LabelFindingView(found=found, headline=headline, facts=facts, problem=str(data.get("problem") or ""))


# The order in which an event's fields are listed; anything else follows, by name. (Some
# databases hand JSON objects back with their keys reordered.)
FIELD_ORDER = (
    "reference",
    "organisation_id",
    "title",
    "category",
    "target",
    "priority",
    "outcome",
    "reason",
    "measures",
    "measure_numbers",
    "appealed_reference",
    "measure_number",
    "measure",
    "duplicate_of",
    "appeal_reference",
    "assignee_id",
    "original_decider",
    "description",
    "statement",
    "explanation",
    "question",
    "text",
    "note",
    "summary",
    "content_urls",
    "subject_id",
    "first_response_due_at",
    "resolution_due_at",
    "evidence_id",
    "content_type",
    "size",
    "sha256",
)
# Shown elsewhere on the row: the move between states, and the label box.
_SHOWN_ELSEWHERE = frozenset({"from_state", "to_state", *LABEL_FIELDS})
# Folded into the field beside them (a link's target).
_FOLDED = frozenset({"duplicate_of_case_id", "appealed_case_id"})

Render = Callable[["Event", Any, DisplayContext], list[Fact]]


def event_facts(event: Event, context: DisplayContext) -> list[Fact]:
    data = event.data if isinstance(event.data, dict) else {"data": event.data}
    order = {key: index for index, key in enumerate(FIELD_ORDER)}
    keys = sorted(
        (key for key in data if key not in _SHOWN_ELSEWHERE and key not in _FOLDED),
        key=lambda key: (order.get(key, len(order)), key),
    )
    facts: list[Fact] = []
    for key in keys:
        render = _RENDERERS.get(key)
        try:
            facts += render(event, data[key], context) if render else _raw(key, data[key])
        except (TypeError, ValueError, KeyError, AttributeError):
            # A value of an unexpected shape (an altered event, an old schema) is shown as it
            # is stored rather than breaking the page.
            facts += _raw(key, data[key])
    return facts


def _data(event: Event) -> dict[str, Any]:
    return event.data if isinstance(event.data, dict) else {}


def _raw(key: str, value: Any) -> list[Fact]:
    """A field this page has no words for yet: shown as it is stored, never hidden."""
    if value in (None, "", [], {}):
        return []
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return [fact(key, text, style="code")]


def _text(label: Any, *, style: str = "text") -> Render:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, value, style=style)] if value not in (None, "") else []

    return render


def _time(label: Any) -> Render:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        return [fact(label, staff_time(value))] if value else []

    return render


def _category(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    return [fact(_("Category"), choice_text(Category, value))]


def _reason(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    if event.type == EventType.COMPLAINT_REJECTED:
        return [fact(_("Reason"), choice_text(RejectionReason, value))]
    return [fact(_("Reason"), value, style="long")]


def _measures(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    if not value:
        return []
    items = [
        Item(f"{choice_text(Measure, measure)} ({measure_reference(context.case.reference, number)})")
        for number, measure in enumerate(value, start=1)
    ]
    return [Fact(_("Measures"), items)]


def _measure_numbers(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    items = [Item(measure_reference(context.case.reference, number), style="code") for number in value or []]
    return [Fact(_("Measures reversed"), items)] if items else []


def _appealed(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    appealed_id = _data(event).get("appealed_case_id")
    return [fact(_("Appeal against"), value, href=case_url(appealed_id) if appealed_id else "", style="code")]


def _measure_number(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    if not value:
        return []
    appealed = _data(event).get("appealed_reference") or context.case.reference
    return [fact(_("Measure appealed"), measure_reference(appealed, value), style="code")]


def _duplicate_of(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    original_id = _data(event).get("duplicate_of_case_id")
    return [fact(_("Duplicate of"), value, href=case_url(original_id) if original_id else "", style="code")]


def _person(label: Any, *, nobody: Any = "") -> Render:
    def render(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
        if value is None:
            return [fact(label, nobody)] if nobody else []
        return [fact(label, context.username(value))]

    return render


def _organisation(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    organisation = context.case.organisation
    same = value == context.case.organisation_id
    return [fact(_("Organisation"), organisation.name if same else value)]


def _subject(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    # The event holds only an opaque id; the details are kept apart so they can be erased.
    return [fact(_("Contact details"), _("given (see Contact details)") if value else _("none given"))]


def _urls(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    items = [Item(url, href=url, style="url") for url in value or [] if isinstance(url, str)]
    return [Fact(_("Content addresses"), items)] if items else []


def _evidence_file(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    evidence = context.evidence.get(str(value))
    if evidence is None:
        return [fact(_("Evidence file"), value, style="code")]
    href = reverse("web:staff_evidence", kwargs={"case_id": context.case.id, "evidence_id": evidence.id})
    return [fact(_("Evidence file"), evidence.original_name, href=href)]


def _size(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    return [fact(_("Size"), _("%(size)s bytes") % {"size": number_format(value, force_grouping=True)})]


_RENDERERS: dict[str, Render] = {
    "reference": _text(gettext_lazy("Reference"), style="code"),
    "organisation_id": _organisation,
    "title": _text(gettext_lazy("Title")),
    "category": _category,
    "target": lambda event, value, context: [fact(_("What is appealed"), choice_text(AppealTarget, value))],
    "priority": lambda event, value, context: [fact(_("Priority"), choice_text(Priority, value))],
    "outcome": lambda event, value, context: [fact(_("Outcome"), outcome_text(value))],
    "reason": _reason,
    "measures": _measures,
    "measure_numbers": _measure_numbers,
    "appealed_reference": _appealed,
    "measure_number": _measure_number,
    "measure": lambda event, value, context: [fact(_("Measure"), choice_text(Measure, value))] if value else [],
    "duplicate_of": _duplicate_of,
    "appeal_reference": _text(gettext_lazy("Appeal"), style="code"),
    "assignee_id": _person(gettext_lazy("Assigned to"), nobody=gettext_lazy("Nobody (unassigned)")),
    "original_decider": _person(gettext_lazy("Original decision by")),
    "description": _text(gettext_lazy("Description"), style="long"),
    "statement": _text(gettext_lazy("Statement"), style="long"),
    "explanation": _text(gettext_lazy("Explanation"), style="long"),
    "question": _text(gettext_lazy("Question"), style="long"),
    "text": _text(gettext_lazy("Answer"), style="long"),
    "note": _text(gettext_lazy("Note"), style="long"),
    "summary": _text(gettext_lazy("Summary"), style="long"),
    "content_urls": _urls,
    "subject_id": _subject,
    "first_response_due_at": _time(gettext_lazy("First response due")),
    "resolution_due_at": _time(gettext_lazy("Resolution due")),
    "evidence_id": _evidence_file,
    "content_type": _text(gettext_lazy("Type"), style="code"),
    "size": _size,
    "sha256": _text(gettext_lazy("SHA-256"), style="code"),
}


def verification_text(verification: str) -> str:
    if verification == VERIFIED:
        return _("verified")
    if verification == BROKEN:
        return _("fails verification")
    return _("not verified (after a break in the chain)")
