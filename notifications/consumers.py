"""WebSocket endpoints that push live hints about case events.

A hint carries the case, its new version and the event's global position, never content:
the client fetches what changed (and anything it missed) over HTTP. Who may listen is decided
by the same rules as the pages: a socket never tells anyone more than the pages would.
Hints reach the sockets through this process's hub (`notifications.fanout`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, WebsocketConsumer

from accounts.actors import Actor
from cases.models import Case
from cases.tracking_session import grants_in_force, tracked_ids
from notifications.dispatch import case_group, organisation_group
from notifications.fanout import SERVER_SEND, SIGNED_OUT, local_hub

__all__ = ["SIGNED_OUT", "CaseEventsConsumer", "OrganisationQueueConsumer", "UnknownSocketConsumer", "session_group"]

logger = logging.getLogger(__name__)


def session_group(session_key: str) -> str:
    """The group of every socket opened with one session, named by a digest: the key itself
    would let whoever reads the channel layer take over the session."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def _workspace_actor(scope: dict[str, Any]) -> Actor | None:
    """The signed-in member of staff or regulator's officer, if the workspace would admit them."""
    user = scope.get("user")
    # Sign-in already refuses a deactivated account; a session opened before it was
    # deactivated must not keep listening either.
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    actor = Actor.for_user(user)
    return actor if actor.may_use_workspace else None


def _tracking_actor(scope: dict[str, Any]) -> Actor:
    """The browser as the tracking pages see it: the public, with its grants still in force."""
    return Actor.public(tracked_case_ids=tracked_ids(grants_in_force(scope.get("session") or {})))


@database_sync_to_async
def _may_follow_case(scope: dict[str, Any], case_id: uuid.UUID) -> bool:
    """Whether the staff workspace or the tracking pages would show this browser the case."""
    staff = _workspace_actor(scope)
    actors = [staff, _tracking_actor(scope)] if staff else [_tracking_actor(scope)]
    return any(Case.objects.for_actor(actor).filter(pk=case_id).exists() for actor in actors)


class _HintSocket(AsyncJsonWebsocketConsumer):
    """What both sockets share.

    Hints are written to the socket by the process's hub (`notifications.fanout`); the channel
    layer carries only the end of a session. A socket admitted for a signed-in member of staff
    stops as soon as that session ends: signing out closes it at once through the session's
    group, and the hub re-checks the session before each hint, in case that message was lost
    (channel layers deliver at most once) or the session ended some other way.

    A socket leaves every group it joined however it ends: closed by either side, cut off (the
    client killed, the connection reset) or stopped by an error in a handler. A member left
    behind would be sent every hint of its organisation until the group expires."""

    signed_in_as: tuple[str, str] | None = None
    accepted = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hint_groups: set[str] = set()
        self.layer_groups: set[str] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await asyncio.shield(self.leave_groups())

    async def dispatch(self, message: dict[str, Any]) -> None:
        # channels' consumers close stale database connections (a hop to the database thread)
        # before every message. These handlers reach the database only through
        # `database_sync_to_async`, which does that clean-up itself; a hint not at all.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def join(self, hint_group: str) -> None:
        """Follow a hint group, and the end of the session if a member of staff signed in."""
        session = self.scope.get("session")
        user = self.scope.get("user")
        joining = [local_hub(self.channel_layer).join(hint_group, self)]
        self.hint_groups.add(hint_group)
        if user is not None and user.is_authenticated and session is not None and session.session_key:
            # Set before joining, so no hint reaches this socket unchecked.
            self.signed_in_as = (session.session_key, str(user.pk))
            ending = session_group(session.session_key)
            self.layer_groups.add(ending)
            joining.append(self.channel_layer.group_add(ending, self.channel_name))
        await asyncio.gather(*joining)

    async def leave_groups(self) -> None:
        hint_groups, self.hint_groups = self.hint_groups, set()
        layer_groups, self.layer_groups = self.layer_groups, set()
        leaving = [local_hub(self.channel_layer).leave(group, self) for group in hint_groups]
        leaving += [self.channel_layer.group_discard(group, self.channel_name) for group in layer_groups]
        try:
            await asyncio.gather(*leaving)
        except Exception:  # the channel layer away: its groups expire in the end
            logger.warning("a closed socket could not leave its groups", exc_info=True)

    async def disconnect(self, code: int) -> None:
        await self.leave_groups()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        # These sockets only speak. What a client sends is ignored, never decoded: a malformed
        # message must not end the socket with a server error.
        return

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def write_hint(self, text: str) -> None:
        if not self.accepted:
            # Joined but not yet open: the hint is of a commit from before the socket opened,
            # which its client reads over HTTP anyway (and a frame before the handshake's
            # answer is refused by the server).
            return
        server_send = self.scope.get(SERVER_SEND)
        if server_send is None:
            await self.send(text_data=text)
        else:
            await server_send({"type": "websocket.send", "text": text})

    async def session_ended(self, message: dict[str, Any]) -> None:
        await self.close(code=SIGNED_OUT)


def _queue_organisation(scope: dict[str, Any]) -> int | None:
    """The organisation whose cases this person may follow: their own, and only if the
    workspace admits them (a regulator's group hears of the cases addressed to it)."""
    staff = _workspace_actor(scope)
    return staff.organisation_id if staff else None


class CaseEventsConsumer(_HintSocket):
    """Follows one case: staff of its organisation, or a member of the public tracking it."""

    async def connect(self) -> None:
        case_id = self.scope["url_route"]["kwargs"]["case_id"]
        if not await _may_follow_case(self.scope, case_id):
            await self.close(code=4403)
            return
        await self.join(case_group(str(case_id)))
        await self.accept()


class OrganisationQueueConsumer(_HintSocket):
    """Follows every case of the signed-in member of staff's organisation (live queues)."""

    async def connect(self) -> None:
        # The user was read with the session by the authentication middleware: no query here.
        organisation_id = _queue_organisation(self.scope)
        if organisation_id is None:
            await self.close(code=4403)
            return
        await self.join(organisation_group(organisation_id))
        await self.accept()


class UnknownSocketConsumer(WebsocketConsumer):
    """Every WebSocket address the product does not serve: the handshake is refused (HTTP 403
    before the upgrade), where channels' router would fail it with a server error."""

    def connect(self) -> None:
        self.close()
