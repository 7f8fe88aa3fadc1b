"""The baseline of `bench/live.py`: a bare channels consumer on the same Redis channel layer.

Served by uvicorn as `bench.live_bare:application` from the project root under the product's
settings, so the channel layer is the one the product uses. Every socket joins one group and
is sent what the group is sent: no authentication, no scoping, no database, nothing the product
adds. It inherits channels' `AsyncJsonWebsocketConsumer` unchanged, as an application written
with channels would.
"""

from __future__ import annotations

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "bench.bare"


class BareConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def bench_hint(self, message: dict[str, Any]) -> None:
        await self.send_json(message["hint"])


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/bare/", BareConsumer.as_asgi())])})
