"""Replay the event log into the case projections (or, with --check, only compare)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.management.progress import Progress
from cases.rebuild import rebuild_projections
from cases.stream_workers import PARALLEL_FROM


class Command(BaseCommand):
    help = "Rebuild every case projection from its events. --check reports differences without writing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Compare only; change nothing.")
        parser.add_argument(
            "--workers",
            type=int,
            help=(
                "Processes that replay the streams, each a range of them, in this command's snapshot of the log "
                f"(PostgreSQL only); default: one per core from {PARALLEL_FROM:,} events on, else none."
            ),
        )

    def handle(self, *args: Any, check: bool, workers: int | None, **options: Any) -> None:
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1.")
        differences = rebuild_projections(
            check=check, progress=Progress("replayed events", self.stderr), workers=workers
        )
        for difference in differences:
            self.stdout.write(difference.describe())
        if check and differences:
            raise CommandError(f"{len(differences)} difference(s) between the projections and the events.")
        if differences:
            self.stdout.write(f"Rewrote projections: {len(differences)} difference(s) corrected.")
        else:
            self.stdout.write("Projections match the events.")
