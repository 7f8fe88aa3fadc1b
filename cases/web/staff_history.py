"""How the staff workspace writes a case's history: every event with its time, author (staff
by name), move between states, every field of its data in words, and its place in the hash
chain. Nothing in an event is left out; a field without words yet is shown as it is stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.actors import PUBLIC, SYSTEM
from accounts.models import Role
from cases.display import (
    DisplayContext,
    Fact,
    Item,
    Render,
    fact,
    linked_reference_field,
    person_field,
    raw_field,
    staff_time,
    text_field,
    time_field,
)
from cases.events import CaseEvent, MatchPlace, event_label
from cases.kinds import KindDeclaration, choice_text
from cases.models import Case, Priority
from cases.staff_queries import BROKEN, VERIFIED, CaseHistory

if TYPE_CHECKING:
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


# --- History ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPages:
    """Where the events shown sit in the whole history, and the links to the others: earlier
    ones (`?before=` the first shown), later ones, and the latest (no parameter)."""

    first: int
    last: int
    total: int
    earlier: str = ""
    later: str = ""
    latest: str = ""


def history_pages(history: CaseHistory, *, size: int) -> HistoryPages | None:
    """None when every event is shown."""
    if history.complete:
        return None
    first, last, total = history.first_shown, history.last_shown, history.total
    later_top = last + 1 + size
    return HistoryPages(
        first=first,
        last=last,
        total=total,
        earlier=f"?before={first}" if first > 1 else "",
        later=(f"?before={later_top}" if later_top <= total else "?") if last < total else "",
        latest="?" if last < total else "",
    )


def actor_text(role: str) -> str:
    if role == PUBLIC:
        return _("Member of the public")
    if role == SYSTEM:
        return _("System")
    return choice_text(Role, role)


def history_rows(case: Case, history: CaseHistory, evidence: list[Evidence]) -> list[HistoryRow]:
    context = DisplayContext(
        case=case, people=history.people, evidence={str(e.id): e for e in evidence}, reader=case.personal_reader()
    )
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
                title=event_label(event.type),
                event_type=event.type,
                actor=actor_text(str(actor.get("role", ""))),
                # Staff see who did what; the public timeline never carries a name.
                username=context.username(user_id) if user_id else "",
                from_state=case.declaration.staff_state(data["from_state"]) if data.get("from_state") else "",
                to_state=case.declaration.staff_state(data["to_state"]) if data.get("to_state") else "",
                facts=event_facts(event, context),
                label_finding=label_finding(data) if event.type == CaseEvent.SYNTHETIC_LABEL_CHECKED else None,
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


# The order in which the fields every kind shares are listed, after the kind's own
# (`KindDeclaration.field_order`); anything else follows, by name. (Some databases hand JSON
# objects back with their keys reordered.)
FIELD_ORDER = (
    "reference",
    "organisation_id",
    "title",
    "entry_reference",
    "where",
    "matched",
    "priority",
    "assignee_id",
    "linked_reference",
    "link",
    "description",
    "statement",
    "note",
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
_FOLDED = frozenset({"linked_case_id", "entry_id"})


def event_facts(event: Event, context: DisplayContext) -> list[Fact]:
    # The filer's own text is sealed in the event; it reads as text, or as erased.
    data = context.reader.data(event.data) if isinstance(event.data, dict) else {"data": event.data}
    declaration = context.case.declaration
    renders = {**_RENDERERS, **declaration.field_renders}
    folded = _FOLDED | declaration.folded_fields
    order = {key: index for index, key in enumerate((*declaration.field_order, *FIELD_ORDER))}
    keys = sorted(
        (key for key in data if key not in _SHOWN_ELSEWHERE and key not in folded),
        key=lambda key: (order.get(key, len(order)), key),
    )
    facts: list[Fact] = []
    for key in keys:
        render = renders.get(key)
        try:
            facts += render(event, data[key], context) if render else raw_field(key, data[key])
        except (TypeError, ValueError, KeyError, AttributeError):
            # A value of an unexpected shape (an altered event, an old schema) is shown as it
            # is stored rather than breaking the page.
            facts += raw_field(key, data[key])
    return facts


def _organisation(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    organisation = context.case.organisation
    same = value == context.case.organisation_id
    return [fact(_("Organisation"), organisation.name if same else value)]


def _subject(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    # The event holds only an opaque id; the details are kept apart so they can be erased.
    # Every filer has a subject (an anonymous one too, whose key seals their text).
    if event.type == CaseEvent.SUBJECT_ERASED:
        return [fact(_("Personal data"), _("erased: the key that opened it is destroyed"))]
    return [
        fact(_("Contact details"), _("kept apart from the history (see Contact details)") if value else _("none given"))
    ]


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


def _link(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    from cases.links import LinkType

    return [fact(_("Link"), choice_text(LinkType, value))]


# How the fields every kind shares read. A kind's declaration adds its own (and may override).
_RENDERERS: dict[str, Render] = {
    "reference": text_field(gettext_lazy("Reference"), style="code"),
    "organisation_id": _organisation,
    "title": text_field(gettext_lazy("Title")),
    "priority": lambda event, value, context: [fact(_("Priority"), choice_text(Priority, value))],
    "assignee_id": person_field(gettext_lazy("Assigned to"), nobody=gettext_lazy("Nobody (unassigned)")),
    "linked_reference": linked_reference_field(gettext_lazy("Linked case"), "linked_case_id"),
    "link": _link,
    "description": text_field(gettext_lazy("Description"), style="long"),
    "statement": text_field(gettext_lazy("Statement"), style="long"),
    "note": text_field(gettext_lazy("Note"), style="long"),
    "content_urls": _urls,
    "subject_id": _subject,
    "erasure_reason": text_field(gettext_lazy("Reason for the erasure"), style="long"),
    "first_response_due_at": time_field(gettext_lazy("First response due")),
    "resolution_due_at": time_field(gettext_lazy("Resolution due")),
    "evidence_id": _evidence_file,
    "content_type": text_field(gettext_lazy("Type"), style="code"),
    "size": _size,
    "sha256": text_field(gettext_lazy("SHA-256"), style="code"),
    # A match in the feature library (`case.feature_matched`).
    "entry_reference": linked_reference_field(gettext_lazy("Feature-library entry"), "entry_id"),
    "where": lambda event, value, context: [fact(_("Where"), choice_text(MatchPlace, value))],
    "matched": text_field(gettext_lazy("What matched"), style="code"),
    # Time limits: the policy a case was filed under, a pause, the clock worker's events.
    "sla_policy": lambda event, value, context: [fact(_("Time limit policy"), policy_version_text(value))],
    "paused_seconds": lambda event, value, context: [fact(_("Clock paused for"), working_time_text(value))],
    "target": lambda event, value, context: [fact(_("Time limit"), target_text(value))],
    "due_at": time_field(gettext_lazy("Due")),
}


def policy_version_text(version: Any) -> str:
    if not version:
        return _("the kind's declared defaults")
    return _("version %(version)s") % {"version": version}


def working_time_text(seconds: Any) -> str:
    from cases.display import working_time_words

    return working_time_words(int(seconds or 0))


def target_text(target: Any) -> str:
    from cases.sla import FIRST_RESPONSE, RESOLUTION

    return {FIRST_RESPONSE: _("First response"), RESOLUTION: _("Decision")}.get(target, str(target))


def generic_field_names() -> frozenset[str]:
    """Event fields any kind may record that this module already has words for."""
    return frozenset(_RENDERERS) | _SHOWN_ELSEWHERE | _FOLDED


def unworded_fields(declaration: KindDeclaration, data: dict[str, Any]) -> set[str]:
    """Fields of an event's data that would show as raw codes on the history page."""
    known = generic_field_names() | set(declaration.field_renders) | declaration.folded_fields
    return {key for key in data if key not in known}


def verification_text(verification: str) -> str:
    if verification == VERIFIED:
        return _("verified")
    if verification == BROKEN:
        return _("fails verification")
    return _("not verified (after a break in the chain)")
