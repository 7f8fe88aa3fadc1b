"""Personal-information requests on the public side (filed from a case's tracking page, the
export a fulfilled access or copy request produces) and the same export for staff.

Holding a case's private link is what proves who the requester is: the form is reachable only
from a tracking session of the case the request is about. The export is put together when it
is downloaded (`cases.subject_export`), so it holds the data as it is then, corrections
included, and is never stored.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.actors import Actor
from cases.commands import personal_information_request_file
from cases.models import Case
from cases.references import normalise_reference
from cases.staff_queries import personal_data_revealed, staff_case
from cases.subject_export import subject_export
from cases.web.access import public_actor, tracked_case
from cases.web.forms import PersonalInformationRequestForm
from cases.web.public_text import china_time as _china_time
from cases.web.staff_access import staff_member_required
from cases.web.views.responses import filing_form_page, handles_rate_limits, limit_per_address
from cases.workflows.personal_information_request import DECLARATION, KIND, export_available


@never_cache
@require_http_methods(["GET", "POST"])
@handles_rate_limits
def request_new(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask what is held about oneself, for a copy, a correction, a deletion, or withdraw one's
    consent, about the filer of the case this browser tracks."""
    case = tracked_case(request, reference)
    if case is None:
        return redirect("web:track", reference=normalise_reference(reference))
    opening = DECLARATION.opening
    if opening is None or case.kind not in opening.from_kinds:
        raise Http404
    context: dict[str, Any] = {"case": case, "has_subject": case.subject_id is not None}
    return filing_form_page(
        request,
        "public/personal_information_request_form.html",
        context,
        PersonalInformationRequestForm,
        lambda form: personal_information_request_file(
            case_id=case.id,
            actor=public_actor(request),
            request_type=form.cleaned_data["request_type"],
            request_text=form.cleaned_data["request_text"],
        ),
    )


def _requester_export(request: HttpRequest, reference: str) -> tuple[Case, dict[str, Any]]:
    """The request this browser tracks and its export, once the request has produced one."""
    case = tracked_case(request, reference)
    if case is None or case.kind != KIND or not export_available(case) or case.subject_id is None:
        raise Http404
    export = subject_export(case.subject_id)
    if export is None:
        raise Http404
    return case, export


def _json_download(export: dict[str, Any], name: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def china_time(value: str | None) -> str:
    return _china_time(parse_datetime(value)) if value else ""


def _page(request: HttpRequest, export: dict[str, Any], *, back: str, json_url: str) -> HttpResponse:
    cases = [
        {
            **item,
            "filed": china_time(item["filed_at"]),
            "texts": [{**text, "when": china_time(text["at"])} for text in item["texts"]],
            "history": [{**entry, "when": china_time(entry["at"])} for entry in item["history"]],
        }
        for item in export["cases"]
    ]
    subject = export["subject"]
    context = {
        "export": export,
        "subject": subject,
        "consent_given": china_time(subject["consent_given_at"]),
        "consent_withdrawn": china_time(subject["consent_withdrawn_at"]),
        "generated": china_time(export["generated_at"]),
        "cases": cases,
        "back": back,
        "json_url": json_url,
    }
    return render(request, "public/subject_export.html", context)


@never_cache
@require_GET
@handles_rate_limits
def export_json(request: HttpRequest, reference: str) -> HttpResponse:
    limit_per_address(request, "track")
    case, export = _requester_export(request, reference)
    return _json_download(export, f"personal-information-{case.reference}.json")


@never_cache
@require_GET
@handles_rate_limits
def export_page(request: HttpRequest, reference: str) -> HttpResponse:
    limit_per_address(request, "track")
    case, export = _requester_export(request, reference)
    return _page(
        request,
        export,
        back=reverse("web:track", kwargs={"reference": case.reference}),
        json_url=reverse("web:track_export_json", kwargs={"reference": case.reference}),
    )


def _staff_export(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> tuple[Case, dict[str, Any]] | None:
    """The export of the case's subject, for staff of its organisation who revealed the
    subject's data on this case (the reveal is what records that they saw it)."""
    case = staff_case(actor=actor, case_id=case_id)
    if case is None or case.subject_id is None or not actor.works_for(case.organisation_id):
        raise Http404
    if not personal_data_revealed(actor=actor, case=case):
        return None
    export = subject_export(case.subject_id)
    if export is None:
        raise Http404
    return case, export


def _reveal_first(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    messages.error(request, _("Reveal the personal data on the case page first: that you saw it is recorded."))
    return redirect("web:staff_case", case_id=case_id)


@never_cache
@require_GET
@staff_member_required
def staff_subject_export_json(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    found = _staff_export(request, actor, case_id)
    if found is None:
        return _reveal_first(request, case_id)
    case, export = found
    return _json_download(export, f"personal-information-{case.reference}.json")


@never_cache
@require_GET
@staff_member_required
def staff_subject_export_page(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    found = _staff_export(request, actor, case_id)
    if found is None:
        return _reveal_first(request, case_id)
    case, export = found
    return _page(
        request,
        export,
        back=reverse("web:staff_case", kwargs={"case_id": case.id}),
        json_url=reverse("web:staff_subject_export_json", kwargs={"case_id": case.id}),
    )
