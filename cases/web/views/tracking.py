"""Following a case with its private tracking link, answering questions, appealing a decision.

The tracking link is /track/<reference>/#<token>: browsers never send the part after #, so the
token reaches neither access logs nor Referer headers. The page reads it with a few lines of
JavaScript and posts it here, where it is exchanged for short-lived access in the session;
then the browser is sent to the clean address.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cases.commands.common import decision_appeal_command, filer_answer_command
from cases.commands.tracking import tracking_link_recover
from cases.display import public_deadline, working_time_words
from cases.errors import ConcurrencyConflict, DomainError, TransitionForbidden, TransitionNotAllowed
from cases.kinds import filed_from, kind_label
from cases.models import Case
from cases.references import normalise_reference
from cases.selectors import (
    PublicEntry,
    case_for_tracking,
    decision_appealable,
    open_decision_appeal,
    open_question,
    public_notices,
    public_timeline,
    waiting_on_filer,
)
from cases.web.access import grant_tracking, public_actor, tracked_case
from cases.web.domain_errors import Refusal, Wording, refusal_for
from cases.web.forms import DecisionAppealForm, InformationForm, RecoverLinkForm, TrackingForm
from cases.web.public_text import china_time, state_explanation
from cases.web.views.responses import filing_form_page, handles_rate_limits, limit_per_address
from tracker.ratelimit import check_rate

MSG_CASE_CHANGED = gettext_lazy("Your case changed while you were writing. Read it again below, then send your answer.")
MSG_INFORMATION_RECEIVED = gettext_lazy("Thank you. We have received your information and continue with your case.")
MSG_NOT_WAITING = gettext_lazy("This case is not waiting for information from you, so nothing was sent.")
MSG_NOT_ALLOWED = gettext_lazy("This is not possible on this case.")

# The public is told neither about versions nor about workflow states.
_ANSWER_WORDING: Wording = {
    ConcurrencyConflict: MSG_CASE_CHANGED,
    TransitionNotAllowed: MSG_CASE_CHANGED,
    TransitionForbidden: MSG_NOT_ALLOWED,
}


@never_cache
@require_http_methods(["GET", "POST"])
@handles_rate_limits
def track_lookup(request: HttpRequest) -> HttpResponse:
    """Find a case by its reference and tracking code."""
    limit_per_address(request, "track")
    if request.method == "POST":
        return _exchange_token(request, TrackingForm(request.POST))
    return render(request, "public/track_lookup.html", {"form": TrackingForm()})


@never_cache
@require_http_methods(["GET", "POST"])
@handles_rate_limits
def track(request: HttpRequest, reference: str) -> HttpResponse:
    """The case, to a browser holding access to it; otherwise the form that takes the code."""
    limit_per_address(request, "track")
    if request.method == "POST":
        data = request.POST.copy()
        data.setdefault("reference", reference)
        return _exchange_token(request, TrackingForm(data))
    case = tracked_case(request, reference)
    if case is None:
        form = TrackingForm(initial={"reference": normalise_reference(reference)})
        return render(request, "public/track_lookup.html", {"form": form, "from_link": True})
    return _case_page(request, case)


def _exchange_token(request: HttpRequest, form: TrackingForm) -> HttpResponse:
    reference, token = form.lookup()
    case = case_for_tracking(reference, token)
    if case is None:
        # Wrong codes for one reference are limited from every address together. Only failures
        # count, so that someone guessing cannot lock the holder of the right code out.
        check_rate("track_reference", normalise_reference(reference))
        # The same page, status and message whether the reference or the code was wrong.
        return render(request, "public/track_lookup.html", {"form": TrackingForm.failed(reference)}, status=404)
    grant_tracking(request, case.id)
    return redirect("web:track", reference=case.reference)


@never_cache
@require_http_methods(["GET", "POST"])
@handles_rate_limits
def add_information(request: HttpRequest, reference: str) -> HttpResponse:
    """The complainant's answer to the question on their case, with any new evidence."""
    if request.method != "POST":
        # After a refused answer the browser shows this address; reloading it means the case.
        return redirect("web:track", reference=normalise_reference(reference))
    limit_per_address(request, "add_information")
    case = tracked_case(request, reference)
    if case is None:
        return redirect("web:track", reference=normalise_reference(reference))
    form = InformationForm(request.POST, request.FILES)
    # Only kinds that ask their filers questions have a command that takes the answers.
    receive = filer_answer_command(case.kind)
    if receive is None or not form.is_valid():
        return _answer_refused(request, case, form, None)
    try:
        receive(
            case_id=case.id,
            actor=public_actor(request),
            expected_version=form.cleaned_data["expected_version"],
            text=form.cleaned_data["text"],
            evidence=form.cleaned_data["evidence"],
        )
    except DomainError as exc:
        return _answer_refused(request, case, form, refusal_for(exc, wording=_ANSWER_WORDING))
    messages.success(request, MSG_INFORMATION_RECEIVED)
    return redirect("web:track", reference=case.reference)


