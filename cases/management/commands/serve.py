"""Serve the product (ASGI, uvicorn) with its background work in the same process.

For the embedded set-up only: production runs the ASGI server, `dispatch_outbox` and
`run_clock` as separate processes so that each can be scaled and restarted on its own.
"""

import os
import threading
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cases.commands.clock import clock_forever
from notifications.dispatch import dispatch_forever


class Command(BaseCommand):
    help = "Serve the tracker on HOST:PORT with the outbox dispatcher and the clock worker running beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        if not os.environ.get("PUBLIC_BASE_URL"):
            # Links in mails point where this server answers, unless the address people use
            # is set (behind a proxy, or another name).
            settings.PUBLIC_BASE_URL = f"http://{host}:{port}"
        stop = threading.Event()
        workers = [
            threading.Thread(target=dispatch_forever, kwargs={"stop": stop}, name="outbox", daemon=True),
            threading.Thread(target=clock_forever, kwargs={"stop": stop}, name="clock", daemon=True),
        ]
        for worker in workers:
            worker.start()
        self.stdout.write(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)")
        try:
            uvicorn.run(
                "tracker.asgi:application",
                host=host,
                port=port,
                log_level="info",
                lifespan="off",
                # uvicorn would otherwise take X-Forwarded-For from any loopback peer as the
                # client's address, so a caller could pick its own and sidestep every limit.
                # Forwarded headers are trusted by `tracker.ratelimit.client_address` alone, as
                # far as RATE_LIMIT_TRUSTED_PROXIES says, and the access log is written by
                # `tracker.middleware.AccessLogMiddleware` with that same address.
                proxy_headers=False,
                access_log=False,
            )
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=5)
