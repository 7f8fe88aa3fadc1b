"""How the staff workspace writes cases: labels instead of codes, Beijing time, and links
between cases. The history is written by `cases.web.staff_history`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cases.events import EventType
from cases.models import Case, CaseKind, Priority
from cases.sla import CHINA_TIME
from cases.staff_queries import CaseHistory
from cases.workflows.appeal import AppealState, AppealTarget
from cases.workflows.complaint import Category, Measure, Outcome, RejectionReason, measure_reference

if TYPE_CHECKING:
    from cases.models import Evidence
    from cases.web.staff_history import LabelFindingView

OUTCOME_TEXT = {
    "rejected_invalid": RejectionReason.INVALID.label,
    "rejected_duplicate": RejectionReason.DUPLICATE.label,
    "upheld": AppealState.UPHELD.label,
    "overturned": AppealState.OVERTURNED.label,
}


def staff_time(value: dt.datetime | str | None) -> str:
    """A moment as a short Beijing time, the same in every language: 2025-01-10 14:03."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return ""
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def case_url(case_id: Any) -> str:
    return reverse("web:staff_case", kwargs={"case_id": case_id})


def choice_text(choices: Any, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def kind_text(kind: str) -> str:
    return choice_text(CaseKind, kind)


def category_text(case: Case) -> str:
    if case.kind == CaseKind.APPEAL:
        return choice_text(AppealTarget, case.category)
    return choice_text(Category, case.category)


def outcome_text(outcome: str) -> str:
    if outcome in Outcome.values:
        return choice_text(Outcome, outcome)
    return str(OUTCOME_TEXT.get(outcome, outcome))


def state_text(case: Case, state: str | None) -> str:
    if not state:
        return ""
    states = type(case).States  # type: ignore[attr-defined]
    return choice_text(states, state)


# --- What is shown ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One value of a fact: plain text, free text kept with its line breaks, code, or a link."""

    text: str
    href: str = ""
    style: str = "text"  # "text", "long", "code" or "url"


@dataclass(frozen=True)
class Fact:
    label: str
    items: list[Item]


def fact(label: Any, text: Any, *, href: str = "", style: str = "text") -> Fact:
    return Fact(str(label), [Item(str(text), href=href, style=style)])


# --- Queue ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    case: Case
    url: str
    kind: str
    state: str
    priority: str
    urgent: bool
    assignee: str
    due: str
    due_iso: str
    overdue: bool


def queue_rows(cases: list[Case], *, now: dt.datetime) -> list[QueueRow]:
    return [
        QueueRow(
            case=case,
            url=case_url(case.id),
            kind=kind_text(case.kind),
            state=case.state_label,
            priority=choice_text(Priority, case.priority),
            urgent=case.priority >= Priority.HIGH,
            assignee=case.assignee.username if case.assignee else "",
            due=staff_time(case.due_at),
            due_iso=case.due_at.isoformat() if case.due_at else "",
            overdue=case.due_at is not None and case.due_at < now,
        )
        for case in cases
    ]


# --- Case facts -------------------------------------------------------------------------------


def case_facts(case: Case, *, now: dt.datetime) -> list[Fact]:
    """The case as it stands, in the order staff read it."""
    facts = [
        fact(_("Reference"), case.reference, style="code"),
        fact(_("Kind"), kind_text(case.kind)),
        fact(_("What is appealed") if case.kind == CaseKind.APPEAL else _("Category"), category_text(case)),
        fact(_("State"), case.state_label),
        fact(_("Priority"), choice_text(Priority, case.priority)),
        fact(_("Assignee"), case.assignee.username if case.assignee else _("Unassigned")),
    ]
    if case.due_at is not None:
        due = staff_time(case.due_at)
        if case.due_at < now:
            due = _("%(moment)s – overdue") % {"moment": due}
        facts.append(fact(_("Due now"), due))
    else:
        facts.append(fact(_("Due now"), _("No deadline running (the clock is paused or the case is finished)")))
    if case.first_responded_at:
        facts.append(fact(_("First response given"), staff_time(case.first_responded_at)))
    elif case.first_response_due_at:
        facts.append(fact(_("First response due"), staff_time(case.first_response_due_at)))
    if case.resolution_due_at:
        facts.append(fact(_("Resolution due"), staff_time(case.resolution_due_at)))
    if case.paused_at:
        facts.append(fact(_("Clock paused since"), staff_time(case.paused_at)))
    if case.resolved_at:
        facts.append(fact(_("Decided at"), staff_time(case.resolved_at)))
    if case.closed_at:
        facts.append(fact(_("Closed at"), staff_time(case.closed_at)))
    if case.outcome:
        facts.append(fact(_("Outcome"), outcome_text(case.outcome)))
    measures = case.details.get("measures") or []
    if measures:
        reversed_numbers = set(case.details.get("reversed_measures", []))
        items = []
        for number, measure in enumerate(measures, start=1):
            text = f"{choice_text(Measure, measure)} ({measure_reference(case.reference, number)})"
            if number in reversed_numbers:
                text = _("%(measure)s – reversed on appeal") % {"measure": text}
            items.append(Item(text))
        facts.append(Fact(_("Measures"), items))
    facts.append(fact(_("Created"), staff_time(case.created_at)))
    facts.append(fact(_("Version"), case.version))
    return facts


def related_facts(case: Case, related: list[Case]) -> list[Fact]:
    if case.kind == CaseKind.APPEAL:
        if not related:
            return []
        appealed = related[0]
        facts = [fact(_("Appeal against"), f"{appealed.reference} – {appealed.title}", href=case_url(appealed.id))]
        number = case.details.get("measure_number")
        if number:
            measure = choice_text(Measure, case.details.get("measure"))
            facts.append(fact(_("Measure appealed"), f"{measure} ({measure_reference(appealed.reference, number)})"))
        return facts
    if not related:
        return []
    items = [Item(f"{appeal.reference} – {appeal.state_label}", href=case_url(appeal.id)) for appeal in related]
    return [Fact(_("Appeals against this case"), items)]


# --- Evidence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    evidence: Evidence
    url: str
    size: str
    finding: LabelFindingView | None


def evidence_rows(case: Case, evidence: list[Evidence], history: CaseHistory) -> list[EvidenceRow]:
    """Each file with its download link and what the last check of its AIGC label found."""
    from cases.web.staff_history import label_finding

    findings = {
        str(entry.event.data.get("evidence_id")): label_finding(entry.event.data)
        for entry in history.entries
        if entry.event.type == EventType.CASE_SYNTHETIC_LABEL_CHECKED and isinstance(entry.event.data, dict)
    }
    return [
        EvidenceRow(
            evidence=item,
            url=reverse("web:staff_evidence", kwargs={"case_id": case.id, "evidence_id": item.id}),
            size=_("%(size)s bytes") % {"size": number_format(item.size, force_grouping=True)},
            finding=findings.get(str(item.id)),
        )
        for item in evidence
    ]
