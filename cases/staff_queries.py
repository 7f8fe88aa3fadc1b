"""Reads of the staff workspace: the queue, one case with everything staff may see of it, and
its history checked against the hash chain.

Every query about cases starts from `Case.objects.for_actor`, so a member of staff never sees
another organisation's cases, even through a related case or a crafted cursor.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import heapq
import itertools
import json
import operator
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, reduce
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from cases.actions import Action, OpeningOffer, available_actions, available_openings
from cases.events import CaseEvent
from cases.eventstore import ChainBreak, Event
from cases.kinds import KindDeclaration, appeal_kinds, declarations, kind_of_event
from cases.links import case_links
from cases.models import Case, DataSubject, EnforcementMeasure, Evidence
from cases.scope import colleagues, visible_case_events, visible_contact, visible_evidence, visible_measures
from cases.selectors import as_kind

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import User

QUEUE_PAGE_SIZE = 50

# The queue's order: what is due first, then what has no deadline (paused or finished), each
# oldest first; the id breaks ties so that every row has exactly one place.
_DATED_ORDER = ("due_at", "created_at", "id")
_DATED_ORDER_REVERSED = ("-due_at", "-created_at", "-id")
_UNDATED_ORDER = ("created_at", "id")
_UNDATED_ORDER_REVERSED = ("-created_at", "-id")


# --- The queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    kind: str = ""
    state: str = ""
    assigned_to_me: bool = False
    unassigned: bool = False
    # DUE_AT_RISK or DUE_OVERDUE: only the cases whose running deadline is near or has passed.
    due: str = ""


DUE_AT_RISK = "at_risk"
DUE_OVERDUE = "overdue"


def due_filter(due: str, now: dt.datetime) -> Q:
    """Cases whose running deadline has passed (overdue), or falls within the warning time of
    their kind's policy (at risk: the clock worker warns of them)."""
    from cases.sla import latest_targets

    if due == DUE_OVERDUE:
        return Q(due_at__lte=now)
    at_risk = Q(pk__in=[])
    targets = latest_targets([declaration.kind for declaration in declarations()])
    for kind, target in targets.items():
        lead = dt.timedelta(hours=target.warning_hours)
        at_risk |= Q(kind=kind, due_at__gt=now, due_at__lte=now + lead)
    return at_risk


@dataclass(frozen=True)
class QueuePosition:
    """A row's place in the queue's order; a cursor points just after or just before one."""

    due_at: dt.datetime | None
    created_at: dt.datetime
    case_id: uuid.UUID

    @classmethod
    def of(cls, case: Case) -> QueuePosition:
        return cls(due_at=case.due_at, created_at=case.created_at, case_id=case.id)  # type: ignore[arg-type]

    def encode(self, direction: str) -> str:
        document = [direction, self.due_at.isoformat() if self.due_at else None, self.created_at.isoformat()]
        document.append(str(self.case_id))
        return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).decode().rstrip("=")


AFTER = "a"
BEFORE = "b"


def decode_cursor(cursor: str) -> tuple[str, QueuePosition] | None:
    """(direction, position) of a cursor from a queue link, or None for anything malformed:
    a cursor only says where to start reading, never what may be read."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        direction, due, created, case_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position = QueuePosition(
            due_at=parse_datetime(due) if due is not None else None,
            created_at=parse_datetime(created),  # type: ignore[arg-type]
            case_id=uuid.UUID(case_id),
        )
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        return None
    if direction not in (AFTER, BEFORE) or position.created_at is None:
        return None
    if (due is not None and position.due_at is None) or any(
        moment is not None and moment.tzinfo is None for moment in (position.due_at, position.created_at)
    ):
        return None
    return direction, position


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    next_cursor: str = ""
    previous_cursor: str = ""


def queue_cases(*, actor: Actor, filters: QueueFilters) -> list[QuerySet[Case]]:
    """The organisation's cases that pass the filters, unordered, as one query per kind they
    may be of. Each filter is a column of the (organisation, kind, state, due_at) indexes, or
    of the assignee's; a state without a kind is read as that state of each kind that has it,
    each kind's cases from its own stretch of the index (said as one query over several kinds,
    the database would filter the organisation's whole index instead)."""
    # The assignee's name is all a queue row shows of them: not their password hash, e-mail...
    cases = Case.objects.for_actor(actor).select_related("assignee").defer(*_assignee_unshown())
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.assigned_to_me:
        cases = cases.filter(assignee_id=actor.user_id)
    if filters.unassigned:
        cases = cases.filter(assignee__isnull=True)
    if filters.due:
        from django.utils import timezone

        cases = cases.filter(due_filter(filters.due, timezone.now()))
    if filters.state and not filters.kind:
        kinds = [d.kind for d in declarations() if filters.state in d.states]
        return [cases.filter(kind=kind) for kind in kinds] or [cases.none()]
    return [cases]


