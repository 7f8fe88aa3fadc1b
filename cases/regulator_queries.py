"""Reads of the regulator's dashboard and of the provider's page of reports: what is addressed
to a regulator (orders it issued, reports sent to it), per supervised provider, and what a
provider has reported and still owes.

Every case query starts from `Case.objects.for_actor`; the kinds come from their declarations
(`addressed_to_regulator`, `reports_owed`), so nothing here names one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.compliance import compliance_figures
from cases.kinds import PROVIDER_SIDE, KindDeclaration, declarations
from cases.models import Case
from cases.scope import supervised_providers

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation

RECENT_DAYS = 90
CHART_MONTHS = 12
LIST_LIMIT = 100


def addressed_kinds() -> list[KindDeclaration]:
    return [d for d in declarations() if d.addressed_to_regulator]


@dataclass
class KindCounts:
    declaration: KindDeclaration
    total: int = 0
    open: int = 0
    overdue: int = 0


@dataclass
class ProviderFigures:
    """How the provider keeps its published time limits over the last `RECENT_DAYS`, from the
    same replayed events as its public figures (`cases.compliance`), for the kinds that have
    the generic targets: cases received and decided, targets met of those counted, breaches."""

    received: int
    decided: int
    targets_met: int
    targets_counted: int
    breaches: int

    @property
    def share_in_time(self) -> float | None:
        return round(100 * self.targets_met / self.targets_counted, 1) if self.targets_counted else None


@dataclass
class ProviderRow:
    provider: Organisation
    kinds: list[KindCounts]
    figures: ProviderFigures


@dataclass
class ChartBar:
    month: dt.date
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Dashboard:
    providers: list[ProviderRow]
    cases_by_kind: list[tuple[KindDeclaration, list[Case]]]
    chart: list[ChartBar]
    chart_kinds: list[KindDeclaration]


def _kind_counts(actor: Actor, now: dt.datetime) -> dict[int, list[KindCounts]]:
    """Per provider, the counts of each addressed kind: one grouped query per kind, whatever
    the number of providers."""
    counted: dict[int, dict[str, dict[str, int]]] = {}
    for declaration in addressed_kinds():
        rows = (
            Case.objects.for_actor(actor)
            .filter(kind=declaration.kind)
            .values("organisation_id")
            .annotate(
                total=Count("pk"),
                open=Count("pk", filter=Q(state__in=declaration.open_states)),
                overdue=Count("pk", filter=Q(state__in=declaration.open_states, due_at__lt=now)),
            )
        )
        for row in rows:
            counted.setdefault(row["organisation_id"], {})[declaration.kind] = {
                "total": row["total"],
                "open": row["open"],
                "overdue": row["overdue"],
            }
    empty = {"total": 0, "open": 0, "overdue": 0}
    return {
        organisation: [KindCounts(d, **kinds.get(d.kind, empty)) for d in addressed_kinds()]
        for organisation, kinds in counted.items()
    }


def provider_figures(provider: Organisation, now: dt.datetime) -> ProviderFigures:
    """The provider's published figures over the last `RECENT_DAYS` (computed for the system:
    an officer's scope does not, and must not, reach the cases they count)."""
    [window] = compliance_figures(now=now, windows=(RECENT_DAYS,), organisation_id=provider.pk)
    kinds = [k for k in window.kinds if k.has_targets]
    return ProviderFigures(
        received=sum(k.received for k in kinds),
        decided=sum(k.decided for k in kinds),
        targets_met=sum(k.targets_met for k in kinds),
        targets_counted=sum(k.targets_counted for k in kinds),
        breaches=sum(k.breaches for k in kinds),
    )


def _chart(actor: Actor, now: dt.datetime) -> list[ChartBar]:
    months = [timezone.localtime(now).date().replace(day=1)]
    while len(months) < CHART_MONTHS:
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    first = months[0]
    bars = {month: ChartBar(month) for month in months}
    rows = (
        Case.objects.for_actor(actor)
        .filter(created_at__date__gte=first)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "kind")
        .annotate(count=Count("pk"))
    )
    for row in rows:
        key = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        if key in bars:
            bars[key].counts[row["kind"]] = row["count"]
    return list(bars.values())


def regulator_dashboard(actor: Actor, *, now: dt.datetime | None = None) -> Dashboard:
    """Per supervised provider, the orders and reports between it and the officer's
    regulator, and its published figures; the open cases of each kind, due first; a monthly
    chart of both."""
    now = now or timezone.now()
    counts = _kind_counts(actor, now)
    nothing = [KindCounts(d) for d in addressed_kinds()]
    providers = [
        ProviderRow(provider, counts.get(provider.pk, nothing), provider_figures(provider, now))
        for provider in supervised_providers(actor).order_by("name")
    ]
    cases_by_kind = []
    for declaration in addressed_kinds():
        cases = (
            Case.objects.for_actor(actor)
            .filter(kind=declaration.kind)
            .select_related("organisation", "assignee")
            .order_by("due_at", "-created_at")[:LIST_LIMIT]
        )
        ordered = sorted(cases, key=lambda c: (c.state not in declaration.open_states, c.due_at is None))
        cases_by_kind.append((declaration, ordered))
    return Dashboard(providers, cases_by_kind, _chart(actor, now), addressed_kinds())


@dataclass
class OwedReport:
    case: Case
    duty: str


@dataclass
class ReportsOverview:
    sent: list[Case]
    owed: list[OwedReport]


def reports_overview(actor: Actor) -> ReportsOverview:
    """For provider staff: the reports their organisation sent (acknowledged or not), and the
    cases that still owe one, due first."""
    sent = list(
        Case.objects.for_actor(actor)
        .filter(
            kind__in=[
                d.kind for d in addressed_kinds() if d.opening is not None and d.opening.opened_by == PROVIDER_SIDE
            ]
        )
        .select_related("counterpart_organisation", "assignee")
        .order_by("-created_at")[:LIST_LIMIT]
    )
    owed = []
    for declaration in declarations():
        if declaration.reports_owed is None:
            continue
        cases = declaration.reports_owed(Case.objects.for_actor(actor).filter(kind=declaration.kind))
        owed += [
            OwedReport(case, str(declaration.reported_under))
            for case in cases.order_by("due_at", "created_at")[:LIST_LIMIT]
        ]
    owed.sort(key=lambda o: (o.case.due_at is None, o.case.due_at or o.case.created_at))
    return ReportsOverview(sent, owed)
