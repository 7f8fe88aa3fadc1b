"""Run the outbox dispatcher as its own worker process (production), or drain it once."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notifications.dispatch import dispatch_batch, dispatch_forever


class Command(BaseCommand):
    help = "Deliver pending notifications from the outbox. Runs until stopped unless --once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Deliver what is due now, then exit.")
        parser.add_argument(
            "--poll-seconds",
            type=float,
            default=1.0,
            help="How often to look for messages committed by other processes (default 1).",
        )

    def handle(self, *args: Any, once: bool, poll_seconds: float, **options: Any) -> None:
        if once:
            total = 0
            while sent := dispatch_batch():
                total += sent
            self.stdout.write(f"Attempted {total} deliveries.")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        dispatch_forever(stop=stop, poll_seconds=poll_seconds)
