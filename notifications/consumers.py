"""WebSocket endpoints that push live hints about case events.

A hint carries the case, its new version and the event's global position, never content:
the client fetches what changed (and anything it missed) over HTTP. Who may listen is decided
by the same rules as the pages: a socket never tells anyone more than the pages would.
"""

from __future__ import annotations

import hashlib
import uuid
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, WebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import SessionBase

from accounts.actors import Actor
from cases.models import Case
from cases.tracking_session import grants_in_force, tracked_ids
from notifications.dispatch import case_group, organisation_group

# Close code sent when the session a staff socket was opened with has ended.
SIGNED_OUT = 4401


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


@database_sync_to_async
def _still_signed_in(scope: dict[str, Any]) -> bool:
    """Whether the session this socket was opened with still signs its user in, read afresh
    from the session store: signing out (or an expired or deleted session) ends it."""
    user = scope.get("user")
    session = scope.get("session")
    if user is None or not isinstance(session, SessionBase) or session.session_key is None:
        return False
    fresh = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session.session_key)
    if str(fresh.get(SESSION_KEY, "")) != str(user.pk):
        return False
    return get_user_model().objects.filter(pk=user.pk, is_active=True).exists()


class _StaffSocket(AsyncJsonWebsocketConsumer):
    """What both sockets share: a socket admitted for a signed-in member of staff stops as
    soon as that session ends. Logging out closes it at once through the session's group;
    each hint re-checks the session too, in case that message was lost (channel layers
    deliver at most once) or the session ended some other way."""

    staff_session: str | None = None

    async def join_session_group(self) -> None:
        session = self.scope.get("session")
        user = self.scope.get("user")
        if user is not None and user.is_authenticated and session is not None and session.session_key:
            self.staff_session = session_group(session.session_key)
            await self.channel_layer.group_add(self.staff_session, self.channel_name)

    async def leave_groups(self) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.staff_session:
            await self.channel_layer.group_discard(self.staff_session, self.channel_name)

    async def session_ended(self, message: dict[str, Any]) -> None:
        await self.close(code=SIGNED_OUT)

    async def send_hint_if_still_allowed(self, message: dict[str, Any]) -> None:
        if self.staff_session and not await _still_signed_in(self.scope):
            await self.close(code=SIGNED_OUT)
            return
        await self.send_json(_hint(message))


@database_sync_to_async
def _queue_organisation(scope: dict[str, Any]) -> int | None:
    """The organisation whose cases this person may follow: their own, and only if the
    workspace admits them (a regulator's group hears of the cases addressed to it)."""
    staff = _workspace_actor(scope)
    return staff.organisation_id if staff else None


class CaseEventsConsumer(_StaffSocket):
    """Follows one case: staff of its organisation, or a member of the public tracking it."""

    async def connect(self) -> None:
        case_id = self.scope["url_route"]["kwargs"]["case_id"]
        if not await _may_follow_case(self.scope, case_id):
            await self.close(code=4403)
            return
        self.group = case_group(str(case_id))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.join_session_group()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.leave_groups()

    async def case_event(self, message: dict[str, Any]) -> None:
        await self.send_hint_if_still_allowed(message)


class OrganisationQueueConsumer(_StaffSocket):
    """Follows every case of the signed-in member of staff's organisation (live queues)."""

    async def connect(self) -> None:
        organisation_id = await _queue_organisation(self.scope)
        if organisation_id is None:
            await self.close(code=4403)
            return
        self.group = organisation_group(organisation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.join_session_group()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.leave_groups()

    async def case_event(self, message: dict[str, Any]) -> None:
        await self.send_hint_if_still_allowed(message)


class UnknownSocketConsumer(WebsocketConsumer):
    """Every WebSocket address the product does not serve: the handshake is refused (HTTP 403
    before the upgrade), where channels' router would fail it with a server error."""

    def connect(self) -> None:
        self.close()


def _hint(message: dict[str, Any]) -> dict[str, Any]:
    keys = ("case_id", "reference", "position", "version", "event_type", "state")
    return {key: message[key] for key in keys}
