"""WebSocket endpoints that push live hints about case events.

A hint carries the case, its new version and the event's global position, never content:
the client fetches what changed (and anything it missed) over HTTP. Who may listen is decided
by the same rules as the pages: a socket never tells anyone more than the pages would.
"""

from __future__ import annotations

import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.actors import Actor
from cases.models import Case
from cases.tracking_session import grants_in_force, tracked_ids
from notifications.dispatch import case_group, organisation_group


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
def _queue_organisation(scope: dict[str, Any]) -> int | None:
    """The organisation whose cases this person may follow: their own, and only if the
    workspace admits them (a regulator's group hears of the cases addressed to it)."""
    staff = _workspace_actor(scope)
    return staff.organisation_id if staff else None


class CaseEventsConsumer(AsyncJsonWebsocketConsumer):
    """Follows one case: staff of its organisation, or a member of the public tracking it."""

    async def connect(self) -> None:
        case_id = self.scope["url_route"]["kwargs"]["case_id"]
        if not await _may_follow_case(self.scope, case_id):
            await self.close(code=4403)
            return
        self.group = case_group(str(case_id))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def case_event(self, message: dict[str, Any]) -> None:
        await self.send_json(_hint(message))


class OrganisationQueueConsumer(AsyncJsonWebsocketConsumer):
    """Follows every case of the signed-in member of staff's organisation (live queues)."""

    async def connect(self) -> None:
        organisation_id = await _queue_organisation(self.scope)
        if organisation_id is None:
            await self.close(code=4403)
            return
        self.group = organisation_group(organisation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def case_event(self, message: dict[str, Any]) -> None:
        await self.send_json(_hint(message))


def _hint(message: dict[str, Any]) -> dict[str, Any]:
    keys = ("case_id", "reference", "position", "version", "event_type", "state")
    return {key: message[key] for key in keys}
