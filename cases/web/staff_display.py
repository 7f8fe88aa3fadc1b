"""How the staff workspace writes cases: labels instead of codes, Beijing time, and links
between cases. The history is written by `cases.web.staff_history`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cases.display import Fact, Item, case_url, deadline_item, fact, staff_time, time_left
from cases.events import CaseEvent
from cases.kinds import KindDeclaration, choice_text, declarations, kind_label
from cases.links import LinkType, case_links
from cases.measures import Measure, MeasureState, measure_reference, measure_state, recorded_measures
from cases.models import Case, Priority
from cases.staff_queries import CaseHistory, OpenCount, QueueCounts, QueueFilters
from cases.web.staff_history import policy_version_text, working_time_text

if TYPE_CHECKING:
    from cases.account_queries import AccountMeasure
    from cases.eventstore import Event
    from cases.models import Evidence
    from cases.web.staff_history import LabelFindingView

__all__ = ["Fact", "Item", "case_url", "fact", "staff_time"]


def kind_text(kind: str) -> str:
    return kind_label(kind)


# --- Queue ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    case: Case
    # Still being handled: it can be ticked and assigned from the queue.
    assignable: bool
    url: str
    kind: str
    state: str
    priority: str
    urgent: bool
    assignee: str
    due: str
    due_iso: str
    overdue: bool
    # An entry of the feature library matched it when it was filed.
    feature_match: bool
    # The time left (counted down on the page), and what the deadline is for when it is not
    # the usual one.
    left: str = ""
    due_for: str = ""
    # What the row's template reads of the case, read here once: a template looks each dotted
    # name up step by step, which costs more per row than the row's own work.
    case_id: str = ""
    reference: str = ""
    title: str = ""
    version: int = 0


_ANY_CASE = uuid.UUID(int=0)


def queue_rows(cases: list[Case], *, now: dt.datetime) -> list[QueueRow]:
    # One reverse() for the page: the case's address differs from row to row only by its id.
    url_pattern = case_url(_ANY_CASE)
    labels: dict[tuple[str, Any], str] = {}

    def label(what: str, value: Any, make: Callable[..., str], *arguments: Any) -> str:
        # Kinds, states and priorities repeat down the page: each is worded once.
        key = (what, value)
        if key not in labels:
            labels[key] = make(*arguments)
        return labels[key]

    rows = []
    for case in cases:
        case_id = str(case.id)
        declaration = case.declaration
        due_at = case.due_at
        rows.append(
            QueueRow(
                case=case,
                assignable=case.state in declaration.open_states,
                url=url_pattern.replace(str(_ANY_CASE), case_id),
                kind=label("kind", case.kind, kind_text, case.kind),
                state=label("state", (case.kind, case.state), declaration.staff_state, case.state),
                priority=label("priority", case.priority, choice_text, Priority, case.priority),
                urgent=case.priority >= Priority.HIGH,
                assignee=case.assignee.username if case.assignee else "",
                due=staff_time(due_at),
                due_iso=due_at.isoformat() if due_at else "",
                overdue=due_at is not None and due_at < now,
                feature_match=bool(case.details.get("feature_matches")),
                left=time_left(due_at, now) if due_at else "",
                due_for=declaration.deadline_text(case) if due_at else "",
                case_id=case_id,
                reference=case.reference,
                title=case.title,
                version=case.version,
            )
        )
    return rows


@dataclass(frozen=True)
class OpeningLink:
    """A kind of case staff may open themselves, and where its form is."""

    label: str
    url: str


def opening_links(openable: list[KindDeclaration]) -> list[OpeningLink]:
    return [
        OpeningLink(label=str(d.opening.label), url=reverse("web:staff_open", kwargs={"kind": d.kind}))
        for d in openable
        if d.opening is not None
    ]


@dataclass(frozen=True)
class QueueTab:
    """A link to one queue, with how many open cases wait in it (`more`: more than `count`,
    which is where counting stopped)."""

    label: str
    count: int
    more: bool
    query: str
    current: bool


def queue_tabs(counts: QueueCounts, filters: QueueFilters | None) -> list[QueueTab]:
    """The queues staff switch between: theirs, nobody's, all, and one per kind of case."""
    queues = [
        (_("Assigned to me"), counts.mine, {"mine": "on"}, QueueFilters(assigned_to_me=True)),
        (_("Unassigned"), counts.unassigned, {"unassigned": "on"}, QueueFilters(unassigned=True)),
        (_("All cases"), counts.total, {}, QueueFilters()),
    ]
    queues += [
        (str(d.label), counts.by_kind.get(d.kind, OpenCount()), {"kind": d.kind}, QueueFilters(kind=d.kind))
        for d in declarations()
    ]
    return [
        QueueTab(label=str(label), count=count.value, more=count.more, query=urlencode(query), current=filters == shown)
        for label, count, query, shown in queues
    ]


