"""The ASGI application as `manage.py serve` runs it: the product, and in each server process
an outbox dispatcher started and stopped with it (ASGI lifespan).

A dispatcher in the process that commits is woken by that commit at once (`outbox_ready`);
one in another process would find the rows only at its next poll. So with several server
processes each runs its own, and they share the outbox through their leases.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from typing import Any

from tracker.asgi import application as product


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        await product(scope, receive, send)


async def _lifespan(receive: Any, send: Any) -> None:
    # Imported once `tracker.asgi` has made the app registry ready.
    from notifications.dispatch import dispatch_forever
    from notifications.outbox import outbox_ready

    stop = threading.Event()
    dispatcher = threading.Thread(target=dispatch_forever, kwargs={"stop": stop}, name="outbox", daemon=True)
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            dispatcher.start()
            _stop_when_orphaned(stop)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            stop.set()
            outbox_ready.set()  # end its wait now rather than at the next poll
            await asyncio.to_thread(dispatcher.join, 5)
            await send({"type": "lifespan.shutdown.complete"})
            return


# Set by `serve` for the server processes it starts (`--workers N`): its own process id.
PARENT_VARIABLE = "TRACKER_SERVE_PID"


def _stop_when_orphaned(stop: threading.Event, every_seconds: float = 1.0) -> None:
    """In a server process that `serve --workers N` started, shut down (as on SIGTERM) once
    `serve` is gone. A `serve` killed outright cannot stop its server processes, which would
    otherwise keep serving, holding the port, database connections and channel groups."""
    parent = os.environ.get(PARENT_VARIABLE)
    if not parent or int(parent) != os.getppid():
        return  # the process `serve` runs itself, or one not started by it

    def watch() -> None:
        while not stop.wait(every_seconds):
            if os.getppid() != int(parent):
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()
