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

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.kinds import KindDeclaration, declarations
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
    """What the provider's own handling shows over the last days: cases received, decided,
    and decided within the published limit."""

    received: int
    decided: int
    decided_in_time: int

    @property
    def share_in_time(self) -> int | None:
        return round(100 * self.decided_in_time / self.decided) if self.decided else None


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


def _kind_counts(actor: Actor, provider: Organisation, now: dt.datetime) -> list[KindCounts]:
    rows = []
    for declaration in addressed_kinds():
        cases = Case.objects.for_actor(actor).filter(organisation=provider, kind=declaration.kind)
        counts = cases.aggregate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state__in=declaration.open_states)),
            overdue=Count("pk", filter=Q(state__in=declaration.open_states, due_at__lt=now)),
        )
        rows.append(KindCounts(declaration, **counts))
    return rows


def provider_figures(provider: Organisation, now: dt.datetime) -> ProviderFigures:
    """The provider's handling of what the public files (kinds with no counterpart), over the
    last `RECENT_DAYS`: a figure it publishes, and so one its regulator may read."""
    since = now - dt.timedelta(days=RECENT_DAYS)
    filed = [d.kind for d in declarations() if not d.addressed_to_regulator and d.opening is None]
    # Counted by the system: the officer's scope does not (and must not) reach these cases.
    counts = Case.objects.filter(organisation=provider, kind__in=filed, created_at__gte=since).aggregate(
        received=Count("pk"),
        decided=Count("pk", filter=Q(resolved_at__isnull=False)),
        decided_in_time=Count(
            "pk",
            filter=Q(resolved_at__isnull=False, resolution_due_at__isnull=False)
            & Q(resolved_at__lte=F("resolution_due_at")),
        ),
    )
    return ProviderFigures(**counts)


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
    providers = [
        ProviderRow(provider, _kind_counts(actor, provider, now), provider_figures(provider, now))
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
            kind__in=[d.kind for d in addressed_kinds() if d.opening is not None and d.opening.opened_by == "provider"]
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
