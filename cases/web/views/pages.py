"""The home page and the published processing flow with its time limits (articles 8 and 12)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.kinds import declarations
from cases.sla import HIGH_PRIORITY, TimeUnit, limits_for, targets_for
from cases.web.flow import flow_diagram
from cases.web.public_text import describe_limit


def published_limits() -> list[dict[str, Any]]:
    """Each case kind's time limits as they stand in the policy table right now."""
    published = []
    for declaration in declarations():
        first_response, resolution = limits_for(declaration.kind)
        high_first, high_resolution = limits_for(declaration.kind, HIGH_PRIORITY)
        high = (high_first, high_resolution) != (first_response, resolution)
        published.append(
            {
                "kind": declaration.kind,
                "label": str(declaration.label),
                "first_response": describe_limit(first_response),
                "resolution": describe_limit(resolution),
                "working_days": TimeUnit.WORKING_DAYS in (first_response.unit, resolution.unit),
                "further": declaration.published_further_limits(),
                # Shorter limits of high-priority cases (a face or voice edited without consent).
                "high_first_response": describe_limit(high_first) if high else "",
                "high_resolution": describe_limit(high_resolution) if high else "",
                "business_hours": targets_for(declaration.kind).business_hours,
                "case_class": declaration.model,
            }
        )
    return published


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    limits = {entry["kind"]: entry for entry in published_limits()}
    return render(request, "public/home.html", {"limits": limits})


@require_GET
def flow(request: HttpRequest) -> HttpResponse:
    kinds = [{**entry, "diagram": flow_diagram(entry["case_class"], entry["label"])} for entry in published_limits()]
    return render(request, "public/flow.html", {"kinds": kinds})