def account_url(account: str) -> str:
    return reverse("web:staff_account", kwargs={"account": account})


# --- Case facts -------------------------------------------------------------------------------


def case_facts(case: Case, *, now: dt.datetime) -> list[Fact]:
    """The case as it stands, in the order staff read it."""
    declaration = case.declaration
    facts = [
        fact(_("Reference"), case.reference, style="code"),
        fact(_("Kind"), kind_text(case.kind)),
    ]
    if declaration.categories is not None:
        facts.append(fact(declaration.category_label, declaration.category_text(case.category)))
    facts += declaration.case_facts(case)
    facts += [
        fact(_("State"), case.state_label),
        fact(_("Priority"), choice_text(Priority, case.priority)),
        fact(_("Assignee"), case.assignee.username if case.assignee else _("Unassigned")),
    ]
    if case.due_at is not None:
        due = staff_time(case.due_at)
        if case.due_at < now:
            due = _("%(moment)s – overdue") % {"moment": due}
        due_for = declaration.deadline_text(case)
        label = _("Due now: %(what)s") % {"what": due_for} if due_for else _("Due now")
        facts.append(Fact(label, [deadline_item(case.due_at, now=now, text=due)]))
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
    if case.paused_seconds:
        facts.append(fact(_("Clock paused in all"), working_time_text(case.paused_seconds)))
    if case.sla_policy_version is not None:
        facts.append(fact(_("Filed under time limit policy"), policy_version_text(case.sla_policy_version)))
    if case.resolved_at:
        facts.append(fact(_("Decided at"), staff_time(case.resolved_at)))
    if case.closed_at:
        facts.append(fact(_("Closed at"), staff_time(case.closed_at)))
    if case.outcome:
        facts.append(fact(_("Outcome"), declaration.outcome_text(case.outcome)))
    measures = measure_facts(case, now=now)
    if measures:
        facts.append(measures)
    public_page = declaration.public_page(case) if declaration.public_page is not None else None
    if public_page:
        facts.append(fact(_("Public page"), public_page, href=public_page))
    matches = feature_match_facts(case)
    if matches:
        facts.append(matches)
    facts.append(fact(_("Created"), staff_time(case.created_at)))
    facts.append(fact(_("Version"), case.version))
    return facts


def measure_facts(case: Case, *, now: dt.datetime) -> Fact | None:
    """Every measure the case took, each with its reference, account, end and state."""
    items = []
    for number, item in enumerate(recorded_measures(case.details), start=1):
        reference = measure_reference(case.reference, number)
        text = f"{choice_text(Measure, item['measure'])} ({reference})"
        if item["account"]:
            text += " · " + _("account %(account)s") % {"account": item["account"]}
        ends_at = parse_datetime(item["ends_at"]) if item["ends_at"] else None
        reversed_at = parse_datetime(item["reversed_at"]) if item["reversed_at"] else None
        if ends_at:
            text += " · " + _("until %(moment)s") % {"moment": staff_time(ends_at)}
        text += " – " + choice_text(MeasureState, measure_state(ends_at, reversed_at, now=now))
        items.append(Item(text, href=account_url(item["account"]) if item["account"] else ""))
    return Fact(_("Measures"), items) if items else None


