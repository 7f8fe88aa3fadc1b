"""The one staff page served here: downloading an evidence file, never shown inline."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.actors import Actor
from cases.models import Case
from cases.selectors import evidence_for_download


@never_cache
@login_required
@require_GET
def evidence_download(request: HttpRequest, case_id: uuid.UUID, evidence_id: uuid.UUID) -> FileResponse:
    """Stream an evidence file to staff of the case's organisation, as an attachment of no
    particular type, so that no browser renders or runs it. Anyone else gets a 404."""
    actor = Actor.for_user(request.user, request_id=getattr(request, "request_id", ""))  # type: ignore[arg-type]
    case = Case.objects.for_actor(actor).filter(pk=case_id).first()
    if case is None:
        raise Http404
    try:
        found = evidence_for_download(case=case, evidence_id=evidence_id)
    except FileNotFoundError as exc:
        raise Http404 from exc
    if found is None:
        raise Http404
    evidence, stream = found
    response = FileResponse(
        stream, as_attachment=True, filename=evidence.original_name, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
