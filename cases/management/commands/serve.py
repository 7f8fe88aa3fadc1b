"""Serve the product (ASGI, uvicorn) with its background work beside it.

Each server process runs an outbox dispatcher (`tracker.serving`), so live hints and mail leave
as soon as the process that committed them is done; the clock worker runs once, in this
process (with a dispatcher of its own when the server processes are others). `--workers N`
starts N server processes on one port; they share the channel layer (Redis) and the database,
so a hint committed in one reaches the sockets of all.
Deployments that scale and restart the parts apart run the ASGI server, `dispatch_outbox` and
`run_clock` as separate processes instead.
"""

import os
import threading
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.commands.clock import clock_forever
from notifications.dispatch import dispatch_forever

# How long a stop waits for open connections before cancelling them.
SHUTDOWN_SECONDS = 5


class Command(BaseCommand):
    help = (
        "Serve the tracker on HOST:PORT with an outbox dispatcher in each server process and the clock "
        "worker beside them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Server processes sharing the port (use the machine's cores; needs Redis for live hints).",
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if workers > 1 and str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).endswith("InMemoryChannelLayer"):
            # Each process would have a channel layer of its own: a hint committed in one
            # would never reach the sockets of another.
            raise CommandError("Several server processes need a shared channel layer: set REDIS_URL.")
        if not os.environ.get("PUBLIC_BASE_URL"):
            # Links in mails point where this server answers, unless the address people use
            # is set (behind a proxy, or another name). Through the environment, so the server
            # processes (where the dispatchers run) read it too.
            os.environ["PUBLIC_BASE_URL"] = settings.PUBLIC_BASE_URL = f"http://{host}:{port}"
        stop = threading.Event()
        background = [threading.Thread(target=clock_forever, kwargs={"stop": stop}, name="clock", daemon=True)]
        if workers > 1:
            # The clock commits here, where no server process runs: a dispatcher beside it
            # sends what the clock's events owe at once rather than at another's next poll.
            background.append(
                threading.Thread(target=dispatch_forever, kwargs={"stop": stop}, name="outbox", daemon=True)
            )
        for thread in background:
            thread.start()
        if workers > 1:
            from tracker.serving import PARENT_VARIABLE

            # The server processes stop once this one is gone.
            os.environ[PARENT_VARIABLE] = str(os.getpid())
        self.stdout.write(f"Serving on http://{host}:{port}/ with {workers} server process(es) (Ctrl-C to stop)")
        try:
            uvicorn.run(
                "tracker.serving:application",
                host=host,
                port=port,
                workers=workers,
                log_level="info",
                # Starts and stops each server process's outbox dispatcher.
                lifespan="on",
                # This protocol writes a frame without waiting for the client to read it, which
                # `notifications.fanout` relies on: a slow client holds up no other socket.
                ws="websockets-sansio",
                # Hints are a few hundred bytes: compressing each for each socket cost more server
                # time than anything else in sending it, and kept a compressor per connection.
                ws_per_message_deflate=False,
                # uvicorn would otherwise take X-Forwarded-For from any loopback peer as the
                # client's address, so a caller could pick its own and sidestep every limit.
                # Forwarded headers are trusted by `tracker.ratelimit.client_address` alone, as
                # far as RATE_LIMIT_TRUSTED_PROXIES says, and the access log is written by
                # `tracker.middleware.AccessLogMiddleware` with that same address.
                proxy_headers=False,
                access_log=False,
                # A stop waits this long for open sockets to finish, then cancels what is left:
                # a staff socket's channel-layer read, cancelled as its client leaves, can hang
                # in channels_redis, and without a limit the process would wait for it for ever,
                # holding the port and its connections.
                timeout_graceful_shutdown=SHUTDOWN_SECONDS,
            )
        finally:
            stop.set()
            for thread in background:
                thread.join(timeout=5)
