"""How well the published time limits are kept: public figures per case kind over the last
30 and 90 days, computed from the event log alone (the log cannot be edited, so neither can
the figures).

Each stream with an event in the longest window is replayed through the apply functions, and
the moments its first response and its decision were recorded are read off as it goes, with
the deadline that stood at that moment (a pause had already moved it). Per window:

- received: cases filed in it; decided: cases whose first decision fell in it;
- time to first response and to decision (from filing): median, and the 90th percentile by
  nearest rank (the time within which 9 in 10 were done), for those given in the window;
- within the published limits: of the targets met in the window, or whose deadline passed in
  it while still running, the share met on time (kinds with the generic targets only);
- breaches: `case.sla_breached` events recorded in the window.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from cases.events import CaseEvent
from cases.eventstore import Event
from cases.kinds import KindDeclaration, declarations, kind_of_event
from cases.projections import apply_event

WINDOWS = (30, 90)


@dataclass
class CaseTimes:
    """What the figures need of one case, read from its replayed stream."""

    kind: str
    filed_at: dt.datetime
    first_response_at: dt.datetime | None = None
    first_response_due: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    decision_due: dt.datetime | None = None
    # The deadline still running when the log ends (unmet, not paused), if any.
    running: list[dt.datetime] = field(default_factory=list)
    breaches: list[dt.datetime] = field(default_factory=list)


def _case_times(events: list[Event]) -> CaseTimes | None:
    declaration = kind_of_event(events[0].type)
    if declaration is None:
        return None
    case = declaration.model(id=events[0].stream_id)
    times = CaseTimes(kind=declaration.kind, filed_at=events[0].occurred_at)
    for event in events:
        apply_event(case, event)
        if times.first_response_at is None and case.first_responded_at is not None:
            times.first_response_at, times.first_response_due = case.first_responded_at, case.first_response_due_at
        if times.decided_at is None and case.resolved_at is not None:
            times.decided_at, times.decision_due = case.resolved_at, case.resolution_due_at
        if event.type == CaseEvent.SLA_BREACHED:
            times.breaches.append(event.occurred_at)
    running = case.state in declaration.open_states and case.due_at is not None
    first_owed = times.first_response_at is None and case.due_at == case.first_response_due_at
    decision_owed = times.decided_at is None and case.due_at == case.resolution_due_at
    if running and (first_owed or decision_owed):
        times.running.append(case.due_at)  # type: ignore[arg-type]
    return times


def _streams_since(start: dt.datetime, organisation_id: int | None = None) -> list[CaseTimes]:
    stream_ids = Event.objects.filter(occurred_at__gte=start).values("stream_id").distinct()
    if organisation_id is not None:
        from cases.models import Case

        stream_ids = stream_ids.filter(stream_id__in=Case.objects.filter(organisation_id=organisation_id).values("pk"))
    events = Event.objects.filter(stream_id__in=stream_ids).order_by("stream_id", "stream_version").iterator(2000)
    found: list[CaseTimes] = []
    stream: list[Event] = []
    for event in events:
        if stream and event.stream_id != stream[0].stream_id:
            found += [t for t in [_case_times(stream)] if t is not None]
            stream = []
        stream.append(event)
    if stream:
        found += [t for t in [_case_times(stream)] if t is not None]
    return found


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def nearest_rank(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Spread:
    count: int
    median_hours: float | None
    p90_hours: float | None

    @classmethod
    def of(cls, hours: list[float]) -> Spread:
        if not hours:
            return cls(0, None, None)
        return cls(len(hours), round(statistics.median(hours), 1), round(nearest_rank(hours, 90), 1))


@dataclass(frozen=True)
class KindFigures:
    kind: str
    label: str
    received: int
    decided: int
    first_response: Spread
    decision: Spread
    targets_met: int
    targets_counted: int
    has_targets: bool
    breaches: int

    @property
    def share_within_limits(self) -> float | None:
        """Percent of counted targets met on time, one decimal; None when nothing was counted."""
        if not self.has_targets or not self.targets_counted:
            return None
        return round(100 * self.targets_met / self.targets_counted, 1)


@dataclass(frozen=True)
class WindowFigures:
    days: int
    start: dt.datetime
    end: dt.datetime
    kinds: list[KindFigures]


def _window(declaration: KindDeclaration, cases: list[CaseTimes], start: dt.datetime, end: dt.datetime) -> KindFigures:
    def inside(moment: dt.datetime | None) -> bool:
        return moment is not None and start <= moment < end

    met = counted = 0
    for case in cases:
        for done, due in ((case.first_response_at, case.first_response_due), (case.decided_at, case.decision_due)):
            if inside(done):
                counted += 1
                met += due is None or done <= due  # type: ignore[operator]
        counted += sum(1 for due in case.running if inside(due))
    return KindFigures(
        kind=declaration.kind,
        label=str(declaration.label),
        received=sum(1 for case in cases if inside(case.filed_at)),
        decided=sum(1 for case in cases if inside(case.decided_at)),
        first_response=Spread.of(
            [_hours(c.first_response_at - c.filed_at) for c in cases if inside(c.first_response_at)]  # type: ignore[operator]
        ),
        decision=Spread.of([_hours(c.decided_at - c.filed_at) for c in cases if inside(c.decided_at)]),  # type: ignore[operator]
        targets_met=met,
        targets_counted=counted,
        has_targets=declaration.sla_targets,
        breaches=sum(1 for case in cases for moment in case.breaches if inside(moment)),
    )


def compliance_figures(
    *, now: dt.datetime, windows: tuple[int, ...] = WINDOWS, organisation_id: int | None = None
) -> list[WindowFigures]:
    """The figures of each window ending at `now`, per declared kind; of one organisation's
    cases when it is named (what a regulator reads of a provider it supervises)."""
    earliest = now - dt.timedelta(days=max(windows))
    by_kind: dict[str, list[CaseTimes]] = defaultdict(list)
    for times in _streams_since(earliest, organisation_id):
        by_kind[times.kind].append(times)
    figures = []
    for days in windows:
        start = now - dt.timedelta(days=days)
        kinds = [_window(d, by_kind.get(d.kind, []), start, now) for d in declarations()]
        figures.append(WindowFigures(days=days, start=start, end=now, kinds=kinds))
    return figures
