"""Responses several public views share: rate limits, rejected forms, a finished filing."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases.commands import Submission
from cases.errors import DomainError
from cases.web.access import grant_tracking, stash_filed_token
from cases.web.domain_errors import refusal_for
from tracker.ratelimit import RateLimited, check_rate, client_address

View = Callable[..., HttpResponse]


def limit_per_address(request: HttpRequest, scope: str) -> None:
    """Count this request against the client address's limit of `scope` (raises RateLimited)."""
    check_rate(scope, client_address(request))


def handles_rate_limits(view: View) -> View:
    """Answer a RateLimited raised anywhere in the view with the friendly 429 page."""

    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except RateLimited as exc:
            return rate_limited(request, exc)

    return run


def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    retry_after = max(exc.retry_after, 1)
    response = render(request, "429.html", {"retry_after_minutes": math.ceil(retry_after / 60)}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def honeypot_rejected(request: HttpRequest) -> HttpResponse:
    """What a form gets when its hidden honeypot field was filled in: nothing is kept."""
    return render(request, "400.html", status=400)


def filing_done(request: HttpRequest, submission: Submission) -> HttpResponse:
    """After a filing: let this browser follow the new case, keep its token for the
    confirmation page to show once, and redirect there (POST, redirect, GET)."""
    case = submission.case
    grant_tracking(request, case.id)
    response = redirect("web:filed", reference=case.reference)
    stash_filed_token(request, response, case.reference, submission.tracking_token)
    return response


def filing_form_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    form_class: Callable[..., Any],
    file: Callable[[Any], Submission],
) -> HttpResponse:
    """A public page whose form files a case: the empty form on GET; on POST, a filing counted
    against the address's limit, checked, and filed by `file` (given the valid form), or the
    form shown again with what was wrong, nothing kept."""
    if request.method != "POST":
        return render(request, template, {**context, "form": form_class()})
    limit_per_address(request, "submit")
    form = form_class(request.POST)
    if form.honeypot_filled():
        return honeypot_rejected(request)
    status = 400
    if form.is_valid():
        try:
            submission = file(form)
        except DomainError as exc:
            refusal = refusal_for(exc)
            refusal.show_on(form)
            status = refusal.status
        else:
            return filing_done(request, submission)
    return render(request, template, {**context, "form": form}, status=status)
