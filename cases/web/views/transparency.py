"""The public compliance figures (article 12): how well the published time limits are kept,
as a page with a chart, and as JSON and CSV of the same figures."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from cases.compliance import KindFigures, WindowFigures, compliance_figures

# The figures are recomputed at most this often (seconds): replaying 90 days of the log on
# every request would let anyone make the server work hard.
CACHE_SECONDS = 300

CSV_COLUMNS = [
    "window_days",
    "kind",
    "received",
    "decided",
    "first_response_count",
    "first_response_median_hours",
    "first_response_p90_hours",
    "decision_count",
    "decision_median_hours",
    "decision_p90_hours",
    "targets_met",
    "targets_counted",
    "share_within_limits_percent",
    "breaches",
]

# The chart's geometry, in SVG user units.
CHART_WIDTH = 640
LABEL_WIDTH = 200
BAR_HEIGHT = 22
ROW_HEIGHT = 34


def _figures() -> list[WindowFigures]:
    key = f"transparency-figures-{get_language()}"
    figures = cache.get(key)
    if figures is None:
        figures = compliance_figures(now=timezone.now())
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def _kind_document(figures: KindFigures) -> dict[str, Any]:
    return {
        "kind": figures.kind,
        "label": figures.label,
        "received": figures.received,
        "decided": figures.decided,
        "first_response": {
            "count": figures.first_response.count,
            "median_hours": figures.first_response.median_hours,
            "p90_hours": figures.first_response.p90_hours,
        },
        "decision": {
            "count": figures.decision.count,
            "median_hours": figures.decision.median_hours,
            "p90_hours": figures.decision.p90_hours,
        },
        "targets_met": figures.targets_met,
        "targets_counted": figures.targets_counted,
        "share_within_limits_percent": figures.share_within_limits,
        "breaches": figures.breaches,
    }


def figures_document(figures: list[WindowFigures]) -> dict[str, Any]:
    return {
        "windows": [
            {
                "days": window.days,
                "from": window.start.isoformat(),
                "to": window.end.isoformat(),
                "kinds": [_kind_document(kind) for kind in window.kinds],
            }
            for window in figures
        ]
    }


def _chart(window: WindowFigures) -> dict[str, Any]:
    """Bars of the share within the limits, one per kind that has targets."""
    rows = []
    span = CHART_WIDTH - LABEL_WIDTH - 60
    for number, kind in enumerate(k for k in window.kinds if k.has_targets):
        share = kind.share_within_limits
        rows.append(
            {
                "label": kind.label,
                "share": share,
                "y": number * ROW_HEIGHT + 10,
                "text_y": number * ROW_HEIGHT + 10 + BAR_HEIGHT - 6,
                "width": round(span * (share or 0) / 100, 1),
                "value_x": LABEL_WIDTH + round(span * (share or 0) / 100, 1) + 6,
            }
        )
    return {
        "rows": rows,
        "width": CHART_WIDTH,
        "height": len(rows) * ROW_HEIGHT + 20,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "full": span,
    }


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    windows = [{"figures": window, "chart": _chart(window)} for window in _figures()]
    return render(request, "public/transparency.html", {"windows": windows})


@require_GET
def transparency_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(figures_document(_figures()), json_dumps_params={"ensure_ascii": False})


@require_GET
def transparency_csv(request: HttpRequest) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for window in _figures():
        for kind in window.kinds:
            writer.writerow(
                [
                    window.days,
                    kind.kind,
                    kind.received,
                    kind.decided,
                    kind.first_response.count,
                    _blank(kind.first_response.median_hours),
                    _blank(kind.first_response.p90_hours),
                    kind.decision.count,
                    _blank(kind.decision.median_hours),
                    _blank(kind.decision.p90_hours),
                    kind.targets_met,
                    kind.targets_counted,
                    _blank(kind.share_within_limits),
                    kind.breaches,
                ]
            )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="time-limit-compliance.csv"'
    return response


def _blank(value: float | None) -> str:
    return "" if value is None else str(value)