def _answer_refused(request: HttpRequest, case: Case, form: InformationForm, refusal: Refusal | None) -> HttpResponse:
    """The case page again, as the case is now, saying why the answer was not kept (`refusal`
    None: the form itself was invalid)."""
    case.refresh_from_db()
    if not waiting_on_filer(case):
        # The answer form is only on the page while a question is open, so its errors would not
        # show: whatever refused the answer, what the person needs to know is this.
        messages.error(request, MSG_NOT_WAITING)
        return _case_page(request, case, status=409)
    if refusal is not None:
        refusal.show_on(form)
    return _case_page(request, case, information_form=form, status=refusal.status if refusal else 400)


@never_cache
@require_http_methods(["GET", "POST"])
@handles_rate_limits
def appeal_decision(request: HttpRequest, reference: str) -> HttpResponse:
    """Appeal the decision on one's own case, from its tracking page."""
    case = tracked_case(request, reference)
    if case is None:
        return redirect("web:track", reference=normalise_reference(reference))
    file_appeal = decision_appeal_command()
    if file_appeal is None or not case.declaration.appealable_states:
        raise Http404
    context: dict[str, Any] = {
        "case": case,
        "open_appeal": open_decision_appeal(case),
        "can_appeal": decision_appealable(case),
    }
    return filing_form_page(
        request,
        "public/decision_appeal_form.html",
        context,
        DecisionAppealForm,
        lambda form: file_appeal(
            case_id=case.id,
            actor=public_actor(request),
            statement=form.cleaned_data["statement"],
            **form.contact_arguments(),
        ),
    )


def _case_page(
    request: HttpRequest, case: Case, *, information_form: InformationForm | None = None, status: int = 200
) -> HttpResponse:
    declaration = case.declaration
    open_appeal = open_decision_appeal(case) if declaration.appealable_states else None
    timeline = public_timeline(case)
    context = {
        "case": case,
        "kind_label": kind_label(case.kind),
        "explanation": state_explanation(case),
        "timeline": [
            {
                "when": china_time(entry.occurred_at),
                "iso": entry.occurred_at.isoformat(),
                "title": entry.title,
                "lines": entry.lines,
            }
            for entry in timeline
        ],
        "question": open_question(case),
        "information_form": information_form or InformationForm(initial={"expected_version": case.version}),
        "open_appeal": open_appeal,
        "can_appeal": decision_appealable(case),
        "due": {
            "first_response": public_deadline(case.first_response_due_at),
            **_first_response_told(case, timeline),
            "resolution": public_deadline(case.resolution_due_at),
            "paused_for": _paused_for(case),
            "resolved": china_time(case.resolved_at),
            "paused_since": china_time(case.paused_at),
        },
        "category": _category(case),
        "content_urls": case.details.get("content_urls", []),
        "notices": public_notices(case),
        "downloads": [(str(label), url) for label, url in declaration.filer_downloads(case)]
        if declaration.filer_downloads is not None
        else [],
        # What the filer may file from this case (a request about their personal information).
        "filer_openings": [
            (str(d.opening.label), reverse(d.opening.filer_form, kwargs={"reference": case.reference}))
            for d in filed_from(case.kind)
            if d.opening is not None
        ]
        if case.subject_id is not None
        else [],
    }
    return render(request, "public/track_case.html", context, status=status)


def _first_response_told(case: Case, timeline: list[PublicEntry]) -> dict[str, Any]:
    """The first response as the filer received it: given only if what set it is something
    they were shown (an entry of their timeline), and then with what it told them."""
    if case.first_responded_at is None:
        return {"first_responded": "", "first_response_told": ""}
    told = next(
        (entry for entry in timeline if entry.version > 1 and entry.occurred_at == case.first_responded_at), None
    )
    if told is None:
        return {"first_responded": "", "first_response_told": ""}
    return {"first_responded": china_time(case.first_responded_at), "first_response_told": told.title}


def _paused_for(case: Case) -> str:
    if not case.paused_seconds:
        return ""
    return working_time_words(case.paused_seconds)


def _category(case: Case) -> str:
    """The case's category, and the case it is about when it has one (an appeal's decision)."""
    label = case.declaration.category_text(case.category)
    related = Case.objects.filter(pk=case.related_case_id).values_list("reference", flat=True).first()
    return _("%(field)s: %(message)s") % {"field": label, "message": related} if related else label


@never_cache
@require_http_methods(["GET", "POST"])
@handles_rate_limits
def recover_link(request: HttpRequest) -> HttpResponse:
    """Ask for a new private link, sent to the address given when filing. The answer is the
    same whether or not the reference and the address match."""
    if request.method != "POST":
        return render(request, "public/track_recover.html", {"form": RecoverLinkForm()})
    limit_per_address(request, "track_recover")
    form = RecoverLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "public/track_recover.html", {"form": form}, status=400)
    reference = normalise_reference(form.cleaned_data["reference"])
    # Counted whether or not it matches: the same answer, and no mail flood to one filer.
    check_rate("track_recover_reference", reference)
    tracking_link_recover(reference=reference, email=form.cleaned_data["email"])
    return render(request, "public/track_recover.html", {"sent": True, "reference": reference})