def feature_match_facts(case: Case) -> Fact | None:
    """The entries of the feature library the case matched when it was filed, each linked."""
    items = [
        Item(str(match["reference"]), href=case_url(match["entry_id"]), style="code")
        for match in case.details.get("feature_matches") or []
    ]
    return Fact(_("Matches in the feature library"), items) if items else None


def related_facts(case: Case, related: list[Case]) -> list[Fact]:
    """The case this one appeals, the cases that appeal it, and the cases linked to it."""
    facts = []
    if case.declaration.appeals_decisions and related and related[0].id == case.related_case_id:
        appealed = related[0]
        facts.append(fact(_("Appeal against"), f"{appealed.reference} – {appealed.title}", href=case_url(appealed.id)))
        number = case.details.get("measure_number")
        if number:
            measure = choice_text(Measure, case.details.get("measure"))
            facts.append(fact(_("Measure appealed"), f"{measure} ({measure_reference(appealed.reference, number)})"))
        related = related[1:]
    if related:
        items = [Item(f"{other.reference} – {other.state_label}", href=case_url(other.id)) for other in related]
        facts.append(Fact(_("Appeals against this case"), items))
    return facts + link_facts(case)


def link_facts(case: Case) -> list[Fact]:
    """The cases staff linked to this one, one fact for each kind of link. The case keeps each
    link's reference beside its id, so no other case is read."""
    linked: dict[str, list[Item]] = {}
    for link in case_links(case):
        item = Item(str(link["reference"]), href=case_url(link["case_id"]), style="code")
        linked.setdefault(str(link["link"]), []).append(item)
    return [Fact(choice_text(LinkType, kind), linked[kind]) for kind in LinkType.values if kind in linked]


# --- Measures against one account -----------------------------------------------------------


@dataclass(frozen=True)
class AccountMeasureRow:
    measure: str
    reference: str
    taken: str
    taken_iso: str
    until: str
    until_iso: str
    state: str
    reversed: bool
    appeal_reference: str
    appeal_url: str
    case: Case
    case_url: str
    case_kind: str


def account_measure_rows(found: list[AccountMeasure], *, now: dt.datetime) -> list[AccountMeasureRow]:
    rows = []
    for item in found:
        measure = item.measure
        state = measure_state(measure.ends_at, measure.reversed_at, now=now)
        rows.append(
            AccountMeasureRow(
                measure=choice_text(Measure, measure.measure),
                reference=measure.reference,
                taken=staff_time(measure.taken_at),
                taken_iso=measure.taken_at.isoformat(),
                until=staff_time(measure.ends_at),
                until_iso=measure.ends_at.isoformat() if measure.ends_at else "",
                state=choice_text(MeasureState, state),
                reversed=state == MeasureState.REVERSED,
                appeal_reference=measure.reversed_by,
                appeal_url=case_url(item.reversing_appeal.id) if item.reversing_appeal else "",
                case=item.case,
                case_url=case_url(item.case.id),
                case_kind=kind_text(item.case.kind),
            )
        )
    return rows


# --- Evidence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    evidence: Evidence
    url: str
    size: str
    finding: LabelFindingView | None


def label_check_events(history: CaseHistory) -> list[Event]:
    """The label checks among the history's entries (all of them when it is complete)."""
    return [entry.event for entry in history.entries if entry.event.type == CaseEvent.SYNTHETIC_LABEL_CHECKED]


def evidence_rows(case: Case, evidence: list[Evidence], checks: list[Event]) -> list[EvidenceRow]:
    """Each file with its download link and what the last check of its AIGC label found
    (`checks`: the case's label-check events, in order)."""
    from cases.web.staff_history import label_finding

    findings = {
        str(event.data.get("evidence_id")): label_finding(event.data)
        for event in checks
        if event.type == CaseEvent.SYNTHETIC_LABEL_CHECKED and isinstance(event.data, dict)
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
