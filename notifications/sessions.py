"""Ending the live sockets of a session when its user signs out."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.http import HttpRequest

from notifications.consumers import session_group

logger = logging.getLogger(__name__)


def close_session_sockets(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Receiver of `user_logged_out`: tell every socket opened with this session to close.
    The session still has its key here (Django flushes it after the signal). A lost message
    is covered by the sockets re-checking the session before each hint."""
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    layer = get_channel_layer()
    if not key or layer is None:
        return
    try:
        async_to_sync(layer.group_send)(session_group(key), {"type": "session.ended"})
    except Exception:
        # Signing out must never fail because the channel layer is away; the re-check holds.
        logger.warning("could not tell the sockets of a session that it ended", exc_info=True)
