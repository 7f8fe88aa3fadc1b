"""Proofs people take away: a filer's receipt, and a case's verifiable export for staff."""

from __future__ import annotations

import json
import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.actors import Actor
from cases.exports import case_export
from cases.models import Case
from cases.staff_queries import staff_case
from cases.web.access import tracked_case
from cases.web.staff_access import workspace_member_required
from cases.web.views.responses import handles_rate_limits, limit_per_address
from ledger.receipts import receipt_for_stream


def _json_download(document: dict, filename: str) -> HttpResponse:
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_GET
@handles_rate_limits
def track_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    """The receipt of a case this browser tracks: its first event, proven in the signed log."""
    limit_per_address(request, "track")
    case = tracked_case(request, reference)
    if case is None:
        raise Http404
    receipt = receipt_for_stream(case.id)
    if receipt is None:
        raise Http404
    return _json_download(receipt, f"receipt-{case.reference}.json")


@never_cache
@require_GET
@workspace_member_required
def staff_case_export(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    case = staff_case(actor=actor, case_id=case_id)
    if case is None:
        raise Http404
    return _json_download(case_export(case), f"case-{case.reference}.json")


@never_cache
@require_GET
@workspace_member_required
def staff_case_export_page(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """The same history as the export, printable, for people."""
    case = staff_case(actor=actor, case_id=case_id)
    if case is None:
        raise Http404
    export = case_export(case)
    for event in export["events"]:
        event["details"] = json.dumps(event["data"], ensure_ascii=False, indent=2, sort_keys=True)
        event["actor"] = json.dumps(event["metadata"].get("actor", {}), ensure_ascii=False, sort_keys=True)
    return render(request, "staff/case_export.html", {"case": case, "export": export})


@never_cache
@require_GET
@workspace_member_required
def carried_history(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """The history a case carries to its counterpart (the case a report is about, as it stood
    when the report was sent), as a verifiable export, for both parties to it. The case it
    carries is read for them only through this one: a regulator sees nothing else of it."""
    case = staff_case(actor=actor, case_id=case_id)
    carried = case.declaration.carried_history(case) if case is not None and case.declaration.carried_history else None
    if carried is None:
        raise Http404
    source_id, version = carried
    source = Case.objects.filter(pk=source_id, organisation_id=case.organisation_id).first()  # type: ignore[union-attr]
    if source is None:
        raise Http404
    return _json_download(case_export(source, up_to_version=version), f"case-{source.reference}-v{version}.json")
