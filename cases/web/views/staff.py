"""The staff workspace: signing in, a case page, and downloading an evidence file.

Each view checks who is asking, calls the selectors and lays out what they return; the case
page's forms post to `cases.web.views.staff_actions`. Every case query goes through
`Case.objects.for_actor`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.actors import Actor
from cases.evidence import EvidenceAltered, EvidenceErased
from cases.selectors import evidence_for_download
from cases.staff_queries import staff_case
from cases.web.staff_access import workspace_member_required
from cases.web.staff_case_page import case_controls, render_case_page
from cases.web.views.responses import handles_rate_limits, limit_per_address

logger = logging.getLogger(__name__)

_login_form = auth_views.LoginView.as_view(template_name="staff/login.html", next_page="web:workspace_home")


@handles_rate_limits
def staff_login(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Sign-in, with password attempts limited per client address (guessing is slowed down)."""
    if request.method == "POST":
        limit_per_address(request, "staff_login")
    return _login_form(request, *args, **kwargs)


staff_logout = auth_views.LogoutView.as_view(next_page="web:staff_login")


@never_cache
@require_GET
@workspace_member_required
def staff_case_page(request: HttpRequest, actor: Actor, case_id: uuid.UUID) -> HttpResponse:
    """Everything the organisation's staff may see of one case, with its verified history and
    the forms for what the person may do on it now."""
    case = staff_case(actor=actor, case_id=case_id)
    if case is None:
        raise Http404
    # `?form=` names the step form to unfold; any other value unfolds none.
    opened = request.GET.get("form", "")
    return render_case_page(request, actor, case, controls=case_controls(case, actor, opened=opened))


@never_cache
@require_GET
@workspace_member_required
def evidence_download(
    request: HttpRequest, actor: Actor, case_id: uuid.UUID, evidence_id: uuid.UUID
) -> HttpResponseBase:
    """Stream an evidence file to staff of the case's organisation, as an attachment of no
    particular type, so that no browser renders or runs it. Other staff get a 404. A file
    whose content no longer matches its recorded SHA-256 is refused (409) and logged."""
    try:
        found = evidence_for_download(actor=actor, case_id=case_id, evidence_id=evidence_id)
    except FileNotFoundError as exc:
        raise Http404 from exc
    except EvidenceErased:
        return render(request, "staff/evidence_erased.html", status=410)
    except EvidenceAltered:
        logger.error(
            "evidence file altered on disk: its SHA-256 no longer matches the one recorded; not served "
            "(case %s, evidence %s, user %s)",
            case_id,
            evidence_id,
            actor.user_id,
        )
        return render(request, "staff/evidence_altered.html", status=409)
    if found is None:
        raise Http404
    evidence, stream = found
    response = FileResponse(
        stream, as_attachment=True, filename=evidence.original_name, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