@cache
def _assignee_unshown() -> list[str]:
    shown = {"id", "username"}
    return [f"assignee__{f.name}" for f in get_user_model()._meta.concrete_fields if f.name not in shown]


def open_cases(actor: Actor) -> QuerySet[Case]:
    """The organisation's cases still being handled, whatever their kind."""
    open_states = Q()
    for declaration in declarations():
        open_states |= Q(kind=declaration.kind, state__in=declaration.open_states)
    return Case.objects.for_actor(actor).filter(open_states)


# What a queue's count reads at most: beyond it the tab says "more than 1000" rather than walk every
# open case of a large organisation (a hundred thousand index entries cost a page 20 ms).
QUEUE_COUNT_LIMIT = 1000


@dataclass(frozen=True)
class OpenCount:
    """How many open cases wait in a queue: exact up to `QUEUE_COUNT_LIMIT`; beyond it,
    `more` is set and `value` is what was counted before stopping."""

    value: int = 0
    more: bool = False

    def __add__(self, other: OpenCount) -> OpenCount:
        return OpenCount(self.value + other.value, self.more or other.more)


@dataclass(frozen=True)
class QueueCounts:
    """How many open cases wait in each queue: the actor's, nobody's, all, and each kind's."""

    mine: OpenCount = OpenCount()
    unassigned: OpenCount = OpenCount()
    total: OpenCount = OpenCount()
    by_kind: dict[str, OpenCount] = field(default_factory=dict)


def queue_counts(*, actor: Actor) -> QueueCounts:
    """Open cases per queue, each counted only up to `QUEUE_COUNT_LIMIT`, in one query.

    Each count is its own SELECT of a UNION, over its own index: a kind's open states in the
    (organisation, kind, state ...) index, nobody's in the index of unassigned cases, the
    actor's in the assignee's index, which carries kind and state. None reads a row of the
    table, and none reads past the limit."""
    open_declarations = [d for d in declarations() if d.open_states]
    if not open_declarations:
        return QueueCounts()
    cases = Case.objects.for_actor(actor)
    # The organisation's counts are one statement, the same for all its staff, planned once
    # (see `_planned_once`) and written once per process (see `_organisation_counts`); the
    # actor's own, a single index scan, is asked apart, so that each member of staff does not
    # add a statement of their own to every connection's cache.
    counted = _run_counts(_organisation_counts(cases, open_declarations), QUEUE_COUNT_LIMIT)
    # (An actor who is no user has no cases of their own; `assignee_id=None` would be "nobody's".)
    mine = open_cases(actor).filter(assignee_id=actor.user_id) if actor.user_id else cases.none()
    counted.update(_counted_up_to({"mine": mine}, QUEUE_COUNT_LIMIT))
    by_kind = {d.kind: counted[f"kind:{d.kind}"] for d in open_declarations}
    unassigned = sum((counted[f"unassigned:{d.kind}"] for d in open_declarations), OpenCount())
    return QueueCounts(
        mine=counted["mine"], unassigned=unassigned, total=sum(by_kind.values(), OpenCount()), by_kind=by_kind
    )


