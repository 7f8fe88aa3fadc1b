"""Run the clock worker as its own process (production), or tick once."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.commands.clock import clock_forever, clock_jobs_run, clock_tick


class Command(BaseCommand):
    help = (
        "Record deadlines that have passed (an incident's report to the regulator) and run the other work of "
        "each tick (the staff's daily digests when due). Runs until stopped unless --once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Record what has passed by now, then exit.")

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        if once:
            self.stdout.write(f"Recorded {clock_tick()} passed deadlines.")
            clock_jobs_run()  # and what else the worker does each tick (the staff digests)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        clock_forever(stop=stop)
