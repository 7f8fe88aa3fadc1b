"""Tracking access as a session keeps it, read the same way by the web pages and the WebSockets.

A browser that presented a case's tracking token holds a grant for it under one session key,
as {case id: expiry as a Unix time}. Only grants still in force count, wherever they are read.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

TRACKED_CASES_SESSION_KEY = "tracked_cases"


class Session(Protocol):
    """What is read of a session: Django's on a request, or the one channels puts in a scope."""

    def get(self, key: str) -> Any: ...


def grants_in_force(session: Session, *, now: float | None = None) -> dict[str, int]:
    """The session's grants that have not expired, as {case id: expiry}. Anything malformed
    counts as no grant: a session is data, and a bad entry must never open or break a page."""
    granted = session.get(TRACKED_CASES_SESSION_KEY)
    if not isinstance(granted, dict):
        return {}
    moment = time.time() if now is None else now
    return {
        case_id: expiry
        for case_id, expiry in granted.items()
        if isinstance(expiry, int) and expiry > moment and _is_case_id(case_id)
    }


def tracked_ids(grants: Mapping[str, int]) -> frozenset[uuid.UUID]:
    return frozenset(uuid.UUID(case_id) for case_id in grants)


def _is_case_id(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True
