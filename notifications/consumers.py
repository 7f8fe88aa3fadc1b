"""WebSocket endpoints that push live hints about case events.

A hint carries the case, its new version and the event's global position, never content:
the client fetches what changed (and anything it missed) over HTTP.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.dispatch import case_group, organisation_group

TRACKED_CASES_SESSION_KEY = "tracked_cases"


@database_sync_to_async
def _may_follow_case(scope: dict[str, Any], case_id: uuid.UUID) -> bool:
    from accounts.actors import Actor
    from cases.models import Case

    user = scope.get("user")
    if user is not None and user.is_authenticated:
        actor = Actor.for_user(user)
    else:
        session = scope.get("session") or {}
        grants = session.get(TRACKED_CASES_SESSION_KEY) or {}
        now = time.time()
        # {case id: expiry}: only grants still in force count, as on the web pages.
        tracked = frozenset(uuid.UUID(case_id) for case_id, expiry in grants.items() if int(expiry) > now)
        actor = Actor.public(tracked_case_ids=tracked)
    return Case.objects.for_actor(actor).filter(pk=case_id).exists()


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
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.organisation_id or not user.role:
            await self.close(code=4401)
            return
        self.group = organisation_group(user.organisation_id)
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
