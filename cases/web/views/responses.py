"""Responses several public views share: rate limits, rejected forms, a finished filing."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases.commands import Submission
from cases.web.access import grant_tracking, stash_filed_token
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
