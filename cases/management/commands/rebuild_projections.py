"""Replay the event log into the case projections (or, with --check, only compare)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.management.progress import Progress
from cases.rebuild import rebuild_projections


class Command(BaseCommand):
    help = "Rebuild every case projection from its events. --check reports differences without writing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Compare only; change nothing.")

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        differences = rebuild_projections(check=check, progress=Progress("replayed events", self.stderr))
        for difference in differences:
            self.stdout.write(difference.describe())
        if check and differences:
            raise CommandError(f"{len(differences)} difference(s) between the projections and the events.")
        if differences:
            self.stdout.write(f"Rewrote projections: {len(differences)} difference(s) corrected.")
        else:
            self.stdout.write("Projections match the events.")
