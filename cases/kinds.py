"""Case kinds as declarations: everything generic code needs to know about a kind, in one place.

A kind lives in one module of `cases/workflows/`: its django-fsm workflow (a proxy of `Case`)
and one `KindDeclaration` passed to `register`. Workflow modules are imported by
`CasesConfig.ready()`. Generic modules (queues, history, tracking, outbox, the flow page,
time limits, rebuild) loop over `declarations()` or look a kind up with `declaration_of`;
none of them names a kind. `tests/cases/test_kind_declarations.py` fails on a declaration
with a missing piece.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    import datetime as dt

    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise
    from rest_framework import serializers

    from cases.display import Fact
    from cases.eventstore import Event
    from cases.models import Case
    from cases.sla import Limit
    from cases.workflows.base import Argument

# What the history shows for one field of an event: (label, values). A render function gets
# the event, the value and the display context; see `cases.web.staff_history`.
FieldRender = Callable[..., list[Any]]
PublicLines = Callable[["Event", "Case"], list[str]]


def no_lines(event: Event, case: Case) -> list[str]:
    return []


@dataclass(frozen=True)
class StateWording:
    """How a state reads: to staff in queues, to the filer on the tracking page.

    `explanation` is a sentence for the filer; "%(due)s" in it stands for the deadline that
    applies now."""

    staff: StrOrPromise
    public: StrOrPromise
    explanation: StrOrPromise


@dataclass(frozen=True)
class PublicEvent:
    """An event the filer sees on the tracking page: its title, and the lines it shows."""

    title: StrOrPromise
    lines: PublicLines = no_lines


# The two parties to a case addressed to a regulator (`Actor.side`).
PROVIDER_SIDE = "provider"
REGULATOR_SIDE = "regulator"


@dataclass(frozen=True)
class Opening:
    """Staff open a case of this kind from cases of other kinds (a refutation from the
    complaints about a rumor), or on its own.

    `body(case, *, actor, organisation, sources, **arguments)` checks the arguments staff give
    (described by `arguments`, in the body's order) and returns the kind's data of the opening
    `event`; `organisation` is the one it is opened in, `sources` the cases it is opened from.
    The generic command adds the reference, the organisation, the deadlines and `state`, and
    records `link` on the new case for each source (and its inverse on the source). An opening
    with no `from_kinds` is only ever opened on its own (an incident)."""

    label: StrOrPromise
    event: str
    state: str
    body: Callable[..., dict[str, Any]]
    # The link the new case records to each case it is opened from (none when it has none).
    link: str = ""
    from_kinds: frozenset[str] = frozenset()
    arguments: Mapping[str, Argument] = field(default_factory=dict)
    # Whether it may also be opened on its own, from no case at all.
    standalone: bool = True
    # A sentence shown above the opening form (what opening one sets off).
    hint: StrOrPromise = ""
    # Which side opens it: provider staff (in their own organisation), or a regulator's
    # officer (whose body names the provider the case belongs to, `organisation_id` in its data).
    opened_by: str = PROVIDER_SIDE
    # What follows once it is opened and linked: (new case, the cases it was opened from, actor).
    after: Callable[..., None] | None = None
    # The name of the public page (taking a case's reference) on which the filer of a case of
    # `from_kinds` files one from that case's tracking page ("" when only staff open it).
    filer_form: str = ""


@dataclass(frozen=True)
class PublicNotice:
    """What the filer of a case reads about another case linked to it (a refutation of the
    claim they reported), on their tracking and confirmation pages and in the public API."""

    title: StrOrPromise
    text: StrOrPromise
    url: str = ""
    link_text: StrOrPromise = ""


@dataclass(frozen=True)
class ClockCheck:
    """A deadline the clock worker (`cases.commands.clock`) watches on cases of one kind.

    Once it has passed, the worker takes the internal transition `action` (which records
    `event`) exactly once per case. `candidates` narrows a queryset of the kind to the cases
    whose deadline has passed at `now` (it should use an index); `due` says the same of one
    case, and is asked again of each row once it is locked."""

    action: str
    event: str
    candidates: Callable[[QuerySet[Any], dt.datetime], QuerySet[Any]]
    due: Callable[[Case, dt.datetime], bool]
    # Once per case (the event is never recorded twice), or once each time `due` holds again
    # (an order's new deadline, after an extension, can pass too): then `due` alone, asked of
    # the locked row, says whether it is recorded.
    repeatable: bool = False


@dataclass(frozen=True)
class LegalHold:
    """Why the personal data of a case must be kept for now, and until when.

    `until` None: for as long as the holding case stays open (an open rectification order)."""

    reason: StrOrPromise
    until: dt.datetime | None = None
    # The case that holds it (the case itself, or an order or incident linked to it).
    reference: str = ""


@dataclass(frozen=True)
class KindDeclaration:
    kind: str
    label: StrOrPromise
    model: type[Case]
    reference_prefix: str
    states: Mapping[str, StateWording]
    events: type[models.TextChoices]
    # (first response, resolution) when no policy row exists for the kind.
    sla_defaults: tuple[Limit, Limit]
    public_events: Mapping[str, PublicEvent]
    # Events the filer is told about by e-mail, when they left an address.
    filer_notified: frozenset[str]
    # The validated shape of `Case.details` for this kind.
    details: type[serializers.Serializer]
    categories: type[models.TextChoices] | None = None
    category_label: StrOrPromise = ""
    outcomes: type[models.TextChoices] | None = None
    # How this kind's own event fields read in the staff history (generic fields are known).
    field_renders: Mapping[str, FieldRender] = field(default_factory=dict)
    # Order of this kind's own event fields in the history, before the generic ones.
    field_order: tuple[str, ...] = ()
    # Event fields that name a member of staff by user id (shown by name in the history).
    person_fields: frozenset[str] = frozenset()
    # Fields shown through the one beside them (a linked case's id), never on their own.
    folded_fields: frozenset[str] = frozenset()
    # A case of this kind is an appeal against another case's decision (`related_case`).
    appeals_decisions: bool = False
    # States in which the filer may appeal the case's decision.
    appealable_states: frozenset[str] = frozenset()
    # What an appeal that overturns the decision does to the case: (case, appeal, actor), run
    # in the appeal's transaction (a complaint's measures are reversed, a refusal reopened).
    decision_overturned: Callable[[Case, Case, Any], None] | None = None
    # States in which the case waits for its filer (the clock is paused).
    waiting_on_filer_states: frozenset[str] = frozenset()
    # States in which the case is still being handled (assignable, in "open" queues).
    open_states: frozenset[str] = frozenset()
    # Transitions only commands take as consequences of another (never offered to staff).
    internal_transitions: frozenset[str] = frozenset()
    # Transitions the filer takes (from the tracking page), never offered to staff as buttons.
    filer_transitions: frozenset[str] = frozenset()
    # Whether a member of staff may take on a case of this kind (the four-eyes rule of
    # appeals); "next case" skips the ones they may not, and claiming them is refused.
    handler_rule: Callable[[Case, Any], bool] | None = None
    may_not_handle_message: StrOrPromise = ""
    # Schema versions of event types whose data shape has changed (default 1).
    schema_versions: Mapping[str, int] = field(default_factory=dict)
    # What staff call the case's free text: "What was reported", "The appellant's statement".
    description_heading: StrOrPromise = ""
    # How staff open a case of this kind (from other cases, or on its own); None: it is filed.
    opening: Opening | None = None
    # The cases of this kind a newly filed case of one of `opening.from_kinds` is linked to
    # on intake, by the system (a published refutation of the claim at the filing's address).
    intake_links: Callable[[Case], list[Case]] | None = None
    # The address of the case's public page, while it has one (a published refutation).
    public_page: Callable[[Case], str | None] | None = None
    # What the filer of a case that one of this kind answers (linked to it by the inverse of
    # `opening.link`) is told about it, if anything.
    public_notice: Callable[[Case], PublicNotice | None] | None = None
    # The kind's own facts of a case, shown on the staff case page after the generic ones
    # (what a feature-library entry matches, an incident's details in words).
    facts: Callable[[Case], list[Fact]] | None = None
    # Sort key among kinds in menus and on the flow page.
    order: int = 100
    # Deadlines the clock worker watches, recording an event once each has passed.
    clock_checks: tuple[ClockCheck, ...] = ()
    # What the deadline running now (`Case.due_at`) is for, when it is not the usual first
    # response or decision ("Report to the regulator").
    deadline_label: Callable[[Case], StrOrPromise] | None = None
    # Time limits published on the flow page besides first response and decision: (what, how long).
    further_limits: Callable[[], list[tuple[StrOrPromise, StrOrPromise]]] | None = None
    # What the provider's staff must keep in mind while a case of this kind is open, shown on
    # every workspace page (the services an order suspends); "" for nothing.
    workspace_notice: Callable[[Case], StrOrPromise] | None = None
    # The open cases of this kind that may hold a notice, narrowed in the database (a queryset
    # of the kind's open cases in, the few to read out): without it every page of the workspace
    # reads every open case of the kind to ask each.
    workspace_notice_holders: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    # Cases of this kind that owe the regulator a report not yet sent (narrowing a queryset of
    # the kind); their `due_at` is when it is due, if the report has a clock.
    reports_owed: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    # Cases of this kind are addressed to a regulator (`Case.counterpart_organisation`): its
    # officers see them, on their dashboard and case pages.
    addressed_to_regulator: bool = False
    # The duty a report to the regulator about a case of this kind fulfils ("Article 10: …");
    # "" when such cases are not reported.
    reported_under: StrOrPromise = ""
    # The history another case this one carries to its counterpart: (that case's id, the
    # version it was carried at); a report to a regulator carries the case it is about.
    carried_history: Callable[[Case], tuple[Any, int] | None] | None = None
    # What a case of this kind records when a report about it is sent to a regulator through
    # the tracker: (case, report, actor); None when nothing is recorded on it.
    report_sent: Callable[[Case, Case, Any], None] | None = None
    # (first response, resolution) for high and urgent cases when no policy row says otherwise;
    # None: the same as `sla_defaults`.
    sla_high_priority: tuple[Limit, Limit] | None = None
    # Whether the generic first-response and resolution targets apply: the clock worker warns
    # of them and records their breaches, and the public figures count them. A kind whose
    # deadlines run by a clock of its own (set by a regulator, an incident's reporting clock)
    # says False and declares that clock in `clock_checks`.
    sla_targets: bool = True
    # Whether cases of this kind run any deadline at all: a report, once sent, owes nothing
    # more of the provider (the regulator acknowledges it in its own time).
    runs_deadlines: bool = True
    # The event data keys that hold a person's own free text (a description, an answer, an
    # appeal's statement), by event type. Such text names people, so it is personal data: it
    # is kept sealed under the data subject's own key, never in clear in the event log.
    personal_text: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Whether a case of this kind keeps a case's personal data from being erased: called as
    # (this case, the held case), for the held case itself and for every case linked to it
    # (an open rectification order or incident holds the cases it involves; a complaint
    # decided with measures keeps its records for the period the law sets).
    legal_hold: Callable[[Case, Case], LegalHold | None] | None = None
    # Whether the case's own free text is itself personal data about its subject (what a
    # personal-information request asks): masked on the staff case page until revealed.
    personal_description: bool = False
    # Files the filer may download from the tracking page now: (label, address) pairs (the
    # export a fulfilled access request produces).
    filer_downloads: Callable[[Case], list[tuple[StrOrPromise, str]]] | None = None

    def case_facts(self, case: Case) -> list[Fact]:
        return self.facts(case) if self.facts is not None else []

    def deadline_text(self, case: Case) -> str:
        return str(self.deadline_label(case)) if self.deadline_label is not None else ""

    def published_further_limits(self) -> list[tuple[str, str]]:
        return [(str(what), str(limit)) for what, limit in self.further_limits()] if self.further_limits else []

    def may_handle(self, case: Case, actor: Any) -> bool:
        return self.handler_rule is None or self.handler_rule(case, actor)

    def state_wording(self, state: str) -> StateWording | None:
        return self.states.get(state)

    def staff_state(self, state: str) -> str:
        wording = self.states.get(state)
        return str(wording.staff) if wording else state

    def public_state(self, state: str) -> str:
        wording = self.states.get(state)
        return str(wording.public) if wording else state

    def category_text(self, value: str) -> str:
        return choice_text(self.categories, value)

    def outcome_text(self, value: str) -> str:
        return choice_text(self.outcomes, value)


def choice_text(choices: type[models.Choices] | None, value: Any) -> str:
    """The label of `value` among `choices`, or the value itself when it is not one of them."""
    if choices is not None:
        try:
            # The enum's own lookup by value; `choices.values` would build a list on each call.
            return str(choices(value).label)
        except ValueError:
            pass
    return "" if value is None else str(value)


_DECLARATIONS: dict[str, KindDeclaration] = {}
_BY_EVENT_TYPE: dict[str, KindDeclaration] = {}


def register(declaration: KindDeclaration) -> KindDeclaration:
    """Make a kind known to every generic module. Called once per kind, at import."""
    existing = _DECLARATIONS.get(declaration.kind)
    if existing is not None and existing.model is not declaration.model:
        raise ValueError(f"case kind {declaration.kind!r} is declared twice")
    prefixes = {d.reference_prefix: d.kind for d in _DECLARATIONS.values() if d.kind != declaration.kind}
    if declaration.reference_prefix in prefixes or declaration.reference_prefix in RESERVED_PREFIXES:
        raise ValueError(f"reference prefix {declaration.reference_prefix!r} is taken")
    _DECLARATIONS[declaration.kind] = declaration
    for event_type in declaration.events.values:
        _BY_EVENT_TYPE[event_type] = declaration
    return declaration


# Measures carry references of their own ("M-…"); no kind may take that letter.
RESERVED_PREFIXES = frozenset({"M"})


def declarations() -> list[KindDeclaration]:
    """Every registered kind, in its declared order."""
    return sorted(_DECLARATIONS.values(), key=lambda d: (d.order, d.kind))


def declaration_of(kind: str) -> KindDeclaration:
    return _DECLARATIONS[kind]


def declared(kind: str) -> bool:
    return kind in _DECLARATIONS


def appeal_kinds() -> list[KindDeclaration]:
    return [d for d in declarations() if d.appeals_decisions]


def kind_choices() -> list[tuple[str, str]]:
    return [(d.kind, str(d.label)) for d in declarations()]


def openable_from(kind: str) -> list[KindDeclaration]:
    """The kinds staff may open from a case of `kind`."""
    return [d for d in declarations() if d.opening is not None and kind in d.opening.from_kinds]


def opened_on_their_own(side: str | None = None) -> list[KindDeclaration]:
    """The kinds staff may open from no case at all; with `side`, only those that side opens."""
    return [
        d
        for d in declarations()
        if d.opening is not None and d.opening.standalone and (side is None or d.opening.opened_by == side)
    ]


def filed_from(kind: str) -> list[KindDeclaration]:
    """The kinds the filer of a case of `kind` may file from its tracking page."""
    return [d for d in openable_from(kind) if d.opening is not None and d.opening.filer_form]


def kind_label(kind: str) -> str:
    declaration = _DECLARATIONS.get(kind)
    return str(declaration.label) if declaration else kind


def kind_of_event(event_type: str) -> KindDeclaration | None:
    """The kind whose workflow records this event type (None for events of any kind)."""
    return _BY_EVENT_TYPE.get(event_type)


def kind_of_reference(reference: str) -> KindDeclaration | None:
    prefix = reference.split("-", 1)[0]
    return next((d for d in _DECLARATIONS.values() if d.reference_prefix == prefix), None)


def as_kind(case: Case) -> Case:
    """The same row as an instance of its kind's class, with that kind's workflow."""
    case.__class__ = _DECLARATIONS[case.kind].model
    return case
