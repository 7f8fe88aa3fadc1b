"""Tracking access kept in the session: which cases this browser may follow, and until when.

A private tracking token is exchanged once for a short-lived grant in the session, so the
token itself never has to travel in a URL. The grants live under the session key that the
WebSocket consumer reads as well, as {case id: expiry as a Unix time}.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from accounts.actors import Actor
from cases.models import Case
from cases.references import normalise_reference
from cases.selectors import as_kind
from cases.tracking_session import TRACKED_CASES_SESSION_KEY, grants_in_force, tracked_ids

TRACKING_ACCESS_SECONDS = 2 * 60 * 60

# The token of a case just filed, kept only until the confirmation page has shown it once,
# and only enciphered: the key is in a cookie of the browser that filed, never on the server,
# so that whoever reads the session table cannot open the case.
FILED_TOKENS_SESSION_KEY = "filed_tokens"
FILED_KEY_COOKIE = "filed_key"
FILED_KEY_SECONDS = 30 * 60


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
    # Every grant gives the session a new key, so that a key planted beforehand (session
    # fixation) gains nothing, even one that already held access to some case of its planter's.
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


def _keystream(key: bytes, reference: str, length: int) -> bytes:
    blocks = b""
    counter = 0
    while len(blocks) < length:
        blocks += hashlib.sha256(key + reference.encode() + counter.to_bytes(4, "big")).digest()
        counter += 1
    return blocks[:length]


def _seal(key: bytes, reference: str, token: str) -> str:
    plain = token.encode()
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(key, reference, len(plain)), strict=True))
    tag = hmac.new(key, reference.encode() + cipher, hashlib.sha256).digest()[:16]
    return (tag + cipher).hex()


def _open(key: bytes, reference: str, sealed: str) -> str | None:
    try:
        raw = bytes.fromhex(sealed)
    except (TypeError, ValueError):
        return None
    tag, cipher = raw[:16], raw[16:]
    if not hmac.compare_digest(tag, hmac.new(key, reference.encode() + cipher, hashlib.sha256).digest()[:16]):
        return None
    plain = bytes(a ^ b for a, b in zip(cipher, _keystream(key, reference, len(cipher)), strict=True))
    return plain.decode(errors="replace")


def _filed_key(request: HttpRequest) -> bytes | None:
    try:
        key = bytes.fromhex(request.COOKIES.get(FILED_KEY_COOKIE, ""))
    except ValueError:
        return None
    return key if len(key) == 32 else None


def stash_filed_token(request: HttpRequest, response: HttpResponse, reference: str, token: str) -> None:
    """Keep the token of a case just filed for the confirmation page, enciphered with a key
    that `response` hands to this browser alone."""
    key = _filed_key(request) or secrets.token_bytes(32)
    tokens = dict(request.session.get(FILED_TOKENS_SESSION_KEY) or {})
    tokens[reference] = _seal(key, reference, token)
    request.session[FILED_TOKENS_SESSION_KEY] = tokens
    response.set_cookie(
        FILED_KEY_COOKIE,
        key.hex(),
        max_age=FILED_KEY_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def pop_filed_token(request: HttpRequest, reference: str) -> str | None:
    """The token of a case just filed, once: it is gone from the session afterwards. None
    without the key cookie of the browser that filed it."""
    tokens = dict(request.session.get(FILED_TOKENS_SESSION_KEY) or {})
    sealed = tokens.pop(reference, None)
    if tokens:
        request.session[FILED_TOKENS_SESSION_KEY] = tokens
    else:
        request.session.pop(FILED_TOKENS_SESSION_KEY, None)
    key = _filed_key(request)
    if not isinstance(sealed, str) or key is None:
        return None
    return _open(key, reference, sealed)


def forget_filed_key(request: HttpRequest, response: HttpResponse) -> None:
    """Drop the key cookie once no filed token waits for it any more."""
    if FILED_KEY_COOKIE in request.COOKIES and not request.session.get(FILED_TOKENS_SESSION_KEY):
        response.delete_cookie(FILED_KEY_COOKIE, samesite="Strict")
