"""Tracking access kept in the session: which cases this browser may follow, and until when.

A private tracking token is exchanged once for a short-lived grant in the session, so the
token itself never has to travel in a URL. The grants live under the session key that the
WebSocket consumer reads as well, as {case id: expiry as a Unix time}.
"""

from __future__ import annotations

import time
import uuid

from django.http import HttpRequest

from accounts.actors import Actor
from cases.models import Case
from cases.references import normalise_reference
from cases.selectors import as_kind
from cases.tracking_session import TRACKED_CASES_SESSION_KEY, grants_in_force, tracked_ids

TRACKING_ACCESS_SECONDS = 2 * 60 * 60

# The token of a case just filed, kept only until the confirmation page has shown it once.
FILED_TOKENS_SESSION_KEY = "filed_tokens"


def _live_grants(request: HttpRequest) -> dict[str, int]:
    """The unexpired grants, dropping expired ones from the session as a side effect."""
    live = grants_in_force(request.session)
    if live != request.session.get(TRACKED_CASES_SESSION_KEY, {}):
        request.session[TRACKED_CASES_SESSION_KEY] = live
    return live


def tracked_case_ids(request: HttpRequest) -> frozenset[uuid.UUID]:
    return tracked_ids(_live_grants(request))


def grant_tracking(request: HttpRequest, case_id: uuid.UUID) -> None:
    """Let this browser follow the case for TRACKING_ACCESS_SECONDS."""
    granted = _live_grants(request)
    if not granted:
        # The first grant turns an anonymous session into one that holds access: give it a
        # new key, so that a key planted beforehand (session fixation) gains nothing.
        request.session.cycle_key()
    request.session[TRACKED_CASES_SESSION_KEY] = {
        **granted,
        str(case_id): int(time.time()) + TRACKING_ACCESS_SECONDS,
    }


def public_actor(request: HttpRequest) -> Actor:
    """The member of the public making this request, with the cases they may follow."""
    return Actor.public(request_id=getattr(request, "request_id", ""), tracked_case_ids=tracked_case_ids(request))


def tracked_case(request: HttpRequest, reference: str) -> Case | None:
    """The case with this reference, if this browser holds tracking access to it."""
    case = Case.objects.for_actor(public_actor(request)).filter(reference=normalise_reference(reference)).first()
    return as_kind(case) if case else None


def stash_filed_token(request: HttpRequest, reference: str, token: str) -> None:
    tokens = dict(request.session.get(FILED_TOKENS_SESSION_KEY) or {})
    tokens[reference] = token
    request.session[FILED_TOKENS_SESSION_KEY] = tokens


def pop_filed_token(request: HttpRequest, reference: str) -> str | None:
    """The token of a case just filed, once: it is gone from the session afterwards."""
    tokens = dict(request.session.get(FILED_TOKENS_SESSION_KEY) or {})
    token = tokens.pop(reference, None)
    if tokens:
        request.session[FILED_TOKENS_SESSION_KEY] = tokens
    else:
        request.session.pop(FILED_TOKENS_SESSION_KEY, None)
    return token
