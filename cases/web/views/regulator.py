"""The regulator's console: a dashboard of what is addressed to the officer's regulator (the
orders it issued, the reports sent to it) per supervised provider, and, for provider staff,
the page of their reports to regulators and the reports still owed.

Orders and reports themselves open on the shared case page, where each side sees the steps its
role may take (`cases.actions`), and are issued from the shared opening form.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.actors import Actor
from cases.kinds import REGULATOR_SIDE
from cases.regulator_queries import regulator_dashboard, reports_overview
from cases.web.charts import monthly_bars
from cases.web.staff_access import regulator_officer_required, staff_member_required, workspace_member_required
from cases.web.staff_display import queue_rows


@never_cache
@require_GET
@workspace_member_required
def workspace_home(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Where signing in leads: the queue for provider staff, the dashboard for officers."""
    return redirect("web:regulator_dashboard" if actor.side == REGULATOR_SIDE else "web:staff_queue")


@never_cache
@require_GET
@regulator_officer_required
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    now = timezone.now()
    board = regulator_dashboard(actor, now=now)
    chart = monthly_bars(board.chart, [(d.kind, str(d.label)) for d in board.chart_kinds])
    lists = [(declaration, queue_rows(cases, now=now)) for declaration, cases in board.cases_by_kind]
    context = {"board": board, "chart": chart, "lists": lists}
    return render(request, "staff/regulator_dashboard.html", context)


@never_cache
@require_GET
@staff_member_required
def reports(request: HttpRequest, actor: Actor) -> HttpResponse:
    now = timezone.now()
    overview = reports_overview(actor)
    context = {
        "sent": queue_rows(overview.sent, now=now),
        "owed": [
            (row, owed.duty)
            for row, owed in zip(queue_rows([o.case for o in overview.owed], now=now), overview.owed, strict=True)
        ],
    }
    return render(request, "staff/reports.html", context)
