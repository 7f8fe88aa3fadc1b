"""Filing a complaint or report, appealing a measure, and the confirmation that follows."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cases.commands import appeal_file_against_measure, complaint_submit
from cases.errors import CommandInvalid
from cases.kinds import kind_label
from cases.selectors import public_notices, public_provider
from cases.web.access import forget_filed_key, pop_filed_token, public_actor, tracked_case
from cases.web.forms import ComplaintForm, MeasureAppealForm
from cases.web.public_text import china_time
from cases.web.views.responses import filing_done, handles_rate_limits, honeypot_rejected, limit_per_address


@require_http_methods(["GET", "POST"])
@handles_rate_limits
def complaint_new(request: HttpRequest) -> HttpResponse:
    provider = public_provider()
    if provider is None:
        return render(request, "public/unavailable.html", status=503)
    if request.method != "POST":
        return render(request, "public/complaint_form.html", {"form": ComplaintForm()})

    limit_per_address(request, "submit")
    form = ComplaintForm(request.POST, request.FILES)
    if form.honeypot_filled():
        return honeypot_rejected(request)
    if form.is_valid():
        try:
            submission = complaint_submit(
                organisation=provider, actor=public_actor(request), **form.command_arguments()
            )
        except CommandInvalid as exc:
            form.add_command_errors(exc)
        else:
            return filing_done(request, submission)
    return render(request, "public/complaint_form.html", {"form": form}, status=400)


@require_http_methods(["GET", "POST"])
@handles_rate_limits
def appeal_new(request: HttpRequest) -> HttpResponse:
    """Appeal an enforcement measure, by the reference printed on its notice."""
    if request.method != "POST":
        # The notice of a measure links here with its reference filled in.
        initial = {"measure_reference": request.GET.get("measure_reference", "")[:40]}
        return render(request, "public/measure_appeal_form.html", {"form": MeasureAppealForm(initial=initial)})

    limit_per_address(request, "submit")
    form = MeasureAppealForm(request.POST)
    if form.honeypot_filled():
        return honeypot_rejected(request)
    if form.is_valid():
        try:
            submission = appeal_file_against_measure(
                measure_reference=form.cleaned_data["measure_reference"],
                actor=public_actor(request),
                statement=form.cleaned_data["statement"],
                **form.contact_arguments(),
            )
        except CommandInvalid as exc:
            form.add_command_errors(exc)
        else:
            return filing_done(request, submission)
    return render(request, "public/measure_appeal_form.html", {"form": form}, status=400)


@never_cache
@require_GET
def filed(request: HttpRequest, reference: str) -> HttpResponse:
    """The confirmation of a filing: its reference, its private link (shown this once) and
    the time limits it was given."""
    case = tracked_case(request, reference)
    if case is None:
        raise Http404
    token = pop_filed_token(request, case.reference)
    tracking_url = request.build_absolute_uri(reverse("web:track", kwargs={"reference": case.reference}))
    response = render(
        request,
        "public/filed.html",
        {
            "case": case,
            "kind_label": kind_label(case.kind),
            "tracking_link": f"{tracking_url}#{token}" if token else "",
            "tracking_url": tracking_url,
            "first_response_due": china_time(case.first_response_due_at),
            "resolution_due": china_time(case.resolution_due_at),
            # Switching language reloads the page, and the link is shown only once.
            "hide_language_switch": bool(token),
            # A refutation of the claim already published, linked on intake.
            "notices": public_notices(case),
        },
    )
    forget_filed_key(request, response)
    return response