@dataclass(frozen=True)
class _CountStatement:
    """One query that counts several sets of cases: its SQL, its values, and the label of each
    part (the SQL numbers them in this order)."""

    sql: str
    parameters: list[Any] | None
    labels: list[str]


# The organisation's count statement, by the statement of the cases the actor may see (their
# scope) and the kinds' open states. Written out through the ORM, its sixteen sub-selects cost
# more than running it; the same scope always gives the same statement.
_ORGANISATION_COUNTS: dict[tuple[Any, ...], _CountStatement] = {}
_ORGANISATION_COUNTS_KEPT = 1000
_PARTS = ("kind", "unassigned")


def _organisation_counts(cases: QuerySet[Case], open_declarations: list[KindDeclaration]) -> _CountStatement:
    try:
        scope_sql, scope_parameters = cases.query.sql_with_params()
    except EmptyResultSet:  # one who may see no case (the public): nothing to count
        return _CountStatement("", None, [f"{part}:{d.kind}" for d in open_declarations for part in _PARTS])
    key = (
        connection.vendor,
        scope_sql,
        tuple(scope_parameters),
        tuple((d.kind, tuple(sorted(d.open_states))) for d in open_declarations),
    )
    statement = _ORGANISATION_COUNTS.get(key)
    if statement is None:
        parts: dict[str, QuerySet[Case]] = {}
        for declaration in open_declarations:
            of_kind = cases.filter(kind=declaration.kind, state__in=declaration.open_states)
            parts[f"kind:{declaration.kind}"] = of_kind
            parts[f"unassigned:{declaration.kind}"] = of_kind.filter(assignee__isnull=True)
        statement = _count_statement(parts, QUEUE_COUNT_LIMIT, planned_once=True)
        if len(_ORGANISATION_COUNTS) >= _ORGANISATION_COUNTS_KEPT:
            _ORGANISATION_COUNTS.clear()
        _ORGANISATION_COUNTS[key] = statement
    return statement


def _counted_up_to(parts: dict[str, QuerySet[Case]], limit: int) -> dict[str, OpenCount]:
    """Count each queryset's rows up to `limit` (reading one more to know whether there are
    more), all in one UNION ALL query: `COUNT(*)` over a sub-select with a LIMIT, per part."""
    return _run_counts(_count_statement(parts, limit), limit)


def _count_statement(parts: dict[str, QuerySet[Case]], limit: int, *, planned_once: bool = False) -> _CountStatement:
    """`planned_once`: see `_planned_once`."""
    selects: list[str] = []
    parameters: list[Any] = []
    for position, queryset in enumerate(parts.values()):
        try:
            inner, inner_parameters = queryset.order_by().values("id")[: limit + 1].query.sql_with_params()
        except EmptyResultSet:  # a queryset that can match nothing (`none()`) has no SQL
            continue
        # The number says which part a row counts; the label text never reaches the SQL.
        selects.append(f"SELECT {position} AS part, COUNT(*) AS counted FROM ({inner}) AS part_{position}")  # noqa: S608
        parameters.extend(inner_parameters)
    sql = " UNION ALL ".join(selects)
    if selects and planned_once:
        sql, planned_parameters = _planned_once(sql, parameters)
        return _CountStatement(sql, planned_parameters, list(parts))
    return _CountStatement(sql, parameters, list(parts))


def _run_counts(statement: _CountStatement, limit: int) -> dict[str, OpenCount]:
    found: dict[int, int] = {}
    if statement.sql:
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.parameters)
            found = dict(cursor.fetchall())
    counts = {}
    for position, label in enumerate(statement.labels):
        value = found.get(position, 0)
        counts[label] = OpenCount(min(value, limit), more=value > limit)
    return counts


def _planned_once(sql: str, parameters: list[Any]) -> tuple[str, list[Any] | None]:
    """The statement to run for a query whose plan does not depend on its values, and which
    takes long to plan (the queue counts: sixteen sub-selects, 4 ms to plan on a million cases,
    as long as they take to run).

    PostgreSQL plans a prepared statement for its values on every run here (`plan_cache_mode`
    in the settings), but keeps the plan of one that has no parameters. So on PostgreSQL the
    values are written into the text, as literals quoted by psycopg: the statement, prepared
    once it has run `prepare_threshold` times on a connection, is planned only then."""
    if connection.vendor != "postgresql":
        return sql, parameters
    from psycopg import ClientCursor

    connection.ensure_connection()
    return ClientCursor(connection.connection).mogrify(sql, parameters), None


def assignable_staff(*, actor: Actor) -> list[User]:
    """The organisation's active members of staff, whom its cases may be assigned to."""
    return list(colleagues(actor))


def queue_page(*, actor: Actor, filters: QueueFilters, cursor: str = "", size: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """One page of the queue, due first (no deadline last), read by keyset.

    A page is found by comparing with the row at its edge instead of counting rows to skip,
    so the thousandth page costs what the first does. Rows with a deadline and rows without
    are read apart, each in index order: one query, or two on the page where they meet (for
    a state of several kinds, that many per kind).
    """
    parts = queue_cases(actor=actor, filters=filters)
    # A deadline filter matches only cases whose deadline runs: the undated ones are not read
    # (the database would not see that "due_at IS NULL" and "due_at <= now" exclude each
    # other, and would walk every finished case to find none).
    dated_only = bool(filters.due)
    decoded = decode_cursor(cursor) if cursor else None
    if decoded is not None and decoded[0] == BEFORE:
        page = _page_before(parts, decoded[1], size, dated_only=dated_only)
        if page is not None:
            return page
        decoded = None  # nothing (or not a full page) before it any more: start from the top
    return _page_after(parts, decoded[1] if decoded else None, size, dated_only=dated_only)


def _after_dated(position: QueuePosition) -> Q:
    due, created, case_id = position.due_at, position.created_at, position.case_id
    later = (
        Q(due_at__gt=due) | Q(due_at=due, created_at__gt=created) | Q(due_at=due, created_at=created, id__gt=case_id)
    )
    # The bare lower bound is what lets the database start reading the index at the cursor.
    return Q(due_at__gte=due) & later


def _before_dated(position: QueuePosition) -> Q:
    due, created, case_id = position.due_at, position.created_at, position.case_id
    earlier = (
        Q(due_at__lt=due) | Q(due_at=due, created_at__lt=created) | Q(due_at=due, created_at=created, id__lt=case_id)
    )
    return Q(due_at__lte=due) & earlier


def _after_undated(position: QueuePosition) -> Q:
    created, case_id = position.created_at, position.case_id
    return Q(created_at__gte=created) & (Q(created_at__gt=created) | Q(created_at=created, id__gt=case_id))


def _before_undated(position: QueuePosition) -> Q:
    created, case_id = position.created_at, position.case_id
    return Q(created_at__lte=created) & (Q(created_at__lt=created) | Q(created_at=created, id__lt=case_id))


def _first_rows(parts: list[QuerySet[Case]], order: tuple[str, ...], limit: int) -> list[Case]:
    """The first `limit` rows of the parts together in `order`.

    With several parts, each part's first keys are merged, and only the rows that make the
    page are read, in one more query: each part may bring a page of its own, and making a
    case of every row of them would cost more than the queries."""
    ordered = [part.order_by(*order) for part in parts]
    if len(ordered) == 1:
        return list(ordered[0][:limit])
    keys = (list(part.values_list("due_at", "created_at", "id")[:limit]) for part in ordered)
    merged = heapq.merge(*keys, key=_queue_key, reverse=order[0].startswith("-"))
    chosen = [case_id for _due, _created, case_id in itertools.islice(merged, limit)]
    if not chosen:
        return []
    # Read through the parts' own filters (their scope included), by the keys just chosen.
    found = {case.id: case for case in reduce(operator.or_, parts).filter(pk__in=chosen)}
    return [found[case_id] for case_id in chosen if case_id in found]


def _queue_key(key: tuple[Any, Any, Any]) -> tuple[Any, ...]:
    # Within one part of a page every row is dated, or every row is undated.
    due, created, case_id = key
    return (due or created, created, case_id)


def _page_after(
    parts: list[QuerySet[Case]], position: QueuePosition | None, size: int, *, dated_only: bool
) -> QueuePage:
    rows: list[Case] = []
    if position is None or position.due_at is not None:
        dated = [part.filter(due_at__isnull=False) for part in parts]
        if position is not None:
            dated = [part.filter(_after_dated(position)) for part in dated]
        rows = _first_rows(dated, _DATED_ORDER, size + 1)
    if len(rows) <= size and not dated_only:
        undated = [part.filter(due_at__isnull=True) for part in parts]
        if position is not None and position.due_at is None:
            undated = [part.filter(_after_undated(position)) for part in undated]
        rows += _first_rows(undated, _UNDATED_ORDER, size + 1 - len(rows))
    has_next = len(rows) > size
    rows = rows[:size]
    return QueuePage(
        cases=[as_kind(case) for case in rows],
        next_cursor=QueuePosition.of(rows[-1]).encode(AFTER) if has_next else "",
        # A cursor means the reader came from an earlier page.
        previous_cursor=QueuePosition.of(rows[0]).encode(BEFORE) if position is not None and rows else "",
    )


def _page_before(
    parts: list[QuerySet[Case]], position: QueuePosition, size: int, *, dated_only: bool
) -> QueuePage | None:
    """The full page that ends just before `position`, or None when there is no full page
    there (the reader is back at the top, or rows have moved since the link was made)."""
    rows: list[Case] = []
    if position.due_at is None and not dated_only:
        undated = [part.filter(due_at__isnull=True).filter(_before_undated(position)) for part in parts]
        rows = _first_rows(undated, _UNDATED_ORDER_REVERSED, size + 1)
    if len(rows) <= size:
        dated = [part.filter(due_at__isnull=False) for part in parts]
        if position.due_at is not None:
            dated = [part.filter(_before_dated(position)) for part in dated]
        rows += _first_rows(dated, _DATED_ORDER_REVERSED, size + 1 - len(rows))
    if len(rows) <= size:
        return None
    rows = rows[:size]
    rows.reverse()
    return QueuePage(
        cases=[as_kind(case) for case in rows],
        next_cursor=QueuePosition.of(rows[-1]).encode(AFTER),
        previous_cursor=QueuePosition.of(rows[0]).encode(BEFORE),
    )


# --- One case -------------------------------------------------------------------------------


def staff_case(*, actor: Actor, case_id: uuid.UUID) -> Case | None:
    """The case as its kind, if the actor may see it."""
    case = Case.objects.for_actor(actor).select_related("assignee", "organisation").filter(pk=case_id).first()
    return as_kind(case) if case else None


def related_cases(*, actor: Actor, case: Case) -> list[Case]:
    """The case this one is related to (an appeal's appealed case) first, then the appeals
    against this case, oldest first."""
    scoped = Case.objects.for_actor(actor)
    found: list[Case] = []
    if case.related_case_id is not None:
        found += list(scoped.filter(pk=case.related_case_id))
    appeals = scoped.filter(kind__in=[d.kind for d in appeal_kinds()], related_case_id=case.id)
    found += list(appeals.order_by("created_at"))
    return [as_kind(other) for other in found]


def case_evidence(*, actor: Actor, case: Case) -> list[Evidence]:
    return list(visible_evidence(actor, case.id))


def case_contact(*, actor: Actor, case: Case) -> DataSubject | None:
    """The data subject's contact details, for staff of the case's organisation only."""
    return visible_contact(actor, case)


def revealed_to(history: CaseHistory, actor: Actor) -> bool:
    """Whether this member of staff has revealed the personal data of the case's subject (the
    reveal is recorded on the case, so the verified history already says so)."""
    return any(
        entry.event.type == CaseEvent.PERSONAL_DATA_REVEALED
        and (entry.event.metadata.get("actor") or {}).get("user_id") == actor.user_id
        for entry in history.entries
    )


def personal_data_revealed(*, actor: Actor, case: Case) -> bool:
    """The same, asked of the log directly (for the pages that have no history at hand)."""
    return Event.objects.filter(
        stream_id=case.id, type=CaseEvent.PERSONAL_DATA_REVEALED, metadata__actor__user_id=actor.user_id
    ).exists()


def personal_data_masked(*, actor: Actor, case: Case) -> bool:
    """Whether the case's own text is personal data this member of staff has not revealed
    (a personal-information request): the pages and the API show it masked until they do."""
    return case.declaration.personal_description and not personal_data_revealed(actor=actor, case=case)


# --- The history, verified ------------------------------------------------------------------


VERIFIED = "verified"
BROKEN = "broken"
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class HistoryEntry:
    event: Event
    verification: str  # VERIFIED, BROKEN (the first event that fails) or UNVERIFIED (after it)


@dataclass(frozen=True)
class CaseHistory:
    entries: list[HistoryEntry]
    chain_break: ChainBreak | None
    # The chain is intact but stops short of what the case records (its last events are gone).
    missing_tail: bool
    people: dict[int, User] = field(default_factory=dict)
    # How many events the case's stream holds; `entries` may be a window of them (a page).
    total: int = 0

    @property
    def intact(self) -> bool:
        return self.chain_break is None and not self.missing_tail

    @property
    def first_shown(self) -> int:
        return self.entries[0].event.stream_version if self.entries else 0

    @property
    def last_shown(self) -> int:
        return self.entries[-1].event.stream_version if self.entries else 0

    @property
    def complete(self) -> bool:
        """Every event of the case is among the entries."""
        return len(self.entries) == self.total


# The staff case page shows the latest events of a long history; older ones a page at a time.
HISTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class _Link:
    """What the chain's links are made of: an event's place, its previous hash and its hash."""

    position: int
    stream_version: int
    type: str
    previous_hash: str
    hash: str


def case_history(*, actor: Actor, case: Case, before: int | None = None, size: int | None = None) -> CaseHistory:
    """The case's events in order, each marked by what verifying the chain made of it.

    With `size`, only a window of at most `size` events is read in full: those just before
    version `before`, or the latest. Every event's content is re-hashed only when it is in the
    window; the links of the whole chain (each event's version, and its previous hash against
    the hash before it) are checked from those two columns alone, read in one more query. The
    whole history (no `size`) is `verify_chain` over every event, as `verify_ledger` does it.
    """
    events_query = visible_case_events(actor, case.id)
    if size is None or (before is None and case.version <= size):
        events = list(events_query)
        links = [_Link(e.position, e.stream_version, e.type, e.previous_hash, e.hash) for e in events]
    else:
        links = [
            _Link(*row)
            for row in events_query.values_list("position", "stream_version", "type", "previous_hash", "hash")
        ]
        top = len(links) + 1 if before is None else max(1, min(before, len(links) + 1))
        low = max(1, top - size)
        # Versions are checked against the links below; the window is read by its places in
        # the list of links, so that a missing version cannot shift it.
        window = links[low - 1 : top - 1]
        events = list(events_query.filter(position__in=[link.position for link in window])) if window else []
    verification, chain_break = _verify_links(case, links, events)
    entries = [HistoryEntry(event=event, verification=verification[event.position]) for event in events]
    # The chain cannot show that events were cut from its end; the case row remembers where
    # it ended, so compare with that.
    last = links[-1] if links else None
    missing_tail = last is None or (last.stream_version, last.hash) != (case.version, case.last_event_hash)
    return CaseHistory(
        entries=entries,
        chain_break=chain_break,
        missing_tail=missing_tail,
        people=_people_in(events),
        total=len(links),
    )


def _verify_links(case: Case, links: list[_Link], shown: list[Event]) -> tuple[dict[int, str], ChainBreak | None]:
    """Walk the chain as `verify_chain` does: versions without gaps, each previous hash the
    hash before it, and, for the events shown, the content against its hash. Returns each
    shown event's mark (by position) and the first break, if any."""
    from cases.eventstore import GENESIS_HASH

    by_position = {event.position: event for event in shown}
    marks: dict[int, str] = {}
    chain_break: ChainBreak | None = None
    expected_previous = GENESIS_HASH
    for expected_version, link in enumerate(links, start=1):
        if chain_break is not None:
            marks[link.position] = UNVERIFIED
            continue
        reason = None
        event = by_position.get(link.position)
        if link.stream_version != expected_version:
            reason = f"expected version {expected_version}, found {link.stream_version} (an event is missing)"
        elif link.previous_hash != expected_previous:
            reason = "its previous hash does not match the event before it"
        elif event is not None and event.computed_hash() != event.hash:
            reason = "its content does not match its hash (altered)"
        if reason:
            if event is None:
                event = Event(
                    position=link.position,
                    stream_id=case.id,
                    stream_version=link.stream_version,
                    type=link.type,
                    previous_hash=link.previous_hash,
                    hash=link.hash,
                )
            chain_break = ChainBreak(event, reason)
            marks[link.position] = BROKEN
            continue
        marks[link.position] = VERIFIED
        expected_previous = link.hash
    return marks, chain_break


def label_checks(*, actor: Actor, case: Case) -> list[Event]:
    """The events recording what a check of a file's AIGC label found, in order."""
    from cases.events import CaseEvent

    return list(visible_case_events(actor, case.id).filter(type=CaseEvent.SYNTHETIC_LABEL_CHECKED))


def _people_in(events: Iterable[Event]) -> dict[int, User]:
    """The members of staff an event names: its author, an assignee, an original decider."""
    ids: set[int] = set()
    for event in events:
        ids.update(_user_ids(event))
    if not ids:
        return {}
    return get_user_model().objects.only("id", "username").in_bulk(sorted(ids))


def _user_ids(event: Event) -> list[int]:
    # Read defensively: an altered event may hold anything, and its page must still show.
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    data = event.data if isinstance(event.data, dict) else {}
    actor = metadata.get("actor") if isinstance(metadata.get("actor"), dict) else {}
    found: list[Any] = [actor.get("user_id"), data.get("assignee_id")]
    declaration = kind_of_event(event.type)
    for name in declaration.person_fields if declaration else ():
        found.append(data.get(name))
    return [value for value in found if isinstance(value, int) and not isinstance(value, bool)]


# --- Links, measures and what a member of staff may do --------------------------------------


@dataclass(frozen=True)
class LinkedCase:
    link: str  # a `cases.links.LinkType`, as this case records it
    case: Case


def linked_cases(*, actor: Actor, case: Case) -> list[LinkedCase]:
    """The cases this one is linked to, in the order the links were made."""
    links = case_links(case)
    found = {
        str(other.id): as_kind(other)
        for other in Case.objects.for_actor(actor).filter(pk__in=[link["case_id"] for link in links])
    }
    return [LinkedCase(link=link["link"], case=found[link["case_id"]]) for link in links if link["case_id"] in found]


def case_measures(*, actor: Actor, case: Case) -> list[EnforcementMeasure]:
    """The measures the case took, by number."""
    return list(visible_measures(actor).filter(case_id=case.id).order_by("number"))


def account_measures(*, actor: Actor, account: str) -> list[EnforcementMeasure]:
    """Every measure the actor's organisation took against one account, newest first."""
    measures = visible_measures(actor).filter(account=account)
    return list(measures.select_related("case").order_by("-taken_at", "case_id", "number"))


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    related: list[Case]
    links: list[LinkedCase]
    measures: list[EnforcementMeasure]
    actions: list[Action]
    openings: list[OpeningOffer] = field(default_factory=list)


def case_detail(*, actor: Actor, case: Case) -> CaseDetail:
    """Everything staff read about a case besides its history. `case` comes from `staff_case`."""
    return CaseDetail(
        case=case,
        related=related_cases(actor=actor, case=case),
        links=linked_cases(actor=actor, case=case),
        measures=case_measures(actor=actor, case=case),
        actions=available_actions(case, actor),
        openings=available_openings(case, actor),
    )
